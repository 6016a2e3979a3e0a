from __future__ import annotations

from enum import Enum

import strawberry

from provisioning.users.model import Seat as Seat
from provisioning.users.model import UserSource as UserSource
from provisioning.users.model import UserStatus as UserStatus


@strawberry.enum
class ErrorCode(Enum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    USERNAME_TAKEN = "USERNAME_TAKEN"
    ALREADY_LINKED = "ALREADY_LINKED"
    IDENTITY_TAKEN = strawberry.enum_value(
        "IDENTITY_TAKEN",
        description="linkIdentity: that provider's subject already signs in as another user",
    )
    LAST_WAY_IN = strawberry.enum_value(
        "LAST_WAY_IN",
        description="unlinkIdentity: the user has no password and no other identity",
    )
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    MANAGED_EXTERNALLY = "MANAGED_EXTERNALLY"
    SEAT_LIMIT = "SEAT_LIMIT"
    SEATS_IN_USE = "SEATS_IN_USE"
    IN_USE = strawberry.enum_value(
        "IN_USE", description="retire: users still reference the entry (the message counts them)"
    )
    RETIRED = strawberry.enum_value(
        "RETIRED", description="the catalog entry is retired: it takes no new users"
    )
    NAME_TAKEN = "NAME_TAKEN"
    MISSING_DEFAULT_DEPARTMENT = "MISSING_DEFAULT_DEPARTMENT"
    MISSING_DEFAULT_JOB_PROFILE = "MISSING_DEFAULT_JOB_PROFILE"
    MISSING_DEFAULT_PERMISSION_TYPE = "MISSING_DEFAULT_PERMISSION_TYPE"
    MISSING_DEFAULT_LANGUAGE = "MISSING_DEFAULT_LANGUAGE"
    SIGNUP_DISABLED = "SIGNUP_DISABLED"
    TOKEN_INVALID = "TOKEN_INVALID"  # noqa: S105 - an error code, not a secret
    RATE_LIMITED = "RATE_LIMITED"
    INTEGRATION_DISCONNECTED = strawberry.enum_value(
        "INTEGRATION_DISCONNECTED",
        description="the integration is disconnected; an admin must connect it first",
    )
    PASSWORD_CHANGE_REQUIRED = strawberry.enum_value(
        "PASSWORD_CHANGE_REQUIRED",
        description="signIn: the password is a one-time password; use changePassword",
    )
    INVALID_CREDENTIALS = strawberry.enum_value(
        "INVALID_CREDENTIALS",
        description="signIn: the login or the password is wrong (never says which)",
    )
    IMPORT_FILE_EXPIRED = strawberry.enum_value(
        "IMPORT_FILE_EXPIRED",
        description="resumeImport: the failed job's file was deleted at the end of its"
        " retention period; start a new import with the file",
    )
    SYNC_BUSY = strawberry.enum_value(
        "SYNC_BUSY",
        description="a run of this integration is in progress (here or on another instance);"
        " try again when it ends",
    )


# The user model's own enums (provisioning/users/model.py), as GraphQL shows them.
strawberry.enum(UserStatus)
strawberry.enum(Seat)
strawberry.enum(UserSource)


@strawberry.enum(description="A field an organization may require of every new user.")
class RequiredField(Enum):
    DEPARTMENT = "department"
    JOB_PROFILE = "job_profile"
    PERMISSION_TYPE = "permission_type"
    LANGUAGE = "language"
