"""Invitations by email: invite (or re-invite) a user, and accept with a password."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import anyio.to_thread

from provisioning.access.principal import USERS_WRITE, Principal
from provisioning.audit import diff, record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import NotFound, Problem, TokenInvalid, ValidationFailed
from provisioning.invitations import link_tokens
from provisioning.invitations.communication import activation_channels, communication_settings
from provisioning.invitations.messages import (
    EMAIL,
    SMS,
    invitation_email,
    invitation_sms,
    send_message,
)
from provisioning.search import user_search_terms
from provisioning.sessions import SignedIn, start_session
from provisioning.sso.invitations import ContinueWithSso, continue_with_sso, sso_provider_for
from provisioning.users.model import (
    ACTIVE,
    DISABLED,
    INVITED,
    OBSERVER,
    PENDING,
    UserStatus,
    audit_view,
)
from provisioning.users.password_policy import check_password
from provisioning.users.profile import ProfileInput, checked_profile
from provisioning.users.status import change_status

# The purposes of a link, named to accept_invitation by its callers.
from store.invitation_tokens import INVITE as INVITE
from store.invitation_tokens import SIGNUP as SIGNUP
from store.users import UserRecord

CHANNEL_FIELD = ("input", "channel")
BOTH = "both"
CHANNEL_CHOICES = (EMAIL, SMS, BOTH)


def _requested_channels(channel: str | None) -> list[str] | None:
    """The channels asked for, or None to use the organization's communication settings."""
    if channel is None or not channel.strip():
        return None
    chosen = channel.strip().lower()
    if chosen not in CHANNEL_CHOICES:
        raise ValidationFailed(
            Problem("INVALID", 'The channel must be "email", "sms" or "both".', CHANNEL_FIELD)
        )
    return [EMAIL, SMS] if chosen == BOTH else [chosen]


def _unreachable(user: UserRecord, channels: list[str]) -> list[Problem]:
    contact = {EMAIL: (user.email, "an email address"), SMS: (user.phone, "a phone number")}
    return [
        Problem(
            "REQUIRED",
            f"This user has no {contact[channel][1]}: add one to invite them by {channel}.",
            CHANNEL_FIELD,
        )
        for channel in channels
        if not contact[channel][0]
    ]


async def invite_user(
    deps: Dependencies, caller: Caller, user_id: str, channel: str | None, public_url: str
) -> UserRecord:
    """Send (or resend) the invitation; an earlier link stops working. PENDING → INVITED.

    With no channel, the organization's communication settings choose: every enabled
    channel the user can be reached on (an email and a text when both are on).
    """
    org_id = caller.require(USERS_WRITE)
    requested = _requested_channels(channel)
    user = await deps.store.users.get(org_id, user_id)
    if user is None:
        raise NotFound("User", ("input", "userId"))
    if user.status == DISABLED:
        raise ValidationFailed(
            Problem(
                "INVALID",
                "A disabled user cannot be invited: enable them first.",
                ("input", "userId"),
            )
        )
    if user.status == ACTIVE:
        raise ValidationFailed(
            Problem(
                "INVALID",
                "This user is already active; they can reset their password.",
                ("input", "userId"),
            )
        )
    if requested is None:
        settings = await communication_settings(deps, org_id)
        channels = activation_channels(settings, user)
        if not channels:
            raise ValidationFailed(*_unreachable(user, [EMAIL]))
    else:
        problems = _unreachable(user, requested)
        if problems:
            raise ValidationFailed(*problems)
        channels = requested
    organization = await deps.store.organizations.get(org_id)
    if organization is None:
        raise NotFound("Organization")

    ttl = timedelta(seconds=deps.limits.invitation_ttl_seconds)
    by_email = EMAIL in channels and user.email is not None
    issued = await link_tokens.issue(deps, INVITE, org_id, user.id, ttl, verifies_email=by_email)
    url = link_tokens.link(
        public_url, link_tokens.ACCEPT_INVITATION_PATH, issued.token, organization.slug
    )
    days = max(ttl.days, 1)
    message_ids: list[str] = []
    # One link for every channel: a resend voids it on all of them at once.
    if EMAIL in channels and user.email:
        email = invitation_email(
            organization.name, user.first_name, url, days, user.seat == OBSERVER
        )
        message_ids.append(await send_message(deps, org_id, user.id, user.email, email))
    if SMS in channels and user.phone:
        sms = invitation_sms(organization.name, user.first_name, url, days)
        message_ids.append(await send_message(deps, org_id, user.id, user.phone, sms))

    updated = user
    if user.status == PENDING:
        # No status event of its own: the user.invited event below names the change.
        made = await change_status(
            deps, caller, org_id, [user.id], INVITED, source="INVITATION", only_from=(PENDING,)
        )
        if user.id in made:
            updated = made[user.id].after
    changes = {"status": {"before": user.status, "after": updated.status}}
    await record_event(
        deps,
        caller,
        "user.invited",
        "User",
        user.id,
        changes if user.status != updated.status else None,
        metadata={
            "channels": channels,
            "message_ids": message_ids,
            "voided_links": issued.voided,
        },
    )
    return updated


def _search_terms(user: UserRecord) -> list[str]:
    return user_search_terms(user.first_name, user.last_name, user.email, user.username)


def _invitee(user: UserRecord, request_id: str | None) -> Caller:
    return Caller(
        Principal(org_id=user.org_id, user_id=user.id, roles=frozenset(user.roles)), request_id
    )


async def _keep_details(
    deps: Dependencies, user: UserRecord, profile: dict[str, Any], request_id: str | None
) -> None:
    """On the way to SSO (activation comes at the callback): the details now, in a write
    conditional on the status read, audited user.updated with the invitee as actor."""
    made = await change_status(
        deps,
        _invitee(user, request_id),
        user.org_id,
        [user.id],
        UserStatus(user.status),
        source="INVITATION",
        only_from=(user.status,),
        also=profile,
        search_terms=_search_terms(dataclasses.replace(user, **profile)),
    )
    if user.id not in made:
        raise TokenInvalid()
    before, after = made[user.id].before, made[user.id].after
    await record_event(
        deps,
        _invitee(user, request_id),
        "user.updated",
        "User",
        user.id,
        diff(audit_view(before), audit_view(after)),
        metadata={"source": "INVITATION"},
    )


async def accept_invitation(
    deps: Dependencies,
    token: str,
    password: str | None,
    public_url: str,
    request_id: str | None = None,
    replaces_token: str | None = None,
    purpose: str = INVITE,
    details: ProfileInput | None = None,
) -> SignedIn | ContinueWithSso:
    """Set the password, activate and verify the email, and sign in. The link works once.

    Where the organization signs the user's email domain in with SSO, no password is set:
    the answer is a login URL at which signing in binds the identity to this user.
    `details`: the person's own fields, by the organization's profile settings and
    createUser's rules, written in the same write that activates.
    """
    found = await link_tokens.peek(deps, purpose, token)
    user = await deps.store.users.get(found.org_id, found.user_id)
    if user is None or user.status == DISABLED:
        raise TokenInvalid()
    profile = await checked_profile(deps, user, details) if details is not None else {}
    provider = await sso_provider_for(deps, user)
    if provider is not None:
        organization = await deps.store.organizations.get(user.org_id)
        if organization is None:
            raise TokenInvalid()
        if profile:
            await _keep_details(deps, user, profile, request_id)
        return await continue_with_sso(deps, user, provider, organization.slug, public_url)
    chosen = check_password(password, user.email, user.username)
    # Policy first, then the one conditional update that uses the token up.
    await link_tokens.consume(deps, purpose, token)
    password_hash = await anyio.to_thread.run_sync(deps.hasher.hash, chosen)
    caller = _invitee(user, request_id)
    made = await change_status(
        deps,
        caller,
        user.org_id,
        [user.id],
        ACTIVE,
        source="SIGNUP" if purpose == SIGNUP else "INVITATION",
        only_from=(PENDING, INVITED, ACTIVE),
        also={
            "password_hash": password_hash,
            "email_verified": user.email_verified
            or (found.verifies_email and user.email is not None),
            **profile,
        },
        search_terms=_search_terms(dataclasses.replace(user, **profile)) if profile else None,
    )
    if user.id not in made:
        raise TokenInvalid()
    before, after = made[user.id].before, made[user.id].after
    await record_event(
        deps,
        caller,
        "user.signup_verified" if purpose == SIGNUP else "user.invitation_accepted",
        "User",
        user.id,
        {
            "status": {"before": before.status, "after": after.status},
            "email_verified": {"before": before.email_verified, "after": after.email_verified},
            "password": {"before": None, "after": "set"},
            **diff(
                {name: getattr(before, name) for name in profile},
                {name: getattr(after, name) for name in profile},
            ),
        },
    )
    return await start_session(deps, after, "invitation", request_id, replaces_token)
