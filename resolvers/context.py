"""The typed per-request context every resolver reads."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from config.settings import Settings
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from resolvers.loaders import Loaders
from server.metrics import Metrics


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
    metrics: Metrics
