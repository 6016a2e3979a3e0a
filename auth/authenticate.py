"""Who is calling: a partner tool's bearer token, or a person's session cookie."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from auth.access_tokens import AccessTokens, InvalidAccessToken
from auth.cookies import session_token
from config.settings import Settings
from provisioning.access.principal import Principal
from provisioning.dependencies import Dependencies
from provisioning.sessions import resolve_session


def bearer_token(connection: HTTPConnection) -> str | None:
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or ""


async def authenticate(
    connection: HTTPConnection, deps: Dependencies, settings: Settings, tokens: AccessTokens
) -> Principal | None:
    """InvalidAccessToken for a bad bearer token; None for an anonymous caller."""
    token = bearer_token(connection)
    if token is not None:
        if not token or len(token) > 4096:
            raise InvalidAccessToken("The bearer token is empty or too long.")
        return await tokens.principal(token)
    session = session_token(connection, settings)
    if session:
        return await resolve_session(deps, session)
    return None
