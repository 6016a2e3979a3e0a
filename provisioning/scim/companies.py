"""The company a SCIM user's enterprise `organization` names.

Identity providers send a person's company as text, as they send the department. A name
the organization has (as store/reference.py's name_key compares names) is that company; a
new one is created as a partner company, as a department is, unless the organization's
SCIM settings say to refuse it (createCompanies false: 400 invalidValue). The unique index
on the name key makes concurrent requests naming one new company create it once.
"""

from __future__ import annotations

from provisioning.audit import record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.scim.access import ScimRefused, changed_meanwhile
from provisioning.users.rules import MAX_NAME_LENGTH
from store.ids import new_id
from store.reference import NameTaken, ReferenceRecord

PARTNER = "PARTNER"


def clean_company_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ScimRefused("invalidValue", "organization is blank.")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ScimRefused("invalidValue", f"organization is longer than {MAX_NAME_LENGTH}.")
    return cleaned


async def existing_company(deps: Dependencies, org_id: str, name: str) -> str | None:
    """The id of the organization's company of that name, if it has one."""
    found = await deps.store.companies.named(org_id, clean_company_name(name))
    return found.id if found else None


async def create_company(deps: Dependencies, caller: Caller, name: str, org_name: str) -> str:
    """Creates the partner company `name` (audited), or refuses it if the settings say so.
    A concurrent request that created it first: that company is the one."""
    org_id = caller.org_id
    cleaned = clean_company_name(name)
    if not (await deps.store.scim.settings(org_id)).create_companies:
        raise ScimRefused(
            "invalidValue",
            f"organization {cleaned!r} is not a company of {org_name}, and this organization's"
            " SCIM settings do not create companies.",
        )
    record = ReferenceRecord(id=new_id(), org_id=org_id, name=cleaned, kind=PARTNER)
    try:
        await deps.store.companies.insert_many(org_id, [record])
    except NameTaken as error:
        created = await deps.store.companies.named(org_id, cleaned)
        if created is None:
            raise changed_meanwhile() from error
        return created.id
    await record_event(
        deps,
        caller,
        "company.created",
        "Company",
        record.id,
        {"name": {"before": None, "after": cleaned}},
        metadata={"source": "SCIM"},
    )
    return record.id
