"""suggest: median suggestion latency with 10,000 and with 100,000 accounts in the integration.

    python -m bench.suggest [--queries N]

The embedded database runs in its own process (secantusd-py). Two organizations share the
integration_accounts collection and its indexes: one whose integration holds 10,000
accounts, one whose integration holds 100,000, seeded with bulk inserts of accounts as
recordIntegrationActivity stores them (the same fields and match keys). Names come from
a wide synthetic vocabulary (about 1,000 first and 3,000 last names), as a real
directory's do. The same kinds of question are then asked in each organization, in
turn (exact emails, the same local part at another domain, given names, typos, addresses
that match nothing), each call timed through provisioning.integrations.matching.suggest, candidate
lookups and scoring included.

Candidates come from index lookups of selective keys, so the larger integration should
cost about the same. Note that this database's index scans do not stop at a query's
limit: a key shared by thousands of accounts would cost more here than on MongoDB. The
ratio is median(10k) / median(100k): the goal reads "the larger no more than 1.5 times
the smaller".
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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench._processes import raise_on_sigterm
from server.embedded import EmbeddedDatabase

NAME = "suggest"
GOAL = 0.67
DATABASE = "bench_suggest"
SMALL, LARGE = 10_000, 100_000
INSERT_BATCH = 1_000
CONCURRENT_INSERTS = 4
ONSETS = [
    "b", "br", "c", "ch", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "sh",
    "st", "t", "th", "v", "w", "z", "gr", "kl", "tr", "fl", "pl", "dr", "sk",
]  # fmt: skip
VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "ie", "y"]
CODAS = ["", "n", "l", "r", "s", "th", "ck", "m", "nd", "rt"]
SYLLABLES = [o + v + c for o in ONSETS for v in VOWELS for c in CODAS]
DOMAINS = ["acme.example", "globex.example", "initech.example", "umbrella.example"]


def _word(n: int, syllables: int) -> str:
    parts = []
    for _ in range(syllables):
        n, index = divmod(n * 7919 + 104729, len(SYLLABLES))
        parts.append(SYLLABLES[index])
    return "".join(parts)


FIRST = sorted({_word(i, 2) for i in range(1_000)})
LAST = sorted({_word(i + 50_000, 2) + _word(i, 1) for i in range(3_000)})


def person(n: int) -> tuple[str, str, str]:
    """The n-th seeded person: (first, last, email); names repeat, emails do not."""
    rng = random.Random(n)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return first, last, f"{first}.{last}{n}@{DOMAINS[n % len(DOMAINS)]}"


def documents(org_id: str, integration_id: str, start: int, stop: int) -> list[dict[str, Any]]:
    from provisioning.integrations.accounts import profile_of
    from store.integration_accounts import _profile_fields

    moment = datetime(2024, 5, 1, tzinfo=UTC)
    made = []
    for n in range(start, stop):
        first, last, email = person(n)
        external_id = f"acc-{n}"
        profile = profile_of(external_id, email, None, first.title(), last.title())
        made.append(
            {
                "org_id": org_id,
                "integration_id": integration_id,
                "external_id": external_id,
                **_profile_fields(profile),
                "first_seen_at": moment,
                "last_activity_at": moment + timedelta(seconds=n),
                "activity_count": 1,
                "linked_user_id": None,
            }
        )
    return made


def queries(count: int, size: int) -> list[tuple[str, str | None, str | None]]:
    """(email, first name, last name) to ask for, about people among the first `size`."""
    rng = random.Random(7)
    made: list[tuple[str, str | None, str | None]] = []
    for i in range(count):
        first, last, email = person(rng.randrange(size))
        kind = i % 5
        if kind == 0:
            made.append((email, None, None))  # exact email, and the name
        elif kind == 1:
            made.append((email.replace("@", "@elsewhere-"), first, last))  # local part
        elif kind == 2:
            made.append((f"{first[0]}{last}@new.example", first.title(), last.title()))
        elif kind == 3:
            typo = last[:-1] + ("x" if last[-1] != "x" else "q")
            made.append((f"{first}.{typo}@new.example", None, None))  # a typo
        else:
            made.append((f"nobody{i}@nowhere.example", None, None))
    return made


async def _run(uri: str, count: int) -> tuple[float, float]:
    from pymongo import AsyncMongoClient

    from provisioning.access.passwords import PasswordHasher
    from provisioning.caller import Caller
    from provisioning.dependencies import Dependencies
    from provisioning.integrations.integrations import create_integration
    from provisioning.integrations.matching import suggest
    from provisioning.organizations import create_organization
    from store.database import Store
    from store.indexes import ensure_indexes
    from store.types import Document

    client: AsyncMongoClient[Document] = AsyncMongoClient(uri, tz_aware=True)
    try:
        database = client[DATABASE]
        await ensure_indexes(database)
        deps = Dependencies(store=Store.on(database), hasher=PasswordHasher())
        collection = database["integration_accounts"]
        callers: dict[int, Caller] = {}
        asked: dict[int, list[tuple[str, str | None, str | None]]] = {}
        for size in (SMALL, LARGE):
            organization = await create_organization(deps, f"bench-{size}", f"Bench {size}")
            caller = Caller.system(organization.id)
            integration = await create_integration(deps, caller, "crm", "CRM", "ACTIVITY")
            started = time.perf_counter()
            ranges = list(range(0, size, INSERT_BATCH))
            for low in range(0, len(ranges), CONCURRENT_INSERTS):
                await asyncio.gather(
                    *(
                        collection.insert_many(
                            documents(organization.id, integration.id, start, start + INSERT_BATCH),
                            ordered=False,
                        )
                        for start in ranges[low : low + CONCURRENT_INSERTS]
                    )
                )
            print(f"  seeded {size} accounts in {time.perf_counter() - started:.1f} s", flush=True)
            callers[size], asked[size] = caller, queries(count, size)

        latencies: dict[int, list[float]] = {SMALL: [], LARGE: []}
        hits = {SMALL: 0, LARGE: 0}
        for size in (SMALL, LARGE):  # warm-up
            for email, first, last in asked[size][:10]:
                await suggest(deps, callers[size], email, first, last)
        # In turn, so that both sizes see the same background load.
        for i in range(count):
            for size in (SMALL, LARGE):
                email, first, last = asked[size][i]
                started = time.perf_counter()
                found = await suggest(deps, callers[size], email, first, last)
                latencies[size].append(time.perf_counter() - started)
                hits[size] += bool(found)
        for size in (SMALL, LARGE):
            print(
                f"  {size:>7} accounts: median {statistics.median(latencies[size]) * 1000:7.2f} ms,"
                f" p90 {statistics.quantiles(latencies[size], n=10)[-1] * 1000:7.2f} ms,"
                f" {hits[size]}/{count} calls with suggestions",
                flush=True,
            )
        return statistics.median(latencies[SMALL]), statistics.median(latencies[LARGE])
    finally:
        await client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.suggest", description=__doc__)
    parser.add_argument("--queries", type=int, default=200, help="suggestion calls per size")
    args = parser.parse_args(argv)
    if args.queries < 10:
        parser.error("at least 10 queries")
    signal.signal(signal.SIGTERM, raise_on_sigterm)
    with tempfile.TemporaryDirectory(prefix="bench-suggest-") as scratch:
        database = EmbeddedDatabase(Path(scratch))
        try:
            database.start()
            print(f"{NAME}: {args.queries} suggestion calls at {SMALL} and at {LARGE} accounts")
            small, large = asyncio.run(_run(database.uri, args.queries))
        finally:
            database.stop()
    print(f"  the larger takes {large / small:.2f} times the smaller")
    print(f"{NAME}: ratio {small / large:.2f} (goal {GOAL})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
