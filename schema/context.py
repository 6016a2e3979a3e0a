"""The typed per-request context every field reads, built by the server per request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import strawberry
from starlette.requests import Request
from starlette.responses import Response

from config.settings import Settings
from provisioning.access.principal import Principal
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from schema.loaders import Loaders


class EdgeMetrics(Protocol):
    """What the GraphQL edge reports to /metrics (the server's Metrics)."""

    def count_masked_error(self) -> None: ...

    def observe_operation(self, name: str | None, kind: str, seconds: float) -> None: ...


class SessionCookie(Protocol):
    """The session cookie of this request's response (auth.cookies.SessionCookie)."""

    def set(self, token: str, max_age: int) -> None: ...

    def clear(self) -> None: ...


@dataclass
class Context:
    request: Request
    response: Response
    deps: Dependencies
    settings: Settings
    caller: Caller
    loaders: Loaders
    request_id: str
    session_token: str | None
    session_cookie: SessionCookie
    metrics: EdgeMetrics

    def act_as(self, principal: Principal) -> None:
        """After a sign-in in this request: its remaining fields (the payload's user and its
        department...) are read as the signed-in person, with loaders of their own."""
        self.caller = Caller(principal, self.request_id)
        self.loaders = Loaders(self.deps, self.caller)


def context_of(info: strawberry.Info) -> Context:
    context: Context = info.context
    return context
