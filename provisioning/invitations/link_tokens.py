"""Tokens in links: 256 random bits, stored only as SHA-256, expiring, working once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from provisioning.dependencies import Dependencies
from provisioning.errors import TokenInvalid
from provisioning.sessions import token_hash
from store.invitation_tokens import LinkToken

MAX_TOKEN_LENGTH = 128

# The SPA serves these paths; the token is in the fragment, so it never reaches a server log
# or a Referer header. They are built on ROSTER_PUBLIC_URL only, never on a request's Host.
ACCEPT_INVITATION_PATH = "/accept-invitation"
RESET_PASSWORD_PATH = "/reset-password"  # noqa: S105 - a path, not a secret
VERIFY_SIGNUP_PATH = "/verify-signup"
SIGN_IN_PATH = "/sign-in"


@dataclass(frozen=True)
class Issued:
    token: str
    voided: int


def link(public_url: str, path: str, token: str, organization: str) -> str:
    """The page's link; the organization's slug rides along in the query, so that a spent or
    expired link's page can still offer that organization's sign-in (and sign-up) pages."""
    base = public_url.rstrip("/")
    return f"{base}{path}?organization={quote(organization, safe='')}#token={quote(token, safe='')}"


async def issue(
    deps: Dependencies,
    purpose: str,
    org_id: str,
    user_id: str,
    ttl: timedelta,
    verifies_email: bool = True,
) -> Issued:
    """A new token for the user; their earlier unused ones of this purpose stop working."""
    token = secrets.token_urlsafe(32)
    now = deps.clock()
    voided = await deps.store.invitation_tokens.issue(
        LinkToken(
            token_hash=token_hash(token),
            purpose=purpose,
            org_id=org_id,
            user_id=user_id,
            created_at=now,
            expires_at=now + ttl,
            verifies_email=verifies_email,
        ),
        now,
    )
    return Issued(token=token, voided=voided)


async def peek(deps: Dependencies, purpose: str, token: str) -> LinkToken:
    """The live token, without using it up; TokenInvalid for anything else."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise TokenInvalid()
    found = await deps.store.invitation_tokens.find_live(token_hash(token), purpose, deps.clock())
    if found is None:
        raise TokenInvalid()
    return found


async def consume(deps: Dependencies, purpose: str, token: str) -> LinkToken:
    """Use the token up: exactly one of any number of concurrent callers gets it."""
    used = await deps.store.invitation_tokens.consume(token_hash(token), purpose, deps.clock())
    if used is None:
        raise TokenInvalid()
    return used
