from __future__ import annotations

from enum import Enum

import strawberry

from provisioning.audit import ActorType as ActorType
from provisioning.catalog import CompanyKind as CompanyKind
from provisioning.imports.status import ImportStatus as ImportStatus
from provisioning.integrations.integrations import IntegrationKind as IntegrationKind
from provisioning.invitations.channels import MessageChannel as MessageChannel
from provisioning.invitations.channels import MessageStatus as MessageStatus
from provisioning.sync.kinds import SyncDirection as SyncDirection
from provisioning.sync.kinds import SyncRunStatus as SyncRunStatus
from provisioning.sync.kinds import SyncTrigger as SyncTrigger
from provisioning.users.model import Seat as Seat
from provisioning.users.model import UserSource as UserSource
from provisioning.users.model import UserStatus as UserStatus


@strawberry.enum(
    description="Why a mutation refused its input: each userError's code, stable for clients"
    " to branch on (the message is for people and may change)."
)
class ErrorCode(Enum):
    INVALID = strawberry.enum_value(
        "INVALID", description="the value is malformed or out of range (the message says how)"
    )
    REQUIRED = strawberry.enum_value("REQUIRED", description="a required value is missing or blank")
    EMAIL_TAKEN = strawberry.enum_value(
        "EMAIL_TAKEN", description="another user of the organization has this email address"
    )
    USERNAME_TAKEN = strawberry.enum_value(
        "USERNAME_TAKEN", description="another user of the organization has this username"
    )
    ALREADY_LINKED = strawberry.enum_value(
        "ALREADY_LINKED", description="the integration account is already linked to a user"
    )
    IDENTITY_TAKEN = strawberry.enum_value(
        "IDENTITY_TAKEN",
        description="linkIdentity: that provider's subject already signs in as another user",
    )
    LAST_WAY_IN = strawberry.enum_value(
        "LAST_WAY_IN",
        description="unlinkIdentity: the user has no password and no other identity",
    )
    NOT_FOUND = strawberry.enum_value(
        "NOT_FOUND",
        description="no such object in the caller's organization"
        " (also for objects the caller may not see)",
    )
    FORBIDDEN = strawberry.enum_value(
        "FORBIDDEN", description="the caller's role does not allow this action"
    )
    MANAGED_EXTERNALLY = strawberry.enum_value(
        "MANAGED_EXTERNALLY",
        description="the user or field is managed by a directory or SCIM and cannot be edited here",
    )
    SEAT_LIMIT = strawberry.enum_value(
        "SEAT_LIMIT",
        description="the organization's full seats are all in use; free one or raise the limit",
    )
    SEATS_IN_USE = strawberry.enum_value(
        "SEATS_IN_USE",
        description="the limit is below the number of seats or licences already held",
    )
    IN_USE = strawberry.enum_value(
        "IN_USE", description="retire: users still reference the entry (the message counts them)"
    )
    RETIRED = strawberry.enum_value(
        "RETIRED", description="the catalog entry is retired: it takes no new users"
    )
    NAME_TAKEN = strawberry.enum_value(
        "NAME_TAKEN", description="another entry of the organization has this name"
    )
    MISSING_DEFAULT_DEPARTMENT = strawberry.enum_value(
        "MISSING_DEFAULT_DEPARTMENT",
        description="sign-up or creation needs a department and the organization has no default",
    )
    MISSING_DEFAULT_JOB_PROFILE = strawberry.enum_value(
        "MISSING_DEFAULT_JOB_PROFILE",
        description="sign-up or creation needs a job profile and the organization has no default",
    )
    MISSING_DEFAULT_PERMISSION_TYPE = strawberry.enum_value(
        "MISSING_DEFAULT_PERMISSION_TYPE",
        description="sign-up or creation needs a permission type"
        " and the organization has no default",
    )
    MISSING_DEFAULT_LANGUAGE = strawberry.enum_value(
        "MISSING_DEFAULT_LANGUAGE",
        description="sign-up or creation needs a language and the organization has no default",
    )
    SIGNUP_DISABLED = strawberry.enum_value(
        "SIGNUP_DISABLED", description="the organization does not allow self sign-up"
    )
    TOKEN_INVALID = strawberry.enum_value(
        "TOKEN_INVALID",
        description="the link's token is unknown, used or expired; ask for a new one",
    )
    RATE_LIMITED = strawberry.enum_value(
        "RATE_LIMITED", description="too many attempts; wait and try again"
    )
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
def describe_values(enum: type[Enum], values: dict[str, str]) -> None:
    """Describes a Strawberry enum's values where strawberry.enum_value would change the
    Python values' type (provisioning's enums, and values code reads with `.value`)."""
    for value in enum.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = values[value.name]


# Their values are described here, not in provisioning (which never imports strawberry).
def _describe(enum: type[Enum], description: str, values: dict[str, str]) -> None:
    strawberry.enum(enum, description=description)
    describe_values(enum, values)


_describe(
    UserStatus,
    "Where a user is in their lifecycle; only ACTIVE users can sign in.",
    {
        "PENDING": "created, not invited yet: cannot sign in",
        "INVITED": "an invitation (activation link) is out and not accepted yet",
        "ACTIVE": "can sign in (password, SSO or one-time password)",
        "DISABLED": "cannot sign in; the user's data and links are kept",
    },
)
_describe(
    Seat,
    "The kind of seat a user holds: FULL seats are billable and limited by the"
    " organization's seatLimit; OBSERVER seats are free.",
    {
        "FULL": "billable; counts against the organization's seatLimit",
        "OBSERVER": "free; read-mostly access, no seat limit",
    },
)
_describe(
    UserSource,
    "How the user came to exist (set once, never changes).",
    {
        "MANUAL": "created by an admin (createUser, the console)",
        "IMPORT": "created by a spreadsheet import",
        "SSO": "created at first sign-in through the organization's identity provider",
        "SIGNUP": "signed themselves up (sign-up page or link)",
        "INTEGRATION": "created from an unlinked integration account",
        "DIRECTORY": "created by a directory sync; the directory manages its fields",
        "SCIM": "created by the identity provider over SCIM; it manages its fields",
    },
)

_describe(
    ImportStatus,
    "Where a spreadsheet import job stands.",
    {
        "QUEUED": "waiting for the import worker",
        "RUNNING": "the worker is reading and writing its rows",
        "DONE": "every row was read; the counts and row errors are final",
        "FAILED": "the job stopped (the error says why); resumeImport continues it",
    },
)
_describe(
    SyncRunStatus,
    "Where a sync run stands.",
    {
        "RUNNING": "in progress",
        "SUCCEEDED": "ended; its changes are applied",
        "FAILED": "stopped on an error (the run's error says which)",
        "AWAITING_CONFIRMATION": "it would disable more users than the threshold:"
        " confirmSyncRun applies it, discardSyncRun drops it; no scheduled run starts meanwhile",
        "DISCARDED": "an admin dropped it; nothing was applied",
    },
)
_describe(
    SyncDirection,
    "Which way a sync run moves users.",
    {
        "INBOUND": "from a directory into Roster",
        "OUTBOUND": "from Roster to an application",
    },
)
_describe(
    SyncTrigger,
    "What started a sync run.",
    {
        "manual": "an admin (runSync, the console)",
        "schedule": "the integration's schedule",
        "company": "a company's sync (syncCompany)",
        "retry": "a retry of a failed run",
        "cli": "the roster sync command",
    },
)
_describe(
    MessageChannel,
    "How a message reaches its recipient.",
    {"email": "an email", "sms": "a text message"},
)
_describe(
    MessageStatus,
    "Where an outbox message's delivery stands.",
    {
        "queued": "waiting for the sender",
        "sending": "the sender is delivering it",
        "sent": "delivered to the mail or SMS provider",
        "failed": "the provider refused it after the retries (the error says why)",
        "logged": "not sent: written to the log (development, or no provider configured)",
    },
)
_describe(
    ActorType,
    "Who did an audited action.",
    {
        "user": "a signed-in user (actorId is the user's id)",
        "client": "an API client (actorId is the client's id)",
        "system": "Roster itself (a sync, the import worker, a schedule)",
    },
)
_describe(
    CompanyKind,
    "Whose company it is.",
    {
        "OWN": "the organization itself (made with it; cannot be retired)",
        "PARTNER": "another company the organization's users belong to",
    },
)
_describe(
    IntegrationKind,
    "What an integration does with the organization's users.",
    {
        "ACTIVITY": "sends activity for its accounts (CRM, telephony), which admins link to users",
        "DIRECTORY": "the source of truth Roster syncs users and companies from",
        "PROVISIONING": "a downstream application Roster pushes licensed users to (SCIM)",
    },
)


@strawberry.enum(description="A field an organization may require of every new user.")
class RequiredField(Enum):
    DEPARTMENT = strawberry.enum_value("department", description="the user's department")
    JOB_PROFILE = strawberry.enum_value("job_profile", description="the user's job profile")
    PERMISSION_TYPE = strawberry.enum_value(
        "permission_type", description="the user's permission type"
    )
    LANGUAGE = strawberry.enum_value("language", description="the user's language")
