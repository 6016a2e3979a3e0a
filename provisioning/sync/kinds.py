"""A sync run's status, direction and trigger (the values store/sync_runs.py and the sync
entry points write)."""

from __future__ import annotations

from enum import StrEnum


class SyncRunStatus(StrEnum):
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    AWAITING_CONFIRMATION = "AWAITING_CONFIRMATION"
    DISCARDED = "DISCARDED"


class SyncDirection(StrEnum):
    INBOUND = "INBOUND"
    OUTBOUND = "OUTBOUND"


class SyncTrigger(StrEnum):
    # Lower-case: the values runs have always been stored and answered with.
    manual = "manual"
    schedule = "schedule"
    company = "company"
    retry = "retry"
    cli = "cli"
