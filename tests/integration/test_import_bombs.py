"""Import files that expand far beyond what the row limit can need: refused at upload."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from config.settings import Settings
from provisioning.imports.reader import MAX_CELL_CHARS, MAX_SHEET_ROWS, expansion_limit
from tests.import_files import person, row_renumbered, understated, with_member, xlsx_bytes
from tests.integration.conftest import Api
from tests.integration.test_imports_api import MAX_BYTES, finished, started, upload

MAX_ROWS = 100


@pytest.fixture
def settings(mongodb_uri: str) -> Settings:
    return replace(
        Settings(),
        mongodb_uri=mongodb_uri,
        database_name=f"t_{uuid.uuid4().hex[:16]}",
        import_max_bytes=MAX_BYTES,
        import_max_rows=MAX_ROWS,
    )


def file_errors(payload: dict[str, object]) -> list[tuple[list[str], str, str]]:
    errors = payload["userErrors"]
    assert isinstance(errors, list)
    return [(e["field"], e["code"], e["message"]) for e in errors]


async def refusal(api: Api, data: bytes) -> str:
    admin, _ = await api.admin_of("acme")
    assert len(data) < MAX_BYTES  # small on the wire: the size limit alone lets it in
    payload = await started(await upload(admin, data))
    assert payload["importJob"] is None
    [(field, code, message)] = file_errors(payload)
    assert (field, code) == (["input", "file"], "INVALID")
    assert await api.deps.store.db["import_jobs"].count_documents({}) == 0
    return message


async def test_a_workbook_that_expands_past_the_row_limit_is_refused(api: Api) -> None:
    padding = b"\x00" * (expansion_limit(MAX_ROWS) + 1)
    bomb = with_member(xlsx_bytes([person(1)]), "xl/media/image1.bin", padding)
    assert "more data than 100 rows" in await refusal(api, bomb)


async def test_a_member_that_lies_about_its_size_is_refused(api: Api) -> None:
    inflated = b"<x/>" * (expansion_limit(MAX_ROWS) // 4 + 1)
    bomb = understated(
        with_member(xlsx_bytes([person(1)]), "xl/media/notes.xml", inflated),
        "xl/media/notes.xml",
        100,
    )
    message = await refusal(api, bomb)
    assert "more data than" in message or "not a readable .xlsx" in message


async def test_one_huge_cell_is_refused_at_upload(api: Api) -> None:
    # 4 MB of one letter in a single cell: a few KB compressed, inside the row budget.
    bomb = xlsx_bytes([person(1, department="d" * 4_000_000)])
    assert f"longer than {MAX_CELL_CHARS} characters" in await refusal(api, bomb)


async def test_a_long_cell_is_a_row_error_on_its_column(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    data = xlsx_bytes([person(1), person(2, department="d" * (MAX_CELL_CHARS + 1))])
    payload = await started(await upload(admin, data, dry_run=True))
    assert payload["userErrors"] == [], payload
    job = await finished(api, admin, payload["importJob"]["id"])
    rows = [e["node"] for e in job["rowErrors"]["edges"]]
    assert [(r["row"], r["field"], r["code"]) for r in rows] == [(3, "department", "INVALID")]


@pytest.mark.parametrize(
    ("number", "told"),
    [
        ("1000000000000", f"rows past row {MAX_SHEET_ROWS:,}, the last row a spreadsheet has"),
        ("1e15", "cannot be read after row 2"),
    ],
)
async def test_a_row_numbered_past_a_spreadsheets_last_row_fails_its_job_at_once(
    api: Api, number: str, told: str
) -> None:
    # A few KB whose one row claims to be row 10^12: read as it is, the rows between would
    # be walked one by one for days, on every instance that takes the job over.
    admin, _ = await api.admin_of("acme")
    data = row_renumbered(xlsx_bytes([person(1), person(2)]), 3, number)
    payload = await started(await upload(admin, data, dry_run=True))
    assert payload["userErrors"] == [], payload
    job = await finished(api, admin, payload["importJob"]["id"])
    assert (job["status"], job["processedRows"]) == ("FAILED", 0)
    assert told in job["error"], job["error"]
