"""A small Excel binary workbook (.xlsb) writer, for tests and the bench only.

No maintained Python package writes .xlsb, so this one lays out the records of [MS-XLSB] itself:
a zip package ([Content_Types].xml, relationships) around BIFF12 record streams — workbook.bin
(one sheet), styles.bin (a default cell format, a date one and a duration one: built-in formats
14 and 46),
sharedStrings.bin, and worksheets/sheet1.bin (dimension, rows, cells, merged cells).

A record is its type (7 bits a byte, at most two bytes), its size (7 bits a byte, at most four
bytes), then its body. Strings are XLWideString: a 32-bit character count and UTF-16LE.
"""

import io
import struct
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

# Record types ([MS-XLSB] 2.3.2), the few a minimal workbook needs.
ROW_HDR, CELL_BLANK, CELL_RK, CELL_REAL, CELL_ST, CELL_ISST, FMLA_STRING, FMLA_NUM = 0, 1, 2, 5, 6, 7, 8, 9
SST_ITEM, XF = 0x13, 0x2F
BEGIN_SHEET, END_SHEET, BEGIN_BOOK, END_BOOK = 0x81, 0x82, 0x83, 0x84
BEGIN_BUNDLE_SHS, END_BUNDLE_SHS, BEGIN_SHEET_DATA, END_SHEET_DATA = 0x8F, 0x90, 0x91, 0x92
WS_DIM, BUNDLE_SH, BEGIN_SST, END_SST = 0x94, 0x9C, 0x9F, 0xA0
MERGE_CELL, BEGIN_MERGE_CELLS, END_MERGE_CELLS = 0xB0, 0xB1, 0xB2
BEGIN_STYLE_SHEET, END_STYLE_SHEET = 0x0116, 0x0117
BEGIN_CELL_XFS, END_CELL_XFS = 0x0269, 0x026A

DATE_STYLE = 1  # index of the cell format with built-in number format 14 (a date)
DURATION_STYLE = 2  # built-in number format 46, [h]:mm:ss (a duration)
PTG_STR, PTG_CONCAT = 0x17, 0x08
EXCEL_EPOCH = date(1899, 12, 30)

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    # What Excel itself declares for the main part of every .xlsb, with or without macros.
    '<Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
    '<Override PartName="/xl/worksheets/sheet1.bin" ContentType="application/vnd.ms-excel.worksheet"/>'
    '<Override PartName="/xl/styles.bin" ContentType="application/vnd.ms-excel.styles"/>'
    '<Override PartName="/xl/sharedStrings.bin" ContentType="application/vnd.ms-excel.sharedStrings"/>'
    '</Types>')
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.bin"/></Relationships>')
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{REL}worksheet" Target="worksheets/sheet1.bin"/>'
    f'<Relationship Id="rId2" Type="{REL}styles" Target="styles.bin"/>'
    f'<Relationship Id="rId3" Type="{REL}sharedStrings" Target="sharedStrings.bin"/>'
    '</Relationships>')


def record(kind: int, body: bytes = b"") -> bytes:
    """One BIFF12 record: type and size as 7-bit groups, low first, then the body."""
    head = bytearray()
    if kind < 0x80:
        head.append(kind)
    else:
        head += bytes([(kind & 0x7F) | 0x80, kind >> 7])
    size = len(body)
    while True:
        byte = size & 0x7F
        size >>= 7
        head.append(byte | (0x80 if size else 0))
        if not size:
            break
    return bytes(head) + body


def wide(text: str) -> bytes:
    data = text.encode("utf-16-le")
    return struct.pack("<I", len(data) // 2) + data


def cell(column: int, style: int = 0) -> bytes:
    """The common start of a cell record: its column and its cell format (24 bits)."""
    return struct.pack("<II", column, style & 0xFFFFFF)


@dataclass
class Formula:
    """A formula joining string constants ("班"&"主任") with the value Excel calculated and saved
    (an .xlsb formula record always carries one)."""

    parts: tuple[str, ...]
    value: str

    def rgce(self) -> bytes:
        tokens = bytearray()
        for index, part in enumerate(self.parts):
            data = part.encode("utf-16-le")
            tokens += bytes([PTG_STR]) + struct.pack("<H", len(data) // 2) + data
            if index:
                tokens.append(PTG_CONCAT)
        return bytes(tokens)


class XlsbSheet:
    """Rows appended in order (None and "" leave a cell empty), written as records."""

    def __init__(self, *, shared_strings: bool = True):
        self.shared_strings = shared_strings
        self.strings: dict[str, int] = {}
        self.rows = io.BytesIO()
        self.merges: list[tuple[int, int, int, int]] = []
        self.next_row = 0
        self.last_row = self.last_col = -1
        self.dimension: tuple[int, int, int, int] | None = None  # set to lie about the extent

    def append(self, values) -> None:
        row = self.next_row
        self.next_row += 1
        cells = b"".join(self._cell(col, v) for col, v in enumerate(values) if v is not None and v != "")
        if not cells:
            return
        self.rows.write(record(ROW_HDR, struct.pack("<IIHBHI", row, 0, 300, 0, 0, 0)))
        self.rows.write(cells)
        self.last_row = row
        self.last_col = max(self.last_col, max(c for c, v in enumerate(values) if v is not None and v != ""))

    def merge(self, first_row: int, last_row: int, first_col: int, last_col: int) -> None:
        self.merges.append((first_row, last_row, first_col, last_col))

    def _cell(self, col: int, value) -> bytes:
        if isinstance(value, Formula):
            rgce = value.rgce()
            formula = struct.pack("<I", len(rgce)) + rgce + struct.pack("<I", 0)
            return record(FMLA_STRING, cell(col) + wide(value.value) + struct.pack("<H", 0) + formula)
        if isinstance(value, datetime | date):
            day = value.date() if isinstance(value, datetime) else value
            return record(CELL_REAL, cell(col, DATE_STYLE) + struct.pack("<d", (day - EXCEL_EPOCH).days))
        if isinstance(value, bool):
            raise TypeError("booleans are not needed by the rosters")
        if isinstance(value, int) and -(1 << 29) <= value < (1 << 29):
            return record(CELL_RK, cell(col) + struct.pack("<i", (value << 2) | 0x2))
        if isinstance(value, int | float):
            return record(CELL_REAL, cell(col) + struct.pack("<d", float(value)))
        text = str(value)
        if not self.shared_strings:
            return record(CELL_ST, cell(col) + wide(text))
        index = self.strings.setdefault(text, len(self.strings))
        return record(CELL_ISST, cell(col) + struct.pack("<I", index))

    def sheet_bin(self) -> bytes:
        first, last = (0, self.last_row) if self.last_row >= 0 else (0, 0)
        dim = self.dimension or (first, last, 0, max(self.last_col, 0))
        out = [record(BEGIN_SHEET), record(WS_DIM, struct.pack("<IIII", *dim)),
               record(BEGIN_SHEET_DATA), self.rows.getvalue(), record(END_SHEET_DATA)]
        if self.merges:
            out.append(record(BEGIN_MERGE_CELLS, struct.pack("<I", len(self.merges))))
            out += [record(MERGE_CELL, struct.pack("<IIII", *m)) for m in self.merges]
            out.append(record(END_MERGE_CELLS))
        out.append(record(END_SHEET))
        return b"".join(out)

    def shared_strings_bin(self) -> bytes:
        items = [record(SST_ITEM, b"\0" + wide(text)) for text in self.strings]
        return b"".join([record(BEGIN_SST, struct.pack("<II", len(items), len(items))), *items,
                         record(END_SST)])


def workbook_bin(sheet_name: str, rel_id: str = "rId1") -> bytes:
    return b"".join([
        record(BEGIN_BOOK), record(BEGIN_BUNDLE_SHS),
        record(BUNDLE_SH, struct.pack("<II", 0, 1) + wide(rel_id) + wide(sheet_name)),
        record(END_BUNDLE_SHS), record(END_BOOK)])


def styles_bin() -> bytes:
    def xf(number_format: int) -> bytes:
        # ixfeParent, iFmt, iFont, iFill, ixBorder, trot, indent, flags, grbitAtr, reserved
        return record(XF, struct.pack("<HHHHHBBHBB", 0xFFFF, number_format, 0, 0, 0, 0, 0, 0, 0, 0))

    return b"".join([record(BEGIN_STYLE_SHEET), record(BEGIN_CELL_XFS, struct.pack("<I", 3)),
                     xf(0), xf(14), xf(46), record(END_CELL_XFS), record(END_STYLE_SHEET)])


def save(sheet: XlsbSheet, path: Path, *, sheet_name: str = "名册", extra: dict[str, bytes] | None = None,
         content_types: str = CONTENT_TYPES, workbook_rels: str = WORKBOOK_RELS) -> Path:
    """Write the package; `extra` adds (or replaces) parts, for crafted files."""
    parts = {
        "[Content_Types].xml": content_types.encode(),
        "_rels/.rels": ROOT_RELS.encode(),
        "xl/workbook.bin": workbook_bin(sheet_name),
        "xl/_rels/workbook.bin.rels": workbook_rels.encode(),
        "xl/worksheets/sheet1.bin": sheet.sheet_bin(),
        "xl/styles.bin": styles_bin(),
        "xl/sharedStrings.bin": sheet.shared_strings_bin(),
        **(extra or {}),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return path


def write_rows(path: Path, rows, *, merge_title: int = 0, **options) -> Path:
    """A one-sheet workbook of these rows (the first merged across `merge_title` columns)."""
    sheet = XlsbSheet()
    for row in rows:
        sheet.append(row)
    if merge_title:
        sheet.merge(0, 0, 0, merge_title - 1)
    return save(sheet, path, **options)
