"""Open an uploaded sheet safely: refuse bad files before parsing, then stream its rows.

Workbooks (.xlsx, .xls, .xlsb, .ods, and WPS's .et, which is one of the first two inside) are read by
calamine (python-calamine, Rust), only after `safety.check_file` has checked the file and
counted its sheet; CSV and TSV by the standard library's csv module, UTF-8 or GBK/GB18030.

A formula cell is read as the value Excel or WPS last calculated and saved with the file (what
HR sees on screen). A formula saved without a result — written by a program that never
calculates, such as openpyxl or xlwt — reads as an empty cell.
"""

import csv
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path

from django.utils.translation import gettext
from openpyxl.utils import get_column_letter
from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from .columns import ALIASES, SheetSpec, header_key, header_label
from .errors import RowError, SheetRefused
from .safety import HEADER_SEARCH_ROWS, MAX_COLUMNS, MB, SheetFile, check_file, max_bytes, max_rows, refuse_unsafe_xml

__all__ = ["MB", "SheetLayout", "SheetRow", "check_file", "max_bytes", "max_rows", "open_sheet"]


def _match_header(value) -> str | None:
    key = header_key(value)
    if key in ALIASES:
        return ALIASES[key]
    # Template headers read "工号/employee_no": either half names the column.
    for part in str(value or "").split("/"):
        if header_key(part) in ALIASES:
            return ALIASES[header_key(part)]
    return None


@dataclass
class SheetLayout:
    """Where the header row is and which column holds each field."""

    header_row: int
    index: dict[str, int]  # key -> 0-based column index in the rows read
    headers: dict[str, str]  # key -> the header text as written in the file
    first_column: int = 0  # 0-based sheet column of index 0 (calamine starts at the first used one)

    def column_name(self, key: str) -> str:
        """"入职日期 (F)": the header as written, with its column letter."""
        return f"{self.headers[key]} ({get_column_letter(self.first_column + self.index[key] + 1)})"


@dataclass
class SheetRow:
    """One data row: its row number in the sheet and the raw values by column key."""

    number: int
    values: dict
    formula_errors: list[RowError] = field(default_factory=list)


def _find_layout(rows: list[list], spec: SheetSpec, first_column: int = 0) -> SheetLayout:
    for number, cells in enumerate(rows, start=1):
        index, headers = {}, {}
        for position, value in enumerate(cells):
            key = _match_header(value)
            if key and key not in index:
                index[key] = position
                headers[key] = str(value).strip()
        if len(index) >= 2:
            missing = [k for k in spec.required if k not in index]
            if missing:
                raise SheetRefused(gettext("Missing required columns: %(names)s") % {
                    "names": gettext(", ").join(header_label(k) for k in missing)})
            return SheetLayout(number, {k: v for k, v in index.items() if k in spec.keys},
                               {k: v for k, v in headers.items() if k in spec.keys}, first_column)
    raise SheetRefused(gettext("No header row (e.g. employee_no, name) in the first %(rows)s rows") % {
        "rows": HEADER_SEARCH_ROWS})


@contextmanager
def open_sheet(path: str | Path, spec: SheetSpec, *, name: str | None = None
               ) -> Iterator[tuple[SheetLayout, Iterator[SheetRow]]]:
    """Check the file, find the header row and yield its layout and a stream of data rows.

    `name` is the name the file was uploaded under (its extension); the path's is used otherwise.
    """
    checked = check_file(path, name)
    if checked.kind == "csv":
        with _text_rows(Path(path), checked) as (first_column, rows):
            yield _layout_and_rows(rows, spec, first_column)
    else:
        with _workbook_rows(Path(path)) as (first_column, rows):
            yield _layout_and_rows(rows, spec, first_column)


def _layout_and_rows(rows: Iterator[list], spec: SheetSpec, first_column: int):
    head = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
    if not head or all(not any(_present(v) for v in row) for row in head):
        raise SheetRefused(gettext("The worksheet is empty"))
    layout = _find_layout(head, spec, first_column)
    return layout, _data_rows(itertools.chain(head[layout.header_row:], rows), layout, max_rows())


def _present(value) -> bool:
    return value is not None and value != "" and not (isinstance(value, str) and not value.strip())


def _damaged(exc: BaseException) -> SheetRefused:
    """A panic of calamine's Rust code (a record it trusted and should not have, or a date out of
    any calendar, which `check_file` did not foresee) is a damaged file, not a crashed worker.
    pyo3_runtime.PanicException derives from BaseException only; anything else goes on."""
    if type(exc).__name__ != "PanicException":
        raise exc
    return SheetRefused(gettext("The file is damaged"))


def _parsed(call):
    try:
        return call()
    except Exception:
        raise
    except BaseException as exc:  # noqa: BLE001 (calamine's Rust panics derive from BaseException only)
        raise _damaged(exc) from None


def _guarded(rows):
    """The sheet's rows as calamine converts them to Python values, panics refused as above."""
    iterator = iter(rows)
    while True:
        try:
            row = next(iterator)
        except StopIteration:
            return
        except (CalamineError, OSError, OverflowError, ValueError) as exc:
            # OverflowError: a date or duration cell no calendar holds (days=2147483647).
            raise SheetRefused(gettext("The file cannot be opened as a workbook: %(error)s") % {
                "error": exc}) from None
        except Exception:
            raise
        except BaseException as exc:  # noqa: BLE001 (calamine's Rust panics derive from BaseException only)
            raise _damaged(exc) from None
        yield row


@contextmanager
def _workbook_rows(path: Path):
    try:
        workbook = _parsed(lambda: CalamineWorkbook.from_path(path))
    except PasswordError:
        raise SheetRefused(gettext(
            "The file is password-protected: remove the password and save as .xlsx")) from None
    except (CalamineError, OSError) as exc:
        if "xml" in type(exc).__name__.lower():
            raise refuse_unsafe_xml() from None
        raise SheetRefused(gettext("The file cannot be opened as a workbook: %(error)s") % {
            "error": exc}) from None
    try:
        try:
            sheet = _parsed(lambda: workbook.get_sheet_by_index(0))
        except (CalamineError, OSError) as exc:
            raise SheetRefused(gettext("The file cannot be opened as a workbook: %(error)s") % {
                "error": exc}) from None
        start = sheet.start
        # calamine yields rows from the sheet's first row, and columns from its first used column.
        first_column = start[1] if start else 0
        yield first_column, _guarded(sheet.iter_rows())
    finally:
        workbook.close()


@contextmanager
def _text_rows(path: Path, checked: SheetFile):
    # The csv module's own limit on a field (128 KB) stays: a longer field is a refusal.
    with path.open("r", encoding=checked.encoding, errors="strict", newline="") as handle:
        reader = csv.reader(handle, delimiter=checked.delimiter)

        def rows():
            try:
                for row in reader:
                    if len(row) > MAX_COLUMNS:
                        raise SheetRefused(gettext("Row %(row)s has more than %(columns)s columns") % {
                            "row": reader.line_num, "columns": MAX_COLUMNS})
                    yield row
            except csv.Error as exc:
                raise SheetRefused(gettext("CSV line %(row)s cannot be read: %(error)s") % {
                    "row": reader.line_num, "error": exc}) from None
            except UnicodeDecodeError:
                raise SheetRefused(gettext(
                    "The CSV's encoding is not recognised: save it as UTF-8 or GBK")) from None

        yield 0, rows()


def _clean(value):
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, time | timedelta):
        return str(value)  # a bare time of day is never a value HR imports: shown as written
    return value


def _data_rows(row_iter, layout: SheetLayout, limit: int) -> Iterator[SheetRow]:
    number = layout.header_row
    seen = 0
    index = list(layout.index.items())
    keys = [key for key, _position in index]
    positions = [position for _key, position in index]
    widest = max(positions, default=-1)
    for cells in row_iter:
        number += 1
        if len(cells) > widest:
            values = dict(zip(keys, map(_clean, [cells[p] for p in positions]), strict=True))
        else:
            width = len(cells)
            values = {key: _clean(cells[position]) if position < width else None for key, position in index}
        if all(v is None for v in values.values()):
            continue
        seen += 1
        if seen > limit:
            raise SheetRefused(gettext("More than %(limit)s rows") % {"limit": limit})
        yield SheetRow(number, values)
