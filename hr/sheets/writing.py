"""Write workbooks the way HR expects them, streamed, with no formula able to run.

The exports are written by a small streamed .xlsx writer of our own: each row becomes its XML
directly, into a temporary file, and the package is assembled once the rows (and so the
widths fitted to them) are known. bench/export_bench.py measures it beside openpyxl's write-only
mode, xlsxwriter's constant-memory mode and rustpy-xlsxwriter; docs/hr.md has the figures and why
this one. Every file is read back in the tests by openpyxl and by calamine.

What the user gets: a frozen, filtered, bold header on a tinted fill; real date cells
(`yyyy-mm-dd`), number and percentage formats; columns as wide as their content; every text
cell a string (never a formula), and one starting with `=`, `+`, `-`, `@`, a tab or a carriage
return also marked with Excel's quote prefix, so even editing it in Excel or WPS keeps it text.
"""

import math
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

from django.utils.timezone import localtime
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from people.exports import FORMULA_TRIGGERS, TRIGGER_SET  # noqa: F401 - the rule lives there

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
PERCENT_FORMAT = "0.0%"
NUMBER_FORMAT = "0.0"
MIN_WIDTH, MAX_WIDTH = 6, 60
EPOCH = date(1899, 12, 30)  # day 0 of Excel's (1900) date system, past its 1900 leap-year bug
EPOCH_ORDINAL = EPOCH.toordinal()


@dataclass(frozen=True)
class Column:
    """One column of an export: header text, minimum width, and what kind of value it holds."""

    title: str
    width: int = 0  # at least this wide; the content decides beyond it
    kind: str = "text"  # text, date, int, number, percent, bool


# Cell styles (cellXfs) of styles.xml below, by index.
HEADER, DATE, PERCENT, NUMBER, QUOTED, DATETIME = 1, 2, 3, 4, 5, 6
KIND_STYLE = {"date": DATE, "percent": PERCENT, "number": NUMBER}


def safe_text(value: str) -> str:
    """Text with the characters XML cannot hold removed."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def display_width(text: str) -> int:
    """How many character widths a text takes in Excel: CJK characters take two."""
    if text.isascii():
        return len(text)
    # A CJK character is 3 bytes in UTF-8 and 2 columns wide; Latin letters with accents 2 and 1.
    return len(text) + (len(text.encode("utf-8")) - len(text)) // 2


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _text_cell(ref: str, text: str, style: int = 0) -> str:
    if not text.isprintable():  # a fast test; rare strings get the clean-up
        text = safe_text(text)
    if text[:1] in TRIGGER_SET:
        style = QUOTED
    space = ' xml:space="preserve"' if text != text.strip() else ""
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}" t="inlineStr"{s}><is><t{space}>{_escape(text)}</t></is></c>'


class _ColumnWriter:
    """Turns one column's values into cells and keeps the widest seen."""

    __slots__ = ("letter", "kind", "style", "width")

    def __init__(self, position: int, column: Column):
        self.letter = get_column_letter(position)
        self.kind = column.kind
        self.style = KIND_STYLE.get(column.kind, 0)
        self.width = max(display_width(str(column.title)) + 3, column.width)  # room for the filter button

    def cell(self, value, row: str) -> str:
        cls = value.__class__
        ref = self.letter + row
        if cls is str:
            if len(value) * 2 > self.width:
                self.width = max(self.width, display_width(value))
            return _text_cell(ref, value) if value else ""
        if value is None:
            return ""
        if cls is datetime:
            if self.kind == "date":
                value, cls = value.date(), date
            else:
                if value.tzinfo is not None:  # shown in local time (Asia/Shanghai), as everywhere
                    value = localtime(value).replace(tzinfo=None)
                serial = value.toordinal() - EPOCH_ORDINAL + (
                    value.hour * 3600 + value.minute * 60 + value.second) / 86400
                self.width = max(self.width, 16)
                return f'<c r="{ref}" s="{DATETIME}"><v>{serial!r}</v></c>'
        if cls is date:
            self.width = max(self.width, 10)
            return f'<c r="{ref}" s="{DATE}"><v>{value.toordinal() - EPOCH_ORDINAL}</v></c>'
        if cls is bool:
            return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
        if cls is int or cls is float or cls is Decimal:
            if cls is not int and not math.isfinite(value):
                return ""
            text = str(value) if cls is not float else repr(value)
            if cls is Decimal and "E" in text:
                text = repr(float(value))
            if len(text) > self.width - 2:
                self.width = max(self.width, len(text) + 2)
            s = f' s="{self.style}"' if self.style else ""
            return f'<c r="{ref}"{s}><v>{text}</v></c>'
        if cls is time:
            return _text_cell(ref, value.isoformat())
        text = str(value)
        self.width = max(self.width, display_width(text))
        return _text_cell(ref, text)


class SheetWriter:
    """Streams rows of cells into a temporary file; `finish` assembles the .xlsx around them."""

    def __init__(self, rows_file, title: str, columns: Sequence[Column]):
        self.title = str(title)
        self.columns = list(columns)
        self.writers = [_ColumnWriter(position, column) for position, column in enumerate(self.columns, 1)]
        self.out = rows_file
        self.rows = 0
        header = "".join(_text_cell(w.letter + "1", str(column.title), HEADER)
                         for w, column in zip(self.writers, self.columns, strict=True))
        self.out.write(f'<row r="1">{header}</row>')

    def append(self, values: Sequence) -> None:
        self.rows += 1
        row = str(self.rows + 1)
        cells = "".join([writer.cell(value, row) for writer, value in zip(self.writers, values, strict=False)])
        self.out.write(f'<row r="{row}">{cells}</row>')

    def widths(self) -> list[float]:
        return [min(MAX_WIDTH, max(MIN_WIDTH, writer.width + 2)) for writer in self.writers]


def _sheet_name(title: str) -> str:
    for char in '[]:*?/\\':
        title = title.replace(char, " ")
    return safe_text(title).strip()[:31] or "Sheet1"


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def _content_types(sheets: int) -> str:
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SHEET_TYPE}"/>'
                        for i in range(1, sheets + 1))
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sheet.main+xml"/>'
        f'{overrides}'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.'
        'core-properties+xml"/>'
        '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'extended-properties+xml"/></Types>')


ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'extended-properties" Target="docProps/app.xml"/></Relationships>')
def _workbook_rels(sheets: int) -> str:
    """Sheet i is rId{i}; the styles come after the sheets."""
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, sheets + 1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'{rels}<Relationship Id="rId{sheets + 1}" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>')


APP = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
       '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
       '<Application>Microsoft Excel</Application></Properties>')
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    f'<numFmts count="4"><numFmt numFmtId="164" formatCode="{DATE_FORMAT}"/>'
    f'<numFmt numFmtId="165" formatCode="{PERCENT_FORMAT}"/><numFmt numFmtId="166" formatCode="{NUMBER_FORMAT}"/>'
    f'<numFmt numFmtId="167" formatCode="{DATETIME_FORMAT}"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFE8EEF4"/><bgColor indexed="64"/></patternFill></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="7"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" applyAlignment="1">'
    '<alignment vertical="center"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    '<xf numFmtId="167" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def _workbook(sheets: Sequence[tuple[str, str]]) -> str:
    """The workbook part for (name, last cell) of each sheet, each with its own filter range."""
    entries = "".join(f'<sheet name="{_escape(name).replace(chr(34), "&quot;")}" sheetId="{i}" r:id="rId{i}"/>'
                      for i, (name, _last) in enumerate(sheets, 1))
    filters = "".join(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
                      f'{_escape(_quote_sheet(name))}!$A$1:{last}</definedName>'
                      for i, (name, last) in enumerate(sheets))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f'<sheets>{entries}</sheets><definedNames>{filters}</definedNames>'
            '<calcPr calcId="191029"/></workbook>')


def _core(now: datetime) -> str:
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>心育研修</dc:creator>'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>')


def _sheet_names(writers: Sequence[SheetWriter]) -> list[str]:
    """Each sheet's name, made unique (Excel refuses two sheets of the same name)."""
    names: list[str] = []
    for writer in writers:
        name = base = _sheet_name(writer.title)
        n = 2
        while name.lower() in (known.lower() for known in names):
            name = f"{base[:28]} ({n})"
            n += 1
        names.append(name)
    return names


def _sheet_xml(writer: SheetWriter, *, selected: bool) -> tuple[str, str, str]:
    """The worksheet part around its rows: (head, tail, last cell as $A$1 reference)."""
    last_letter = get_column_letter(max(len(writer.columns), 1))
    last_row = writer.rows + 1
    cols = "".join(f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>'
                   for i, width in enumerate(writer.widths(), 1))
    tab = ' tabSelected="1"' if selected else ""
    head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<dimension ref="A1:{last_letter}{last_row}"/>'
            f'<sheetViews><sheetView{tab} workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>')
    tail = (f'</sheetData><autoFilter ref="A1:{last_letter}{last_row}"/>'
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>')
    return head, tail, f"${last_letter}${last_row}"


def _assemble(target: str, sheets: Sequence[tuple[SheetWriter, str]]) -> None:
    """The .xlsx package around each (writer, file of its rows), in order."""
    names = _sheet_names([writer for writer, _rows in sheets])
    parts = [_sheet_xml(writer, selected=i == 0) for i, (writer, _rows) in enumerate(sheets)]
    now = datetime.now(UTC)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=4) as package:
        package.writestr("[Content_Types].xml", _content_types(len(sheets)))
        package.writestr("_rels/.rels", ROOT_RELS)
        package.writestr("docProps/app.xml", APP)
        package.writestr("docProps/core.xml", _core(now))
        package.writestr("xl/workbook.xml", _workbook([(name, last) for name, (_h, _t, last)
                                                        in zip(names, parts, strict=True)]))
        package.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        package.writestr("xl/styles.xml", STYLES)
        for i, ((_writer, rows_path), (head, tail, _last)) in enumerate(zip(sheets, parts, strict=True), 1):
            with package.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as sheet:
                sheet.write(head.encode())
                with open(rows_path, "rb") as rows:
                    shutil.copyfileobj(rows, sheet, 1024 * 1024)
                sheet.write(tail.encode())


def write_table(path: str | Path, *, title: str, columns: Sequence[Column],
                rows: Iterable[Sequence], progress: Callable[[int], None] | None = None,
                every: int = 5000, more_sheets: Sequence[tuple] = ()) -> int:
    """Write one sheet of `rows` (streamed) under a frozen, filtered header, then any further
    (title, columns, rows) sheets; returns the first sheet's row count.

    The file appears at `path` only once complete (written beside it, then moved into place): a
    crash mid-write leaves nothing at `path` and no temporary file behind.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temps: list[str] = []

    def temp(prefix: str, suffix: str) -> str:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=suffix)
        os.close(handle)
        temps.append(name)
        return name

    try:
        sheets = []
        for index, (sheet_title, sheet_columns, sheet_rows) in enumerate(
                [(title, columns, rows), *more_sheets]):
            rows_name = temp(".rows-", ".xml")
            with open(rows_name, "w", encoding="utf-8", buffering=1024 * 1024) as out:
                writer = SheetWriter(out, sheet_title, sheet_columns)
                for values in sheet_rows:
                    writer.append(values)
                    if index == 0 and progress and writer.rows % every == 0:
                        progress(writer.rows)
            sheets.append((writer, rows_name))
        temp_name = temp(".part-", ".xlsx")
        _assemble(temp_name, sheets)
        os.replace(temp_name, path)
    finally:
        for name in temps:
            if os.path.exists(name):
                os.unlink(name)
    return sheets[0][0].rows
