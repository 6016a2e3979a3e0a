"""How long import files are kept, against the real database: a DONE job's goes at once, a
FAILED job's after the retention period (then it cannot be resumed), orphans after a grace
period; sweeps of several instances at once delete each file once."""

from __future__ import annotations

import asyncio
import dataclasses
import io
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId
from gridfs import AsyncGridFSBucket
from pymongo import AsyncMongoClient
from pymongo.errors import OperationFailure

from provisioning.admins import create_admin
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import ValidationFailed
from provisioning.imports.jobs import ImportRunner, ImportWorker, resume_import, start_import
from provisioning.imports.retention import (
    ImportFileExpired,
    SweepResult,
    file_expires_at,
    sweep_import_files,
)
from store.database import Store
from store.import_jobs import DONE, FAILED, QUEUED, ImportJobRecord
from store.types import Document
from tests.import_files import person, xlsx_bytes
from tests.integration.conftest import Api
from tests.integration.moving_clock import Clock

PASSWORD = "correct horse battery staple"
RETENTION = timedelta(days=7)  # Limits' default
GRACE = timedelta(days=1)


async def _org(deps: Dependencies, slug: str = "acme") -> str:
    created = await create_admin(deps, slug, f"admin@{slug}.example", PASSWORD)
    return created.organization.id


async def _failed_job(deps: Dependencies, org_id: str, rows: int = 3) -> ImportJobRecord:
    """A job that failed after its runner claimed it: nothing imported yet, its file kept."""
    caller = Caller.system(org_id)
    data = xlsx_bytes([person(i, password=f"otter lantern {i} maple") for i in range(rows)])
    job = await start_import(deps, caller, io.BytesIO(data), "people.xlsx", False, owner="r")
    failed = await deps.store.import_jobs.finish(org_id, job.id, "r", FAILED, deps.clock(), "boom")
    assert failed is not None and failed.status == FAILED
    return failed


async def _has_file(deps: Dependencies, file_id: str) -> bool:
    """The file is there, whole (its document) or in part (any chunk)."""
    oid = ObjectId(file_id)
    files = await deps.store.db["import_files.files"].count_documents({"_id": oid})
    chunks = await deps.store.db["import_files.chunks"].count_documents({"files_id": oid})
    return bool(files or chunks)


async def _deletions(deps: Dependencies, target_id: str) -> list[Document]:
    cursor = deps.store.db["audit_events"].find(
        {"action": "import.file_deleted", "target_id": target_id}
    )
    return [doc async for doc in cursor]


async def _job(deps: Dependencies, job: ImportJobRecord) -> ImportJobRecord:
    current = await deps.store.import_jobs.get(job.org_id, job.id)
    assert current is not None
    return current


async def _orphan(deps: Dependencies, org_id: str) -> str:
    """A file uploaded for a job that was never recorded (the instance stopped between)."""
    file_id = str(ObjectId())
    data = io.BytesIO(xlsx_bytes([person(1)]))
    await deps.store.import_files.upload(org_id, file_id, "lost.xlsx", data, 1_000_000)
    return file_id


async def _untagged(deps: Dependencies) -> str:
    """A file in the bucket that names no organization."""
    bucket = AsyncGridFSBucket(deps.store.db, bucket_name="import_files")
    file_id = ObjectId()
    await bucket.upload_from_stream_with_id(file_id, "stray.csv", io.BytesIO(b"Email\n"))
    return str(file_id)


async def _interrupted_upload(deps: Dependencies) -> str:
    """What an upload leaves when its instance stops after GridFS wrote its chunks (it
    buffers up to 32 MB, then inserts them) and before the file document: chunks only."""
    file_id = ObjectId()
    chunks = [{"files_id": file_id, "n": n, "data": b"x" * 1024} for n in range(3)]
    await deps.store.db["import_files.chunks"].insert_many(chunks)
    return str(file_id)


async def test_a_failed_jobs_file_is_kept_for_the_retention_period_then_deleted(
    timed: Dependencies, clock: Clock
) -> None:
    org_id = await _org(timed)
    job = await _failed_job(timed, org_id)
    assert job.finished_at is not None
    assert file_expires_at(job, timed.limits) == job.finished_at + RETENTION

    clock.advance(RETENTION - timedelta(minutes=1))
    assert await sweep_import_files(timed) == SweepResult()
    kept = await _job(timed, job)
    assert kept.file_deleted_at is None
    assert await _has_file(timed, job.file_id)

    clock.advance(timedelta(minutes=2))
    assert await sweep_import_files(timed) == SweepResult(job_files=1)
    gone = await _job(timed, job)
    assert (gone.status, gone.file_deleted_at) == (FAILED, clock.now)
    assert file_expires_at(gone, timed.limits) is None
    assert not await _has_file(timed, job.file_id)
    [event] = await _deletions(timed, job.id)
    assert (event["org_id"], event["actor_type"], event["target_type"]) == (
        org_id,
        "system",
        "ImportJob",
    )
    assert event["metadata"]["reason"] == "retention"
    assert event["metadata"]["fileId"] == job.file_id

    # Sweeping again deletes nothing more and records nothing more.
    assert await sweep_import_files(timed) == SweepResult()
    assert len(await _deletions(timed, job.id)) == 1


async def test_a_failed_job_resumed_within_the_retention_period_keeps_its_file(
    timed: Dependencies, clock: Clock
) -> None:
    org_id = await _org(timed)
    job = await _failed_job(timed, org_id)
    clock.advance(RETENTION - timedelta(hours=1))
    resumed = await resume_import(timed, Caller.system(org_id), job.id)
    assert resumed.status == QUEUED
    clock.advance(timedelta(days=30))  # queued, however long: the worker needs the file
    assert await sweep_import_files(timed) == SweepResult()
    assert await _has_file(timed, job.file_id)
    runner = ImportRunner(timed)
    claimed = await runner.claim(org_id, job.id)
    assert claimed is not None
    done = await runner.run(claimed)
    assert (done.status, done.counts.created) == (DONE, 3)


async def test_resuming_after_the_file_was_deleted_is_refused_and_imports_nobody(
    timed: Dependencies, clock: Clock
) -> None:
    org_id = await _org(timed)
    job = await _failed_job(timed, org_id)
    clock.advance(RETENTION + timedelta(seconds=1))
    assert (await sweep_import_files(timed)).job_files == 1

    with pytest.raises(ImportFileExpired) as refused:
        await resume_import(timed, Caller.system(org_id), job.id)
    [problem] = refused.value.problems
    assert (problem.code, problem.field) == ("IMPORT_FILE_EXPIRED", ("input", "id"))
    assert clock.now.strftime("%Y-%m-%d") in problem.message
    after = await _job(timed, job)
    assert (after.status, after.file_deleted_at) == (FAILED, clock.now)
    assert await ImportRunner(timed).claim_next() is None
    assert await timed.store.db["users"].count_documents({"source": "IMPORT"}) == 0


async def test_a_resume_racing_the_sweep_either_keeps_the_file_or_is_refused(
    timed: Dependencies, clock: Clock
) -> None:
    org_id = await _org(timed)
    jobs = [await _failed_job(timed, org_id, rows=1) for _ in range(4)]
    clock.advance(RETENTION + timedelta(seconds=1))
    caller = Caller.system(org_id)
    outcomes = await asyncio.gather(
        sweep_import_files(timed),
        *(resume_import(timed, caller, job.id) for job in jobs),
        return_exceptions=True,
    )
    sweep, resumes = outcomes[0], outcomes[1:]
    assert isinstance(sweep, SweepResult)
    for job, outcome in zip(jobs, resumes, strict=True):
        current = await _job(timed, job)
        if isinstance(outcome, ImportFileExpired):
            assert current.status == FAILED and current.file_deleted_at is not None
            assert not await _has_file(timed, job.file_id)
        else:
            assert isinstance(outcome, ImportJobRecord), outcome
            assert current.status == QUEUED and current.file_deleted_at is None
            assert await _has_file(timed, job.file_id)
    refused = sum(isinstance(o, ImportFileExpired) for o in resumes)
    assert sweep.job_files == refused


async def test_a_done_jobs_file_is_deleted_as_it_ends_and_a_dry_runs_too(
    timed: Dependencies,
) -> None:
    org_id = await _org(timed)
    caller = Caller.system(org_id)
    for dry_run in (True, False):
        data = xlsx_bytes([person(i, password=f"otter lantern {i} maple") for i in range(3)])
        job = await start_import(timed, caller, io.BytesIO(data), "people.xlsx", dry_run)
        assert await _has_file(timed, job.file_id)
        runner = ImportRunner(timed)
        claimed = await runner.claim(org_id, job.id)
        assert claimed is not None
        done = await runner.run(claimed)
        assert (done.status, done.dry_run, done.file_deleted_at) == (DONE, dry_run, timed.clock())
        assert (await _job(timed, job)).file_deleted_at == timed.clock()
        assert not await _has_file(timed, job.file_id)
        [event] = await _deletions(timed, job.id)
        assert event["metadata"]["reason"] == "finished"
        assert event["metadata"]["status"] == DONE
        # A DONE job is not resumed: that is a plain INVALID, not an expired file.
        with pytest.raises(ValidationFailed) as refused:
            await resume_import(timed, caller, job.id)
        assert [p.code for p in refused.value.problems] == ["INVALID"]
    assert await timed.store.db["users"].count_documents({"source": "IMPORT"}) == 3


async def test_a_done_job_whose_file_could_not_be_released_is_swept_at_once(
    timed: Dependencies, caplog: pytest.LogCaptureFixture
) -> None:
    org_id = await _org(timed)
    job = await start_import(
        timed, Caller.system(org_id), io.BytesIO(xlsx_bytes([person(1)])), "p.xlsx", False
    )
    runner = ImportRunner(timed)
    claimed = await runner.claim(org_id, job.id)
    assert claimed is not None
    admin = timed.store.db.client.admin
    # The job's finish passes; the release of its file after it fails.
    await admin.command(
        {
            "configureFailPoint": "failCommand",
            "mode": {"skip": 1, "times": 1},
            "data": {"failCommands": ["findAndModify"], "errorCode": 2},
        }
    )
    try:
        with caplog.at_level("ERROR", logger="roster.imports"):
            done = await runner.run(claimed)
    finally:
        await admin.command({"configureFailPoint": "failCommand", "mode": "off"})
    assert (done.status, done.counts.created, done.file_deleted_at) == (DONE, 1, None)
    assert "deleting its file failed" in caplog.text
    assert await _has_file(timed, job.file_id)
    # No retention period for a DONE job: the next sweep deletes it.
    assert await sweep_import_files(timed) == SweepResult(job_files=1)
    assert not await _has_file(timed, job.file_id)
    assert (await _job(timed, job)).file_deleted_at is not None


async def test_orphan_files_and_interrupted_uploads_are_deleted_after_the_grace_period(
    timed: Dependencies, clock: Clock
) -> None:
    org_id = await _org(timed)
    orphan = await _orphan(timed, org_id)
    untagged = await _untagged(timed)
    half = await _interrupted_upload(timed)
    queued = await start_import(
        timed, Caller.system(org_id), io.BytesIO(xlsx_bytes([person(1)])), "q.xlsx", False
    )
    failed = await _failed_job(timed, org_id)

    # Fresh: an upload may be in progress, or its job about to be recorded.
    assert await sweep_import_files(timed) == SweepResult()
    for file_id in (orphan, untagged, half, queued.file_id, failed.file_id):
        assert await _has_file(timed, file_id), file_id
    assert await timed.store.import_files.download(org_id, queued.file_id, io.BytesIO())

    clock.advance(GRACE + timedelta(minutes=1))
    assert await sweep_import_files(timed) == SweepResult(orphan_files=2, stray_uploads=1)
    for file_id in (orphan, untagged, half):
        assert not await _has_file(timed, file_id), file_id
    # The files that jobs hold stay: a queued job's, and a failed one's within its retention.
    assert await _has_file(timed, queued.file_id)
    assert await _has_file(timed, failed.file_id)
    [event] = await _deletions(timed, orphan)
    assert (event["org_id"], event["target_type"], event["metadata"]["reason"]) == (
        org_id,
        "ImportFile",
        "orphan",
    )
    assert await _deletions(timed, untagged) == []  # no organization to record it in: logged
    assert await sweep_import_files(timed) == SweepResult()


@pytest.mark.parametrize(
    "skip",
    [
        pytest.param(2, id="the job's insert fails after the upload wrote its chunk and file"),
        pytest.param(1, id="the upload's file document fails after its chunks were written"),
    ],
)
async def test_a_failed_upload_or_job_insert_leaves_no_file_behind(
    deps: Dependencies, skip: int
) -> None:
    org_id = await _org(deps)
    admin = deps.store.db.client.admin
    await admin.command(
        {
            "configureFailPoint": "failCommand",
            "mode": {"skip": skip, "times": 1},
            "data": {"failCommands": ["insert"], "errorCode": 2},
        }
    )
    try:
        with pytest.raises(OperationFailure):
            await start_import(
                deps, Caller.system(org_id), io.BytesIO(xlsx_bytes([person(1)])), "p.xlsx", False
            )
    finally:
        await admin.command({"configureFailPoint": "failCommand", "mode": "off"})
    assert await deps.store.db["import_jobs"].count_documents({}) == 0
    assert await deps.store.db["import_files.files"].count_documents({}) == 0
    assert await deps.store.db["import_files.chunks"].count_documents({}) == 0


@pytest.fixture
async def other_instance(mongodb_uri: str, timed: Dependencies) -> AsyncIterator[Dependencies]:
    """The same database through another client, as another instance of Roster has it."""
    client: AsyncMongoClient[Document] = AsyncMongoClient(mongodb_uri, tz_aware=True)
    try:
        store = Store.on(client[timed.store.db.name])
        yield dataclasses.replace(timed, store=store)
    finally:
        await client.close()


async def test_instances_sweeping_at_once_delete_each_file_once(
    timed: Dependencies, other_instance: Dependencies, clock: Clock
) -> None:
    org_id = await _org(timed)
    failed = [await _failed_job(timed, org_id, rows=1) for _ in range(3)]
    orphans = [await _orphan(timed, org_id) for _ in range(3)]
    half = await _interrupted_upload(timed)
    clock.advance(RETENTION + timedelta(seconds=1))
    instances = [timed, other_instance, timed, other_instance]
    results = await asyncio.gather(*(sweep_import_files(deps) for deps in instances))
    assert sum(r.job_files for r in results) == 3
    assert sum(r.orphan_files for r in results) == 3
    assert sum(r.stray_uploads for r in results) >= 1  # chunks: logged, not audited
    for job in failed:
        assert not await _has_file(timed, job.file_id)
        assert len(await _deletions(timed, job.id)) == 1
        assert (await _job(timed, job)).file_deleted_at == clock.now
    for file_id in orphans:
        assert not await _has_file(timed, file_id)
        assert len(await _deletions(timed, file_id)) == 1
    assert not await _has_file(timed, half)
    again = await asyncio.gather(*(sweep_import_files(deps) for deps in instances))
    assert again == [SweepResult()] * len(instances)


async def test_the_worker_sweeps_at_once_then_every_interval_by_the_clock(
    timed: Dependencies, clock: Clock
) -> None:
    org_id = await _org(timed)
    worker = ImportWorker(timed, sweep_every_seconds=600)
    assert await worker.sweep_if_due() == SweepResult()  # as the worker starts
    job = await _failed_job(timed, org_id)
    # The first failed job's retention runs out 599 seconds before the next sweep is due.
    clock.advance(RETENTION - timedelta(seconds=1))
    assert await worker.sweep_if_due() == SweepResult()
    clock.advance(timedelta(seconds=2))
    assert await worker.sweep_if_due() is None  # swept 2 seconds ago
    assert await _has_file(timed, job.file_id)
    clock.advance(timedelta(seconds=597))
    assert await worker.sweep_if_due() is None
    clock.advance(timedelta(seconds=1))
    assert await worker.sweep_if_due() == SweepResult(job_files=1)
    assert not await _has_file(timed, job.file_id)


async def test_a_full_batch_of_jobs_makes_the_worker_sweep_again_at_the_next_poll(
    timed: Dependencies,
) -> None:
    org_id = await _org(timed)
    caller = Caller.system(org_id)
    file_ids = []
    for i in range(3):
        job = await start_import(timed, caller, io.BytesIO(xlsx_bytes([person(i)])), "p", False)
        # DONE, but the runner stopped before it deleted the file.
        await timed.store.import_jobs.finish(org_id, job.id, None, DONE, timed.clock())
        file_ids.append(job.file_id)
    first = await sweep_import_files(timed, batch=2)
    assert (first.job_files, first.more) == (2, True)
    assert [await _has_file(timed, f) for f in file_ids] == [False, False, True]
    rest = await sweep_import_files(timed, batch=2)
    assert (rest.job_files, rest.more) == (1, False)
    assert not await _has_file(timed, file_ids[2])


RESUME = """mutation($input: ResumeImportInput!) { resumeImport(input: $input) {
  importJob { id status } userErrors { field code message } } }"""
JOB = """query($id: ID!) { importJob(id: $id) {
  status error fileDeletedAt fileExpiresAt } }"""


async def test_resume_import_over_graphql_says_the_file_expired(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    clock = Clock()
    timed = dataclasses.replace(api.deps, clock=clock)
    job = await _failed_job(timed, org_id)
    body: dict[str, Any] = await api.gql(admin, JOB, {"id": job.id})
    shown = body["data"]["importJob"]
    assert (shown["status"], shown["fileDeletedAt"]) == ("FAILED", None)
    assert job.finished_at is not None
    expires = datetime.fromisoformat(shown["fileExpiresAt"])
    assert expires == job.finished_at + RETENTION

    clock.advance(RETENTION + timedelta(seconds=1))
    assert (await sweep_import_files(timed)).job_files == 1
    body = await api.gql(admin, RESUME, {"input": {"id": job.id}})
    payload = body["data"]["resumeImport"]
    assert payload["importJob"] is None
    [error] = payload["userErrors"]
    assert (error["code"], error["field"]) == ("IMPORT_FILE_EXPIRED", ["input", "id"])
    assert "start a new import" in error["message"]
    body = await api.gql(admin, JOB, {"id": job.id})
    shown = body["data"]["importJob"]
    assert shown["status"] == "FAILED" and shown["fileExpiresAt"] is None
    assert datetime.fromisoformat(shown["fileDeletedAt"]) == clock.now
    assert await api.deps.store.db["users"].count_documents({"source": "IMPORT"}) == 0
