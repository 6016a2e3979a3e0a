"""The sliding-window estimate: the previous fixed window weighs what a window ending now
still covers of it, and a share of an event counts as a whole one."""

from __future__ import annotations

from datetime import UTC, datetime

from provisioning.access.sliding_window import SlidingWindow

WINDOW = SlidingWindow(900)
BOUNDARY = 1_800_000_000  # a multiple of 900: a fixed window starts here


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(BOUNDARY + seconds, UTC)


def test_just_after_a_boundary_the_previous_window_counts_in_full() -> None:
    assert WINDOW.estimate(at(0), current=1, previous=10) == 11
    assert WINDOW.estimate(at(1), current=1, previous=10) == 11  # 9.99 rounds up


def test_the_previous_window_fades_as_the_current_one_passes() -> None:
    assert WINDOW.estimate(at(450), current=2, previous=10) == 7
    assert WINDOW.estimate(at(899), current=2, previous=10) == 3
    assert WINDOW.estimate(at(899), current=2, previous=0) == 2


def test_retry_after_is_the_rest_of_the_current_window() -> None:
    assert WINDOW.start(at(0)) == BOUNDARY // 900
    assert WINDOW.start(at(-1)) == BOUNDARY // 900 - 1
    assert WINDOW.retry_after(at(1)) == 899
    assert WINDOW.retry_after(at(899.5)) == 1
