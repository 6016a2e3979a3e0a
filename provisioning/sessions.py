"""Password sign-in and server-side sessions."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

import anyio.to_thread

from provisioning.access.principal import Principal
from provisioning.access.sliding_window import SlidingWindow
from provisioning.audit import audit_event, record_event, record_events
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import InvalidCredentials, PasswordChangeRequired, RateLimited
from provisioning.users.model import DISABLED
from store.audit import AuditRecord
from store.sessions import SessionRecord
from store.users import UserRecord


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    token: str
    user: UserRecord
    expires_in_seconds: int

    @property
    def principal(self) -> Principal:
        """Who the rest of the request that signed in acts as: this session's user."""
        return Principal(
            org_id=self.user.org_id,
            user_id=self.user.id,
            roles=frozenset(self.user.roles),
            session_hash=token_hash(self.token),
        )


async def verify_login(
    deps: Dependencies, organization_slug: str, login: str, password: str, client_address: str
) -> UserRecord:
    """The user whose password this is; the same InvalidCredentials whether the organization,
    login or password is wrong. Failures are counted and rate limited per login and address."""
    store, limits = deps.store, deps.limits
    now = deps.clock()
    window = SlidingWindow(limits.login_failure_window_seconds)
    start = window.start(now)
    login_key = login.strip().lower()
    organization = await store.organizations.get_by_slug(organization_slug.strip().lower())
    org_key = organization.id if organization else f"unknown:{organization_slug.strip().lower()}"
    login_scope, address_scope = f"login|{org_key}|{login_key}", f"address|{client_address}"

    counts = await store.login_failures.count([login_scope, address_scope], [start, start - 1])

    def failures(scope: str) -> int:
        return window.estimate(now, counts[(scope, start)], counts[(scope, start - 1)])

    if (
        failures(login_scope) >= limits.login_failures_per_login
        or failures(address_scope) >= limits.login_failures_per_address
    ):
        raise RateLimited(window.retry_after(now))

    user: UserRecord | None = None
    if organization is not None and login_key:
        if "@" in login_key:
            user = await store.users.find_by_email(organization.id, login_key)
        else:
            user = await store.users.find_by_username(organization.id, login_key)
    password_hash = user.password_hash if user else None
    valid = await anyio.to_thread.run_sync(deps.hasher.verify, password_hash, password)
    if not valid or user is None or user.status == DISABLED:
        await store.login_failures.add([login_scope, address_scope], start, now, window.span)
        raise InvalidCredentials()

    await store.login_failures.clear(login_scope, [start, start - 1])
    return user


async def sign_in(
    deps: Dependencies,
    organization_slug: str,
    login: str,
    password: str,
    client_address: str,
    request_id: str | None = None,
    replaces_token: str | None = None,
) -> SignedIn:
    """A session for the right password, unless it is a one-time password to change first."""
    user = await verify_login(deps, organization_slug, login, password, client_address)
    if user.must_change_password:
        raise PasswordChangeRequired()
    return await start_session(deps, user, "password", request_id, replaces_token)


async def start_session(
    deps: Dependencies,
    user: UserRecord,
    method: str,
    request_id: str | None = None,
    replaces_token: str | None = None,
    events: Sequence[AuditRecord] = (),
    identity_key: str | None = None,
) -> SignedIn:
    """A new server-side session for `user` (never a reused id), and lastLoginAt updated
    (with the last use of the identity signed in with, `identity_key`, in the same write).
    `events` (what signing in changed) are written with the sign-in event, or alone if the
    sign-in is refused."""
    store = deps.store
    now = deps.clock()
    if replaces_token:
        await store.sessions.delete(token_hash(replaces_token))
    token = secrets.token_urlsafe(32)
    ttl = deps.limits.session_ttl_seconds
    await store.sessions.insert(
        SessionRecord(
            token_hash=token_hash(token),
            org_id=user.org_id,
            user_id=user.id,
            roles=user.roles,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl),
            identity_key=identity_key,
        )
    )
    # Conditional on the user still being enabled: a disable that raced this sign-in and
    # revoked sessions before ours was written must not leave ours alive.
    if not await store.users.record_login(
        user.org_id, user.id, now, unless_status=DISABLED, identity_key=identity_key
    ):
        await store.sessions.delete(token_hash(token))
        await record_events(deps, events)
        raise InvalidCredentials()
    caller = Caller(
        Principal(org_id=user.org_id, user_id=user.id, roles=frozenset(user.roles)), request_id
    )
    signed_in = audit_event(
        deps,
        caller,
        "user.signed_in",
        "User",
        user.id,
        {"method": {"before": None, "after": method}},
    )
    await record_events(deps, [*events, signed_in])
    return SignedIn(token=token, user=replace(user, last_login_at=now), expires_in_seconds=ttl)


async def resolve_session(deps: Dependencies, token: str) -> Principal | None:
    if not token or len(token) > 128:
        return None
    session = await deps.store.sessions.get_live(token_hash(token), deps.clock())
    if session is None:
        return None
    return Principal(
        org_id=session.org_id,
        user_id=session.user_id,
        roles=frozenset(session.roles),
        session_hash=session.token_hash,
    )


async def sign_out(deps: Dependencies, caller: Caller) -> bool:
    principal = caller.principal
    if principal is None or principal.session_hash is None:
        return False
    await deps.store.sessions.delete(principal.session_hash)
    await record_event(deps, caller, "user.signed_out", "User", principal.user_id)
    return True
