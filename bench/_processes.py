"""What every benchmark does around its measurement: a seeding connection, the API server
as a uvicorn process of its own, plain HTTP to it, and a clean stop."""

from __future__ import annotations

import contextlib
import http.client
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from types import FrameType

from provisioning.dependencies import Dependencies

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent
SERVER_START_TIMEOUT_SECONDS = 60.0


@contextlib.asynccontextmanager
async def dependencies(uri: str, database: str) -> AsyncIterator[Dependencies]:
    """Dependencies over a seeding client of their own, the indexes ensured."""
    from pymongo import AsyncMongoClient

    from provisioning.access.passwords import PasswordHasher
    from store.database import Store
    from store.indexes import ensure_indexes
    from store.types import Document

    client: AsyncMongoClient[Document] = AsyncMongoClient(uri, tz_aware=True)
    try:
        db = client[database]
        await ensure_indexes(db)
        # A cheap argon2id cost: the server verifies with the parameters stored in the hash.
        hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        yield Dependencies(store=Store.on(db), hasher=hasher)
    finally:
        await client.close()


def http_request(
    port: int, method: str, path: str, body: bytes | None, headers: dict[str, str]
) -> tuple[int, http.client.HTTPMessage, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def start_server(
    uri: str, port: int, app: str, database: str, extra: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """uvicorn, one worker, running the app factory `app`, with `extra` in its environment."""
    environment = dict(os.environ)
    environment.update(
        ROSTER_ENV="development",
        ROSTER_MONGODB_URI=uri,
        ROSTER_DATABASE=database,
        # Links and redirect URIs are built on it: the server's own address.
        ROSTER_PUBLIC_URL=f"http://{HOST}:{port}",
    )
    environment.update(extra or {})
    return subprocess.Popen(
        [
            sys.executable, "-m", "uvicorn", app, "--factory",
            "--host", HOST, "--port", str(port), "--workers", "1",
            "--log-level", "warning", "--no-access-log",
        ],
        cwd=ROOT,
        env=environment,
    )  # fmt: skip


def wait_for_server(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with code {process.returncode}")
        try:
            if http_request(port, "GET", "/readyz", None, {})[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not start in time")


def stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def raise_on_sigterm(signum: int, frame: FrameType | None) -> None:
    """Installed for SIGTERM so that `finally` blocks stop the processes started."""
    raise SystemExit(128 + signum)
