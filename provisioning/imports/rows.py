"""One import row to a new user: createUser's rules, with references given by name."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from provisioning.errors import Problem
from provisioning.imports.reader import MAX_CELL_CHARS
from provisioning.users.model import UserSource
from provisioning.users.one_time_passwords import one_time_password_problems
from provisioning.users.required import with_defaults
from provisioning.users.rules import Checker
from provisioning.users.write import FULL, OBSERVER, CheckedUser, UserDraft, check_new_user
from store.database import Store
from store.organizations import OrganizationRecord

FORMULA_PREFIX = "="

# createUser's field names, as the import's columns name them.
_FIELD_OF = {
    "departmentId": "department",
    "jobProfileId": "jobProfile",
    "permissionTypeId": "permissionType",
    "companyId": "company",
    "password": "oneTimePassword",
}


def name_key(name: str) -> str:
    """What two spellings of one name share: case and runs of spaces do not count."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class ReferenceNames:
    """The organization's reference data, by name key: what the template's lists offer."""

    departments: dict[str, str]
    job_profiles: dict[str, str]
    permission_types: dict[str, str]
    companies: dict[str, str]


async def load_reference_names(store: Store, org_id: str) -> ReferenceNames:
    lists = await asyncio.gather(
        store.departments.list(org_id),
        store.job_profiles.list(org_id),
        store.permission_types.list(org_id),
        store.companies.list(org_id),
    )
    departments, job_profiles, permission_types, companies = (
        {name_key(r.name): r.id for r in records if not r.retired} for records in lists
    )
    return ReferenceNames(departments, job_profiles, permission_types, companies)


@dataclass(frozen=True)
class PreparedRow:
    number: int
    draft: UserDraft  # references resolved to ids
    checked: CheckedUser
    password: str | None  # the one-time password, to be hashed


@dataclass(frozen=True)
class RowProblem:
    field: str | None
    code: str
    message: str


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(p.strip().upper() for p in (value or "").replace(";", ",").split(",") if p.strip())


def prepare_row(
    number: int,
    cells: dict[str, str | None],
    names: ReferenceNames,
    organization: OrganizationRecord,
    holds_admin: bool,
) -> PreparedRow | list[RowProblem]:
    """The row's draft, or every problem it has (as createUser would report them);
    `holds_admin`: whether the job's caller may grant roles and set passwords."""
    problems: list[RowProblem] = []
    for key, value in cells.items():
        if value is not None and len(value) > MAX_CELL_CHARS:
            problems.append(
                RowProblem(key, "INVALID", f"This cell is longer than {MAX_CELL_CHARS} characters.")
            )
        elif value is not None and value.startswith(FORMULA_PREFIX):
            problems.append(
                RowProblem(
                    key,
                    "INVALID",
                    "This cell is a formula, and formulas are never evaluated: type the value.",
                )
            )
    if problems:
        return problems

    references: dict[str, str | None] = {}
    for key, lookup, label in (
        ("department", names.departments, "Department"),
        ("jobProfile", names.job_profiles, "Job profile"),
        ("permissionType", names.permission_types, "Permission type"),
        ("company", names.companies, "Company"),
    ):
        given = cells.get(key)
        reference = lookup.get(name_key(given)) if given else None
        if given and reference is None:
            problems.append(
                RowProblem(key, "NOT_FOUND", f"{label} {given!r} not found in this organization.")
            )
        references[key] = reference

    seat = (cells.get("seat") or OBSERVER).upper()
    password = cells.get("oneTimePassword")
    draft = with_defaults(
        UserDraft(
            first_name=cells.get("firstName") or "",
            last_name=cells.get("lastName") or "",
            email=cells.get("email"),
            username=cells.get("username"),
            phone=cells.get("phone"),
            language=cells.get("language"),
            department_id=references["department"],
            job_profile_id=references["jobProfile"],
            permission_type_id=references["permissionType"],
            company_id=references["company"],
            roles=_split(cells.get("roles")),
            seat=seat if seat in (FULL, OBSERVER) else cells.get("seat") or OBSERVER,
            source=UserSource.IMPORT,
            must_change_password=password is not None,
        ),
        organization,
    )
    check = Checker(prefix=())
    checked = check_new_user(check, draft, organization, holds_admin)
    found: list[Problem] = list(check.problems)
    if password is not None:
        found += one_time_password_problems(
            password, checked.email, checked.username, ("oneTimePassword",)
        )
    problems += [
        RowProblem(_FIELD_OF.get(p.field[-1], p.field[-1]) if p.field else None, p.code, p.message)
        for p in found
    ]
    if problems:
        return problems
    return PreparedRow(number, draft, checked, password)
