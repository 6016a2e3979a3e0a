"""Signing in through an identity provider: the identity, and the user it belongs to.

A login identity is (organization, issuer, subject), unique by index. A first login links
to an existing user only where the provider allows it and both emails are verified, or
creates the user just in time with the provider's defaults; concurrent first logins of
one person are settled by the unique indexes on users' emails and on identities.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from provisioning.audit import audit_event, record_events
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import DomainError, EmailTaken
from provisioning.search import fold
from provisioning.sso.invitations import BindingRefused, bind_invited_user
from provisioning.sync.ownership import directory_owned
from provisioning.users.model import INVITED, PENDING, UserSource
from provisioning.users.status import change_status
from provisioning.users.write import (
    ACTIVE,
    DISABLED,
    UserDraft,
    create_user,
    delete_user,
    write_changes,
)
from store.audit import AuditRecord
from store.identities import IdentityRecord, usage_key
from store.identity_providers import IdentityProviderRecord
from store.users import UserRecord

# How long a losing first login waits for the winner to bind the identity.
_BIND_WAIT_ATTEMPTS = 50
_BIND_WAIT_SECONDS = 0.05

# Profile fields a provider that "owns the profile" refreshes at every login.
_OWNED_FIELDS = ("first_name", "last_name", "department_id")


@dataclass(frozen=True)
class SsoSignIn:
    """Who signed in, and the audit events of what the login changed, for the session's
    sign-in event to write with them."""

    user: UserRecord
    events: tuple[AuditRecord, ...] = ()
    identity_key: str | None = None  # store.identities.usage_key of the identity used


class SsoFailure(Exception):
    """An SSO login that cannot go on; `reason` is a stable code shown to the person (the
    HTTP status is the edge's choice: auth/sso_routes.py)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Profile:
    """What the provider says about the person, after the claim mapping."""

    subject: str
    email: str | None
    email_verified: bool
    first_name: str | None
    last_name: str | None
    username: str | None
    department: str | None

    @classmethod
    def from_claims(cls, provider: IdentityProviderRecord, claims: dict[str, Any]) -> Profile:
        mapping = provider.claims

        def text(name: str | None) -> str | None:
            value = claims.get(name) if name else None
            if isinstance(value, list):  # a groups claim: the first entry names the department
                value = value[0] if value else None
            return str(value).strip() or None if value is not None else None

        email = text(mapping.email)
        first, last = text(mapping.first_name), text(mapping.last_name)
        if not (first and last):
            guessed_first, _, guessed_last = (text("name") or "").partition(" ")
            first, last = first or guessed_first or None, last or guessed_last or None
        return cls(
            subject=str(claims["sub"]),
            email=email.lower() if email else None,
            email_verified=claims.get("email_verified") is True,
            first_name=first,
            last_name=last,
            username=text(mapping.username),
            department=text(mapping.department),
        )

    def needs_userinfo(self) -> bool:
        return self.email is None or self.first_name is None or self.last_name is None


def _domain_allowed(provider: IdentityProviderRecord, email: str | None) -> bool:
    if not provider.email_domains:
        return True
    if email is None:
        return False
    domain = email.rpartition("@")[2]
    return domain in provider.email_domains


async def _department_id(deps: Dependencies, org_id: str, name: str | None) -> str | None:
    if not name:
        return None
    wanted = fold(name)
    for department in await deps.store.departments.list(org_id):
        if fold(department.name) == wanted:
            return department.id
    return None


async def _user_of_identity(deps: Dependencies, identity: IdentityRecord) -> UserRecord | None:
    """The identity's user when the sign-in view could not join it: the identity predates
    `user_oid` (given it now), or its user was deleted (the identity is stale: removed)."""
    user = await deps.store.users.get(identity.org_id, identity.user_id)
    if user is None:
        await deps.store.identities.delete(identity.org_id, identity.issuer, identity.subject)
    else:
        await deps.store.identities.add_user_oid(identity)
    return user


async def _bound_user(
    deps: Dependencies, provider: IdentityProviderRecord, subject: str
) -> UserRecord | None:
    identity = await deps.store.identities.find(provider.org_id, provider.issuer, subject)
    if identity is None:
        return None
    user = await deps.store.users.get(provider.org_id, identity.user_id)
    if user is None:  # the user was deleted: the identity is stale
        await deps.store.identities.delete(provider.org_id, provider.issuer, subject)
    return user


async def _wait_for_binding(
    deps: Dependencies, provider: IdentityProviderRecord, subject: str
) -> UserRecord | None:
    for _ in range(_BIND_WAIT_ATTEMPTS):
        user = await _bound_user(deps, provider, subject)
        if user is not None:
            return user
        await asyncio.sleep(_BIND_WAIT_SECONDS)
    return None


async def _has_identity_at(
    deps: Dependencies, user: UserRecord, provider: IdentityProviderRecord
) -> bool:
    """Whether the user already signs in at this provider (as another subject)."""
    identities = await deps.store.identities.for_user(user.org_id, user.id)
    return any(identity.issuer == provider.issuer for identity in identities)


async def _activated(deps: Dependencies, caller: Caller, user: UserRecord) -> UserRecord:
    """A user not yet active (created, invited) whom a linking sign-in proves: ACTIVE."""
    if user.status not in (PENDING, INVITED):
        return user
    made = await change_status(
        deps, caller, user.org_id, [user.id], ACTIVE, source="SSO", only_from=(PENDING, INVITED)
    )
    if user.id in made:
        return made[user.id].after
    # Changed meanwhile (disabled, say): as it is now.
    return await deps.store.users.get(user.org_id, user.id) or user


async def _link_or_create(
    deps: Dependencies, provider: IdentityProviderRecord, profile: Profile, caller: Caller
) -> tuple[UserRecord, bool]:
    """(user, created). Refuses with a reason where policy allows neither."""
    org_id = provider.org_id
    if profile.email and provider.link_by_verified_email and profile.email_verified:
        existing = await deps.store.users.find_by_email(org_id, profile.email)
        if (
            existing is not None
            and existing.email_verified
            and not await _has_identity_at(deps, existing, provider)
        ):
            return await _activated(deps, caller, existing), False
    if not provider.jit:
        raise SsoFailure(
            "NOT_PROVISIONED",
            "You have no account here yet, and this organization does not create accounts"
            " at first sign-in. Ask an administrator to invite you.",
        )
    if profile.email is None:
        raise SsoFailure("MISSING_EMAIL", "The identity provider did not send an email address.")
    department_id = await _department_id(deps, org_id, profile.department)
    draft = UserDraft(
        first_name=profile.first_name or profile.email.partition("@")[0],
        last_name=profile.last_name or "-",
        email=profile.email,
        email_verified=profile.email_verified,
        username=profile.username,
        language=provider.default_language,
        department_id=department_id or provider.default_department_id,
        job_profile_id=provider.default_job_profile_id,
        permission_type_id=provider.default_permission_type_id,
        seat=provider.default_seat,
        source=UserSource.SSO,
        status=ACTIVE,
    )
    try:
        return await create_user(deps, caller, draft), True
    except EmailTaken:
        # Another first login of the same person may have made the user a moment ago.
        user = await _wait_for_binding(deps, provider, profile.subject)
        if user is not None:
            return user, False
        raise SsoFailure(
            "EMAIL_TAKEN",
            "An account with this email already exists and cannot be linked to this"
            " sign-in automatically. Ask an administrator to link it.",
        ) from None
    except DomainError as error:
        problems = "; ".join(p.message for p in error.problems)
        raise SsoFailure(
            "PROFILE_INVALID", f"The provider's profile was refused: {problems}"
        ) from error


async def _refresh_profile(
    deps: Dependencies,
    caller: Caller,
    provider: IdentityProviderRecord,
    user: UserRecord,
    profile: Profile,
) -> UserRecord:
    wanted: dict[str, Any] = {}
    if profile.first_name:
        wanted["first_name"] = profile.first_name
    if profile.last_name:
        wanted["last_name"] = profile.last_name
    department_id = await _department_id(deps, provider.org_id, profile.department)
    if department_id:
        wanted["department_id"] = department_id
    changes = {k: v for k, v in wanted.items() if k in _OWNED_FIELDS and getattr(user, k) != v}
    if changes and user.managed_by is not None:
        # A directory's fields are the directory's: which ones, its sync config says
        # (read only if the department would change).
        for name in await directory_owned(deps, user, changes):
            del changes[name]
    if not changes:
        return user
    # The one write of a user's fields: search terms follow the new name, and it is audited.
    result = await write_changes(deps, caller, user, changes, metadata={"provider_id": provider.id})
    return result[1] if result else user


async def _current_provider(
    deps: Dependencies, cached: IdentityProviderRecord, current: IdentityProviderRecord | None
) -> IdentityProviderRecord:
    """The provider as it is now. The login was checked against `cached` (issuer, client id):
    if the provider was removed, or those changed, the login is refused; other settings
    (policy, defaults, claim mapping) are taken from the current one."""
    if current == cached:
        return cached
    deps.sign_in_cache.forget(cached.org_id)
    if current is None:
        raise SsoFailure("PROVIDER_NOT_FOUND", "The identity provider was removed.")
    if (current.issuer, current.client_id) != (cached.issuer, cached.client_id):
        raise SsoFailure(
            "PROVIDER_CHANGED",
            "The identity provider's settings changed while you were signing in. Sign in again.",
        )
    return current


async def sign_in_with_claims(
    deps: Dependencies,
    provider: IdentityProviderRecord,
    claims: dict[str, Any],
    request_id: str | None = None,
    binding: str | None = None,
) -> SsoSignIn:
    """The user for this identity: found, linked or created. Refuses disabled users.
    The events returned are not written yet: `start_session` writes them.

    `provider` may come from the sign-in cache: the provider as it is now is read in the
    same command as the identity and its user, and wins. With `binding` (the hash of an
    invitation's binding token), the identity is bound to the invited user instead.
    """
    view = await deps.store.identities.sign_in_view(
        provider.org_id, provider.id, provider.issuer, str(claims["sub"])
    )
    provider = await _current_provider(deps, provider, view.provider)
    profile = Profile.from_claims(provider, claims)
    events: list[AuditRecord] = []
    caller = Caller(principal=None, request_id=request_id, org_id_override=provider.org_id)
    if not _domain_allowed(provider, profile.email):
        raise SsoFailure(
            "EMAIL_DOMAIN_NOT_ALLOWED",
            "Your email domain is not allowed to sign in with this provider.",
        )
    user = view.user
    if view.identity is not None and user is None:
        user = await _user_of_identity(deps, view.identity)
    if binding is not None:
        try:
            user = await bind_invited_user(
                deps,
                provider,
                profile.subject,
                profile.email,
                profile.email_verified,
                binding,
                caller,
            )
        except BindingRefused as refused:
            raise SsoFailure(refused.reason, refused.message) from refused
    elif user is None:
        user, created = await _link_or_create(deps, provider, profile, caller)
        bound, bound_now = await deps.store.identities.claim(
            IdentityRecord(
                org_id=provider.org_id,
                issuer=provider.issuer,
                subject=profile.subject,
                user_id=user.id,
                provider_id=provider.id,
                created_at=deps.clock(),
                email=profile.email,
            )
        )
        if bound.user_id != user.id:
            # A concurrent first login bound the identity to its own new user first.
            if created:
                await delete_user(deps, caller, user.id)
            fresh = await deps.store.users.get(provider.org_id, bound.user_id)
            if fresh is None:
                raise SsoFailure("IDENTITY_CONFLICT", "Please try signing in again.")
            user = fresh
        elif bound_now:
            # Recorded with the session's sign-in event, in one write (or alone, if refused).
            events.append(
                audit_event(
                    deps,
                    caller,
                    "identity.linked",
                    "User",
                    user.id,
                    {"identity": {"before": None, "after": f"{provider.issuer}#{profile.subject}"}},
                )
            )
    elif provider.owns_profile:
        user = await _refresh_profile(deps, caller, provider, user, profile)
    if user.status == DISABLED:
        await record_events(deps, events)
        raise SsoFailure(
            "USER_DISABLED", "Your account is disabled. Ask an administrator to enable it."
        )
    return SsoSignIn(user, tuple(events), usage_key(provider.issuer, profile.subject))
