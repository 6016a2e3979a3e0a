"""`roster import` against the real database: dry run, import, re-run, refusals, resume."""

from __future__ import annotations

import asyncio
import io
import signal
import subprocess
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from bson import ObjectId
from pymongo import AsyncMongoClient

from config.settings import Settings
from provisioning.access.passwords import PasswordHasher
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies, utc_now
from provisioning.imports.jobs import ImportRunner, start_import
from provisioning.imports.retention import sweep_import_files
from server.cli import main
from store.database import Store
from store.import_jobs import ImportJobRecord
from store.types import Document
from tests.e2e.processes import roster_environment, venv_script
from tests.import_files import csv_bytes, person, xlsx_bytes


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    assert settings.mongodb_uri is not None
    monkeypatch.setenv("ROSTER_MONGODB_URI", settings.mongodb_uri)
    monkeypatch.setenv("ROSTER_DATABASE", settings.database_name)
    password = "a long admin password"
    created = main(
        ["create-admin", "--org", "acme", "--email", "a@acme.example", "--password", password]
    )
    assert created == 0
    return settings


async def _users(settings: Settings) -> int:
    client: AsyncMongoClient[Document] = AsyncMongoClient(settings.mongodb_uri, tz_aware=True)
    try:
        return await client[settings.database_name]["users"].count_documents({"source": "IMPORT"})
    finally:
        await client.close()


def test_dry_run_then_import_then_re_run(
    cli_env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [person(i) for i in range(12)]
    rows[3] = person(3, email="broken")
    path = tmp_path / "people.xlsx"
    path.write_bytes(xlsx_bytes(rows))
    capsys.readouterr()

    # A row failed: not a clean import, and the exit status says so (3; 1 is a failed job).
    assert main(["import", str(path), "--dry-run", "--org", "acme"]) == 3
    out, err = capsys.readouterr()
    assert "DONE: would create 11, skipped (existing) 0, failed 1" in out
    assert "row 5: INVALID (email)" in out
    assert "[" in err and "12/12 rows" in err  # the progress bar
    assert asyncio.run(_users(cli_env)) == 0

    assert main(["import", str(path), "--org", "acme"]) == 3
    assert "DONE: created 11, skipped (existing) 0, failed 1" in capsys.readouterr().out
    assert asyncio.run(_users(cli_env)) == 11

    assert main(["import", str(path), "--org", "acme"]) == 3
    assert "DONE: created 0, skipped (existing) 11, failed 1" in capsys.readouterr().out
    assert asyncio.run(_users(cli_env)) == 11

    clean = tmp_path / "clean.xlsx"
    clean.write_bytes(xlsx_bytes([person(i) for i in range(20, 22)]))
    assert main(["import", str(clean), "--org", "acme"]) == 0
    assert "DONE: created 2, skipped (existing) 0, failed 0" in capsys.readouterr().out


def test_a_file_that_is_not_a_spreadsheet_or_not_there_is_an_error(
    cli_env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    capsys.readouterr()
    assert main(["import", str(path), "--org", "acme"]) == 1
    assert "INVALID (input.file): This file is not a spreadsheet" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "missing.csv"), "--org", "acme"]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert main(["import", "--org", "acme"]) == 2


async def _stopped_job(settings: Settings) -> str:
    """A job whose runner stopped after one batch of ten, its lease already expired."""
    client: AsyncMongoClient[Document] = AsyncMongoClient(settings.mongodb_uri, tz_aware=True)
    try:
        store = Store.on(client[settings.database_name])
        deps = Dependencies(store=store, hasher=PasswordHasher(time_cost=1, memory_cost=8))
        organization = await store.organizations.get_by_slug("acme")
        assert organization is not None
        data = csv_bytes([person(i) for i in range(25)])
        runner = ImportRunner(deps, "crashed", batch_size=10, lease_seconds=0)
        job = await start_import(
            deps, Caller.system(organization.id), io.BytesIO(data), "p.csv", False, owner="crashed"
        )
        await runner.run(job, stop_after_batches=1)
        return job.id
    finally:
        await client.close()


def test_resume_goes_on_from_the_checkpoint(
    cli_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    job_id = asyncio.run(_stopped_job(cli_env))
    assert asyncio.run(_users(cli_env)) == 10
    capsys.readouterr()
    assert main(["import", "--resume", job_id, "--org", "acme"]) == 0
    assert "DONE: created 25, skipped (existing) 0, failed 0" in capsys.readouterr().out
    assert asyncio.run(_users(cli_env)) == 25
    assert main(["import", "--resume", job_id, "--org", "acme"]) == 1
    assert "only a failed or interrupted job can be resumed" in capsys.readouterr().err


async def _expired_job(settings: Settings) -> str:
    """A job that failed, its file deleted by the sweep a week and a day later."""
    client: AsyncMongoClient[Document] = AsyncMongoClient(settings.mongodb_uri, tz_aware=True)
    try:
        store = Store.on(client[settings.database_name])
        deps = Dependencies(store=store, hasher=PasswordHasher(time_cost=1, memory_cost=8))
        organization = await store.organizations.get_by_slug("acme")
        assert organization is not None
        data = csv_bytes([person(i) for i in range(3)])
        job = await start_import(
            deps, Caller.system(organization.id), io.BytesIO(data), "p.csv", False, owner="r"
        )
        await store.import_jobs.finish(organization.id, job.id, "r", "FAILED", deps.clock(), "x")
        later = replace(deps, clock=lambda: utc_now() + timedelta(days=8))
        assert (await sweep_import_files(later)).job_files == 1
        return job.id
    finally:
        await client.close()


def test_resuming_a_job_whose_file_expired_is_refused(
    cli_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    job_id = asyncio.run(_expired_job(cli_env))
    capsys.readouterr()
    assert main(["import", "--resume", job_id, "--org", "acme"]) == 1
    assert "error: IMPORT_FILE_EXPIRED (input.id)" in capsys.readouterr().err
    assert asyncio.run(_users(cli_env)) == 0


def test_an_import_stopped_with_sigterm_is_resumable_at_once(
    cli_env: Settings, tmp_path: Path
) -> None:
    rows = 4000  # eight batches: far more than it does before the signal
    path = tmp_path / "many.csv"
    path.write_bytes(csv_bytes([person(i) for i in range(rows)]))
    environ = roster_environment(
        {"ROSTER_MONGODB_URI": str(cli_env.mongodb_uri), "ROSTER_DATABASE": cli_env.database_name}
    )
    # Started as a script's background job is (`roster import ... &`): with SIGINT ignored,
    # so that SIGTERM cannot lean on asyncio's handling of Ctrl-C.
    command = [str(venv_script("roster")), "import", str(path), "--org", "acme"]
    process = subprocess.Popen(
        ["sh", "-c", 'trap "" INT; exec "$@"', "sh", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=environ,
    )
    try:
        job = asyncio.run(_job_with_progress(cli_env))
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode != 0
    assert b"Traceback" not in err, err.decode()
    stopped = asyncio.run(_job(cli_env, job))
    assert stopped.status == "RUNNING" and stopped.lease_owner is None, (stopped, err.decode())
    assert stopped.counts.processed_rows < rows, stopped
    assert main(["import", "--resume", job, "--org", "acme"]) == 0
    assert asyncio.run(_users(cli_env)) == rows


async def _job(settings: Settings, job_id: str) -> ImportJobRecord:
    client: AsyncMongoClient[Document] = AsyncMongoClient(settings.mongodb_uri, tz_aware=True)
    try:
        found = await client[settings.database_name]["import_jobs"].find_one(
            {"_id": ObjectId(job_id)}
        )
        assert found is not None
        store = Store.on(client[settings.database_name])
        job = await store.import_jobs.get(found["org_id"], job_id)
        assert job is not None
        return job
    finally:
        await client.close()


async def _job_with_progress(settings: Settings, wait_seconds: float = 60.0) -> str:
    """The id of the job the command runs, once it has done a batch (bounded)."""
    client: AsyncMongoClient[Document] = AsyncMongoClient(settings.mongodb_uri, tz_aware=True)
    try:
        jobs = client[settings.database_name]["import_jobs"]
        for _ in range(int(wait_seconds / 0.02)):
            found = await jobs.find_one({"status": "RUNNING", "processed_rows": {"$gt": 0}})
            if found is not None:
                return str(found["_id"])
            await asyncio.sleep(0.02)
        raise AssertionError(f"no import made progress: {await jobs.find_one({})}")
    finally:
        await client.close()
