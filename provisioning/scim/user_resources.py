"""Roster's user as a SCIM User (RFC 7643 §4.1, with the enterprise extension), and a
SCIM User read into what Roster wants of it.

Mapping (Roster user <-> SCIM User with the enterprise extension):

- userName: when it holds an "@" it is the user's email (and the user has no username);
  otherwise it is the username, and the email comes from `emails` (the primary entry,
  else the "work" one, else the first). Read back, userName is the username if the user
  has one, else the email.
- name.givenName / name.familyName: first and last name (required by Roster; when absent,
  name.formatted or displayName is split at the last space).
- emails: the one email, read back as [{"value": email, "type": "work"}].
- phoneNumbers: the phone, E.164 (a "tel:" prefix is accepted): the "mobile" entry, else
  "work", else the primary, else the first; read back as type "mobile".
- preferredLanguage: the language (BCP 47). Absent means the organization's default, so
  it is read back only when it differs from that default.
- active: false disables the user (sessions revoked at once), true enables them again.
- externalId: kept on the user, case-exact.
- enterprise department: the department of that name (case-insensitive), created when
  the organization has none by that name; enterprise organization: the company of that
  name, created as a partner company when there is none (provisioning/scim/companies.py;
  the SCIM settings may refuse instead). Absent means the organization's own company (as
  for any user created without one), so it is read back only for another company.
Other attributes (displayName, title, addresses, password, manager, ...) are accepted and
not stored.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from scim2_models import (
    Context,
    Email,
    EnterpriseUser,
    Meta,
    Name,
    PatchOp,
    PhoneNumber,
    Role,
    User,
)

from provisioning.dependencies import Dependencies
from provisioning.integrations.names import guess_name
from provisioning.scim.access import ScimRefused, parse_body
from provisioning.users.write import DISABLED
from store.users import UserRecord

ScimUser = User[EnterpriseUser]


def version_of(record: UserRecord) -> str:
    """The weak ETag of a user: their last change, to the millisecond."""
    return f'W/"{int(record.updated_at.timestamp() * 1000)}"'


@dataclass(frozen=True)
class Names:
    """Department and company names by id, and the organization's default language."""

    departments: dict[str, str]
    companies: dict[str, str]
    default_language: str
    own_company_id: str | None


async def names_for(deps: Dependencies, org_id: str, records: list[UserRecord]) -> Names:
    department_ids = sorted({r.department_id for r in records if r.department_id})
    company_ids = sorted({r.company_id for r in records if r.company_id})
    departments, companies, organization = await asyncio.gather(
        deps.store.departments.get_many(org_id, department_ids),
        deps.store.companies.get_many(org_id, company_ids),
        deps.store.organizations.get(org_id),
    )
    return Names(
        departments={i: r.name for i, r in departments.items()},
        companies={i: r.name for i, r in companies.items()},
        default_language=organization.default_language if organization else "en",
        own_company_id=organization.own_company_id if organization else None,
    )


def to_resource(record: UserRecord, names: Names, base_url: str) -> ScimUser:
    resource = ScimUser(
        id=record.id,
        external_id=record.external_id,
        user_name=record.username or record.email,
        name=Name(given_name=record.first_name, family_name=record.last_name),
        active=record.status != DISABLED,
        emails=[Email(value=record.email, type=Email.Type.work)] if record.email else None,
        phone_numbers=(
            [PhoneNumber(value=record.phone, type=PhoneNumber.Type.mobile)]
            if record.phone
            else None
        ),
        preferred_language=(record.language if record.language != names.default_language else None),
        # Read-only in SCIM: roles are given by admins over GraphQL (check_rights).
        roles=[Role(value=role) for role in record.roles] or None,
        meta=Meta(
            resource_type="User",
            created=record.created_at,
            last_modified=record.updated_at,
            location=f"{base_url}/Users/{record.id}",
            version=version_of(record),
        ),
    )
    department = names.departments.get(record.department_id or "")
    # Absent means the organization's own company, as for a user created without one.
    company = (
        names.companies.get(record.company_id or "")
        if record.company_id != names.own_company_id
        else None
    )
    if department or company:
        resource[EnterpriseUser] = EnterpriseUser(department=department, organization=company)
    return resource


def parse_user(payload: Any, context: Context) -> ScimUser:
    return parse_body(ScimUser, payload, context)


def parse_patch(payload: Any) -> PatchOp[ScimUser]:
    return parse_body(PatchOp[ScimUser], payload, Context.RESOURCE_PATCH_REQUEST)


@dataclass(frozen=True)
class Wanted:
    """The state a SCIM request asks for, in Roster's terms."""

    first_name: str
    last_name: str
    email: str | None
    username: str | None
    phone: str | None
    language: str | None
    active: bool
    external_id: str | None
    department: str | None
    organization: str | None


def _pick(entries: list[Any] | None, *kinds: str) -> Any | None:
    values = [e for e in entries or [] if getattr(e, "value", None)]
    for kind in kinds:
        for entry in values:
            if kind == "primary" and entry.primary:
                return entry
            if entry.type is not None and str(entry.type).lower() == kind:
                return entry
    return values[0] if values else None


def _split(full: str | None) -> tuple[str, str] | None:
    words = (full or "").split()
    if len(words) < 2:
        return None
    return " ".join(words[:-1]), words[-1]


def wanted_from(resource: ScimUser) -> Wanted:
    user_name = (resource.user_name or "").strip()
    if not user_name:
        raise ScimRefused("invalidValue", "userName is required.")
    if "@" in user_name:
        email: str | None = user_name
        username = None
    else:
        username = user_name
        entry = _pick(resource.emails, "primary", "work")
        email = str(entry.value) if entry else None
    phone_entry = _pick(resource.phone_numbers, "mobile", "work", "primary")
    phone = str(phone_entry.value) if phone_entry else None
    if phone and phone.lower().startswith("tel:"):
        phone = phone[4:].replace("-", "")
    given = resource.name.given_name if resource.name else None
    family = resource.name.family_name if resource.name else None
    if not (given and family):
        split = _split(resource.name.formatted if resource.name else None) or _split(
            resource.display_name
        )
        guess = guess_name(email) if email else None
        given = given or (split[0] if split else None) or (guess.first_name if guess else None)
        family = family or (split[1] if split else None) or (guess.last_name if guess else None)
    enterprise = resource[EnterpriseUser]
    active = resource.active
    return Wanted(
        first_name=given or "",
        last_name=family or "",
        email=email,
        username=username,
        phone=phone,
        language=resource.preferred_language,
        active=True if active is None else bool(active),
        external_id=resource.external_id,
        department=(enterprise.department or None) if enterprise else None,
        organization=(enterprise.organization or None) if enterprise else None,
    )
