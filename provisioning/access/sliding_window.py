"""Counting events in a sliding window, from the counts of fixed windows.

A fixed window lets twice its limit through around a boundary: a full allowance at the
end of one window and another at the start of the next. Here an event is weighed against
the sliding-window estimate instead: this fixed window's count plus the previous one's,
weighted by the share of the previous window that a window ending now still covers. Just
after a boundary the previous window counts in full, so the burst is refused.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol


class WindowCounters(Protocol):
    async def add(
        self, key: str, window_start: int, amount: int, now: datetime, window: timedelta
    ) -> int: ...

    async def get(self, key: str, window_start: int) -> int: ...


@dataclass(frozen=True)
class SlidingWindow:
    seconds: int

    def start(self, now: datetime) -> int:
        """The fixed window `now` is in, numbered from the epoch."""
        return int(now.timestamp()) // self.seconds

    def estimate(self, now: datetime, current: int, previous: int) -> int:
        """A share of an event counts as a whole one: just after a boundary the previous
        window's count is still all there."""
        elapsed = now.timestamp() - self.start(now) * self.seconds
        return current + math.ceil(previous * (1 - elapsed / self.seconds))

    def retry_after(self, now: datetime) -> int:
        """Seconds until the current fixed window ends (by then the previous one weighs
        nothing): an upper bound a client can wait for, at least 1."""
        return max((self.start(now) + 1) * self.seconds - int(now.timestamp()), 1)

    @property
    def span(self) -> timedelta:
        return timedelta(seconds=self.seconds)

    async def add(self, counters: WindowCounters, key: str, now: datetime, amount: int = 1) -> int:
        """Counts `amount` events of `key` now; the sliding estimate including them."""
        start = self.start(now)
        current, previous = await asyncio.gather(
            counters.add(key, start, amount, now, self.span), counters.get(key, start - 1)
        )
        return self.estimate(now, current, previous)
