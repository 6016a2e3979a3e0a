"""Reading an import file row by row, streaming: xlsx (openpyxl read-only) or CSV.

Nothing here evaluates anything: openpyxl gives a formula cell as its text ("=..."), which
the row rules refuse; macros (a vbaProject in the workbook) make the file refused outright.
These functions are blocking: callers run them in a worker thread.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from types import TracebackType
from typing import IO, Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from provisioning.errors import Problem, ValidationFailed

XLSX, CSV = "XLSX", "CSV"
FILE_FIELD = ("input", "file")
_SNIFF_BYTES = 64 * 1024
DEFAULT_MAX_ROWS = 100_000
# A spreadsheet's last row (Excel's and LibreOffice's). A workbook's rows say their own
# numbers, and the reader walks every number skipped; a file numbered past this is refused.
MAX_SHEET_ROWS = 1_048_576
# The longest cell a row may have (a longer one is a row error on its column): the
# longest legal value of any column (an email, a one-time password) is well below it.
MAX_CELL_CHARS = 1024
# A workbook is a zip, and a small file can hide a huge one. What it may expand to is
# what the row limit can need: the template's columns at their longest legal values
# (about 1,300 characters, up to 4 bytes each in UTF-8) with the XML around each cell
# is under 8 KiB a row; the styles, theme and properties parts are a few KiB.
ROW_XML_BYTES = 8 * 1024
FIXED_XML_BYTES = 4 * 1024 * 1024
MAX_EXPANDED_BYTES = 1024 * 1024 * 1024
MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024  # read-only mode still loads these whole
# The most text one cell can be in a sheet or the shared strings (every character
# escaped, as &quot; is), plus its markup: a longer run between tags is refused unread.
MAX_CELL_XML_BYTES = MAX_CELL_CHARS * 6 + 512
_CHUNK = 1024 * 1024
# What openpyxl raises on a malformed sheet, met while its rows are read.
_UNREADABLE_SHEET = (ValueError, KeyError, TypeError, SyntaxError, zipfile.BadZipFile, zlib.error)
# A row element's start tag (with or without a namespace prefix). Counted while the sheets
# are inflated for the expansion check: a sheet cannot give more non-blank rows than it
# has row elements, so the count bounds the rows without parsing the sheet.
_ROW_TAG = re.compile(rb"<(?:[^\s<>/:]{1,64}:)?row[\s>/]")
_ROW_TAG_CARRY = 80  # longer than any match, so that one cut between chunks is seen


@dataclass(frozen=True)
class Column:
    key: str  # the row field name: createUser's input name, references by name
    label: str  # the header in the template
    note: str


COLUMNS = (
    Column("email", "Email", "An email, or a username and a phone, is required."),
    Column("username", "Username", "3 to 64 letters, digits, dots, dashes or underscores."),
    Column("phone", "Phone", "International form: +44 20 7946 0000."),
    Column("firstName", "First name", "Required."),
    Column("lastName", "Last name", "Required."),
    Column("language", "Language", "A BCP 47 tag such as en-GB; the organization's if empty."),
    Column("department", "Department", "A department's name, from the list."),
    Column("jobProfile", "Job profile", "A job profile's name, from the list."),
    Column("permissionType", "Permission type", "A permission type's name, from the list."),
    Column("company", "Company", "A company's name; the organization's own if empty."),
    Column("roles", "Roles", "ADMIN and/or MEMBER, separated by commas."),
    Column("seat", "Seat", "FULL (billable) or OBSERVER, the default."),
    Column(
        "oneTimePassword",
        "One-time password",
        "Optional: the user signs in with it once and chooses their own (status ACTIVE);"
        " without it the user is PENDING.",
    ),
)
REQUIRED_COLUMNS = ("firstName", "lastName")


def _folded(label: str) -> str:
    return re.sub(r"[^a-z0-9]", "", label.casefold())


_ALIASES = {
    "emailaddress": "email",
    "mail": "email",
    "phonenumber": "phone",
    "mobile": "phone",
    "role": "roles",
    "password": "oneTimePassword",
}
_QUOTED = ("=", "+", "-", "@")
# errors.xlsx adds this column: its file can be fixed and uploaded again as it is.
IGNORED_COLUMNS = ("error",)
_BY_HEADER = {
    **{_folded(c.key): c.key for c in COLUMNS},
    **{_folded(c.label): c.key for c in COLUMNS},
    **_ALIASES,
}


@dataclass(frozen=True)
class SheetRow:
    number: int  # the row number a spreadsheet shows (the header is row 1)
    values: tuple[str | None, ...]  # as read, in the file's column order

    def cells(self, keys: tuple[str | None, ...]) -> dict[str, str | None]:
        return {key: value for key, value in zip(keys, self.values, strict=False) if key}


@dataclass(frozen=True)
class FileInfo:
    file_format: str
    header: tuple[str, ...]  # the file's own labels
    keys: tuple[str | None, ...]  # the column each label means
    estimated_rows: int


def refused(message: str) -> ValidationFailed:
    return ValidationFailed(Problem("INVALID", message, FILE_FIELD))


def cell_text(value: Any) -> str | None:
    """A cell as the text a person typed: numbers without a trailing .0, dates in ISO form."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    text = str(value).strip()
    if text[:1] == "'" and text[1:2] in _QUOTED:
        text = text[1:]  # errors.xlsx quotes such values so that no spreadsheet runs them
    return text or None


def map_header(labels: list[str | None]) -> tuple[tuple[str, ...], tuple[str | None, ...]]:
    """The header's labels and the column key of each; refuses unknown or repeated columns."""
    while labels and not labels[-1]:
        labels.pop()
    header = tuple(label or "" for label in labels)
    keys: list[str | None] = []
    unknown: list[str] = []
    for label in header:
        key = _BY_HEADER.get(_folded(label)) if label else None
        if label and key is None and _folded(label) not in IGNORED_COLUMNS:
            unknown.append(label)
        keys.append(key)
    if not any(keys):
        raise refused(
            "The first row must be the header of the template: "
            + ", ".join(c.label for c in COLUMNS)
            + "."
        )
    if unknown:
        raise refused(
            f"Unknown columns {unknown}; the template's columns are "
            + ", ".join(c.label for c in COLUMNS)
            + "."
        )
    repeated = sorted({k for k in keys if k and keys.count(k) > 1})
    if repeated:
        raise refused(f"Columns appear more than once: {repeated}.")
    missing = [c.label for c in COLUMNS if c.key in REQUIRED_COLUMNS and c.key not in keys]
    if missing:
        raise refused(f"Required columns are missing: {missing}.")
    return header, tuple(keys)


def expansion_limit(max_rows: int) -> int:
    """What a workbook of at most `max_rows` rows may expand to, all its parts together."""
    return min(FIXED_XML_BYTES + (max_rows + 1) * ROW_XML_BYTES, MAX_EXPANDED_BYTES)


def _cell_parts(name: str) -> bool:
    lowered = name.lower()
    return "sharedstrings" in lowered or lowered.startswith("xl/worksheets/")


def check_expansion(archive: zipfile.ZipFile, max_rows: int) -> dict[str, int]:
    """Refuses a workbook that expands to more than `max_rows` rows can need, by the sizes
    its members declare and then by what they actually inflate to (streaming, so that a
    member that lies about its size is caught as it passes the limit); and one whose
    sheets hold a cell longer than any row may have. Returns the row elements of each
    sheet (by member name), counted on the way."""
    members = archive.infolist()
    limit = expansion_limit(max_rows)
    too_much = refused(
        f"This workbook expands to more data than {max_rows} rows can hold:"
        " it cannot be a filled-in template."
    )
    shared = sum(m.file_size for m in members if "sharedstrings" in m.filename.lower())
    if sum(m.file_size for m in members) > limit or shared > MAX_SHARED_STRINGS_BYTES:
        raise too_much
    expanded = 0
    row_tags: dict[str, int] = {}
    for member in members:
        cells = _cell_parts(member.filename)
        sheet = member.filename.lower().startswith("xl/worksheets/")
        run = 0  # bytes since the last "<": the text of one cell, in a sheet
        carry = b""
        with archive.open(member) as stream:
            while chunk := stream.read(_CHUNK):
                expanded += len(chunk)
                if expanded > limit:
                    raise too_much
                if cells:
                    run = _longest_text(chunk, run)
                if sheet:
                    data = carry + chunk
                    # A tag wholly in the carried bytes was counted with the last chunk.
                    found = sum(1 for m in _ROW_TAG.finditer(data) if m.end() > len(carry))
                    row_tags[member.filename] = row_tags.get(member.filename, 0) + found
                    carry = data[-_ROW_TAG_CARRY:]
    return row_tags


def _longest_text(chunk: bytes, run: int) -> int:
    """The run of text carried into the next chunk; refuses one longer than a cell can be."""
    start = 0
    while (tag := chunk.find(b"<", start)) != -1:
        if run + tag - start > MAX_CELL_XML_BYTES:
            raise _long_cell()
        run, start = 0, tag + 1
    run += len(chunk) - start
    if run > MAX_CELL_XML_BYTES:
        raise _long_cell()
    return run


def _long_cell() -> ValidationFailed:
    return refused(f"This workbook has a cell longer than {MAX_CELL_CHARS} characters.")


class SheetReader:
    """The rows of one file (seekable, binary), opened once: `info`, then `rows()`."""

    def __init__(self, source: IO[bytes], max_rows: int = DEFAULT_MAX_ROWS) -> None:
        self._source = source
        self._max_rows = max_rows
        self._close: list[Any] = []
        source.seek(0)
        start = source.read(_SNIFF_BYTES)
        source.seek(0)
        try:
            if start.startswith(b"PK\x03\x04"):
                self._open_xlsx()
            elif start and b"\x00" not in start and _is_utf8_prefix(start):
                self._open_csv(start)
            else:
                raise refused("This file is not a spreadsheet: upload the .xlsx template or a CSV.")
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> SheetReader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        for item in self._close:
            item.close()
        self._close.clear()

    def _open_xlsx(self) -> None:
        try:
            with zipfile.ZipFile(self._source) as archive:
                if any(m.filename.lower().endswith("vbaproject.bin") for m in archive.infolist()):
                    raise refused(
                        "Macro-enabled workbooks are refused: save it as .xlsx, without macros."
                    )
                row_tags = check_expansion(archive, self._max_rows)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
            raise refused("This file is not a readable .xlsx workbook.") from error
        self._source.seek(0)
        try:
            # read_only streams the sheet; data_only=False keeps a formula as its text.
            workbook = load_workbook(
                self._source, read_only=True, data_only=False, keep_links=False
            )
        except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            raise refused("This file is not a readable .xlsx workbook.") from error
        self._close.append(workbook)
        # The template's sheet by name; any other workbook's first sheet.
        if not workbook.worksheets:
            raise refused("The workbook has no sheet of users.")
        sheet = workbook["Users"] if "Users" in workbook.sheetnames else workbook.worksheets[0]
        if not hasattr(sheet, "iter_rows"):
            raise refused("The workbook has no sheet of users.")
        self._rows: Iterator[tuple[Any, ...]] = sheet.iter_rows(values_only=True)
        first = next(self._rows, None)
        header, keys = map_header([cell_text(v) for v in first or ()])
        max_row = sheet.max_row if isinstance(sheet.max_row, int) else None
        if max_row is None:
            # No recorded size: its row elements bound it (the header is one of them).
            max_row = row_tags.get(getattr(sheet, "_worksheet_path", ""), 0) or None
        self.info = FileInfo(XLSX, header, keys, max(0, (max_row or 1) - 1))

    def _open_csv(self, start: bytes) -> None:
        text = start.decode("utf-8-sig", errors="ignore")
        first_line = text.splitlines()[0] if text else ""
        delimiter = max(",;\t", key=first_line.count) if first_line else ","
        # newline="": csv sees the line ends as they are (CRLF or LF), quoted ones included.
        stream = io.TextIOWrapper(self._source, encoding="utf-8-sig", newline="")
        self._close.append(_Detach(stream))
        self._csv = csv.reader(stream, delimiter=delimiter)
        try:
            first = next(self._csv, None)
        except (UnicodeDecodeError, csv.Error) as error:
            raise refused(f"This CSV file cannot be read: {error}") from error
        header, keys = map_header([cell_text(v) for v in first or ()])
        self._rows = self._csv_rows()
        self.info = FileInfo(CSV, header, keys, 0)

    def _csv_rows(self) -> Iterator[tuple[Any, ...]]:
        yield from (tuple(row) for row in self._csv)

    def rows(self) -> Iterator[SheetRow]:
        """The data rows, blank ones left out; numbered as the spreadsheet shows them."""
        width = len(self.info.header)
        number = 1
        try:
            for raw in self._rows:
                number += 1
                if number > MAX_SHEET_ROWS:
                    raise refused(
                        f"This file has rows past row {MAX_SHEET_ROWS:,}, the last row a"
                        " spreadsheet has."
                    )
                values = tuple(cell_text(v) for v in raw[:width])
                if any(v is not None for v in values):
                    yield SheetRow(number, values + (None,) * (width - len(values)))
        except (UnicodeDecodeError, csv.Error) as error:
            raise refused(f"Row {number + 1} of this CSV file cannot be read: {error}") from error
        except _UNREADABLE_SHEET as error:
            # openpyxl reads the sheet as it goes: a malformed row shows only here.
            raise refused(f"This workbook cannot be read after row {number}: {error}") from error


class _Detach:
    """Closing the reader leaves the caller's file open."""

    def __init__(self, stream: io.TextIOWrapper) -> None:
        self.stream = stream

    def close(self) -> None:
        self.stream.detach()


def _is_utf8_prefix(data: bytes) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(data, final=False)  # a character cut at the end is not an error
    except UnicodeDecodeError:
        return False
    return True


def inspect(source: IO[bytes], max_rows: int) -> FileInfo:
    """The file's format, header and number of rows; refused if it has more than `max_rows`.

    A CSV (or a workbook that does not record its size) is read through once to count."""
    with SheetReader(source, max_rows) as reader:
        info = reader.info
        estimated = info.estimated_rows
        # A workbook's recorded size may be missing, or cover formatted but empty rows.
        if info.file_format == CSV or estimated == 0 or estimated > max_rows:
            estimated = 0
            for _ in reader.rows():
                estimated += 1
                if estimated > max_rows:
                    break
    if estimated > max_rows:
        raise refused(f"The file has more than {max_rows} rows: split it into smaller files.")
    return FileInfo(info.file_format, info.header, info.keys, estimated)
