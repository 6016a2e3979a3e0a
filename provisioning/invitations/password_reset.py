"""Password reset: ask for a link (never revealing whether the login exists), then use it."""

from __future__ import annotations

import logging
from datetime import timedelta

import anyio.to_thread

from provisioning.access.principal import Principal
from provisioning.access.sliding_window import SlidingWindow
from provisioning.audit import record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import TokenInvalid, TooManyResetRequests
from provisioning.invitations import link_tokens
from provisioning.invitations.messages import queue_message, reset_email
from provisioning.sessions import SignedIn, start_session
from provisioning.users.model import ACTIVE, DISABLED, INVITED, PENDING
from provisioning.users.password_policy import check_password
from provisioning.users.status import change_status
from store.invitation_tokens import RESET
from store.users import UserRecord

log = logging.getLogger("roster.password_reset")


async def _count_request(
    deps: Dependencies, org_key: str, login_key: str, client_address: str
) -> None:
    limits = deps.limits
    now = deps.clock()
    window = SlidingWindow(limits.reset_request_window_seconds)
    counters = deps.store.rate_counters
    per_login = await window.add(counters, f"reset|login|{org_key}|{login_key}", now)
    per_address = await window.add(counters, f"reset|address|{client_address}", now)
    if (
        per_login > limits.reset_requests_per_login
        or per_address > limits.reset_requests_per_address
    ):
        raise TooManyResetRequests(window.retry_after(now))


async def request_password_reset(
    deps: Dependencies,
    organization_slug: str,
    login: str,
    client_address: str,
    public_url: str,
    request_id: str | None = None,
) -> None:
    """The same answer whether or not the login exists; the email is queued, not sent inline.

    The mail server's latency would tell an existing login from an unknown one, so the
    message goes to the outbox and the app's background sender delivers it.
    """
    slug = organization_slug.strip().lower()
    login_key = login.strip().lower()
    organization = await deps.store.organizations.get_by_slug(slug)
    org_key = organization.id if organization else f"unknown:{slug}"
    await _count_request(deps, org_key, login_key, client_address)

    user: UserRecord | None = None
    if organization is not None and login_key:
        if "@" in login_key:
            user = await deps.store.users.find_by_email(organization.id, login_key)
        else:
            user = await deps.store.users.find_by_username(organization.id, login_key)
    if organization is None or user is None or user.status == DISABLED or not user.email:
        return

    ttl = timedelta(seconds=deps.limits.reset_ttl_seconds)
    issued = await link_tokens.issue(deps, RESET, user.org_id, user.id, ttl)
    url = link_tokens.link(
        public_url, link_tokens.RESET_PASSWORD_PATH, issued.token, organization.slug
    )
    email = reset_email(
        organization.name, user.first_name, url, max(int(ttl.total_seconds()) // 60, 1)
    )
    message = await queue_message(deps, user.org_id, user.id, user.email, email)
    await record_event(
        deps,
        Caller(principal=None, request_id=request_id, org_id_override=user.org_id),
        "user.password_reset_requested",
        "User",
        user.id,
        metadata={"message_id": message.id, "client_address": client_address},
    )


async def reset_password(
    deps: Dependencies,
    token: str,
    password: str,
    request_id: str | None = None,
) -> SignedIn:
    """Set the new password, end every session of the user, and start a new one."""
    found = await link_tokens.peek(deps, RESET, token)
    user = await deps.store.users.get(found.org_id, found.user_id)
    if user is None or user.status == DISABLED:
        raise TokenInvalid()
    chosen = check_password(password, user.email, user.username)
    await link_tokens.consume(deps, RESET, token)
    password_hash = await anyio.to_thread.run_sync(deps.hasher.hash, chosen)
    now = deps.clock()
    caller = Caller(
        Principal(org_id=user.org_id, user_id=user.id, roles=frozenset(user.roles)), request_id
    )
    # The email received the link, so it is verified; an invited user becomes active.
    made = await change_status(
        deps,
        caller,
        user.org_id,
        [user.id],
        ACTIVE,
        source="PASSWORD_RESET",
        only_from=(PENDING, INVITED, ACTIVE),
        also={"password_hash": password_hash, "email_verified": True},
    )
    if user.id not in made:
        raise TokenInvalid()
    before, after = made[user.id].before, made[user.id].after
    revoked = await deps.store.sessions.delete_for_user(user.org_id, user.id)
    await deps.store.invitation_tokens.void_for_user(user.org_id, user.id, now)
    changes = {"password": {"before": "set" if before.password_hash else None, "after": "set"}}
    if before.status != after.status:
        changes["status"] = {"before": before.status, "after": after.status}
    await record_event(
        deps,
        caller,
        "user.password_reset",
        "User",
        user.id,
        changes,
        metadata={"sessions_revoked": revoked},
    )
    return await start_session(deps, after, "password_reset", request_id)
