"""One-time passwords: set by an admin (or carried by an import row), changed at first sign-in.

A user with a one-time password can sign in with it exactly once in the sense that matters:
sign-in answers PASSWORD_CHANGE_REQUIRED instead of a session, and `change_password`
(which proves the one-time password again) sets the user's own and signs them in.
"""

from __future__ import annotations

import anyio.to_thread

from provisioning.access.principal import Principal
from provisioning.audit import record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import InvalidCredentials, NotFound, Problem, ValidationFailed
from provisioning.sessions import SignedIn, start_session, verify_login
from provisioning.users.password_policy import password_problems
from provisioning.users.status import change_status
from provisioning.users.write import ACTIVE, DISABLED
from store.users import UserRecord

NEW_FIELD = ("input", "newPassword")


def one_time_password_problems(
    password: str | None, email: str | None, username: str | None, field: tuple[str, ...]
) -> list[Problem]:
    """The policy's problems for a one-time password, reported on `field`."""
    return [
        Problem(p.code, p.message.replace("The password", "The one-time password"), field)
        for p in password_problems(password, email, username)
    ]


async def hash_one_time_password(deps: Dependencies, password: str) -> str:
    """The argon2id hash, computed off the event loop (it costs tens of milliseconds)."""
    return await anyio.to_thread.run_sync(deps.hasher.hash, password)


async def set_one_time_password(
    deps: Dependencies, caller: Caller, user_id: str, password: str
) -> UserRecord:
    """An admin gives a user a password to sign in with once; sessions they had are revoked."""
    org_id = caller.require_admin()
    user = await deps.store.users.get(org_id, user_id)
    if user is None:
        raise NotFound("User", ("input", "userId"))
    problems = one_time_password_problems(
        password, user.email, user.username, ("input", "password")
    )
    if user.status == DISABLED:
        problems.append(
            Problem("INVALID", "The user is disabled: enable them first.", ("input", "userId"))
        )
    if problems:
        raise ValidationFailed(*problems)
    password_hash = await hash_one_time_password(deps, password)
    also = {"password_hash": password_hash, "must_change_password": True}
    # A disable racing this must win: never hand a password to a user just disabled.
    made = await change_status(
        deps,
        caller,
        org_id,
        [user_id],
        ACTIVE,
        source="ONE_TIME_PASSWORD",
        only_from=(user.status,),
        also=also,
    )
    if user_id not in made:
        raise ValidationFailed(
            Problem("INVALID", "The user changed meanwhile: try again.", ("input", "userId"))
        )
    updated = (made[user_id].before, made[user_id].after)
    await deps.store.sessions.delete_for_user(org_id, user_id)
    await deps.store.invitation_tokens.void_for_user(org_id, user_id, deps.clock())
    audit: dict[str, dict[str, object]] = {"password": {"before": None, "after": "one-time"}}
    if user.status != ACTIVE:
        audit["status"] = {"before": user.status, "after": ACTIVE}
    await record_event(deps, caller, "user.one_time_password_set", "User", user_id, audit)
    return updated[1]


async def change_password(
    deps: Dependencies,
    organization_slug: str,
    login: str,
    current_password: str,
    new_password: str,
    client_address: str,
    request_id: str | None = None,
    replaces_token: str | None = None,
) -> SignedIn:
    """Prove the current (or one-time) password, choose a new one, and sign in.

    Rate limited like sign-in; every other session of the user ends.
    """
    user = await verify_login(deps, organization_slug, login, current_password, client_address)
    problems = password_problems(new_password, user.email, user.username)
    if not problems and new_password == current_password:
        problems = [
            Problem("INVALID", "Choose a password different from the current one.", NEW_FIELD)
        ]
    if problems:
        raise ValidationFailed(*(Problem(p.code, p.message, NEW_FIELD) for p in problems))
    password_hash = await hash_one_time_password(deps, new_password)
    # Only over the hash we verified: two concurrent changes cannot both win.
    result = await deps.store.users.update(
        user.org_id,
        user.id,
        {"password_hash": password_hash, "must_change_password": False},
        only_if={"password_hash": user.password_hash, "status": {"$ne": DISABLED}},
    )
    if result is None:
        raise InvalidCredentials()
    await deps.store.sessions.delete_for_user(user.org_id, user.id)
    caller = Caller(
        Principal(org_id=user.org_id, user_id=user.id, roles=frozenset(user.roles)), request_id
    )
    before = "one-time" if user.must_change_password else "set"
    await record_event(
        deps,
        caller,
        "user.password_changed",
        "User",
        user.id,
        {"password": {"before": before, "after": "set"}},
    )
    return await start_session(deps, result[1], "password", request_id, replaces_token)
