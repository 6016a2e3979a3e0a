"""A user's login identities, seen and managed by admins: list, link, unlink.

An identity is (organization, issuer, subject), unique by index: linking one that is
another user's is refused (IDENTITY_TAKEN), whoever wins a race. Unlinking never removes
a user's last way in (no password and no other identity): LAST_WAY_IN, for anyone,
yourself included.
"""

from __future__ import annotations

from dataclasses import dataclass

from provisioning.audit import record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import DomainError, NotFound, Problem, ValidationFailed
from provisioning.users.rules import Checker
from store.identities import IdentityRecord, usage_key
from store.identity_providers import IdentityProviderRecord
from store.users import UserRecord

MAX_SUBJECT_LENGTH = 255


class IdentityTaken(DomainError):
    def __init__(self) -> None:
        super().__init__(
            Problem(
                "IDENTITY_TAKEN",
                "This sign-in already belongs to another user here.",
                ("input", "subject"),
            )
        )


class LastWayIn(DomainError):
    def __init__(self) -> None:
        super().__init__(
            Problem(
                "LAST_WAY_IN",
                "This is the user's only way to sign in (no password, no other identity):"
                " set a password or link another identity first.",
            )
        )


@dataclass(frozen=True)
class LinkDraft:
    user_id: str
    provider_id: str
    subject: str
    email: str | None = None


def _label(record: IdentityRecord) -> str:
    return f"{record.issuer}#{record.subject}"


async def identities_of_users(
    deps: Dependencies, caller: Caller, user_ids: list[str]
) -> dict[str, list[IdentityRecord]]:
    """Each user's identities, for the users the caller may read (members: themself)."""
    org_id = caller.require_signed_in()
    readable = caller.readable_users(user_ids)
    found: dict[str, list[IdentityRecord]] = {user_id: [] for user_id in user_ids}
    if readable:
        found.update(await deps.store.identities.for_users(org_id, readable))
    return found


async def providers_by_id(
    deps: Dependencies, caller: Caller, provider_ids: list[str]
) -> dict[str, IdentityProviderRecord]:
    """The providers of the organization named (their names are public: sign-in options)."""
    org_id = caller.require_signed_in()
    wanted = set(provider_ids)
    return {p.id: p for p in await deps.store.identity_providers.list(org_id) if p.id in wanted}


async def _user(deps: Dependencies, org_id: str, user_id: str) -> UserRecord:
    user = await deps.store.users.get(org_id, user_id)
    if user is None:
        raise NotFound("User", ("input", "userId"))
    return user


async def link_identity(deps: Dependencies, caller: Caller, draft: LinkDraft) -> IdentityRecord:
    """Bind the provider's `subject` to the user (admins). Linking what the user already
    holds answers the existing identity, unchanged."""
    org_id = caller.require_admin()
    checker = Checker()
    subject = draft.subject.strip()
    if not subject:
        checker.fail("subject", "REQUIRED", "Subject is required.")
    elif len(subject) > MAX_SUBJECT_LENGTH:
        checker.fail("subject", "INVALID", f"Subject is longer than {MAX_SUBJECT_LENGTH}.")
    email = checker.email(draft.email)
    if checker.problems:
        raise ValidationFailed(*checker.problems)
    user = await _user(deps, org_id, draft.user_id)
    provider = await deps.store.identity_providers.get(org_id, draft.provider_id)
    if provider is None:
        raise NotFound("Identity provider", ("input", "providerId"))
    wanted = IdentityRecord(
        org_id=org_id,
        issuer=provider.issuer,
        subject=subject,
        user_id=user.id,
        provider_id=provider.id,
        created_at=deps.clock(),
        email=email,
    )
    for _ in range(2):
        bound, bound_now = await deps.store.identities.claim(wanted)
        if bound.user_id == user.id:
            break
        if await deps.store.users.get(org_id, bound.user_id) is not None:
            raise IdentityTaken()
        # Its user was deleted: the binding is stale, remove it and claim again.
        await deps.store.identities.delete(org_id, bound.issuer, bound.subject)
    else:
        raise IdentityTaken()
    if bound_now:
        await record_event(
            deps,
            caller,
            "identity.linked",
            "User",
            user.id,
            {"identity": {"before": None, "after": _label(bound)}},
            metadata={"provider_id": provider.id},
        )
    return bound


async def unlink_identity(
    deps: Dependencies, caller: Caller, user_id: str, issuer: str, subject: str
) -> IdentityRecord:
    """Remove one of the user's identities (admins), unless it is their last way in."""
    org_id = caller.require_admin()
    user = await _user(deps, org_id, user_id)
    identity = await deps.store.identities.find(org_id, issuer, subject)
    if identity is None or identity.user_id != user.id:
        raise NotFound("Identity", ("input", "subject"))
    if not await _other_way_in(deps, user, identity):
        raise LastWayIn()
    await deps.store.identities.delete(org_id, issuer, subject)
    # Two unlinks at once may each have seen the other identity: if none is left now, put
    # this one back and refuse (both may be refused; the user never loses every way in).
    if not await _other_way_in(deps, user, identity):
        await deps.store.identities.claim(identity)
        raise LastWayIn()
    # Whoever signed in with it (it may have been linked by mistake) is signed out.
    ended = await deps.store.sessions.delete_for_identity(
        org_id, user.id, usage_key(identity.issuer, identity.subject)
    )
    await record_event(
        deps,
        caller,
        "identity.unlinked",
        "User",
        user.id,
        {"identity": {"before": _label(identity), "after": None}},
        metadata={"provider_id": identity.provider_id, "sessions_ended": ended},
    )
    return identity


async def _other_way_in(deps: Dependencies, user: UserRecord, identity: IdentityRecord) -> bool:
    """Whether the user signs in some other way than `identity`: a password or another one."""
    fresh = await deps.store.users.get(user.org_id, user.id)
    if fresh is not None and fresh.password_hash:
        return True
    held = (await deps.store.identities.for_users(user.org_id, [user.id]))[user.id]
    return any((i.issuer, i.subject) != (identity.issuer, identity.subject) for i in held)
