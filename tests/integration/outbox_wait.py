"""Waiting for the app's outbox sender: a request only queues its messages."""

from __future__ import annotations

import asyncio

from provisioning.dependencies import Dependencies
from store.outbox import OutboxMessage

WAIT_SECONDS = 15.0
POLL_SECONDS = 0.05


async def attempted(
    deps: Dependencies, org_id: str, user_id: str, attempts: int = 1, count: int = 1
) -> list[OutboxMessage]:
    """The user's messages once `count` of them exist and each was attempted `attempts`
    times and is not being sent right now (bounded)."""
    messages: list[OutboxMessage] = []
    for _ in range(int(WAIT_SECONDS / POLL_SECONDS)):
        messages = await deps.store.outbox.for_user(org_id, user_id)
        if len(messages) >= count and all(
            m.attempts >= attempts and m.status != "sending" for m in messages
        ):
            return messages
        await asyncio.sleep(POLL_SECONDS)
    raise AssertionError(f"the outbox did not attempt the messages: {messages}")
