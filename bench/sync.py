"""sync: users per second of a first full directory sync, against reading the same pages.

    python -m bench.sync [--users N]

Two processes besides this one: the embedded database (secantusd-py) and a directory
(scim2-server, users seeded over its /Bulk endpoint, each with a company). In one run:

- read: the SCIM client alone reads every page of the directory's users, exactly as a
  sync does (a count, then keyset pages of 500 sorted by meta.lastModified);
- ours: a first full sync of the same directory (cursor null): the same reads, then the
  users, their integration accounts and links, the companies, and an audit event each.

The ratio is ours / read in users per second: the share of the directory's own reading
speed that a sync keeps. It is printed last as `sync: ratio R (goal G)`.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType

import httpx2

from server.embedded import EmbeddedDatabase, free_port

NAME = "sync"
GOAL = 0.5
TOKEN = "bench-directory-token"  # noqa: S105 - the local directory's static token
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia")
LAST = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson")


def raise_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def _start_directory(port: int, log: Path) -> subprocess.Popen[bytes]:
    script = Path(sys.executable).parent / "scim2-server"
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(script), "--port", str(port), "--bearer-token", TOKEN],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


async def _wait(http: httpx2.AsyncClient, base_url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            response = await http.get(f"{base_url}/ServiceProviderConfig")
            if response.status_code == 200:
                return
        except httpx2.HTTPError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("the directory did not start")


async def _seed(http: httpx2.AsyncClient, base_url: str, count: int) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/scim+json"}
    for start in range(0, count, 1000):
        operations = []
        for i in range(start, min(start + 1000, count)):
            first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
            operations.append(
                {
                    "method": "POST",
                    "path": "/Users",
                    "bulkId": f"u{i}",
                    "data": {
                        "schemas": [USER, ENTERPRISE],
                        "userName": f"user{i}",
                        "name": {"givenName": first, "familyName": last},
                        "emails": [
                            {"value": f"{first}.{last}.{i}@bidder.example", "primary": True}
                        ],
                        "active": True,
                        ENTERPRISE: {"organization": f"Partner {i % 50}"},
                    },
                }
            )
        response = await http.post(
            f"{base_url}/Bulk",
            json={"schemas": [BULK], "Operations": operations},
            headers=headers,
            timeout=300.0,
        )
        response.raise_for_status()
        print(f"sync: seeded {min(start + 1000, count)} directory users", flush=True)


async def _measure(uri: str, base_url: str, count: int) -> tuple[float, float]:
    from pymongo import AsyncMongoClient

    from provisioning.access.passwords import PasswordHasher
    from provisioning.admins import create_admin
    from provisioning.caller import Caller
    from provisioning.dependencies import Dependencies
    from provisioning.integrations.integrations import create_integration
    from provisioning.sync.runs import SyncSettings, configure_sync, run_sync
    from provisioning.sync.scim import ScimPeer
    from store.database import Store
    from store.indexes import ensure_indexes
    from store.types import Document

    client: AsyncMongoClient[Document] = AsyncMongoClient(uri, tz_aware=True)
    async with httpx2.AsyncClient(timeout=300.0) as http:
        try:
            await _wait(http, base_url)
            await _seed(http, base_url, count)
            database = client["bench_sync"]
            await ensure_indexes(database)
            hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
            deps = Dependencies(store=Store.on(database), hasher=hasher)
            created = await create_admin(deps, "bench", "admin@bench.example", "bench password!")
            caller = Caller.system(created.organization.id)
            integration = await create_integration(deps, caller, "connex", "ConneX", "DIRECTORY")
            settings = SyncSettings(base_url=base_url, bearer_token=TOKEN)
            await configure_sync(deps, caller, integration.id, settings)

            started = time.perf_counter()
            peer = ScimPeer(http=http, base_url=base_url, token=TOKEN)
            read = 0
            await peer.total_users()
            async for page in peer.changed_users(None):
                read += len(page)
            read_seconds = time.perf_counter() - started
            assert read == count, read
            print(f"sync: read {read} users in {read_seconds:.1f} s", flush=True)

            started = time.perf_counter()
            run = await run_sync(deps, caller, http, integration.id)
            sync_seconds = time.perf_counter() - started
            assert run.status == "SUCCEEDED" and run.created == count, run
            print(f"sync: synced {run.created} users in {sync_seconds:.1f} s", flush=True)
            return count / read_seconds, count / sync_seconds
        finally:
            await client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sync", description=__doc__)
    parser.add_argument("--users", type=int, default=20_000)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, raise_on_sigterm)
    with tempfile.TemporaryDirectory(prefix="roster-bench-sync-") as scratch:
        port = free_port()
        directory = _start_directory(port, Path(scratch) / "scim.log")
        try:
            with EmbeddedDatabase(Path(scratch) / "db") as database:
                base_url = f"http://127.0.0.1:{port}/v2"
                read_rate, sync_rate = asyncio.run(_measure(database.uri, base_url, args.users))
        finally:
            directory.terminate()
            directory.wait(timeout=30)
    print(f"sync: read {read_rate:.0f} users/s, first full sync {sync_rate:.0f} users/s")
    print(f"{NAME}: ratio {sync_rate / read_rate:.3f} (goal {GOAL})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
