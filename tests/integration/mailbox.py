"""A real SMTP server (aiosmtpd) on loopback for tests that receive mail."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

WAIT_SECONDS = 15.0


@dataclass
class Inbox:
    """What the server received; waiting on it wakes when a message arrives (no polling)."""

    messages: list[EmailMessage] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_until(
        self, enough: Callable[[list[EmailMessage]], bool], seconds: float = WAIT_SECONDS
    ) -> list[EmailMessage]:
        """The messages once `enough` says so (checked as each arrives); AssertionError
        after `seconds`."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: enough(list(self.messages)), seconds):
                subjects = [str(m["Subject"]) for m in self.messages]
                raise AssertionError(
                    f"the mail expected did not arrive in {seconds:g}s: {subjects}"
                )
            return list(self.messages)

    async def arrived(
        self, enough: Callable[[list[EmailMessage]], bool], seconds: float = WAIT_SECONDS
    ) -> list[EmailMessage]:
        """wait_until for a test whose app sends from the same event loop (it keeps running)."""
        return await asyncio.to_thread(self.wait_until, enough, seconds)

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        assert isinstance(envelope.content, bytes)
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self._arrived:
            self.messages.append(parsed)
            self._arrived.notify_all()
        return "250 OK"


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())
