"""A real HTTP SMS gateway on loopback (uvicorn serving a small Starlette app) that records
what it receives, checks the bearer token, and can be told to fail."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.integration.mailbox import free_port

GATEWAY_TOKEN = "gateway-test-token"


@dataclass
class SmsGateway:
    port: int
    received: list[dict[str, Any]] = field(default_factory=list)
    idempotency_keys: list[str] = field(default_factory=list)
    failing: bool = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/messages"

    async def endpoint(self, request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {GATEWAY_TOKEN}":
            return JSONResponse({"error": "bad token"}, status_code=401)
        self.idempotency_keys.append(request.headers.get("idempotency-key", ""))
        if self.failing:
            return JSONResponse({"error": "carrier unavailable"}, status_code=503)
        self.received.append(await request.json())
        return JSONResponse({"id": len(self.received)}, status_code=202)


@contextlib.asynccontextmanager
async def running_gateway() -> AsyncIterator[SmsGateway]:
    gateway = SmsGateway(free_port())
    app = Starlette(routes=[Route("/messages", gateway.endpoint, methods=["POST"])])
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=gateway.port,
            log_level="warning",
            lifespan="off",
            # It runs on the tests' event loop: its shutdown must never wait without end for
            # a connection the app under test left open (uvicorn waits forever by default).
            timeout_graceful_shutdown=5,
        )
    )
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
            await asyncio.sleep(0.01)
        yield gateway
    finally:
        server.should_exit = True
        await task
