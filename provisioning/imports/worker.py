"""The app's background import worker: runs queued and abandoned jobs, sweeps old files."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from provisioning.dependencies import Dependencies
from provisioning.imports.retention import (
    SweepResult,
    sweep_import_files,
)
from provisioning.imports.runner import ImportRunner

log = logging.getLogger("roster.imports")


class ImportWorker:
    """The app's background runner: queued jobs, and those whose runner stopped (a crash or
    a restart: their lease expired), one at a time per instance; and, every
    `sweep_every_seconds`, the sweep of the import files that are kept no longer."""

    def __init__(
        self,
        deps: Dependencies,
        every_seconds: float = 5.0,
        public_url: str | None = None,
        sweep_every_seconds: float = 600.0,
    ) -> None:
        self.deps = deps
        self.runner = ImportRunner(deps, public_url=public_url)
        self.every_seconds = every_seconds
        self.sweep_every = timedelta(seconds=sweep_every_seconds)
        self._next_sweep: datetime | None = None  # None: at once
        self._wake = asyncio.Event()

    async def sweep_if_due(self) -> SweepResult | None:
        """Sweeps the import files if the last sweep was `sweep_every` ago (by the clock);
        at the next poll again if it left work over. None if not due, or if it failed."""
        now = self.deps.clock()
        if self._next_sweep is not None and now < self._next_sweep:
            return None
        self._next_sweep = now + self.sweep_every
        try:
            result = await sweep_import_files(self.deps)
        except Exception:
            log.exception("import worker: sweeping the import files failed")
            return None
        if result.more:
            self._next_sweep = now
        return result

    def wake(self) -> None:
        """A job was queued: look now rather than at the next poll."""
        self._wake.set()

    async def run_forever(self) -> None:
        while True:
            self._wake.clear()
            await self.sweep_if_due()
            try:
                job = await self.runner.claim_next()
            except Exception:
                log.exception("import worker: claiming a job failed")
                job = None
            if job is not None:
                try:
                    await self.runner.run(job)
                except Exception:
                    # Even recording the failure failed (the database is away): the lease
                    # runs out and the job is taken up again.
                    log.exception("import worker: job %s stopped", job.id)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.every_seconds)
