"""Shared fixtures: one real SecantusDB server per test session, a fresh database per test."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient

from config.settings import Settings
from provisioning.access.passwords import PasswordHasher
from provisioning.dependencies import Dependencies
from store.database import Store
from store.indexes import ensure_indexes
from store.types import Document


@pytest.fixture(scope="session")
def mongodb_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from secantus import SecantusDBServer

    path: Path = tmp_path_factory.mktemp("secantus")
    server = SecantusDBServer(storage_path=str(path), enable_test_commands=True)
    server.start()
    try:
        yield str(server.uri)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def fast_hasher() -> PasswordHasher:
    # Real argon2id, with the cost turned down so that tests do not wait on it.
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def settings(mongodb_uri: str) -> Settings:
    return replace(Settings(), mongodb_uri=mongodb_uri, database_name=f"t_{uuid.uuid4().hex[:16]}")


@pytest.fixture(scope="session")
async def mongo_client(mongodb_uri: str) -> AsyncIterator[AsyncMongoClient[Document]]:
    # Polling, not streaming: between async tests the session's loop stands still (a
    # browser story is a sync test that can take a minute), and a streaming heartbeat
    # parked across that pause times out on the next tick, which makes pymongo interrupt
    # the connections of whichever test runs then (with pytest-xdist, any file's).
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        mongodb_uri, tz_aware=True, serverMonitoringMode="poll"
    )
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
async def deps(
    mongo_client: AsyncMongoClient[Document], settings: Settings, fast_hasher: PasswordHasher
) -> AsyncIterator[Dependencies]:
    database = mongo_client[settings.database_name]
    await ensure_indexes(database)
    yield Dependencies(store=Store.on(database), hasher=fast_hasher)
    with contextlib.suppress(Exception):
        await mongo_client.drop_database(settings.database_name)
