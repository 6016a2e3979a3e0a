"""Invitations that lead to SSO: where the organization signs a user's email domain in with
an identity provider, accepting the invitation binds that provider's identity to the
invited user instead of setting a password.

acceptInvitation (the invitation token, from the email or text) answers with a login URL
that carries a short-lived binding token; the SSO callback uses that token up, checks the
provider's identity is the invited person's (same email), binds it, and activates the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from provisioning.audit import record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.invitations import link_tokens
from provisioning.sessions import token_hash
from provisioning.users.model import ACTIVE, DISABLED, INVITED, PENDING
from provisioning.users.status import change_status
from store.identities import IdentityRecord
from store.identity_providers import IdentityProviderRecord
from store.users import UserRecord

SSO_BIND = "SSO_BIND"
BINDING_TTL = timedelta(minutes=30)


class BindingRefused(Exception):
    """Why an invitation's SSO sign-in cannot bind: a reason code and a message for people."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class ContinueWithSso:
    login_url: str
    provider: IdentityProviderRecord


async def sso_provider_for(deps: Dependencies, user: UserRecord) -> IdentityProviderRecord | None:
    """The provider that signs in the user's email domain, if the organization has one."""
    if not user.email:
        return None
    domain = user.email.rpartition("@")[2]
    for provider in await deps.store.identity_providers.list(user.org_id):
        if domain in provider.email_domains:
            return provider
    return None


async def continue_with_sso(
    deps: Dependencies,
    user: UserRecord,
    provider: IdentityProviderRecord,
    organization_slug: str,
    public_url: str,
) -> ContinueWithSso:
    """A login URL that binds the provider's identity to `user` once they sign in there."""
    issued = await link_tokens.issue(deps, SSO_BIND, user.org_id, user.id, BINDING_TTL)
    query = urlencode({"provider": provider.id, "login_hint": user.email, "bind": issued.token})
    url = f"{public_url.rstrip('/')}/auth/{organization_slug}/login?{query}"
    return ContinueWithSso(login_url=url, provider=provider)


def binding_hash(token: str | None) -> str | None:
    """What a login transaction keeps of a binding token: its hash, or None if malformed."""
    if not token or len(token) > link_tokens.MAX_TOKEN_LENGTH:
        return None
    return token_hash(token)


async def bind_invited_user(
    deps: Dependencies,
    provider: IdentityProviderRecord,
    subject: str,
    email: str | None,
    email_verified: bool,
    binding: str,
    caller: Caller,
) -> UserRecord:
    """Use the binding up, bind (issuer, subject) to the invited user and activate them."""
    org_id = provider.org_id
    live = await deps.store.invitation_tokens.find_live(binding, SSO_BIND, deps.clock())
    if live is None or live.org_id != org_id:
        raise BindingRefused(
            "INVITATION_INVALID", "This invitation link is invalid, used or expired."
        )
    user = await deps.store.users.get(org_id, live.user_id)
    if user is None or user.status == DISABLED:
        raise BindingRefused(
            "INVITATION_INVALID", "This invitation link is invalid, used or expired."
        )
    if user.email and (email or "").lower() != user.email:
        raise BindingRefused(
            "EMAIL_MISMATCH",
            "You signed in with another account than the one that was invited. Sign out at"
            " your identity provider and use the invited address.",
        )
    existing = await deps.store.identities.find(org_id, provider.issuer, subject)
    if existing is not None and existing.user_id != user.id:
        raise BindingRefused(
            "IDENTITY_TAKEN", "This sign-in already belongs to another account here."
        )
    if await deps.store.invitation_tokens.consume(binding, SSO_BIND, deps.clock()) is None:
        raise BindingRefused(
            "INVITATION_INVALID", "This invitation link is invalid, used or expired."
        )
    bound, bound_now = await deps.store.identities.claim(
        IdentityRecord(
            org_id=org_id,
            issuer=provider.issuer,
            subject=subject,
            user_id=user.id,
            provider_id=provider.id,
            created_at=deps.clock(),
            email=email,
        )
    )
    if bound.user_id != user.id:
        raise BindingRefused(
            "IDENTITY_TAKEN", "This sign-in already belongs to another account here."
        )
    made = await change_status(
        deps,
        caller,
        org_id,
        [user.id],
        ACTIVE,
        source="SSO_INVITATION",
        only_from=(PENDING, INVITED, ACTIVE),
        also={"email_verified": user.email_verified or email_verified},
    )
    if user.id not in made:
        raise BindingRefused("USER_DISABLED", "Your account is disabled.")
    before, after = made[user.id].before, made[user.id].after
    await deps.store.invitation_tokens.void_for_user(org_id, user.id, deps.clock())
    changes: dict[str, dict[str, Any]] = {
        "status": {"before": before.status, "after": after.status}
    }
    if bound_now:
        changes["identity"] = {"before": None, "after": f"{provider.issuer}#{subject}"}
    await record_event(
        deps,
        caller,
        "user.invitation_accepted",
        "User",
        user.id,
        changes,
        metadata={"method": "sso", "provider_id": provider.id},
    )
    return after
