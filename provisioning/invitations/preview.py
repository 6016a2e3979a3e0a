"""What the accept-invitation page shows before anything is used: whose invitation a token
is, and whether it leads to SSO. A read: the token stays as it is. A used, voided or
unknown token (or a disabled user's) answers alike, so the answer tells nothing more."""

from __future__ import annotations

from dataclasses import dataclass

from provisioning.dependencies import Dependencies
from provisioning.invitations import link_tokens
from provisioning.sessions import token_hash
from provisioning.sso.invitations import sso_provider_for
from provisioning.users.model import DISABLED
from store.identity_providers import IdentityProviderRecord
from store.invitation_tokens import INVITE

VALID, EXPIRED, USED_OR_UNKNOWN = "VALID", "EXPIRED", "USED_OR_UNKNOWN"


@dataclass(frozen=True)
class Preview:
    state: str
    organization_name: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    provider: IdentityProviderRecord | None = None


NOTHING = Preview(USED_OR_UNKNOWN)


async def preview_invitation(deps: Dependencies, token: str) -> Preview:
    if not token or len(token) > link_tokens.MAX_TOKEN_LENGTH:
        return NOTHING
    found = await deps.store.invitation_tokens.find(token_hash(token), INVITE)
    if found is None or found.used_at is not None:
        return NOTHING
    user = await deps.store.users.get(found.org_id, found.user_id)
    organization = await deps.store.organizations.get(found.org_id)
    if user is None or user.status == DISABLED or organization is None:
        return NOTHING
    state = EXPIRED if found.expires_at <= deps.clock() else VALID
    return Preview(
        state=state,
        organization_name=organization.name,
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        provider=await sso_provider_for(deps, user) if state == VALID else None,
    )
