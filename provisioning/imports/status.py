"""Where an import job stands (the values store/import_jobs.py writes)."""

from __future__ import annotations

from enum import StrEnum


class ImportStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"
