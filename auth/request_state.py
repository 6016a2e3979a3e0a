"""What the app's middleware leaves on a request for the routes here."""

from __future__ import annotations

from starlette.requests import Request


def request_id_of(request: Request) -> str:
    """The id the app's request-id middleware gave this request ("" outside the app)."""
    return str(getattr(request.state, "request_id", ""))
