"""bulk_import: users per second through a bulk import, against raw insert_many, and its memory.

    python -m bench.bulk_import [--rows N] [--small-rows M]

One embedded database (secantusd-py) for the whole run. For each file size (M rows, then
N rows) a new organization imports a generated .xlsx of that many valid rows, in a child
process that reports its time and its peak resident memory (the import is what that
process does: start_import, then the runner, exactly as `roster import` runs it).

- ours: rows created per second by the N-row import (reading the workbook, createUser's
  rules per row, name lookups, batched inserts with their audit events, checkpoints);
- raw:  the same user documents (built from the file by the import's own code, untimed)
  inserted by pymongo's insert_many in batches of the same size, in the same database
  (another organization): half just before the import, half just after, so that both
  measures see the same machine;
- minimal (for information): what a correct import cannot skip, the same users and their
  audit events (one per user, as the import writes them), each batch's two insert_many one
  after the other (the embedded database does them faster in turn than at once), in a
  database of its own (with Roster's indexes), half before raw's first half and half after
  raw's second.

The ratio is ours / raw users per second (goal 0.7, issue 18); ours / minimal and the CPU
per user of the database and of each client are printed beside it. The peak memory of the
import is printed for both sizes: it should stay under 250 MB and not grow with the file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench._loadgen import cpu_seconds
from bench._processes import raise_on_sigterm
from server.embedded import EmbeddedDatabase

NAME = "bulk_import"
GOAL = 0.7  # issue 18
MEMORY_GOAL_MB = 250
DATABASE = "roster_bench_import"
# The minimal import's own database: its inserts leave the users collection that ours and raw
# write to at the sizes earlier runs measured.
MINIMAL_DATABASE = "roster_bench_import_minimal"
DEPARTMENTS = ("Sales", "Support", "Engineering", "Finance")


def write_file(path: Path, rows: int) -> None:
    """A template-shaped workbook of valid, distinct people, written streaming."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Users")
    sheet.append(["Email", "First name", "Last name", "Language", "Department", "Seat"])
    for i in range(rows):
        sheet.append(
            [
                f"person{i}@bench.example",
                f"First{i}",
                f"Last{i}",
                "en-GB",
                DEPARTMENTS[i % len(DEPARTMENTS)].lower(),
                "OBSERVER",
            ]
        )
    workbook.save(path)


async def _seed(uri: str, slug: str, database_name: str = DATABASE) -> str:
    from pymongo import AsyncMongoClient

    from provisioning.access.passwords import PasswordHasher
    from provisioning.admins import create_admin
    from provisioning.dependencies import Dependencies
    from store.database import Store
    from store.ids import new_id
    from store.indexes import ensure_indexes
    from store.reference import ReferenceRecord
    from store.types import Document

    client: AsyncMongoClient[Document] = AsyncMongoClient(uri, tz_aware=True)
    try:
        database = client[database_name]
        await ensure_indexes(database)
        hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        deps = Dependencies(store=Store.on(database), hasher=hasher)
        created = await create_admin(deps, slug, f"admin@{slug}.example", "a long bench password")
        org_id = created.organization.id
        existing = {r.name for r in await deps.store.departments.list(org_id)}
        await deps.store.departments.insert_many(
            org_id, [ReferenceRecord(new_id(), org_id, n) for n in DEPARTMENTS if n not in existing]
        )
        return org_id
    finally:
        await client.close()


def _peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM). Not ru_maxrss: on Linux that carries
    the parent's resident size at fork over the exec, which is not the import's."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status")


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / (1024 * 1024)


async def _child_import(uri: str, org_id: str, path: Path) -> dict[str, Any]:
    from pymongo import AsyncMongoClient

    from provisioning.access.passwords import PasswordHasher
    from provisioning.caller import Caller
    from provisioning.dependencies import Dependencies
    from provisioning.imports.jobs import ImportRunner, start_import
    from store.database import Store
    from store.types import Document

    client: AsyncMongoClient[Document] = AsyncMongoClient(uri, tz_aware=True)
    try:
        deps = Dependencies(store=Store.on(client[DATABASE]), hasher=PasswordHasher())
        await deps.store.ping()
        baseline = _peak_rss_mb()
        runner = ImportRunner(deps)
        samples: list[float] = []
        before = resource.getrusage(resource.RUSAGE_SELF)
        cpu_before = before.ru_utime + before.ru_stime
        started = time.perf_counter()
        with path.open("rb") as source:
            job = await start_import(
                deps, Caller.system(org_id), source, path.name, False, owner=runner.owner
            )
        done = await runner.run(job, on_progress=lambda *_: samples.append(_current_rss_mb()))
        elapsed = time.perf_counter() - started
        used = resource.getrusage(resource.RUSAGE_SELF)
        return {
            "cpu_seconds": used.ru_utime + used.ru_stime - cpu_before,
            "status": done.status,
            "rows": done.counts.processed_rows,
            "created": done.counts.created,
            "failed": done.counts.failed,
            "seconds": elapsed,
            "baseline_mb": baseline,
            "peak_mb": _peak_rss_mb(),
            "batch_rss_mb": max(samples, default=0.0),
        }
    finally:
        await client.close()


def run_child(uri: str, org_id: str, path: Path) -> dict[str, Any]:
    """The import in a process of its own, so that its peak memory is the import's."""
    command = [sys.executable, "-m", "bench.bulk_import", "--child", str(path), uri, org_id]
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise RuntimeError(f"the import process failed:\n{finished.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(finished.stdout.strip().splitlines()[-1])
    return result


async def raw_documents(
    uri: str, org_id: str, path: Path, database_name: str = DATABASE
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The user documents an import of `path` writes, and their audit events (built by the
    same code, untimed)."""
    from datetime import UTC, datetime

    from pymongo import AsyncMongoClient

    from provisioning.imports.batches import import_user, row_user_id
    from provisioning.imports.reader import SheetReader
    from provisioning.imports.rows import PreparedRow, load_reference_names, prepare_row
    from store.audit import _document as event_document
    from store.database import Store
    from store.ids import new_id
    from store.import_jobs import Counts, ImportJobRecord
    from store.types import Document
    from store.users import _document

    client: AsyncMongoClient[Document] = AsyncMongoClient(uri, tz_aware=True)
    try:
        store = Store.on(client[database_name])
        organization = await store.organizations.get(org_id)
        assert organization is not None
        names = await load_reference_names(store, org_id)
    finally:
        await client.close()
    now = datetime.now(UTC)
    job = ImportJobRecord(
        new_id(), org_id, "RUNNING", False, new_id(), path.name, "XLSX", (), 0, Counts(),
        "system", None, None, now,
    )  # fmt: skip
    docs, events = [], []
    with path.open("rb") as source, SheetReader(source) as reader:
        for row in reader.rows():
            prepared = prepare_row(
                row.number, row.cells(reader.info.keys), names, organization, True
            )
            assert isinstance(prepared, PreparedRow)
            user = import_user(job, prepared, None, now)
            assert user.record.id == row_user_id(job.id, row.number)
            docs.append(_document(user.record, user.terms))
            events.append(event_document(user.event))
    return docs, events


async def raw_insert(
    uri: str,
    database_name: str,
    docs: list[dict[str, Any]],
    events: list[dict[str, Any]],
    batch_size: int,
) -> tuple[float, float]:
    """Seconds to insert `docs` (and `events`, each batch after its users, as the import
    does) with insert_many, in batches of the import's size, and this process's CPU."""
    from pymongo import AsyncMongoClient

    from store.types import Document

    client: AsyncMongoClient[Document] = AsyncMongoClient(uri, tz_aware=True)
    try:
        users, audit = client[database_name]["users"], client[database_name]["audit_events"]
        await users.find_one({})  # connected before the clock starts
        cpu = time.process_time()
        started = time.perf_counter()
        for i in range(0, len(docs), batch_size):
            await users.insert_many(docs[i : i + batch_size], ordered=False)
            if events:
                await audit.insert_many(events[i : i + batch_size], ordered=False)
        return time.perf_counter() - started, time.process_time() - cpu
    finally:
        await client.close()


@dataclass
class RawInserts:
    """A baseline's inserts, with the time they took and the CPU of both sides: half just
    before the import and half just after, so that both see the same machine."""

    uri: str
    database_name: str
    database_pid: int
    docs: list[dict[str, Any]]
    events: list[dict[str, Any]]
    seconds: float = 0.0
    client_cpu: float = 0.0
    database_cpu: float = 0.0

    def insert_half(self, first: bool) -> None:
        from provisioning.imports.batches import BATCH_SIZE

        half = len(self.docs) // 2
        part = slice(0, half) if first else slice(half, None)
        database_cpu = cpu_seconds(self.database_pid)
        seconds, client_cpu = asyncio.run(
            raw_insert(self.uri, self.database_name, self.docs[part], self.events[part], BATCH_SIZE)
        )
        self.database_cpu += cpu_seconds(self.database_pid) - database_cpu
        self.seconds += seconds
        self.client_cpu += client_cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bulk_import", description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000, help="the measured file")
    parser.add_argument("--small-rows", type=int, default=10_000, help="the memory comparison")
    parser.add_argument("--child", nargs=3, metavar=("FILE", "URI", "ORG"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        path, uri, org_id = args.child
        print(json.dumps(asyncio.run(_child_import(uri, org_id, Path(path)))))
        return 0
    signal.signal(signal.SIGTERM, raise_on_sigterm)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as scratch:
        database = EmbeddedDatabase(Path(scratch) / "db")
        try:
            database.start()
            results: dict[int, dict[str, Any]] = {}
            assert database.pid is not None
            for rows in (args.small_rows, args.rows):
                path = Path(scratch) / f"people-{rows}.xlsx"
                write_file(path, rows)
                org_id = asyncio.run(_seed(database.uri, f"bench-{rows}"))
                if rows == args.rows:
                    # raw: the same users by insert_many (the goal's baseline); minimal: the
                    # users and their audit events, what a correct import cannot skip.
                    baselines = {}
                    for name, where in (("raw", DATABASE), ("minimal", MINIMAL_DATABASE)):
                        org = asyncio.run(_seed(database.uri, f"bench-{name}", where))
                        docs, events = asyncio.run(raw_documents(database.uri, org, path, where))
                        kept = events if name == "minimal" else []
                        baselines[name] = RawInserts(database.uri, where, database.pid, docs, kept)
                    # raw brackets the import closest, as in earlier runs.
                    baselines["minimal"].insert_half(first=True)
                    baselines["raw"].insert_half(first=True)
                database_cpu = cpu_seconds(database.pid)
                result = run_child(database.uri, org_id, path)
                result["database_cpu"] = cpu_seconds(database.pid) - database_cpu
                if rows == args.rows:
                    baselines["raw"].insert_half(first=False)
                    baselines["minimal"].insert_half(first=False)
                if result["created"] != rows or result["status"] != "DONE":
                    raise RuntimeError(f"the import did not create every row: {result}")
                results[rows] = result
                print(
                    f"  import of {rows:>6} rows ({path.stat().st_size / 1e6:.1f} MB xlsx):"
                    f" {result['seconds']:6.1f} s, {rows / result['seconds']:7.1f} users/s,"
                    f" peak memory {result['peak_mb']:.0f} MB"
                    f" (process before the import {result['baseline_mb']:.0f} MB,"
                    f" largest RSS after a batch {result['batch_rss_mb']:.0f} MB)",
                    flush=True,
                )
            measured = results[args.rows]
        finally:
            database.stop()
    ours = args.rows / measured["seconds"]
    raw, minimal = baselines["raw"], baselines["minimal"]
    count = len(raw.docs)
    raw_rate, minimal_rate = count / raw.seconds, count / minimal.seconds
    small, large = results[args.small_rows]["peak_mb"], measured["peak_mb"]
    print(f"  raw insert_many of the same {count} documents: {raw_rate:7.1f} users/s")
    print(
        f"  minimal import (insert_many of the users and their audit events):"
        f" {minimal_rate:7.1f} users/s; ours / minimal {ours / minimal_rate:.3f}"
    )
    print(f"  ours {ours:7.1f} users/s   raw {raw_rate:7.1f} users/s   ratio {ours / raw_rate:.3f}")
    # CPU per user, for the reader: what the machine's other work does not move much.
    ours_db = 1000 * measured["database_cpu"] / args.rows
    ours_client = 1000 * measured["cpu_seconds"] / args.rows
    for name, baseline in baselines.items():
        base_db = 1000 * baseline.database_cpu / count
        base_client = 1000 * baseline.client_cpu / count
        print(
            f"  CPU per user against {name}: database {ours_db:.2f} ms ours, {base_db:.2f} ms"
            f" {name} (ratio {base_db / ours_db:.2f}); importing process {ours_client:.2f} ms,"
            f" {name}'s client {base_client:.2f} ms"
        )
    print(
        f"  peak memory: {small:.0f} MB for {args.small_rows} rows, {large:.0f} MB for"
        f" {args.rows} rows (goal under {MEMORY_GOAL_MB} MB, flat as the file grows)"
    )
    print(f"{NAME}: ratio {ours / raw_rate:.2f} (goal {GOAL})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
