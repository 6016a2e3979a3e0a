"""How long uvicorn keeps a connection that is idle or sends its request too slowly.

uvicorn (0.55, h11) closes a keep-alive connection after `timeout_keep_alive` seconds
without a new request, but it has no timeout for a request's head: a connection that
never sends anything, or sends a few header bytes now and then (slowloris), is kept
for ever, and any byte it sends cancels the keep-alive timer. HeadTimeoutH11Protocol adds
one: the request line and headers must be complete within HEAD_TIMEOUT_SECONDS of the
connection's start or of the previous response's end, or the connection is closed.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from config.settings import Settings

KEEP_ALIVE_SECONDS = 5
HEAD_TIMEOUT_SECONDS = 10.0
# The largest request head (request line and headers) h11 buffers; larger is a 431/400.
MAX_HEAD_BYTES = 16 * 1024


class HeadTimeoutH11Protocol(H11Protocol):
    head_timeout = HEAD_TIMEOUT_SECONDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None
        self._requests_seen = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        before = self.cycle
        super().handle_events()
        if self.cycle is not before:  # a request's head arrived
            self._disarm_head_timer()

    def on_response_complete(self) -> None:
        # Armed first: a pipelined request that the call below handles disarms it again.
        self._arm_head_timer()
        super().on_response_complete()

    def _arm_head_timer(self) -> None:
        self._disarm_head_timer()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        waiting = self.cycle is None or self.cycle.response_complete
        if waiting and not self.transport.is_closing():
            self.transport.close()


def connection_limits(settings: Settings) -> dict[str, Any]:
    """uvicorn.run's keyword arguments for the limits above."""
    return {
        "http": "server.connections:HeadTimeoutH11Protocol",
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
    }
