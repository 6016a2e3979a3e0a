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


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        settings.session_cookie_name,
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )
