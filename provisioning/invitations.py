"""Invitations by email: invite (or re-invite) a user, and accept with a password."""

from __future__ import annotations

from datetime import timedelta

import anyio.to_thread

from auth.principal import USERS_WRITE, Principal
from provisioning import link_tokens
from provisioning.audit import record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import NotFound, Problem, TokenInvalid, ValidationFailed
from provisioning.messages import EMAIL, invitation_email, send_email
from provisioning.password_policy import check_password
from provisioning.sessions import SignedIn, start_session
from provisioning.users import ACTIVE, DISABLED, INVITED, OBSERVER, PENDING
from store.invitation_tokens import INVITE
from store.users import UserRecord

SMS = "sms"
CHANNEL_FIELD = ("input", "channel")


def _check_channel(channel: str | None) -> str:
    chosen = (channel or EMAIL).strip().lower()
    if chosen == SMS:
        raise ValidationFailed(
            Problem("INVALID", "SMS invitations come later; use the email channel.", CHANNEL_FIELD)
        )
    if chosen != EMAIL:
        raise ValidationFailed(Problem("INVALID", 'The channel must be "email".', CHANNEL_FIELD))
    return chosen


async def invite_user(
    deps: Dependencies, caller: Caller, user_id: str, channel: str | None, public_url: str
) -> UserRecord:
    """Send (or resend) the invitation; an earlier link stops working. PENDING → INVITED."""
    org_id = caller.require(USERS_WRITE)
    chosen = _check_channel(channel)
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
    if not user.email:
        raise ValidationFailed(
            Problem(
                "REQUIRED",
                "This user has no email address: add one to invite them by email.",
                ("input", "userId"),
            )
        )
    organization = await deps.store.organizations.get(org_id)
    if organization is None:
        raise NotFound("Organization")

    ttl = timedelta(seconds=deps.limits.invitation_ttl_seconds)
    issued = await link_tokens.issue(deps, INVITE, org_id, user.id, ttl)
    url = link_tokens.link(public_url, link_tokens.ACCEPT_INVITATION_PATH, issued.token)
    email = invitation_email(
        organization.name, user.first_name, url, max(ttl.days, 1), user.seat == OBSERVER
    )
    message_id = await send_email(deps, org_id, user.id, user.email, email)

    updated = user
    if user.status == PENDING:
        result = await deps.store.users.update(
            org_id,
            user.id,
            {"status": INVITED, "updated_at": deps.clock()},
            only_if={"status": PENDING},
        )
        if result is not None:
            updated = result[1]
    changes = {"status": {"before": user.status, "after": updated.status}}
    await record_event(
        deps,
        caller,
        "user.invited",
        "User",
        user.id,
        changes if user.status != updated.status else None,
        metadata={"channel": chosen, "message_id": message_id, "voided_links": issued.voided},
    )
    return updated


async def accept_invitation(
    deps: Dependencies,
    token: str,
    password: str | None,
    request_id: str | None = None,
    replaces_token: str | None = None,
) -> SignedIn:
    """Set the password, activate and verify the email, and sign in. The link works once."""
    found = await link_tokens.peek(deps, INVITE, token)
    user = await deps.store.users.get(found.org_id, found.user_id)
    if user is None or user.status == DISABLED:
        raise TokenInvalid()
    chosen = check_password(password, user.email, user.username)
    # Policy first, then the one conditional update that uses the token up.
    await link_tokens.consume(deps, INVITE, token)
    password_hash = await anyio.to_thread.run_sync(deps.hasher.hash, chosen)
    result = await deps.store.users.update(
        user.org_id,
        user.id,
        {
            "password_hash": password_hash,
            "status": ACTIVE,
            "email_verified": True,
            "updated_at": deps.clock(),
        },
        only_if={"status": {"$ne": DISABLED}},
    )
    if result is None:
        raise TokenInvalid()
    before, after = result
    caller = Caller(
        Principal(org_id=user.org_id, user_id=user.id, roles=frozenset(user.roles)), request_id
    )
    await record_event(
        deps,
        caller,
        "user.invitation_accepted",
        "User",
        user.id,
        {
            "status": {"before": before.status, "after": after.status},
            "email_verified": {"before": before.email_verified, "after": True},
            "password": {"before": None, "after": "set"},
        },
    )
    return await start_session(deps, after, "invitation", request_id, replaces_token)
