"""One run in progress: what it works with, what it counted, the errors it collected."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.sync.peer import ScimPeer
from store.ids import new_id
from store.integrations import IntegrationRecord
from store.sync_configs import SyncConfigRecord
from store.sync_runs import SyncErrorRecord, SyncRunRecord

Progress = Callable[[str], None]
ERROR_BATCH = 500


@dataclass
class Counts:
    read: int = 0
    created: int = 0
    updated: int = 0
    disabled: int = 0
    skipped: int = 0
    failed: int = 0


@dataclass(frozen=True)
class Outcome:
    status: str
    cursor_to: datetime | None
    message: str | None = None


@dataclass
class RunState:
    deps: Dependencies
    caller: Caller
    integration: IntegrationRecord
    config: SyncConfigRecord
    peer: ScimPeer
    run: SyncRunRecord
    # Called after each page or batch: keeps the lease and tells the operator.
    heartbeat: Callable[[str], Awaitable[None]]
    counts: Counts = field(default_factory=Counts)
    _errors: list[SyncErrorRecord] = field(default_factory=list)

    @property
    def org_id(self) -> str:
        return self.run.org_id

    @property
    def dry_run(self) -> bool:
        return self.run.dry_run

    async def error(
        self,
        external_id: str,
        code: str,
        message: str,
        *,
        record: str | None = None,
        remote_id: str | None = None,
        user_id: str | None = None,
    ) -> None:
        self.counts.failed += 1
        self._errors.append(
            SyncErrorRecord(
                id=new_id(),
                org_id=self.org_id,
                run_id=self.run.id,
                integration_id=self.integration.id,
                external_id=external_id,
                code=code,
                message=message,
                at=self.deps.clock(),
                record=record,
                remote_id=remote_id,
                user_id=user_id,
            )
        )
        if len(self._errors) >= ERROR_BATCH:
            await self.flush_errors()

    async def flush_errors(self) -> None:
        errors, self._errors = self._errors, []
        await self.deps.store.sync_runs.add_errors(errors)
