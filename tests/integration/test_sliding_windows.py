"""Rate limits slide: a burst that straddles the boundary of two fixed windows is refused
(a fixed window would let its limit through twice, at the end of one and the start of the
next), and the earlier window stops weighing once a whole window has passed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from provisioning.access.rate_limits import count_failure
from provisioning.admins import create_admin
from provisioning.dependencies import Dependencies
from provisioning.errors import InvalidCredentials, RateLimited, TooManyResetRequests
from provisioning.invitations.password_reset import request_password_reset
from provisioning.sessions import verify_login
from tests.integration.moving_clock import Clock

ORG = "acme"
ADMIN = "ada@acme.example"
PASSWORD = "a long enough admin password"
ADDRESS = "192.0.2.7"


def one_second_before_a_boundary(clock: Clock, window_seconds: int) -> None:
    now = int(clock.now.timestamp())
    boundary = (now // window_seconds + 1) * window_seconds
    clock.now = datetime.fromtimestamp(boundary - 1, UTC)


async def test_failed_sign_ins_straddling_a_boundary_are_refused(
    timed: Dependencies, clock: Clock
) -> None:
    await create_admin(timed, ORG, ADMIN, PASSWORD)
    limits = timed.limits
    one_second_before_a_boundary(clock, limits.login_failure_window_seconds)
    for _ in range(limits.login_failures_per_login):
        with pytest.raises(InvalidCredentials):
            await verify_login(timed, ORG, ADMIN, "not the password", ADDRESS)

    clock.advance(timedelta(seconds=2))  # into the next fixed window
    with pytest.raises(RateLimited) as refused:
        await verify_login(timed, ORG, ADMIN, PASSWORD, ADDRESS)
    assert refused.value.retry_after_seconds == limits.login_failure_window_seconds - 1

    clock.advance(timedelta(seconds=limits.login_failure_window_seconds - 3))
    signed_in = await verify_login(timed, ORG, ADMIN, PASSWORD, ADDRESS)
    assert signed_in.email == ADMIN


async def test_reset_requests_straddling_a_boundary_are_refused(
    timed: Dependencies, clock: Clock
) -> None:
    await create_admin(timed, ORG, ADMIN, PASSWORD)
    limits = timed.limits
    one_second_before_a_boundary(clock, limits.reset_request_window_seconds)
    for _ in range(limits.reset_requests_per_login):
        await request_password_reset(timed, ORG, ADMIN, ADDRESS, "http://roster.test")

    clock.advance(timedelta(seconds=2))
    with pytest.raises(TooManyResetRequests):
        await request_password_reset(timed, ORG, ADMIN, ADDRESS, "http://roster.test")


async def test_client_authentication_failures_keep_counting_across_a_boundary(
    timed: Dependencies, clock: Clock
) -> None:
    window = 900
    one_second_before_a_boundary(clock, window)
    counts = [await count_failure(timed, "token-failures|192.0.2.8", window) for _ in range(3)]
    clock.advance(timedelta(seconds=2))
    after = await count_failure(timed, "token-failures|192.0.2.8", window)
    clock.advance(timedelta(seconds=window))  # the failures before the boundary no longer weigh
    later = await count_failure(timed, "token-failures|192.0.2.8", window)
    assert counts == [1, 2, 3]
    assert after == 4
    assert later == 2
