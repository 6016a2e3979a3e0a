from __future__ import annotations

from typing import Annotated, Any

import strawberry

from provisioning import organizations, sessions
from provisioning.integrations import accounts as integration_accounts
from provisioning.users import write as users
from resolvers.edge import payload_on_domain_error
from resolvers.sessions import signed_in_payload
from schema.context import Context, context_of
from schema.inputs import (
    CreateUserInput,
    DeleteUserInput,
    DisableUserInput,
    EnableUserInput,
    OrganizationSettingsInput,
    SetUserSeatInput,
    SignInInput,
    UpdateUserInput,
)
from schema.organization import Organization
from schema.payloads import (
    DeletePayload,
    OkPayload,
    OrganizationPayload,
    SessionPayload,
    UserPayload,
)
from schema.types import User


def _given(value: Any) -> Any:
    """strawberry.UNSET (left out of the input) becomes KEEP; anything else is a change."""
    return users.KEEP if value is strawberry.UNSET else value


def _optional_id(value: Any) -> Any:
    kept = _given(value)
    return kept if kept is users.KEEP or kept is None else str(kept)


def _client_address(context: Context) -> str:
    client = context.request.client
    return client.host if client else "unknown"


@strawberry.type
class FoundationMutation:
    @strawberry.mutation(description="Public. Signs in with an email or username and a password.")
    @payload_on_domain_error
    async def sign_in(
        self,
        info: strawberry.Info,
        input: Annotated[
            SignInInput,
            strawberry.argument(description="The organization, the login and the password."),
        ],
    ) -> SessionPayload:
        context = context_of(info)
        signed_in = await sessions.sign_in(
            context.deps,
            input.organization,
            input.login,
            input.password,
            client_address=_client_address(context),
            request_id=context.request_id,
            replaces_token=context.session_token,
        )
        return signed_in_payload(context, signed_in)

    @strawberry.mutation(description="Ends the current session.")
    async def sign_out(self, info: strawberry.Info) -> OkPayload:
        context = context_of(info)
        ended = await sessions.sign_out(context.deps, context.caller)
        context.session_cookie.clear()
        return OkPayload(ok=ended)

    @strawberry.mutation(
        description="Admins and clients with users:write. Creates a user (PENDING, or INVITED "
        "when an invitation goes out), linking the given integration accounts in the "
        "same step."
    )
    @payload_on_domain_error
    async def create_user(
        self,
        info: strawberry.Info,
        input: Annotated[
            CreateUserInput,
            strawberry.argument(
                description="The new user's profile, seat and the accounts to link."
            ),
        ],
    ) -> UserPayload:
        context = context_of(info)
        draft = users.UserDraft(
            first_name=input.first_name,
            last_name=input.last_name,
            email=input.email,
            username=input.username,
            phone=input.phone,
            language=input.language,
            department_id=_optional_id(input.department_id),
            job_profile_id=_optional_id(input.job_profile_id),
            permission_type_id=_optional_id(input.permission_type_id),
            company_id=_optional_id(input.company_id),
            roles=tuple(input.roles or ()),
            seat=input.seat.value,
            email_verified=input.email_verified,
        )
        record = await integration_accounts.create_user_with_links(
            context.deps,
            context.caller,
            draft,
            [str(account_id) for account_id in input.link_account_ids or ()],
            send_invitation=input.send_invitation,
        )
        return UserPayload(user=User.of(record))

    @strawberry.mutation(
        description="Admins and clients with users:write. Changes a user's profile; fields left "
        "out stay as they are."
    )
    @payload_on_domain_error
    async def update_user(
        self,
        info: strawberry.Info,
        input: Annotated[
            UpdateUserInput, strawberry.argument(description="The user and the fields to change.")
        ],
    ) -> UserPayload:
        context = context_of(info)
        roles = _given(input.roles)
        changes = users.UserChanges(
            first_name=_given(input.first_name),
            last_name=_given(input.last_name),
            email=_given(input.email),
            username=_given(input.username),
            phone=_given(input.phone),
            language=_given(input.language),
            department_id=_optional_id(input.department_id),
            job_profile_id=_optional_id(input.job_profile_id),
            permission_type_id=_optional_id(input.permission_type_id),
            company_id=_optional_id(input.company_id),
            roles=roles if roles is users.KEEP else tuple(roles or ()),
            # null, like leaving it out: the trust follows the email's rule.
            email_verified=users.KEEP
            if input.email_verified is None
            else _given(input.email_verified),
        )
        record = await users.update_user(context.deps, context.caller, str(input.user_id), changes)
        return UserPayload(user=User.of(record))

    @strawberry.mutation(description="FULL seats are billable and limited by the organization.")
    @payload_on_domain_error
    async def set_user_seat(
        self,
        info: strawberry.Info,
        input: Annotated[
            SetUserSeatInput, strawberry.argument(description="The user and the seat to give them.")
        ],
    ) -> UserPayload:
        context = context_of(info)
        record = await users.set_user_seat(
            context.deps, context.caller, str(input.user_id), input.seat.value
        )
        return UserPayload(user=User.of(record))

    @strawberry.mutation(description="Revokes the user's sessions at once; keeps their data.")
    @payload_on_domain_error
    async def disable_user(
        self,
        info: strawberry.Info,
        input: Annotated[DisableUserInput, strawberry.argument(description="The user to disable.")],
    ) -> UserPayload:
        context = context_of(info)
        record = await users.disable_user(context.deps, context.caller, str(input.user_id))
        return UserPayload(user=User.of(record))

    @strawberry.mutation(description="Returns a disabled user to the status they had before.")
    @payload_on_domain_error
    async def enable_user(
        self,
        info: strawberry.Info,
        input: Annotated[EnableUserInput, strawberry.argument(description="The user to enable.")],
    ) -> UserPayload:
        context = context_of(info)
        record = await users.enable_user(context.deps, context.caller, str(input.user_id))
        return UserPayload(user=User.of(record))

    @strawberry.mutation(
        description="Removes the user and their personal data; the audit trail stays."
    )
    @payload_on_domain_error
    async def delete_user(
        self,
        info: strawberry.Info,
        input: Annotated[DeleteUserInput, strawberry.argument(description="The user to delete.")],
    ) -> DeletePayload:
        context = context_of(info)
        deleted = await users.delete_user(context.deps, context.caller, str(input.user_id))
        return DeletePayload(deleted_id=strawberry.ID(deleted))

    @strawberry.mutation(
        description="Admins. Changes the organization's name, defaults and seat limit; fields "
        "left out stay as they are."
    )
    @payload_on_domain_error
    async def update_organization_settings(
        self,
        info: strawberry.Info,
        input: Annotated[
            OrganizationSettingsInput,
            strawberry.argument(description="The settings to change."),
        ],
    ) -> OrganizationPayload:
        context = context_of(info)
        record = await organizations.update_settings(
            context.deps,
            context.caller,
            name=_given(input.name),
            default_language=_given(input.default_language),
            seat_limit=_given(input.seat_limit),
            required_fields=_given(
                [f.value for f in input.required_fields]
                if isinstance(input.required_fields, list)
                else input.required_fields
            ),
            defaults={
                field: str(value) if value is not None else None
                for field, value in (
                    ("department_id", input.default_department_id),
                    ("job_profile_id", input.default_job_profile_id),
                    ("permission_type_id", input.default_permission_type_id),
                )
                if value is not strawberry.UNSET
            },
        )
        return OrganizationPayload(organization=Organization.of(record))
