"""A command's async work, run so that SIGTERM stops it the way Ctrl-C does."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_interruptible(work: Coroutine[Any, Any, T]) -> T:
    """asyncio.run(work), with SIGTERM cancelling the work where it waits, so that it hands
    back what it holds (an import job, a sync lease) before the command ends. Ctrl-C does
    the same through asyncio's runner, where SIGINT is let through (a script's background
    job ignores it). Either way the command ends in KeyboardInterrupt once the work has
    unwound."""
    try:
        return asyncio.run(_cancelled_by_sigterm(work))
    except asyncio.CancelledError:
        raise KeyboardInterrupt from None


async def _cancelled_by_sigterm(work: Awaitable[T]) -> T:
    # A KeyboardInterrupt raised by a plain signal handler would end the task in whatever
    # frame it was running, past its handlers for a cancellation.
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    previous = signal.getsignal(signal.SIGTERM)
    loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        return await work
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
