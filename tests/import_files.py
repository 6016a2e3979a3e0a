"""Import files for tests: xlsx (written streaming) and CSV, from rows of cell values."""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
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


def with_member(data: bytes, name: str, content: bytes) -> bytes:
    """The workbook with one more (or a replaced) zip member, deflated: a zip bomb's way."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        zipfile.ZipFile(io.BytesIO(data)) as original,
    ):
        for item in original.infolist():
            if item.filename != name:
                archive.writestr(item.filename, original.read(item.filename))
        archive.writestr(name, content)
    return out.getvalue()


def understated(data: bytes, name: str, size: int) -> bytes:
    """The workbook with member `name` declaring `size` bytes, in its local header and in
    the central directory, whatever it really inflates to."""
    patched = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    encoded = name.encode()
    # Local file header: uncompressed size at offset 22.
    struct.pack_into("<I", patched, info.header_offset + 22, size)
    # Central directory entry: signature, then the uncompressed size at offset 24 and the
    # name at offset 46.
    at = 0
    while (at := patched.find(b"PK\x01\x02", at)) != -1:
        if patched[at + 46 : at + 46 + len(encoded)] == encoded:
            struct.pack_into("<I", patched, at + 24, size)
        at += 4
    return bytes(patched)


def row_renumbered(data: bytes, row: int, number: str) -> bytes:
    """The workbook with its sheet's row `row` numbered `number` (its r attribute, and its
    cells' references), as a hand-edited file can say."""
    name = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read(name).decode()
    start = sheet.index(f'<row r="{row}"')
    end = sheet.index("</row>", start)
    renumbered = sheet[start:end].replace(f'r="{row}"', f'r="{number}"', 1)
    renumbered = re.sub(rf'r="([A-Z]+){row}"', rf'r="\g<1>{number}"', renumbered)
    return with_member(data, name, (sheet[:start] + renumbered + sheet[end:]).encode())
