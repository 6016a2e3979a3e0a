"""`roster import FILE [--dry-run] --org SLUG`: a bulk import in the foreground, with progress.

`roster import --resume JOB_ID --org SLUG` goes on with a job that stopped (its runner
crashed or was stopped); rows already imported are never imported twice.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from config.settings import Settings
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.imports.jobs import ImportRunner, resume_import, start_import
from server.runtime import add_org_arguments, org_command
from store.import_jobs import Counts, ImportJobRecord

# The exit status of a job that finished with failing rows (1: the job itself failed).
ROWS_FAILED = 3
MAX_ERRORS_SHOWN = 20


def register(commands: Any) -> None:
    command = commands.add_parser(
        "import", help="import users from the .xlsx template or a CSV (never overwrites anyone)"
    )
    add_org_arguments(command)
    command.add_argument("file", nargs="?", type=Path, help="the .xlsx or .csv file")
    command.add_argument(
        "--dry-run", action="store_true", help="report what would happen; write no user"
    )
    command.add_argument("--resume", metavar="JOB_ID", help="go on with a job that stopped")
    command.set_defaults(handler=org_command(_import))


class ProgressBar:
    """One line on stderr, redrawn at most every `every` seconds and at the end."""

    def __init__(self, out: TextIO | None = None, width: int = 30, every: float = 0.2) -> None:
        self.out, self.width, self.every = out or sys.stderr, width, every
        self._last = 0.0

    def __call__(self, counts: Counts, total: int, *, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self._last < self.every:
            return
        self._last = now
        done = counts.processed_rows
        filled = self.width * done // total if total else self.width
        bar = "#" * filled + "." * (self.width - filled)
        self.out.write(
            f"\r[{bar}] {done}/{total} rows  created {counts.created}"
            f"  skipped {counts.skipped_existing}  failed {counts.failed}"
        )
        if final:
            self.out.write("\n")
        self.out.flush()


async def _import(
    deps: Dependencies, caller: Caller, settings: Settings, args: argparse.Namespace
) -> int:
    runner = ImportRunner(deps, public_url=settings.public_url)
    if args.resume:
        await resume_import(deps, caller, args.resume)
        job = await runner.claim(caller.org_id, args.resume)
        if job is None:
            print("error: another instance took the job: follow it there", file=sys.stderr)
            return 1
    elif args.file is None:
        print("error: give a FILE, or --resume JOB_ID", file=sys.stderr)
        return 2
    else:
        try:
            source = args.file.open("rb")
        except OSError as error:
            print(f"error: cannot read {args.file}: {error.strerror}", file=sys.stderr)
            return 1
        with source:
            job = await start_import(
                deps, caller, source, args.file.name, args.dry_run, owner=runner.owner
            )
    what = "dry run" if job.dry_run else "import"
    print(f"{what} {job.id}: {job.file_name}, {job.total_rows} rows", file=sys.stderr)
    bar = ProgressBar()
    finished = await runner.run(job, on_progress=bar)
    bar(finished.counts, max(finished.total_rows, finished.counts.processed_rows), final=True)
    await _report(deps, caller, finished)
    if finished.status != "DONE":
        return 1
    # Done, but not every row: a script must not take that for a clean import.
    return ROWS_FAILED if finished.counts.failed else 0


async def _report(deps: Dependencies, caller: Caller, job: ImportJobRecord) -> None:
    counts = job.counts
    verb = "would create" if job.dry_run else "created"
    print(
        f"{job.status}: {verb} {counts.created}, skipped (existing) {counts.skipped_existing},"
        f" failed {counts.failed}"
    )
    if job.error:
        print(f"error: {job.error}", file=sys.stderr)
    shown = 0
    async for row in deps.store.import_row_errors.all(caller.org_id, job.id):
        for field, code, message in row.problems:
            if shown == MAX_ERRORS_SHOWN:
                print(f"... and more: GET /import/{job.id}/errors.xlsx lists every failing row")
                return
            print(f"row {row.row}: {code} ({field or '-'}): {message}")
            shown += 1
