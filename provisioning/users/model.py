"""The user as the write path sees it: statuses, seats, sources, a draft to create, the
changes to apply, and the view of a record the audit trail keeps."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from enum import Enum, StrEnum
from typing import Any, Final

from provisioning.access.principal import ADMIN
from provisioning.errors import ChangedMeanwhile
from store.users import UserRecord


class UserStatus(StrEnum):
    """PENDING: created, not yet invited; INVITED: an activation link is out; ACTIVE: can
    sign in; DISABLED: cannot, data kept."""

    PENDING = "PENDING"
    INVITED = "INVITED"
    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"


class Seat(StrEnum):
    """FULL seats are billable and limited by the organization; OBSERVER seats are not."""

    FULL = "FULL"
    OBSERVER = "OBSERVER"


class UserSource(StrEnum):
    """How the user came to exist."""

    MANUAL = "MANUAL"
    IMPORT = "IMPORT"
    SSO = "SSO"
    SIGNUP = "SIGNUP"
    INTEGRATION = "INTEGRATION"
    DIRECTORY = "DIRECTORY"
    SCIM = "SCIM"


PENDING, INVITED, ACTIVE, DISABLED = (
    UserStatus.PENDING,
    UserStatus.INVITED,
    UserStatus.ACTIVE,
    UserStatus.DISABLED,
)
STATUSES = tuple(UserStatus)
FULL, OBSERVER = Seat.FULL, Seat.OBSERVER
SEATS = tuple(Seat)
SOURCES = tuple(UserSource)
# The organization's own directory or identity provider: the emails they set are trusted
# (DESIGN.md, Identity rules).
TRUSTED_EMAIL_SOURCES = frozenset({UserSource.DIRECTORY, UserSource.SCIM})
# Roles that grant rights: only a caller holding admin rights gives or takes them away,
# and only they may disable or delete someone holding them (no lock-out by users:write).
PRIVILEGED_ROLES = frozenset({ADMIN})
MAX_PAGE = 100

# Never copied into the audit trail.
_SECRET_FIELDS = {"password_hash"}
# Removed from the audit trail when the user is deleted.
PERSONAL_FIELDS = ["email", "username", "phone", "first_name", "last_name"]


class Keep(Enum):
    """The type of KEEP: a field an update leaves alone (None would mean: clear it). A
    one-member enum, so that `value is KEEP` narrows `str | Keep` to `str` for mypy."""

    KEEP = "KEEP"

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = Keep.KEEP


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
    source: str = UserSource.MANUAL
    status: str = PENDING
    password_hash: str | None = None
    # Vouched for by whoever creates the user: an admin, or the identity provider.
    email_verified: bool = False
    must_change_password: bool = False
    external_id: str | None = None
    # The integration whose directory owns the user's fields (directory sync).
    managed_by: str | None = None


@dataclass(frozen=True)
class UserChanges:
    """An update's fields: KEEP leaves one as it is, None clears it (where it may be)."""

    first_name: str | Keep = KEEP
    last_name: str | Keep = KEEP
    email: str | Keep | None = KEEP
    username: str | Keep | None = KEEP
    phone: str | Keep | None = KEEP
    language: str | Keep | None = KEEP
    department_id: str | Keep | None = KEEP
    job_profile_id: str | Keep | None = KEEP
    permission_type_id: str | Keep | None = KEEP
    company_id: str | Keep | None = KEEP
    roles: tuple[str, ...] | Keep | None = KEEP
    external_id: str | Keep | None = KEEP
    # Vouch for the email (True) or withdraw trust in it (False): admins, or the
    # organization's own identity provider (SCIM).
    email_verified: bool | Keep = KEEP


@dataclass(frozen=True)
class Page:
    users: list[UserRecord]
    has_next: bool
    total: int


@dataclass(frozen=True)
class UserPage:
    """A page of users without its total (count_users counts when asked)."""

    users: list[UserRecord]
    has_next: bool


_NOT_AUDITED = frozenset(
    {*_SECRET_FIELDS, "id", "org_id", "created_at", "updated_at", "last_login_at"}
    | {"status_before_disable"}
)
# What the audit trail keeps of a user (roles as a list).
AUDITED_FIELDS = tuple(f.name for f in dataclasses.fields(UserRecord) if f.name not in _NOT_AUDITED)


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
