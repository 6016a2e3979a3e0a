"""Bulk import jobs against the real database: rules, counts, dry runs, limits, resuming."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from bson import ObjectId

from provisioning.admins import create_admin
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import ValidationFailed
from provisioning.imports.batches import BATCH_SIZE
from provisioning.imports.jobs import ImportRunner, list_row_errors, resume_import, start_import
from store.ids import new_id
from store.import_jobs import DONE, QUEUED, RUNNING, ImportJobRecord
from store.reference import ReferenceRecord
from tests.import_files import HEADER, csv_bytes, person, xlsx_bytes

PASSWORD = "correct horse battery staple"


async def _org(deps: Dependencies, slug: str = "acme", seat_limit: int | None = None) -> str:
    created = await create_admin(deps, slug, f"admin@{slug}.example", PASSWORD)
    org_id = created.organization.id
    store = deps.store
    # Sales is a starter department already: department names are unique.
    await store.job_profiles.insert_many(org_id, [ReferenceRecord(new_id(), org_id, "Engineer")])
    await store.permission_types.insert_many(
        org_id, [ReferenceRecord(new_id(), org_id, "Standard User")]
    )
    await store.companies.insert_many(org_id, [ReferenceRecord(new_id(), org_id, "Partner Co")])
    if seat_limit is not None:
        await store.organizations.update(org_id, {"seat_limit": seat_limit})
    return org_id


async def _import(
    deps: Dependencies,
    org_id: str,
    data: bytes,
    *,
    dry_run: bool = False,
    name: str = "people.xlsx",
    batch_size: int = 500,
) -> ImportJobRecord:
    caller = Caller.system(org_id)
    job = await start_import(deps, caller, io.BytesIO(data), name, dry_run)
    assert job.status == QUEUED
    runner = ImportRunner(deps, batch_size=batch_size)
    claimed = await runner.claim(org_id, job.id)
    assert claimed is not None
    return await runner.run(claimed)


async def _errors(deps: Dependencies, job: ImportJobRecord) -> list[tuple[int, str | None, str]]:
    page = await list_row_errors(deps, Caller.system(job.org_id), job, first=100)
    return [(row, field, code) for row, _, field, code, _ in page.problems]


async def _count(deps: Dependencies, collection: str, query: dict[str, Any]) -> int:
    return await deps.store.db[collection].count_documents(query)


async def test_every_kind_of_bad_row_is_a_row_error_and_the_good_rows_are_created(
    deps: Dependencies,
) -> None:
    org_id = await _org(deps)
    rows = [
        person(1, department="sales", job_profile="ENGINEER", permission_type="standard  user"),
        person(2, first=None),  # row 3
        person(3, email="not-an-email"),  # row 4
        person(4, email=None),  # row 5: no contact at all
        person(5, email=None, username="user5"),  # row 6: username without phone
        person(6, department="Marketing"),  # row 7
        person(7, job_profile="Pilot"),  # row 8
        person(8, permission_type="Root"),  # row 9
        person(9, company="Nowhere Inc"),  # row 10
        person(10, roles="ADMIN, WIZARD"),  # row 11
        person(11, seat="GOLD"),  # row 12
        person(12, language="not a language!"),  # row 13
        person(13, phone="12"),  # row 14
        person(14, last='=HYPERLINK("http://evil")'),  # row 15: a formula
        person(15, password="short"),  # row 16
        person(16, email=None, username="user.sixteen", phone="+44 20 7946 0016"),  # row 17
        person(17, first="x" * 101),  # row 18
    ]
    job = await _import(deps, org_id, xlsx_bytes(rows))
    assert job.status == DONE
    assert (job.total_rows, job.counts.processed_rows) == (17, 17)
    assert (job.counts.created, job.counts.skipped_existing, job.counts.failed) == (2, 0, 15)
    assert await _errors(deps, job) == [
        (3, "firstName", "REQUIRED"),
        (4, "email", "INVALID"),
        (5, "email", "REQUIRED"),
        (6, "phone", "REQUIRED"),
        (7, "department", "NOT_FOUND"),
        (8, "jobProfile", "NOT_FOUND"),
        (9, "permissionType", "NOT_FOUND"),
        (10, "company", "NOT_FOUND"),
        (11, "roles", "INVALID"),
        (12, "seat", "INVALID"),
        (13, "language", "INVALID"),
        (14, "phone", "INVALID"),
        (15, "lastName", "INVALID"),
        (16, "oneTimePassword", "INVALID"),
        (18, "firstName", "INVALID"),
    ]
    first = await deps.store.users.find_by_email(org_id, "person1@example.com")
    assert first is not None
    assert (first.source, first.status, first.seat) == ("IMPORT", "PENDING", "OBSERVER")
    assert first.department_id is not None and first.job_profile_id is not None
    assert first.permission_type_id is not None
    by_username = await deps.store.users.find_by_username(org_id, "user.sixteen")
    assert by_username is not None and by_username.phone == "+442079460016"
    events = await _count(
        deps,
        "audit_events",
        {"org_id": org_id, "action": "user.created", "metadata.importJobId": job.id},
    )
    assert events == 2


async def test_a_re_run_of_the_same_file_skips_every_row_and_changes_nobody(
    deps: Dependencies,
) -> None:
    org_id = await _org(deps)
    data = xlsx_bytes([person(i) for i in range(30)])
    first = await _import(deps, org_id, data, batch_size=7)
    assert (first.counts.created, first.counts.skipped_existing) == (30, 0)
    before = await deps.store.users.find_by_email(org_id, "person3@example.com")
    again = await _import(deps, org_id, data, batch_size=7)
    assert (again.counts.created, again.counts.skipped_existing, again.counts.failed) == (0, 30, 0)
    assert await deps.store.users.find_by_email(org_id, "person3@example.com") == before
    assert await _count(deps, "users", {"org_id": org_id, "source": "IMPORT"}) == 30


async def test_an_existing_username_is_skipped_too_even_in_another_case(deps: Dependencies) -> None:
    org_id = await _org(deps)
    await _import(deps, org_id, xlsx_bytes([person(1, username="Dup.User")]))
    job = await _import(
        deps,
        org_id,
        xlsx_bytes([person(2, username="dup.user"), person(3, email="Person1@Example.com")]),
    )
    assert (job.counts.created, job.counts.skipped_existing) == (0, 2)


async def test_a_dry_run_predicts_and_writes_no_user_and_no_event(deps: Dependencies) -> None:
    org_id = await _org(deps, seat_limit=2)
    await _import(deps, org_id, xlsx_bytes([person(1)]))
    users = await _count(deps, "users", {})
    events = await _count(deps, "audit_events", {"action": "user.created"})
    organization_before = await deps.store.organizations.get(org_id)
    rows = [
        person(1),  # exists: skipped
        person(2),
        person(2, first="Again"),  # the same email earlier in the file: skipped
        person(3, seat="full"),
        person(4, seat="FULL"),  # the admin holds a full seat? only 2 allowed in all
        person(5, email="bad"),
    ]
    job = await _import(deps, org_id, xlsx_bytes(rows), dry_run=True, batch_size=2)
    assert job.dry_run and job.status == DONE
    assert await _count(deps, "users", {}) == users
    assert await _count(deps, "audit_events", {"action": "user.created"}) == events
    assert await deps.store.organizations.get(org_id) == organization_before
    assert organization_before is not None
    seats_left = 2 - organization_before.full_seats_used
    expected_created = 1 + min(2, seats_left)
    assert job.counts.created == expected_created
    assert job.counts.skipped_existing == 2
    assert job.counts.failed == 1 + (2 - min(2, seats_left))


async def test_full_seats_are_reserved_per_row_and_a_row_over_the_limit_fails(
    deps: Dependencies,
) -> None:
    org_id = await _org(deps)
    organization = await deps.store.organizations.get(org_id)
    assert organization is not None
    used = organization.full_seats_used
    await deps.store.organizations.update(org_id, {"seat_limit": used + 2})
    rows = [person(1, seat="FULL"), person(2, seat="FULL"), person(3, seat="FULL"), person(4)]
    job = await _import(deps, org_id, xlsx_bytes(rows))
    assert (job.counts.created, job.counts.failed) == (3, 1)
    assert await _errors(deps, job) == [(4, "seat", "SEAT_LIMIT")]
    after = await deps.store.organizations.get(org_id)
    assert after is not None and after.full_seats_used == used + 2
    # A re-run reserves nothing for the rows it skips.
    await deps.store.organizations.update(org_id, {"seat_limit": used + 10})
    again = await _import(deps, org_id, xlsx_bytes(rows[:2]))
    assert again.counts.skipped_existing == 2
    latest = await deps.store.organizations.get(org_id)
    assert latest is not None and latest.full_seats_used == used + 2


async def test_a_one_time_password_makes_an_active_user_who_must_change_it(
    deps: Dependencies,
) -> None:
    org_id = await _org(deps)
    job = await _import(deps, org_id, xlsx_bytes([person(1, password="Tr0ub4dor&3-long-enough")]))
    assert job.counts.created == 1
    user = await deps.store.users.find_by_email(org_id, "person1@example.com")
    assert user is not None and user.status == "ACTIVE" and user.must_change_password
    assert user.password_hash is not None
    assert deps.hasher.verify(user.password_hash, "Tr0ub4dor&3-long-enough")


async def test_a_csv_with_a_bom_and_windows_line_ends_is_read_like_the_workbook(
    deps: Dependencies,
) -> None:
    org_id = await _org(deps)
    rows = [person(1, department="Sales"), person(2, last="Smith, Jr."), person(3, email="bad")]
    data = csv_bytes(rows, bom=True, line_end="\r\n")
    job = await _import(deps, org_id, data, name="people.csv")
    assert job.file_format == "CSV"
    assert (job.counts.created, job.counts.failed, job.total_rows) == (2, 1, 3)
    assert await _errors(deps, job) == [(4, "email", "INVALID")]
    second = await deps.store.users.find_by_email(org_id, "person2@example.com")
    assert second is not None and second.last_name == "Smith, Jr."
    assert job.columns == HEADER  # the BOM is not part of the first label


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7 not a spreadsheet at all",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"PK\x03\x04 a broken zip",
        b"",
    ],
)
async def test_a_file_that_is_not_a_spreadsheet_is_refused_on_the_file_field(
    deps: Dependencies, data: bytes
) -> None:
    org_id = await _org(deps)
    with pytest.raises(ValidationFailed) as raised:
        await start_import(deps, Caller.system(org_id), io.BytesIO(data), "x.pdf", False)
    problem = raised.value.problems[0]
    assert (problem.code, problem.field) == ("INVALID", ("input", "file"))
    assert await _count(deps, "import_jobs", {}) == 0


async def test_a_header_that_is_not_the_template_is_refused(deps: Dependencies) -> None:
    org_id = await _org(deps)
    with pytest.raises(ValidationFailed, match="Unknown columns"):
        await start_import(
            deps,
            Caller.system(org_id),
            io.BytesIO(csv_bytes([["a", "b"]], header=["Emial", "First name"])),
            "x.csv",
            False,
        )
    with pytest.raises(ValidationFailed, match="Required columns are missing"):
        await start_import(
            deps,
            Caller.system(org_id),
            io.BytesIO(csv_bytes([["a@b.c"]], header=["Email"])),
            "x.csv",
            False,
        )


async def test_a_macro_enabled_workbook_is_refused(deps: Dependencies) -> None:
    org_id = await _org(deps)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "a") as archive:
        with zipfile.ZipFile(io.BytesIO(xlsx_bytes([person(1)]))) as original:
            for item in original.infolist():
                archive.writestr(item, original.read(item.filename))
        archive.writestr("xl/vbaProject.bin", b"\x00macro")
    with pytest.raises(ValidationFailed, match="Macro-enabled"):
        await start_import(deps, Caller.system(org_id), out, "x.xlsm", False)


async def test_files_over_the_size_or_row_limit_are_refused_with_a_clear_error(
    deps: Dependencies,
) -> None:
    org_id = await _org(deps)
    caller = Caller.system(org_id)

    def limited(max_bytes: int, max_rows: int) -> Dependencies:
        limits = dataclasses.replace(
            deps.limits, import_max_bytes=max_bytes, import_max_rows=max_rows
        )
        return dataclasses.replace(deps, limits=limits)

    six_csv = csv_bytes([person(i) for i in range(6)])
    six_xlsx = xlsx_bytes([person(i) for i in range(6)])
    for data in (six_csv, six_xlsx):
        with pytest.raises(ValidationFailed, match="more than 5 rows"):
            await start_import(limited(10**6, 5), caller, io.BytesIO(data), "a", False)
    with pytest.raises(ValidationFailed, match="larger than"):
        await start_import(limited(len(six_csv) - 1, 10), caller, io.BytesIO(six_csv), "b", False)
    ok = await start_import(limited(len(six_csv), 6), caller, io.BytesIO(six_csv), "c", False)
    assert ok.total_rows == 6
    assert await _count(deps, "import_jobs", {}) == 1


async def test_an_interrupted_job_resumes_from_its_checkpoint_with_no_duplicates(
    deps: Dependencies,
) -> None:
    org_id = await _org(deps)
    rows = [person(i, seat="FULL" if i % 5 == 0 else None) for i in range(35)]
    rows[12] = person(12, email="broken")
    caller = Caller.system(org_id)
    job = await start_import(deps, caller, io.BytesIO(xlsx_bytes(rows)), "p.xlsx", False)
    first = ImportRunner(deps, "first", batch_size=10)
    claimed = await first.claim(org_id, job.id)
    assert claimed is not None
    stopped = await first.run(claimed, stop_after_batches=2)
    assert stopped.status == RUNNING and stopped.counts.processed_rows == 20
    # The crash came after the second batch was written but before its checkpoint.
    await deps.store.db["import_jobs"].update_one(
        {"_id": ObjectId(job.id)},
        {"$set": {"processed_rows": 10, "created": 10, "failed": 0, "last_row": 11}},
    )
    seats_before = (await deps.store.organizations.get(org_id)).full_seats_used  # type: ignore[union-attr]

    later = dataclasses.replace(deps, clock=lambda: deps.clock() + timedelta(minutes=10))
    second = ImportRunner(later, "second", batch_size=10)
    resumed = await second.claim(org_id, job.id)
    assert resumed is not None and resumed.counts.processed_rows == 10
    done = await second.run(resumed)
    assert done.status == DONE
    assert done.counts.processed_rows == 35
    assert (done.counts.created, done.counts.skipped_existing, done.counts.failed) == (34, 0, 1)
    assert await _count(deps, "users", {"org_id": org_id, "source": "IMPORT"}) == 34
    assert (
        await _count(
            deps, "audit_events", {"action": "user.created", "metadata.importJobId": job.id}
        )
        == 34
    )
    seats_after = (await deps.store.organizations.get(org_id)).full_seats_used  # type: ignore[union-attr]
    # The replayed batch's FULL rows were already seated: only rows 22, 27 and 32 take seats.
    assert seats_after - seats_before == 3
    assert await _errors(deps, done) == [(14, "email", "INVALID")]


async def test_two_runners_racing_for_one_job_one_runs_it(deps: Dependencies) -> None:
    org_id = await _org(deps)
    job = await start_import(
        deps, Caller.system(org_id), io.BytesIO(xlsx_bytes([person(1)])), "p.xlsx", False
    )
    runners = [ImportRunner(deps, f"runner-{i}") for i in range(4)]
    claims = await asyncio.gather(*(r.claim(org_id, job.id) for r in runners))
    winners = [c for c in claims if c is not None]
    assert len(winners) == 1
    # While its runner's lease lasts, no background loop takes the job either.
    assert await ImportRunner(deps, "background").claim_next() is None


async def test_a_file_of_many_batches(deps: Dependencies) -> None:
    # Five batches, a failing row inside one; 10,000 and 50,000 rows (time and flat memory)
    # are bench/bulk_import.py's to measure.
    org_id = await _org(deps)
    rows = [person(i, department="Sales") for i in range(5 * BATCH_SIZE)]
    rows[1200] = person(1200, email="nope")
    job = await _import(deps, org_id, xlsx_bytes(rows))
    assert job.status == DONE
    assert (job.counts.created, job.counts.failed, job.counts.processed_rows) == (
        5 * BATCH_SIZE - 1,
        1,
        5 * BATCH_SIZE,
    )
    assert await _count(deps, "users", {"org_id": org_id, "source": "IMPORT"}) == 5 * BATCH_SIZE - 1


async def test_a_job_stopped_by_a_database_error_fails_and_resumes_with_the_right_counts(
    deps: Dependencies, caplog: pytest.LogCaptureFixture
) -> None:
    org_id = await _org(deps)
    organization = await deps.store.organizations.get(org_id)
    assert organization is not None
    rows = [person(i, seat="FULL" if i % 2 else None) for i in range(30)]
    caller = Caller.system(org_id)
    job = await start_import(deps, caller, io.BytesIO(xlsx_bytes(rows)), "p.xlsx", False)
    runner = ImportRunner(deps, "r", batch_size=10)
    claimed = await runner.claim(org_id, job.id)
    assert claimed is not None
    admin = deps.store.db.client.admin
    # The fourth insert (the second batch's audit events, after its users) fails for good.
    await admin.command(
        {
            "configureFailPoint": "failCommand",
            "mode": {"skip": 3, "times": 1},
            "data": {"failCommands": ["insert"], "errorCode": 2},
        }
    )
    try:
        with caplog.at_level("ERROR", logger="roster.imports"):
            failed = await runner.run(claimed)
    finally:
        await admin.command({"configureFailPoint": "failCommand", "mode": "off"})
    assert failed.status == "FAILED" and "resume" in (failed.error or "")
    assert "import job" in caplog.text
    assert failed.counts.processed_rows < 30
    resumed = await resume_import(deps, caller, job.id)
    assert resumed.status == QUEUED
    again = await runner.claim(org_id, job.id)
    assert again is not None
    done = await runner.run(again)
    assert (done.status, done.counts.created, done.counts.processed_rows) == (DONE, 30, 30)
    assert await _count(deps, "users", {"org_id": org_id, "source": "IMPORT"}) == 30
    after = await deps.store.organizations.get(org_id)
    assert after is not None and after.full_seats_used == organization.full_seats_used + 15


async def test_imported_users_are_invited_when_the_organization_sends_on_creation(
    deps: Dependencies,
) -> None:
    from provisioning.invitations.communication import update_communication_settings

    org_id = await _org(deps)
    quiet = await _import(deps, org_id, csv_bytes([person(1)]), name="quiet.csv")
    assert quiet.counts.created == 1
    await update_communication_settings(deps, Caller.system(org_id), send_on_create=True)
    rows = [person(2), person(3, password="otter lantern 7 maple")]
    caller = Caller.system(org_id)
    job = await start_import(deps, caller, io.BytesIO(csv_bytes(rows)), "loud.csv", False)
    runner = ImportRunner(deps, public_url="https://roster.example")
    claimed = await runner.claim(org_id, job.id)
    assert claimed is not None
    done = await runner.run(claimed)
    assert done.counts.created == 2

    statuses = {
        doc["email"]: doc["status"]
        async for doc in deps.store.db["users"].find({"org_id": org_id, "source": "IMPORT"})
    }
    # Only the new PENDING user is invited: the one with a one-time password is ACTIVE, and
    # the first file's user was imported before the setting was on.
    assert statuses == {
        "person1@example.com": "PENDING",
        "person2@example.com": "INVITED",
        "person3@example.com": "ACTIVE",
    }
    sent = [doc["recipient"] async for doc in deps.store.db["outbox"].find({"org_id": org_id})]
    assert sent == ["person2@example.com"]
