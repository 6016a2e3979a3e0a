"""ingest: accounts per second through recordIntegrationActivity, against raw bulk upserts.

    python -m bench.ingest [--rounds N] [--batches B] [--batch-size S]

Two processes besides this one: the embedded database (secantusd-py) and the API server
(uvicorn, one worker). Each round has two phases, in turn, on the same database:

- raw:  this process upserts B batches of S new accounts with pymongo's bulk_write
  (UpdateOne upserts by integration and external id: $set of the same fields Roster
  stores, $setOnInsert of firstSeenAt and the count, $max of lastActivityAt);
- ours: B calls of recordIntegrationActivity over HTTP, S new accounts each, with the
  session cookie (auth, GraphQL parsing, per-entry validation, the idempotent pipeline
  upsert, the audit event).

The ratio is the median over rounds of ours / raw accounts per second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench._processes import (
    HOST,
    http_request,
    raise_on_sigterm,
    start_server,
    stop,
    wait_for_server,
)
from bench.graphql_read import ADMIN_EMAIL, ADMIN_PASSWORD, COOKIE, DATABASE, ORGANIZATION, _sign_in
from server.embedded import EmbeddedDatabase, free_port

NAME = "ingest"
GOAL = 0.6
INTEGRATION = "bench-crm"
APP = "server.app:app_from_environment"
RECORD = (
    "mutation($input: RecordIntegrationActivityInput!) {"
    " recordIntegrationActivity(input: $input) { recorded created userErrors { field code } } }"
)
FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia")
LAST = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson")


def entries(prefix: str, count: int, moment: datetime) -> list[dict[str, Any]]:
    """New accounts, as a partner tool sends them."""
    made = []
    for i in range(count):
        first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
        made.append(
            {
                "externalId": f"{prefix}-{i}",
                "email": f"{first}.{last}{i}@{prefix}.example".lower(),
                "displayName": f"{first} {last}",
                "firstName": first,
                "lastName": last,
                "occurredAt": moment.isoformat(),
            }
        )
    return made


async def _seed(uri: str) -> tuple[str, str]:
    """The organization, its admin, and the integration: (org id, integration id)."""
    from pymongo import AsyncMongoClient

    from provisioning.access.passwords import PasswordHasher
    from provisioning.admins import create_admin
    from provisioning.caller import Caller
    from provisioning.dependencies import Dependencies
    from provisioning.integrations.integrations import create_integration
    from store.database import Store
    from store.indexes import ensure_indexes
    from store.types import Document

    client: AsyncMongoClient[Document] = AsyncMongoClient(uri, tz_aware=True)
    try:
        database = client[DATABASE]
        await ensure_indexes(database)
        hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        deps = Dependencies(store=Store.on(database), hasher=hasher)
        created = await create_admin(deps, ORGANIZATION, ADMIN_EMAIL, ADMIN_PASSWORD)
        org_id = created.organization.id
        integration = await create_integration(
            deps, Caller.system(org_id), INTEGRATION, "Bench CRM", "ACTIVITY"
        )
        return org_id, integration.id
    finally:
        await client.close()


class Raw:
    """The baseline: plain upserts of the same documents, straight from pymongo."""

    def __init__(self, uri: str, org_id: str, integration_id: str) -> None:
        self.uri, self.org_id, self.integration_id = uri, org_id, integration_id

    def operations(self, batch: list[dict[str, Any]], now: datetime) -> list[Any]:
        from pymongo import UpdateOne

        from provisioning.integrations.accounts import profile_of
        from store.integration_accounts import _profile_fields

        made = []
        for e in batch:
            profile = profile_of(
                e["externalId"], e["email"], e["displayName"], e["firstName"], e["lastName"]
            )
            made.append(
                UpdateOne(
                    {
                        "org_id": self.org_id,
                        "integration_id": self.integration_id,
                        "external_id": e["externalId"],
                    },
                    {
                        "$set": _profile_fields(profile),
                        "$max": {"last_activity_at": datetime.fromisoformat(e["occurredAt"])},
                        "$setOnInsert": {
                            "first_seen_at": now,
                            "activity_count": 1,
                            "linked_user_id": None,
                        },
                    },
                    upsert=True,
                )
            )
        return made

    async def run(self, batches: list[list[dict[str, Any]]]) -> float:
        """Accounts per second; the documents are built before the clock starts."""
        from pymongo import AsyncMongoClient

        from store.types import Document

        client: AsyncMongoClient[Document] = AsyncMongoClient(self.uri, tz_aware=True)
        try:
            collection = client[DATABASE]["integration_accounts"]
            await collection.find_one({})  # connected before the clock starts
            now = datetime.now(UTC)
            prepared = [self.operations(batch, now) for batch in batches]
            started = time.perf_counter()
            for operations in prepared:
                result = await collection.bulk_write(operations, ordered=True)
                assert result.upserted_count == len(operations)
            elapsed = time.perf_counter() - started
        finally:
            await client.close()
        return sum(len(b) for b in batches) / elapsed


def ours(port: int, token: str, batches: list[list[dict[str, Any]]]) -> float:
    headers = {
        "Content-Type": "application/json",
        "Cookie": f"{COOKIE}={token}",
        "X-Roster-Request": "1",
    }
    bodies = [
        json.dumps(
            {
                "query": RECORD,
                "variables": {"input": {"integrationKey": INTEGRATION, "accounts": b}},
            }
        ).encode()
        for b in batches
    ]
    started = time.perf_counter()
    for body, batch in zip(bodies, batches, strict=True):
        status, _, answer = http_request(port, "POST", "/graphql", body, headers)
        payload = json.loads(answer)
        recorded = ((payload.get("data") or {}).get("recordIntegrationActivity")) or {}
        if status != 200 or recorded.get("created") != len(batch) or recorded.get("userErrors"):
            raise RuntimeError(f"recordIntegrationActivity answered {status}: {answer[:500]!r}")
    elapsed = time.perf_counter() - started
    return sum(len(b) for b in batches) / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="raw+ours phase pairs")
    parser.add_argument("--batches", type=int, default=2, help="batches per phase")
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.batches < 1 or not 1 <= args.batch_size <= 1000:
        parser.error("rounds and batches must be at least 1, batch size 1 to 1000")
    signal.signal(signal.SIGTERM, raise_on_sigterm)

    server: subprocess.Popen[bytes] | None = None
    ratios: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as scratch:
        database = EmbeddedDatabase(Path(scratch))
        try:
            database.start()
            org_id, integration_id = asyncio.run(_seed(database.uri))
            port = free_port(HOST)
            server = start_server(database.uri, port, APP, DATABASE)
            wait_for_server(server, port)
            token = _sign_in(port)
            raw = Raw(database.uri, org_id, integration_id)
            moment = datetime.now(UTC) - timedelta(minutes=1)
            print(
                f"{NAME}: {args.rounds} rounds; each phase {args.batches} batches of"
                f" {args.batch_size} new accounts; warm-up round first",
                flush=True,
            )
            for number in range(args.rounds + 1):

                def phase(kind: str, n: int = number) -> list[list[dict[str, Any]]]:
                    return [
                        entries(f"{kind}{n}b{b}", args.batch_size, moment)
                        for b in range(args.batches)
                    ]

                raw_rate = asyncio.run(raw.run(phase("raw")))
                our_rate = ours(port, token, phase("ours"))
                label = "warm-up" if number == 0 else f"round {number}"
                print(
                    f"  {label:<8} raw {raw_rate:8.1f} accounts/s   ours {our_rate:8.1f}"
                    f" accounts/s   ratio {our_rate / raw_rate:.3f}",
                    flush=True,
                )
                if number:
                    ratios.append(our_rate / raw_rate)
        finally:
            stop(server)
            database.stop()
    print(f"{NAME}: ratio {statistics.median(ratios):.2f} (goal {GOAL})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
