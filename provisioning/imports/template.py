"""The workbooks an admin downloads: the import template, and a job's failing rows.

Both are written by openpyxl to a file the caller gives (blocking: run them in a thread).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from provisioning.access.principal import IMPORTS_WRITE, ROLES
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import NotFound
from provisioning.imports.reader import COLUMNS
from provisioning.users.write import SEATS
from store.import_jobs import ImportJobRecord
from store.import_row_errors import RowErrorRecord

# The languages offered in the drop-down; any BCP 47 tag may still be typed.
LANGUAGES = (
    "en", "en-GB", "en-US", "fr", "fr-CA", "de", "es", "it", "nl", "pt", "pt-BR",
    "sv", "da", "nb", "fi", "pl", "cs", "ja", "zh", "ko", "ar", "he", "tr",
)  # fmt: skip
MAX_TEMPLATE_ROWS = 10_000
# A value starting with one of these is a formula to a spreadsheet (CSV/formula injection).
_FORMULA_STARTS = ("=", "+", "-", "@")


@dataclass(frozen=True)
class TemplateLists:
    departments: list[str]
    job_profiles: list[str]
    permission_types: list[str]
    companies: list[str]


async def template_lists(deps: Dependencies, caller: Caller) -> TemplateLists:
    org_id = caller.require(IMPORTS_WRITE)
    store = deps.store
    return TemplateLists(
        departments=[r.name for r in await store.departments.list(org_id) if not r.retired],
        job_profiles=[r.name for r in await store.job_profiles.list(org_id) if not r.retired],
        permission_types=[
            r.name for r in await store.permission_types.list(org_id) if not r.retired
        ],
        companies=[r.name for r in await store.companies.list(org_id) if not r.retired],
    )


def write_template(lists: TemplateLists, target: IO[bytes]) -> None:
    """Users (the header, drop-downs), Lists (what the drop-downs offer), Instructions."""
    workbook = Workbook()
    users = workbook.active
    assert users is not None
    users.title = "Users"
    users.append([c.label for c in COLUMNS])
    for cell in users[1]:
        cell.font = Font(bold=True)
    users.freeze_panes = "A2"
    for index, column in enumerate(COLUMNS, start=1):
        users.column_dimensions[get_column_letter(index)].width = max(14, len(column.label) + 4)

    choices = {
        "department": lists.departments,
        "jobProfile": lists.job_profiles,
        "permissionType": lists.permission_types,
        "company": lists.companies,
        "language": list(LANGUAGES),
        "seat": [str(seat) for seat in SEATS],
        "roles": list(ROLES),
    }
    sheet = workbook.create_sheet("Lists")
    for list_index, (key, values) in enumerate(choices.items(), start=1):
        letter = get_column_letter(list_index)
        label = next(c.label for c in COLUMNS if c.key == key)
        sheet.cell(row=1, column=list_index, value=label).font = Font(bold=True)
        for row, value in enumerate(values, start=2):
            sheet.cell(row=row, column=list_index, value=_safe(value))
        if not values:
            continue
        target_column = get_column_letter(next(i for i, c in enumerate(COLUMNS, 1) if c.key == key))
        # Languages and roles may hold other values (any tag; several roles): a warning only.
        strict = key not in ("language", "roles")
        validation = DataValidation(
            type="list",
            formula1=f"=Lists!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="stop" if strict else "warning",
            errorTitle=label,
            error=f"Pick a {label.lower()} from the list.",
        )
        validation.add(f"{target_column}2:{target_column}{MAX_TEMPLATE_ROWS + 1}")
        users.add_data_validation(validation)

    instructions = workbook.create_sheet("Instructions")
    instructions.column_dimensions["A"].width = 20
    instructions.column_dimensions["B"].width = 100
    lines = [
        ("How to import", "Fill in one user per row of the Users sheet, then upload the file."),
        ("", "Run a dry run first: it reports what would happen and changes nothing."),
        ("", "A row whose email or username already exists is skipped: nobody is overwritten."),
        ("", "Formulas are never evaluated: type values, not formulas."),
        ("", "A CSV file with the same header row (UTF-8) is accepted too."),
        ("", "Rows that fail come back in errors.xlsx with the reason: fix them, upload again."),
        ("", ""),
        ("Column", "What to put in it"),
        *((c.label, c.note) for c in COLUMNS),
    ]
    for label, text in lines:
        instructions.append([label, text])
    instructions["A8"].font = Font(bold=True)
    instructions["B8"].font = Font(bold=True)
    workbook.save(target)


def _safe(value: str | None) -> str | None:
    """A text cell that a spreadsheet shows as text and never runs as a formula."""
    if value and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


async def errors_of(
    deps: Dependencies, caller: Caller, job_id: str
) -> tuple[ImportJobRecord, list[RowErrorRecord]]:
    org_id = caller.require(IMPORTS_WRITE)
    job = await deps.store.import_jobs.get(org_id, job_id)
    if job is None:
        raise NotFound("Import job")
    rows = [row async for row in deps.store.import_row_errors.all(org_id, job_id)]
    return job, rows


def write_errors(columns: Sequence[str], rows: Iterable[RowErrorRecord], target: IO[bytes]) -> None:
    """The failing rows as they were (one-time passwords left out), and why each failed."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Users")
    sheet.append([*columns, "Error"])
    for row in rows:
        values = list(row.values) + [None] * (len(columns) - len(row.values))
        reasons = "; ".join(
            f"{field}: {message}" if field else message for field, _, message in row.problems
        )
        sheet.append(
            [*(_safe(v) for v in values[: len(columns)]), _safe(f"Row {row.row}: {reasons}")]
        )
    workbook.save(target)
