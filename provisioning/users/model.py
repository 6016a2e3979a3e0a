"""The user as the write path sees it: statuses, seats, sources, a draft to create, the
changes to apply, and the view of a record the audit trail keeps."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from provisioning.access.principal import ADMIN
from provisioning.errors import ChangedMeanwhile
from store.users import UserRecord

# Roles that grant rights: only a caller holding admin rights gives or takes them away,
# and only they may disable or delete someone holding them (no lock-out by users:write).
PRIVILEGED_ROLES = frozenset({ADMIN})

PENDING, INVITED, ACTIVE, DISABLED = "PENDING", "INVITED", "ACTIVE", "DISABLED"
STATUSES = (PENDING, INVITED, ACTIVE, DISABLED)
FULL, OBSERVER = "FULL", "OBSERVER"
SEATS = (FULL, OBSERVER)
SOURCES = ("MANUAL", "IMPORT", "SSO", "SIGNUP", "INTEGRATION", "DIRECTORY", "SCIM")
MAX_PAGE = 100

# Never copied into the audit trail.
_SECRET_FIELDS = {"password_hash"}
# Removed from the audit trail when the user is deleted.
PERSONAL_FIELDS = ["email", "username", "phone", "first_name", "last_name"]


class _Keep:
    """Marks a field an update leaves alone (None would mean: clear it)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


@dataclass(frozen=True)
class UserDraft:
    first_name: str
    last_name: str
    email: str | None = None
    username: str | None = None
    phone: str | None = None
    language: str | None = None
    department_id: str | None = None
    job_profile_id: str | None = None
    permission_type_id: str | None = None
    company_id: str | None = None
    roles: tuple[str, ...] = ()
    seat: str = OBSERVER
    source: str = "MANUAL"
    status: str = PENDING
    password_hash: str | None = None
    email_verified: bool = False
    must_change_password: bool = False
    external_id: str | None = None


@dataclass(frozen=True)
class UserChanges:
    first_name: Any = KEEP
    last_name: Any = KEEP
    email: Any = KEEP
    username: Any = KEEP
    phone: Any = KEEP
    language: Any = KEEP
    department_id: Any = KEEP
    job_profile_id: Any = KEEP
    permission_type_id: Any = KEEP
    company_id: Any = KEEP
    roles: Any = KEEP
    external_id: Any = KEEP

    def given(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if getattr(self, f.name) is not KEEP
        }


@dataclass(frozen=True)
class Page:
    users: list[UserRecord]
    has_next: bool
    total: int


def audit_view(record: UserRecord) -> dict[str, Any]:
    values = dataclasses.asdict(record)
    for name in (
        *_SECRET_FIELDS,
        "id",
        "org_id",
        "created_at",
        "updated_at",
        "last_login_at",
        "status_before_disable",
    ):
        values.pop(name, None)
    values["roles"] = list(record.roles)
    return values


def unchanged_condition(current: UserRecord, unchanged_since: datetime | None) -> dict[str, Any]:
    """The write condition for `unchanged_since` (an ETag's If-Match: the user's updated_at
    is still this), checked first on the record just read; ChangedMeanwhile if it fails."""
    if unchanged_since is None:
        return {}
    if current.updated_at != unchanged_since:
        raise ChangedMeanwhile()
    return {"updated_at": unchanged_since}
