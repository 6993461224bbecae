"""Write workbooks the way HR expects them, streamed, with no formula able to run."""

import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

# A text cell starting with one of these could be taken as a formula by a spreadsheet program.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
TRIGGER_SET = frozenset(FORMULA_TRIGGERS)
DATE_FORMAT = "yyyy-mm-dd"
PERCENT_FORMAT = "0.0%"
NUMBER_FORMAT = "0.0"


@dataclass(frozen=True)
class Column:
    """One column of an export: header text, width, and what kind of value it holds."""

    title: str
    width: int = 14
    kind: str = "text"  # text, date, int, number, percent, bool


class SheetWriter:
    """Streams rows into a write-only worksheet, formatting by column kind."""

    def __init__(self, workbook: Workbook, title: str, columns: Sequence[Column]):
        self.columns = list(columns)
        self.sheet = workbook.create_sheet(title=title[:31])
        for position, column in enumerate(self.columns, start=1):
            self.sheet.column_dimensions[get_column_letter(position)].width = column.width
        # Frozen header and filters are set before rows stream out; the filter's range is
        # completed when the last row is known.
        self.sheet.freeze_panes = "A2"
        header_font = Font(bold=True)
        header_fill = PatternFill("solid", fgColor="E8EEF4")
        header = []
        for column in self.columns:
            cell = WriteOnlyCell(self.sheet, value=safe_text(column.title))
            cell.font = header_font
            cell.fill = header_fill
            cell.alignment = Alignment(vertical="center")
            header.append(cell)
        self.sheet.append(header)
        self.rows = 0
        self._converters = [self._converter(column.kind) for column in self.columns]

    def _converter(self, kind: str):
        """The per-value function of a column kind; plain values pass straight to openpyxl."""
        sheet = self.sheet
        fmt = {"percent": PERCENT_FORMAT, "number": NUMBER_FORMAT, "date": DATE_FORMAT}.get(kind)
        # One styled cell per formatted column, reused for every row: a write-only sheet
        # serialises each row as it is appended, so the cell is free again by the next row.
        # This saves openpyxl a style lookup per cell (dates included) and makes the export
        # cheaper than a bare loop that lets openpyxl style each date itself.
        styled = None
        if fmt is not None:
            styled = WriteOnlyCell(sheet)
            styled.number_format = fmt

        def convert(value):
            cls = value.__class__
            if cls is str:
                if not value.isprintable():  # C-fast test; rare strings get the regex clean-up
                    value = safe_text(value)
                return inert_text_cell(sheet, value) if value[:1] in TRIGGER_SET else value
            if value is None:
                return None
            if cls is datetime:
                # A date column shows dates; a date-time elsewhere loses only its time zone.
                value = value.date() if kind == "date" else value.replace(tzinfo=None)
                cls = value.__class__
            if styled is not None and cls is not bool and (kind != "date" or cls is date):
                styled.value = value
                return styled
            return value

        return convert

    def append(self, values: Sequence) -> None:
        self.sheet.append([convert(value) for convert, value in zip(self._converters, values)])
        self.rows += 1

    def close(self) -> None:
        last = get_column_letter(len(self.columns))
        self.sheet.auto_filter.ref = f"A1:{last}{self.rows + 1}"


def safe_text(value: str) -> str:
    """Text with the characters XML cannot hold removed."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def inert_text_cell(sheet, value: str):
    """A string cell; one that looks like a formula is stored as quoted text that never runs."""
    value = safe_text(value)
    if not value.startswith(FORMULA_TRIGGERS):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    # Stored as a string (data type "s", never "f") and marked with Excel's quote prefix,
    # the same flag a leading apostrophe sets when typing: shown as text, never evaluated.
    cell.data_type = "s"
    cell._value = value
    cell.quotePrefix = True
    return cell


def write_atomically(path: str | Path, build: Callable[[Workbook], None]) -> None:
    """Build a write-only workbook and save it beside `path`, then move it into place.

    A crash mid-write leaves only a temporary file, never a half-written file at `path`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = Workbook(write_only=True)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".part-", suffix=".xlsx")
    os.close(handle)
    try:
        build(workbook)
        workbook.save(temp_name)
        os.replace(temp_name, path)
    except BaseException:
        _discard(workbook)
        if os.path.exists(temp_name):
            os.unlink(temp_name)
        raise


def _discard(workbook: Workbook) -> None:
    """Close and remove openpyxl's own per-sheet temporary files after a failed write."""
    for sheet in workbook.worksheets:
        writer = getattr(sheet, "_writer", None)
        try:
            if not sheet.closed:
                sheet.close()
        except Exception:  # the sheet's stream may already be broken; cleanup still runs
            pass
        if writer is not None:
            try:
                writer.cleanup()
            except OSError:
                pass


def write_table(path: str | Path, *, title: str, columns: Sequence[Column],
                rows: Iterable[Sequence], progress: Callable[[int], None] | None = None,
                every: int = 5000, more_sheets: Sequence[tuple] = ()) -> int:
    """Write one sheet of `rows` (streamed) under a frozen, filtered header, then any further
    (title, columns, rows) sheets; returns the first sheet's row count."""
    count = 0

    def build(workbook):
        nonlocal count
        writer = SheetWriter(workbook, title, columns)
        for values in rows:
            writer.append(values)
            if progress and writer.rows % every == 0:
                progress(writer.rows)
        writer.close()
        count = writer.rows
        for extra_title, extra_columns, extra_rows in more_sheets:
            extra = SheetWriter(workbook, extra_title, extra_columns)
            for values in extra_rows:
                extra.append(values)
            extra.close()

    write_atomically(path, build)
    return count
