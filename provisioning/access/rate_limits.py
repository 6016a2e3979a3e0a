"""Rate limits per partner client and per organization, shared by all instances.

Counting every request in MongoDB would cost two writes per request. Instead each
instance takes quota in blocks (one write per block) and spends it in memory; all
instances together still never accept more than the limit in a window. With one
instance the count is exact; with several, unspent blocks can refuse a few requests
early near the end of a window.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from provisioning.access.principal import Principal
from provisioning.access.sliding_window import SlidingWindow
from provisioning.dependencies import Dependencies

MAX_BLOCK = 50


class RateLimitExceeded(Exception):
    def __init__(self, scope: str, retry_after: int) -> None:
        super().__init__(f"Rate limit exceeded for this {scope}; retry in {retry_after} s.")
        self.retry_after = retry_after


class RateLimits:
    def __init__(self, per_client: int, per_organization: int, window_seconds: int) -> None:
        self.per_client = per_client
        self.per_organization = per_organization
        self.window_seconds = window_seconds
        self._left: dict[str, int] = {}  # quota this instance holds, by counter and window
        self._spent: set[str] = set()
        self._locks: dict[str, asyncio.Lock] = {}
        self._window = -1

    async def check(self, deps: Dependencies, principal: Principal) -> None:
        """Counts this request; refuses it if the client or its organization is over."""
        if principal.client_id is None:
            return  # people are limited at sign-in; partner tools here
        now = deps.clock()
        start = int(now.timestamp()) // self.window_seconds
        if start != self._window:  # a new window: forget the old one's leases
            self._window, self._left, self._spent, self._locks = start, {}, set(), {}
        retry_after = max((start + 1) * self.window_seconds - int(now.timestamp()), 1)
        for scope, key, limit in (
            ("client", f"client|{principal.client_id}", self.per_client),
            ("organization", f"org|{principal.org_id}", self.per_organization),
        ):
            if not await self._take(deps, key, limit, start):
                raise RateLimitExceeded(scope, retry_after)

    async def _take(self, deps: Dependencies, key: str, limit: int, start: int) -> bool:
        if self._left.get(key, 0) > 0:
            self._left[key] -= 1
            return True
        if key in self._spent:
            return False
        async with self._locks.setdefault(key, asyncio.Lock()):
            if self._left.get(key, 0) > 0:
                self._left[key] -= 1
                return True
            if key in self._spent:
                return False
            block = max(1, min(MAX_BLOCK, limit // 20))
            count = await deps.store.rate_counters.add(
                key, start, block, deps.clock(), timedelta(seconds=self.window_seconds)
            )
            granted = max(0, min(block, block - (count - limit)))
            if granted == 0:
                self._spent.add(key)
                return False
            self._left[key] = granted - 1
            return True


async def count_failure(deps: Dependencies, key: str, window_seconds: int) -> int:
    """Adds one failure to `key`'s count; the failures in the sliding window up to now."""
    return await SlidingWindow(window_seconds).add(deps.store.rate_counters, key, deps.clock())
