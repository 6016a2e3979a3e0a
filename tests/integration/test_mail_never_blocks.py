"""A mail server that accepts a connection and never answers holds the outbox sender, not
the request: inviteUser returns at once with the message queued."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from config.settings import Settings
from tests.integration import documents as doc
from tests.integration.conftest import Api
from tests.integration.mailbox import free_port

# Half of SmtpMailer's 20 s timeout: an answer within it did not wait for the mail server.
REQUEST_BOUND_SECONDS = 10.0
WAIT_SECONDS = 15.0

INVITE = """mutation($input: InviteUserInput!) {
  inviteUser(input: $input) { user { id status } userErrors { code message } } }"""


class SilentServer:
    """Accepts TCP connections and never sends a byte (no SMTP greeting)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.accepted = 0
        self._writers: list[asyncio.StreamWriter] = []

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        self._writers.append(writer)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[SilentServer]:
        server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        try:
            yield self
        finally:
            for writer in self._writers:
                writer.close()
            server.close()
            await server.wait_closed()


@pytest.fixture
async def silent() -> AsyncIterator[SilentServer]:
    async with SilentServer().running() as server:
        yield server


@pytest.fixture
def settings(mongodb_uri: str, silent: SilentServer) -> Settings:
    return replace(
        Settings(),
        mongodb_uri=mongodb_uri,
        database_name=f"t_{uuid.uuid4().hex[:16]}",
        smtp_url=f"smtp://127.0.0.1:{silent.port}",
    )


async def test_invite_returns_with_the_message_queued_while_the_mail_server_hangs(
    api: Api, silent: SilentServer
) -> None:
    admin, org_id = await api.admin_of("acme")
    created = await api.gql(
        admin,
        doc.CREATE_USER,
        {"input": {"firstName": "Ina", "lastName": "Vited", "email": "ina@acme.example"}},
    )
    user_id = created["data"]["createUser"]["user"]["id"]

    body = await asyncio.wait_for(
        api.gql(admin, INVITE, {"input": {"userId": user_id}}), REQUEST_BOUND_SECONDS
    )
    invited = body["data"]["inviteUser"]
    assert invited["userErrors"] == [] and invited["user"]["status"] == "INVITED", body
    [message] = await api.deps.store.outbox.for_user(org_id, user_id)
    assert message.status in ("queued", "sending") and message.sent_at is None

    # The background sender is the one waiting on the mail server.
    for _ in range(int(WAIT_SECONDS / 0.05)):
        if silent.accepted:
            break
        await asyncio.sleep(0.05)
    assert silent.accepted >= 1, "the outbox sender never tried the mail server"
    [message] = await api.deps.store.outbox.for_user(org_id, user_id)
    assert message.status == "sending" and message.sent_at is None
