"""Between SCIM users and Roster's users. Pure functions.

A directory owns these fields of the users it manages: first and last name, email and
company always; phone and department only where its sync config says so (FieldMap: they
are opt-in, since many directories carry neither). An edit of an owned field in Roster is
refused (MANAGED_EXTERNALLY), and a run puts back any of them changed behind its back. A
field the directory does not own is neither read nor changed by a run: it is Roster's.

- phone (`syncPhone`): from `phoneNumbers`, the primary entry, else the "work" one, else
  the "mobile" one, else the first; normalised to E.164 by the rules of every other way in
  (provisioning/validation.py). The number chosen is the one that counts: if it is not
  valid, the record is PHONE_INVALID (never another number picked in silence). No number
  there: the user has none here.
- department (`departmentAttribute`, usually the enterprise extension's `department`,
  DEPARTMENT_ATTRIBUTE): a name, matched to the organization's departments by
  provisioning/sync/references.py. None there: none here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from provisioning.integrations.names import guess_name, split_display_name
from provisioning.sync.peer import Resource
from provisioning.sync.scim import ENTERPRISE_SCHEMA, USER_SCHEMA, parse_time
from provisioning.users.rules import Checker
from store.sync_configs import SyncConfigRecord
from store.users import UserRecord

# Every field a directory may own, in the order errors name them; the first four always.
DIRECTORY_FIELDS = ("first_name", "last_name", "email", "company_id", "phone", "department_id")
ALWAYS_OWNED = DIRECTORY_FIELDS[:4]
OPTIONAL_FIELDS = ("phone", "department_id")  # owned only where the sync config says so
DEFAULT_COMPANY_ATTRIBUTE = f"{ENTERPRISE_SCHEMA}:organization"
# The usual departmentAttribute (the outbound push always writes the department there).
DEPARTMENT_ATTRIBUTE = f"{ENTERPRISE_SCHEMA}:department"

EMAIL_TAKEN = "EMAIL_TAKEN"
MISSING_EMAIL = "MISSING_EMAIL"
MISSING_COMPANY = "MISSING_COMPANY"
PHONE_INVALID = "PHONE_INVALID"
REMOTE_EMAIL_EXISTS = "REMOTE_EMAIL_EXISTS"
REMOTE_REJECTED = "REMOTE_REJECTED"
SOURCE_UNAVAILABLE = "SOURCE_UNAVAILABLE"
# The directory would change what only an admin may (an admin's email): not applied.
FORBIDDEN = "FORBIDDEN"
CODES = (
    EMAIL_TAKEN,
    MISSING_EMAIL,
    MISSING_COMPANY,
    PHONE_INVALID,
    REMOTE_EMAIL_EXISTS,
    REMOTE_REJECTED,
    SOURCE_UNAVAILABLE,
    FORBIDDEN,
)
MAX_RECORD_CHARS = 4000


@dataclass(frozen=True)
class Person:
    """A directory's user, as Roster would store it."""

    external_id: str
    active: bool
    last_modified: datetime | None
    email: str | None
    first_name: str
    last_name: str
    company: str | None
    record: str
    phone: str | None = None  # E.164 (None also where the phone is not synced)
    department: str | None = None  # a name, as the directory spells it (or not synced)


@dataclass(frozen=True)
class FieldMap:
    """What a directory maps, as its sync config says: where the company is, whether the
    phone is read, and where the department is (None: not read)."""

    company_attribute: str | None = None
    sync_phone: bool = False
    department_attribute: str | None = None

    @classmethod
    def of(cls, config: SyncConfigRecord | None) -> FieldMap:
        """A config's map; no config: the fields every directory owns, and no others."""
        if config is None:
            return cls()
        return cls(config.company_attribute, config.sync_phone, config.department_attribute)

    @property
    def owned(self) -> tuple[str, ...]:
        """The fields of its users the directory owns, in DIRECTORY_FIELDS order."""
        optional = {"phone": self.sync_phone, "department_id": bool(self.department_attribute)}
        return tuple(f for f in DIRECTORY_FIELDS if optional.get(f, True))


@dataclass(frozen=True)
class Problem:
    code: str
    message: str


def record_text(resource: Resource) -> str:
    """The record as the source sent it, for the person who fixes it (bounded)."""
    text = json.dumps(resource, sort_keys=True, default=str)
    return text if len(text) <= MAX_RECORD_CHARS else text[:MAX_RECORD_CHARS] + "…"


def attribute(resource: Resource, path: str) -> Any:
    """A value by SCIM attribute path: `title`, `name.givenName`, or a schema URN prefix
    (`urn:…:enterprise:2.0:User:organization`)."""
    node: Any = resource
    if path.startswith("urn:"):
        schema, _, path = path.rpartition(":")
        node = resource.get(schema)
        if node is None and schema == USER_SCHEMA:
            node = resource
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = next((v for k, v in node.items() if k.lower() == part.lower()), None)
    return node


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    cleaned = " ".join(value.split())
    return cleaned or None


def _email(resource: Resource) -> str | None:
    emails = resource.get("emails")
    candidates: list[Any] = []
    if isinstance(emails, list):
        items = [e for e in emails if isinstance(e, dict)]
        candidates += [e.get("value") for e in items if e.get("primary")]
        candidates += [e.get("value") for e in items if e.get("type") == "work"]
        candidates += [e.get("value") for e in items]
    candidates.append(resource.get("userName"))
    for candidate in candidates:
        text = _text(candidate)
        if text and "@" in text:
            check = Checker()
            email = check.email(text)
            if email and not check.problems:
                return email
    return None


def _phone_text(resource: Resource) -> str | None:
    """The number the directory gives first: primary, else work, else mobile, else any."""
    numbers = resource.get("phoneNumbers")
    if not isinstance(numbers, list):
        return None
    items = [n for n in numbers if isinstance(n, dict) and _text(n.get("value"))]

    def of_type(kind: str) -> list[dict[str, Any]]:
        return [n for n in items if str(n.get("type") or "").lower() == kind]

    ranked = [n for n in items if n.get("primary") is True] + of_type("work") + of_type("mobile")
    ranked += items
    return _text(ranked[0].get("value")) if ranked else None


def read_person(resource: Resource, fields: FieldMap) -> tuple[Person | None, Problem | None]:
    """The person, or why it cannot be applied (MISSING_EMAIL, MISSING_COMPANY,
    PHONE_INVALID): a record with a problem is not applied at all, as one unit. A field
    `fields` does not map is not read (None): a bad phone is no problem where the phone is
    not synced."""
    company_attribute = fields.company_attribute
    external_id = str(resource.get("id") or "")
    email = _email(resource)
    first = _text(attribute(resource, "name.givenName"))
    last = _text(attribute(resource, "name.familyName"))
    if not (first and last):
        split = split_display_name(_text(resource.get("displayName")))
        first, last = first or split[0], last or split[1]
    if not (first and last) and email:
        guess = guess_name(email)
        first, last = first or guess.first_name, last or guess.last_name
    company = _text(attribute(resource, company_attribute or DEFAULT_COMPANY_ATTRIBUTE))
    active = resource.get("active", True) is not False
    phone_text = _phone_text(resource) if fields.sync_phone else None
    check = Checker()
    phone = check.phone(phone_text)
    department = None
    if fields.department_attribute:
        department = _text(attribute(resource, fields.department_attribute))
    person = Person(
        external_id=external_id,
        active=active,
        last_modified=parse_time((resource.get("meta") or {}).get("lastModified")),
        email=email,
        first_name=first or (email.partition("@")[0] if email else external_id),
        last_name=last or "-",
        company=company,
        record=record_text(resource),
        phone=phone,
        department=department,
    )
    if not active:
        return person, None  # a deactivation needs neither email nor company
    if email is None:
        return person, Problem(
            MISSING_EMAIL,
            "The directory's user has no valid email (emails or userName): add one there.",
        )
    if company is None:
        return person, Problem(
            MISSING_COMPANY,
            f"The directory's user {email} has no company"
            f" ({company_attribute or DEFAULT_COMPANY_ATTRIBUTE}): set it there.",
        )
    if check.problems:
        return person, Problem(
            PHONE_INVALID,
            f"The directory's user {email} has the phone number {phone_text!r}, which is not"
            " a valid number in international form (+44...): correct it there.",
        )
    return person, None


def outbound_resource(user: UserRecord, active: bool, department: str | None = None) -> Resource:
    """The SCIM user a downstream app gets for a Roster user (`department`: its name)."""
    resource: Resource = {
        "schemas": [USER_SCHEMA],
        "userName": user.username or user.email or user.id,
        "externalId": user.id,
        "name": {"givenName": user.first_name, "familyName": user.last_name},
        "displayName": f"{user.first_name} {user.last_name}",
        "active": active,
    }
    if user.email:
        resource["emails"] = [{"value": user.email, "primary": True, "type": "work"}]
    if user.phone:
        resource["phoneNumbers"] = [{"value": user.phone, "primary": True, "type": "work"}]
    if department:
        resource["schemas"] = [USER_SCHEMA, ENTERPRISE_SCHEMA]
        resource[ENTERPRISE_SCHEMA] = {"department": department}
    return resource


def outbound_patch(user: UserRecord, active: bool, department: str | None = None) -> list[Resource]:
    """Operations that bring the remote user in line with the Roster user: a phone or a
    department Roster no longer has is removed there too."""
    resource = outbound_resource(user, active, department)
    operations: list[Resource] = [
        {"op": "replace", "path": name, "value": resource[name]}
        for name in ("userName", "name", "displayName", "active", "emails", "phoneNumbers")
        if name in resource
    ]
    if "phoneNumbers" not in resource:
        operations.append({"op": "remove", "path": "phoneNumbers"})
    if department:
        operations.append({"op": "replace", "path": DEPARTMENT_ATTRIBUTE, "value": department})
    else:
        operations.append({"op": "remove", "path": DEPARTMENT_ATTRIBUTE})
    return operations
