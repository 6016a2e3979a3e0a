"""Who is calling: from the session cookie today; bearer tokens for partner tools plug in here."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from auth.cookies import session_token
from auth.principal import Principal
from provisioning.dependencies import Dependencies
from provisioning.sessions import resolve_session
from server.settings import Settings


async def authenticate(
    connection: HTTPConnection, deps: Dependencies, settings: Settings
) -> Principal | None:
    token = session_token(connection, settings)
    if token:
        return await resolve_session(deps, token)
    return None
