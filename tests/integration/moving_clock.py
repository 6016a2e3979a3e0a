"""A clock that a test moves on, so that the time that passes is never waited for.

`clock` and `timed` (the `deps` fixture on that clock) are fixtures of every integration
test (tests/integration/conftest.py imports them)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest

from provisioning.dependencies import Dependencies, utc_now


class Clock:
    def __init__(self) -> None:
        # From the real now: ids such as ObjectIds carry the real time of their creation.
        self.now = utc_now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def timed(deps: Dependencies, clock: Clock) -> Dependencies:
    return dataclasses.replace(deps, clock=clock)
