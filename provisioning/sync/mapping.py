"""Between SCIM users and Roster's users. Pure functions.

A directory owns these fields of the users it manages: first and last name, email and
company. An edit of one of them in Roster is refused (MANAGED_EXTERNALLY), and a run puts
back any of them changed behind its back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from provisioning.names import guess_name, split_display_name
from provisioning.sync.scim import ENTERPRISE_SCHEMA, USER_SCHEMA, Resource, parse_time
from provisioning.validation import Checker
from store.users import UserRecord

DIRECTORY_FIELDS = ("first_name", "last_name", "email", "company_id")
DEFAULT_COMPANY_ATTRIBUTE = f"{ENTERPRISE_SCHEMA}:organization"

EMAIL_TAKEN = "EMAIL_TAKEN"
MISSING_EMAIL = "MISSING_EMAIL"
MISSING_COMPANY = "MISSING_COMPANY"
REMOTE_EMAIL_EXISTS = "REMOTE_EMAIL_EXISTS"
REMOTE_REJECTED = "REMOTE_REJECTED"
SOURCE_UNAVAILABLE = "SOURCE_UNAVAILABLE"
CODES = (
    EMAIL_TAKEN,
    MISSING_EMAIL,
    MISSING_COMPANY,
    REMOTE_EMAIL_EXISTS,
    REMOTE_REJECTED,
    SOURCE_UNAVAILABLE,
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


def read_person(
    resource: Resource, company_attribute: str | None
) -> tuple[Person | None, Problem | None]:
    """The person, or why it cannot be applied (MISSING_EMAIL, MISSING_COMPANY)."""
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
    person = Person(
        external_id=external_id,
        active=active,
        last_modified=parse_time((resource.get("meta") or {}).get("lastModified")),
        email=email,
        first_name=first or (email.partition("@")[0] if email else external_id),
        last_name=last or "-",
        company=company,
        record=record_text(resource),
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
    return person, None


def outbound_resource(user: UserRecord, active: bool) -> Resource:
    """The SCIM user a downstream app gets for a Roster user."""
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
        resource["phoneNumbers"] = [{"value": user.phone, "type": "work"}]
    return resource


def outbound_patch(user: UserRecord, active: bool) -> list[Resource]:
    """Replace operations that bring the remote user in line with the Roster user."""
    resource = outbound_resource(user, active)
    return [
        {"op": "replace", "path": name, "value": resource[name]}
        for name in ("userName", "name", "displayName", "active", "emails")
        if name in resource
    ]
