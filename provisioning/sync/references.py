"""The companies and departments an inbound run places people in: matched by name,
case-insensitively, and created when the directory names one the organization lacks."""

from __future__ import annotations

import dataclasses

from provisioning.audit import record_event
from provisioning.sync.plan import Plan
from provisioning.sync.state import RunState
from store.ids import new_id
from store.reference import ReferenceRecord, name_key


async def companies_of(state: RunState, plan: Plan) -> dict[str, str]:
    """Company name key (name_key) -> company id, creating the directory's new companies."""
    deps = state.deps
    existing = await deps.store.directory.companies_by_name(state.org_id)
    found = {key: company_id for key, (company_id, _) in existing.items()}
    wanted: dict[str, str] = {}
    for external_id, person in plan.people.items():
        if person.company and external_id not in plan.problems and person.active:
            wanted.setdefault(name_key(person.company), person.company)
    missing = [name for key, name in wanted.items() if key not in found]
    if missing and not state.dry_run:
        created = await deps.store.directory.insert_companies(
            state.org_id, missing, state.integration.key, deps.clock()
        )
        for name, company_id in created.items():
            found[name_key(name)] = company_id
            await record_event(
                deps,
                state.caller,
                "company.created",
                "Company",
                company_id,
                {"name": {"before": None, "after": name}},
                metadata={"integration_id": state.integration.id},
            )
        if len(created) < len(missing):
            # Another request (SCIM, a concurrent run) created some of them meanwhile.
            again = await deps.store.directory.companies_by_name(state.org_id)
            found.update({key: company_id for key, (company_id, _) in again.items()})
    elif missing:
        found.update({name_key(name): f"(new) {name}" for name in missing})
    return found


@dataclasses.dataclass(frozen=True)
class Departments:
    """The organization's departments: name key -> id (store/reference.py's name_key, as
    their unique index compares names), and id -> name key."""

    by_name: dict[str, str]
    names: dict[str, str]

    def id_for(self, name: str | None, current: str | None) -> str | None:
        """The department `name` stands for; the user's current one if it has that name."""
        if name is None:
            return None
        key = name_key(name)
        if current is not None and self.names.get(current) == key:
            return current
        return self.by_name.get(key)


async def departments_of(state: RunState, plan: Plan) -> Departments:
    """The organization's departments, with the directory's new ones created."""
    deps = state.deps
    existing = await deps.store.departments.list(state.org_id)
    names = {d.id: name_key(d.name) for d in existing}
    by_name: dict[str, str] = {}
    for department_id, key in names.items():
        by_name.setdefault(key, department_id)  # the first, should an old pair fold alike
    wanted: dict[str, str] = {}
    for external_id, person in plan.people.items():
        if person.department and external_id not in plan.problems and person.active:
            wanted.setdefault(name_key(person.department), person.department)
    missing = [
        ReferenceRecord(id=new_id(), org_id=state.org_id, name=name)
        for key, name in wanted.items()
        if key not in by_name
    ]
    if missing and not state.dry_run:
        await deps.store.departments.insert_many(state.org_id, missing)
        for department in missing:
            await record_event(
                deps,
                state.caller,
                "department.created",
                "Department",
                department.id,
                {"name": {"before": None, "after": department.name}},
                metadata={"integration_id": state.integration.id, "run_id": state.run.id},
            )
    for department in missing:
        by_name[name_key(department.name)] = department.id
        names[department.id] = name_key(department.name)
    return Departments(by_name, names)
