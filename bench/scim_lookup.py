"""scim_lookup: median latency of the lookups identity providers make before every push,
with 2,000 and with 20,000 users in the organization.

    python -m bench.scim_lookup [--queries N]

Okta and Entra ID look a user up before creating or updating them:
GET /Users?filter=userName eq "..." (Okta), externalId eq "..." and
emails[type eq "work"].value eq "..." (Entra). Two organizations share the users
collection: one with 2,000 users, one with 20,000, bulk-inserted as store/users.py stores
them (half with a username, the rest known by email; all with an externalId). The same
kinds of filter are then asked in each organization, in turn, each call timed through
provisioning.scim.users.list_scim_users: the filter's translation, the page and the
count, as the /scim/v2/Users endpoint runs them.

The filters translate to equality on (org, email), (org, username_key) and
(org, external_id), which are indexed, so the larger organization should cost about the
same. The ratio is median(2k) / median(20k): the goal reads "the larger no more than 1.5
times the smaller".
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench._processes import raise_on_sigterm
from server.embedded import EmbeddedDatabase

NAME = "scim_lookup"
GOAL = 0.67
DATABASE = "bench_scim_lookup"
SMALL, LARGE = 2_000, 20_000
INSERT_BATCH = 1_000


def documents(org_id: str, start: int, stop: int) -> list[dict[str, Any]]:
    from provisioning.search import user_search_terms
    from store.ids import new_id
    from store.users import UserRecord, _document

    moment = datetime(2025, 1, 1, tzinfo=UTC)
    made = []
    for n in range(start, stop):
        username = f"user{n}" if n % 2 else None
        record = UserRecord(
            id=new_id(),
            org_id=org_id,
            first_name=f"First{n}",
            last_name=f"Last{n}",
            language="en",
            status="ACTIVE",
            seat="OBSERVER",
            source="SCIM",
            created_at=moment,
            updated_at=moment,
            email=f"person{n}@acme.example",
            username=username,
            external_id=f"00u{n:08d}",
        )
        terms = user_search_terms(record.first_name, record.last_name, record.email, username)
        made.append(_document(record, terms))
    return made


def filters(count: int, size: int) -> list[str]:
    rng = random.Random(11)
    made = []
    for i in range(count):
        n = rng.randrange(size)
        kind = i % 4
        if kind == 0:
            made.append(f'userName eq "{f"user{n}" if n % 2 else f"person{n}@acme.example"}"')
        elif kind == 1:
            made.append(f'externalId eq "00u{n:08d}"')
        elif kind == 2:
            made.append(f'emails[type eq "work"].value eq "person{n}@acme.example"')
        else:
            made.append(f'userName eq "nobody{i}@acme.example"')  # the lookup before a create
    return made


async def _run(uri: str, count: int) -> tuple[float, float]:
    from pymongo import AsyncMongoClient

    from provisioning.access.passwords import PasswordHasher
    from provisioning.access.principal import SCIM, Principal
    from provisioning.caller import Caller
    from provisioning.dependencies import Dependencies
    from provisioning.organizations import create_organization
    from provisioning.scim.users import list_scim_users
    from store.database import Store
    from store.indexes import ensure_indexes
    from store.types import Document

    client: AsyncMongoClient[Document] = AsyncMongoClient(uri, tz_aware=True)
    try:
        database = client[DATABASE]
        await ensure_indexes(database)
        deps = Dependencies(store=Store.on(database), hasher=PasswordHasher())
        callers: dict[int, Caller] = {}
        for size in (SMALL, LARGE):
            organization = await create_organization(deps, f"bench-{size}", f"Bench {size}")
            principal = Principal(
                org_id=organization.id,
                user_id=None,
                roles=frozenset(),
                client_id="bench",
                scopes=frozenset({SCIM}),
            )
            callers[size] = Caller(principal)
            started = time.perf_counter()
            for low in range(0, size, INSERT_BATCH):
                await database["users"].insert_many(
                    documents(organization.id, low, low + INSERT_BATCH), ordered=False
                )
            print(f"  seeded {size} users in {time.perf_counter() - started:.1f} s", flush=True)
        asked = {size: filters(count, size) for size in (SMALL, LARGE)}

        async def lookup(size: int, text: str) -> int:
            page = await list_scim_users(
                deps,
                callers[size],
                filter_text=text,
                sort_by=None,
                sort_order=None,
                start_index=1,
                count=100,
            )
            return page.total

        for size in (SMALL, LARGE):  # warm-up
            for text in asked[size][:8]:
                await lookup(size, text)
        latencies: dict[int, list[float]] = {SMALL: [], LARGE: []}
        found = {SMALL: 0, LARGE: 0}
        for i in range(count):  # in turn, so both sizes see the same background load
            for size in (SMALL, LARGE):
                started = time.perf_counter()
                found[size] += await lookup(size, asked[size][i])
                latencies[size].append(time.perf_counter() - started)
        for size in (SMALL, LARGE):
            expected = count - count // 4
            assert found[size] == expected, (size, found[size], expected)
            print(
                f"  {size:>6} users: median {statistics.median(latencies[size]) * 1000:6.2f} ms,"
                f" p90 {statistics.quantiles(latencies[size], n=10)[-1] * 1000:6.2f} ms,"
                f" {found[size]}/{count} lookups found their user",
                flush=True,
            )
        return statistics.median(latencies[SMALL]), statistics.median(latencies[LARGE])
    finally:
        await client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scim_lookup", description=__doc__)
    parser.add_argument("--queries", type=int, default=200, help="lookups per size")
    args = parser.parse_args(argv)
    if args.queries < 8:
        parser.error("at least 8 queries")
    signal.signal(signal.SIGTERM, raise_on_sigterm)
    with tempfile.TemporaryDirectory(prefix="bench-scim-") as scratch:
        database = EmbeddedDatabase(Path(scratch))
        try:
            database.start()
            print(f"{NAME}: {args.queries} SCIM lookups at {SMALL} and at {LARGE} users")
            small, large = asyncio.run(_run(database.uri, args.queries))
        finally:
            database.stop()
    print(f"  the larger takes {large / small:.2f} times the smaller")
    print(f"{NAME}: ratio {small / large:.2f} (goal {GOAL})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
