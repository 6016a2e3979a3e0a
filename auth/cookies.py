"""The session cookie: `__Host-` prefixed, Secure, HttpOnly and SameSite=Lax in production."""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.responses import Response

from config.settings import Settings


def session_token(connection: HTTPConnection, settings: Settings) -> str | None:
    return connection.cookies.get(settings.session_cookie_name) or None


def set_session_cookie(response: Response, settings: Settings, token: str, max_age: int) -> None:
    response.set_cookie(
        settings.session_cookie_name,
        token,
        max_age=max_age,
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )


class SessionCookie:
    """The session cookie of one response: what the GraphQL edge's sign-in and sign-out
    set (schema.context.SessionCookie), so that resolvers need not know cookies."""

    def __init__(self, response: Response, settings: Settings) -> None:
        self.response = response
        self.settings = settings

    def set(self, token: str, max_age: int) -> None:
        set_session_cookie(self.response, self.settings, token, max_age)

    def clear(self) -> None:
        clear_session_cookie(self.response, self.settings)


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        settings.session_cookie_name,
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )
