"""Import files for tests: xlsx (written streaming) and CSV, from rows of cell values."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook

HEADER = (
    "Email",
    "Username",
    "Phone",
    "First name",
    "Last name",
    "Language",
    "Department",
    "Job profile",
    "Permission type",
    "Company",
    "Roles",
    "Seat",
    "One-time password",
)


def person(i: int, **cells: Any) -> list[Any]:
    """A valid row of HEADER's columns; keyword arguments replace cells by label key."""
    values: dict[str, Any] = {
        "Email": f"person{i}@example.com",
        "First name": f"First{i}",
        "Last name": f"Last{i}",
    }
    for key, value in cells.items():
        values[_label(key)] = value
    return [values.get(label) for label in HEADER]


def _label(key: str) -> str:
    labels = {
        "email": "Email",
        "username": "Username",
        "phone": "Phone",
        "first": "First name",
        "last": "Last name",
        "language": "Language",
        "department": "Department",
        "job_profile": "Job profile",
        "permission_type": "Permission type",
        "company": "Company",
        "roles": "Roles",
        "seat": "Seat",
        "password": "One-time password",
    }
    return labels[key]


def xlsx_bytes(rows: Iterable[Sequence[Any]], header: Sequence[str] = HEADER) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Users")
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(
    rows: Iterable[Sequence[Any]],
    header: Sequence[str] = HEADER,
    *,
    bom: bool = False,
    line_end: str = "\n",
) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator=line_end)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")
