"""Refuse a bad upload before any parser sees it, and say what the file is.

Every check here runs on bytes we read ourselves, with bounded memory, before openpyxl or
calamine is handed the file:

- size, emptiness, and a name that matches the content (a CSV renamed .xlsx is refused);
- zip packages (.xlsx, .xlsb, .ods): the directory (entries, duplicate names), each part's
  inflated size against a limit for its kind (sheets, shared strings, styles, drawings, …) and
  its compression ratio, then each part inflated by us to prove it is no larger than declared;
  XML that declares a DOCTYPE or entities; macros recognised by relationship and content type
  (not by a file name); and the first sheet's rows and columns counted from its XML;
- OLE2 containers (.xls, and password-protected .xlsx): encryption, VBA storages, and every
  cell record's position counted from the BIFF stream;
- text (.csv, .tsv): encoding (UTF-8 with or without BOM, else GB18030, a superset of GBK).

calamine lays a sheet out as a dense grid from its first to its last cell, so one stray cell at
XFD200000 would ask for billions of cells and abort the process: the counted extent of a sheet
(rows × columns) is bounded before it is parsed, so a refusal costs a scan, never a parse.
"""

import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path, PurePosixPath

from defusedxml import ElementTree as SafeET
from django.conf import settings
from django.utils.translation import gettext

from .errors import SheetRefused

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
MB = 1024 * 1024
KB = 1024

MAX_TOTAL_BYTES = 200 * MB
MAX_MEMBERS = 1000
MAX_RATIO = 100
# Tiny parts (styles, a one-row sheet) compress absurdly well without being bombs.
RATIO_FLOOR_BYTES = 1 * MB
# Inflated size allowed per kind of part. A roster's sheet and shared strings are the only
# parts that grow with its rows; styles, drawings and the rest stay small in real files.
PART_LIMITS = {
    "sheet": 50 * MB,
    "strings": 50 * MB,
    "styles": 8 * MB,
    "package": 2 * MB,  # [Content_Types].xml, relationships, workbook, manifest: parsed here
    "other": 10 * MB,  # drawings, media, themes, comments, printer settings, …
}
MAX_MEMBER_BYTES = PART_LIMITS["sheet"]
# calamine holds the sheet as a dense grid of first-to-last cell: about 32 bytes a cell.
MAX_CELLS = 4_000_000
MAX_COLUMNS = 16_384  # Excel's own (XFD)
HEADER_SEARCH_ROWS = 10

EXCEL_SUFFIXES = (".xlsx", ".xls", ".xlsb", ".ods", ".et")
TEXT_SUFFIXES = (".csv", ".tsv")
SUFFIXES = EXCEL_SUFFIXES + TEXT_SUFFIXES

MACRO_CONTENT_TYPES = ("vbaproject", "macroenabled", "macrosheet", "ms-excel.intlmacrosheet")
# Excel declares every .xlsb's workbook part with this type, with or without macros: in a binary
# workbook macros are known by their own part (vbaProject.bin), its relationship and content type.
BINARY_MAIN = "application/vnd.ms-excel.sheet.binary.macroenabled.main"
MACRO_RELATIONSHIPS = ("/vbaproject", "/xlmacrosheet", "/xlintlmacrosheet", "/vbaprojectsignature")
UNSAFE_XML_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")


def max_bytes() -> int:
    return settings.HR_IMPORT_MAX_BYTES


def max_rows() -> int:
    return settings.HR_IMPORT_MAX_ROWS


@dataclass(frozen=True)
class SheetFile:
    """What a checked upload is: its format and, for text, its encoding and delimiter."""

    kind: str  # xlsx, xlsb, ods, xls, csv
    encoding: str = ""
    delimiter: str = ","


def _refuse_rows(limit: int) -> SheetRefused:
    return SheetRefused(gettext("More than %(limit)s rows") % {"limit": limit})


def refuse_unsafe_xml() -> SheetRefused:
    return SheetRefused(gettext("The file holds unsafe or broken XML: not read"))


def _too_large() -> SheetRefused:
    return SheetRefused(gettext("The file is too large once uncompressed"))


def _too_wide(cells: int) -> SheetRefused:
    return SheetRefused(gettext("The sheet spans too many cells (more than %(max_cells)s between its "
                                "first and last cell; %(cells)s found)") % {
        "max_cells": f"{MAX_CELLS:,}", "cells": f"{cells:,}"})


def _macros() -> SheetRefused:
    return SheetRefused(gettext("Macro-enabled workbooks (.xlsm) are refused: save as .xlsx"))


def _password() -> SheetRefused:
    return SheetRefused(gettext("The file is password-protected: remove the password and save as .xlsx"))


def check_file(path: str | Path, name: str | None = None) -> SheetFile:
    """Refuse, before any parser runs, a file that is not a plain, sane workbook or CSV.

    `name` is the file's name as uploaded (its suffix says what the user meant it to be);
    without it the path's own suffix is used.
    """
    path = Path(path)
    suffix = Path(name or path.name).suffix.lower()
    size = path.stat().st_size
    if size == 0:
        raise SheetRefused(gettext("The file is empty"))
    if size > max_bytes():
        raise SheetRefused(gettext("The file is larger than the %(mb)s MB limit") % {"mb": max_bytes() // MB})
    if suffix not in SUFFIXES:
        raise SheetRefused(gettext("Only .xlsx, .xls, .xlsb, .ods, .et, .csv and .tsv files are read"))
    with path.open("rb") as handle:
        head = handle.read(8)
    if suffix in TEXT_SUFFIXES:
        if head == OLE2_MAGIC or head.startswith(ZIP_MAGIC):
            raise SheetRefused(gettext("This is an Excel workbook, not a CSV: give it its own extension"))
        return _check_text(path, "\t" if suffix == ".tsv" else ",")
    if head == OLE2_MAGIC:
        return _check_ole2(path)
    if not head.startswith(ZIP_MAGIC) or not zipfile.is_zipfile(path):
        raise SheetRefused(gettext("Not an Excel .xlsx file (for example a CSV renamed .xlsx)"))
    return _check_package(path)


# ---------------------------------------------------------------- text

def detect_encoding(path: Path) -> str:
    """utf-8-sig for UTF-8 (with or without a byte-order mark), else gb18030 (a superset of GBK)."""
    decoder = __import__("codecs").getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(MB):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8-sig"
        except UnicodeDecodeError:
            return "gb18030"


def _check_text(path: Path, delimiter: str) -> SheetFile:
    encoding = detect_encoding(path)
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(MB):
            if b"\0" in chunk:
                raise SheetRefused(gettext("Not a text CSV file"))
            lines += chunk.count(b"\n")
    # Quoted line breaks only make this count higher; the exact limit is kept while reading.
    if lines > max_rows() + HEADER_SEARCH_ROWS + 1:
        raise _refuse_rows(max_rows())
    with path.open("r", encoding=encoding, errors="replace") as handle:
        first = handle.readline()
    if delimiter == "," and "\t" in first and "," not in first:
        delimiter = "\t"  # "CSV" saved by Excel as Unicode text is tab-separated
    return SheetFile("csv", encoding=encoding, delimiter=delimiter)


# ---------------------------------------------------------------- zip packages

def part_kind(name: str) -> str:
    """Which limit a package part falls under, by where the format keeps it."""
    lower = name.lower()
    base = PurePosixPath(lower).name
    if lower.startswith(("xl/worksheets/", "xl/chartsheets/", "xl/macrosheets/")) or lower == "content.xml":
        return "sheet"
    if base in ("sharedstrings.xml", "sharedstrings.bin"):
        return "strings"
    if base in ("styles.xml", "styles.bin"):
        return "styles"
    if (lower.endswith(".rels") or lower in ("[content_types].xml", "xl/workbook.xml", "xl/workbook.bin",
                                              "meta-inf/manifest.xml", "mimetype")):
        return "package"
    return "other"


def inflate(path: Path, info: zipfile.ZipInfo, limit: int, chunk: int = MB):
    """Yield the inflated bytes of one member, read by us from its raw data.

    Stops with a refusal as soon as more comes out than the directory declared (or than
    `limit`): a part that lies about its size is never inflated past the lie.
    """
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise SheetRefused(gettext("The file uses an unsupported compression method"))
    if info.flag_bits & 0x1:
        raise _password()
    allowed = min(info.file_size, limit)
    with path.open("rb") as handle:
        handle.seek(info.header_offset)
        header = handle.read(30)
        if len(header) != 30 or header[:4] != ZIP_MAGIC:
            raise SheetRefused(gettext("The file is damaged"))
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        handle.seek(info.header_offset + 30 + name_len + extra_len)
        remaining = info.compress_size
        inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        produced = 0
        crc = 0
        while remaining > 0 or (inflater is not None and inflater.unconsumed_tail):
            if inflater is not None and inflater.unconsumed_tail:
                raw = inflater.unconsumed_tail
            else:
                raw = handle.read(min(chunk, remaining))
                if not raw:
                    raise SheetRefused(gettext("The file is damaged"))
                remaining -= len(raw)
            out = inflater.decompress(raw, chunk) if inflater is not None else raw
            produced += len(out)
            if produced > allowed:
                raise _too_large() if produced > limit else SheetRefused(
                    gettext("The file is damaged: an entry is larger than declared"))
            crc = zlib.crc32(out, crc)
            if out:
                yield out
            if inflater is not None and inflater.eof:
                break
    if produced != info.file_size or crc != info.CRC:
        raise SheetRefused(gettext("The file is damaged"))


def read_part(path: Path, info: zipfile.ZipInfo) -> bytes:
    """A small package part (content types, relationships, workbook), inflated and checked."""
    data = b"".join(inflate(path, info, PART_LIMITS["package"]))
    if any(marker in data for marker in UNSAFE_XML_MARKERS):
        raise refuse_unsafe_xml()
    return data


def _xml(data: bytes):
    try:
        return SafeET.fromstring(data)
    except Exception:  # noqa: BLE001 (defusedxml's refusals and plain syntax errors alike)
        raise refuse_unsafe_xml() from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _check_package(path: Path) -> SheetFile:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise SheetRefused(gettext("The file is damaged")) from None
    if len(members) > MAX_MEMBERS:
        raise SheetRefused(gettext("Abnormal file: too many entries"))
    by_name: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for member in members:
        key = member.filename.lower()
        if key in by_name:
            raise SheetRefused(gettext("Abnormal file: two entries share a name"))
        by_name[key] = member
        total += member.file_size
        limit = PART_LIMITS[part_kind(member.filename)]
        if member.file_size > limit:
            raise _too_large()
        if (member.file_size > RATIO_FLOOR_BYTES
                and member.file_size > MAX_RATIO * max(member.compress_size, 1)):
            raise SheetRefused(gettext("Abnormal compression ratio"))
    if total > MAX_TOTAL_BYTES:
        raise _too_large()

    if "mimetype" in by_name and "content.xml" in by_name:
        mimetype = b"".join(inflate(path, by_name["mimetype"], 256)).strip()
        if mimetype != b"application/vnd.oasis.opendocument.spreadsheet":
            raise SheetRefused(gettext("Not a spreadsheet file"))
        if any(name.startswith(("basic/", "scripts/")) for name in by_name):
            raise _macros()
        _scan_parts(path, members, sheet="content.xml", scanner=OdsScanner())
        return SheetFile("ods")

    if "[content_types].xml" not in by_name or not any(n.startswith("xl/") for n in by_name):
        raise SheetRefused(gettext("Not an Excel .xlsx file"))
    content_types = read_part(path, by_name["[content_types].xml"])
    types = _xml(content_types)
    binary = "xl/workbook.bin" in by_name
    for element in types:
        content_type = (element.get("ContentType") or "").lower()
        if binary and content_type == BINARY_MAIN:
            continue  # what Excel declares for every .xlsb's workbook, macros or not
        if any(marker in content_type for marker in MACRO_CONTENT_TYPES):
            raise _macros()
    if any(PurePosixPath(n).name.startswith("vbaproject") for n in by_name):
        raise _macros()
    relationships = {}
    for key, member in by_name.items():
        if key.endswith(".rels"):
            rels = _xml(read_part(path, member))
            for rel in rels:
                if any((rel.get("Type") or "").lower().endswith(m) for m in MACRO_RELATIONSHIPS):
                    raise _macros()
            relationships[key] = {rel.get("Id"): rel.get("Target") for rel in rels}

    if binary:
        first = _first_binary_sheet(path, by_name, relationships.get("xl/_rels/workbook.bin.rels", {}))
        _scan_parts(path, members, sheet=first,
                    scanner=XlsbScanner(strings=_shared_string_count(path, by_name)))
        return SheetFile("xlsb")
    if "xl/workbook.xml" not in by_name:
        raise SheetRefused(gettext("Not an Excel .xlsx file"))
    workbook = _xml(read_part(path, by_name["xl/workbook.xml"]))
    first = _first_sheet(workbook, relationships.get("xl/_rels/workbook.xml.rels", {}))
    if first is None or first.lower() not in by_name:
        raise SheetRefused(gettext("The workbook has no worksheet"))
    _scan_parts(path, members, sheet=first.lower(), scanner=XlsxScanner())
    return SheetFile("xlsx")


def _first_sheet(workbook, rels: dict[str, str]) -> str | None:
    """The part of the workbook's first sheet (the one calamine reads as sheet 0)."""
    for element in workbook.iter():
        if _local(element.tag) == "sheet":
            rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
            target = rels.get(rid)
            if not target:
                return None
            target = target.lstrip("/")
            return target if target.startswith("xl/") else f"xl/{target}"
    return None


def _scan_parts(path: Path, members, *, sheet: str, scanner) -> None:
    """Inflate every part ourselves (sizes proven), refuse DTDs in XML, and count the sheet."""
    for member in members:
        key = member.filename.lower()
        limit = PART_LIMITS[part_kind(member.filename)]
        is_xml = key.endswith((".xml", ".rels", ".vml"))
        first = True
        for chunk in inflate(path, member, limit):
            # A document type declaration can only stand in the prolog, before the root
            # element: the first chunk holds it. (calamine's XML reader expands no entities
            # in any case; this keeps DTDs away from every parser, ours included.)
            if is_xml and first and any(marker in chunk[:64 * KB] for marker in UNSAFE_XML_MARKERS):
                raise refuse_unsafe_xml()
            first = False
            if key == sheet:
                scanner.feed(chunk)
        if key == sheet:
            scanner.close()


class XlsxScanner:
    """Counts a worksheet's rows and the extent of its cells from its XML, with regular
    expressions over streamed chunks: no tree, no cell values, memory flat.

    A row counts when it has at least one cell element that is not empty (`<c r="A1" s="2"/>`
    carries only a style, which calamine skips). A cell's place is its `r` reference or, without
    one, the next column of its row, as calamine places it.
    """

    ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row(?=[\s>/])([^>]*)>")
    CELL_REF = re.compile(rb'<c r="([A-Z]{1,4})([0-9]{1,8})"')
    TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s>/])([^>]*)>")
    REF = re.compile(rb"\br=\"([A-Z]{0,4})([0-9]{0,8})\"")
    MAX_CARRY = 8 * MB

    def __init__(self, limit: int | None = None):
        self.limit = max_rows() if limit is None else limit
        self.carry = b""
        self.rows = 0
        self.max_row = 0
        self.max_col = 0
        self.row = 0  # the current row (1-based) and the last column placed in it
        self.col = 0

    def feed(self, chunk: bytes) -> None:
        data = self.carry + chunk
        cut = data.rfind(b"<")
        if cut < 0:
            self.carry = data
        else:
            self.carry, data = data[cut:], data[:cut]
        if len(self.carry) > self.MAX_CARRY:
            raise refuse_unsafe_xml()
        if data:
            self._scan(data)

    def close(self) -> None:
        if self.carry:
            self._scan(self.carry + b" ")
            self.carry = b""
        self._check(final=True)

    def _scan(self, data: bytes) -> None:
        refs = self.CELL_REF.findall(data)
        if (len(refs) == data.count(b"<c ") and b"<c>" not in data
                and b":c " not in data and b":row" not in data):
            # Every cell opens with its reference, unprefixed (Excel, WPS, openpyxl, xlsxwriter):
            # counted with C-speed scans. Self-closing cells and rows only make the counts higher.
            rows = data.count(b"<row ") + data.count(b"<row>")
            if self.rows + rows > self.limit + HEADER_SEARCH_ROWS:
                rows = len([m for m in self.ROW.findall(data) if not m.endswith(b"/")])
            self.rows += rows
            if refs:
                self.max_row = max(self.max_row, max(map(int, map(itemgetter(1), refs))))
                self.max_col = max(self.max_col, max(map(_column, set(map(itemgetter(0), refs)))))
                self.row, self.col = int(refs[-1][1]), _column(refs[-1][0])
        else:
            for tag, attrs in self.TAG.findall(data):
                empty = attrs.endswith(b"/")
                ref = self.REF.search(attrs)
                if tag == b"row":
                    self.row = int(ref.group(2)) if ref and ref.group(2) else self.row + 1
                    self.col = 0
                    if not empty:
                        self.rows += 1
                    continue
                if ref and ref.group(1):
                    self.col = _column(ref.group(1))
                    if ref.group(2):
                        self.row = int(ref.group(2))
                else:
                    self.col += 1
                if not empty:
                    self.max_row = max(self.max_row, self.row)
                    self.max_col = max(self.max_col, self.col)
                if self.rows > self.limit + HEADER_SEARCH_ROWS:
                    break
        self._check()

    def _check(self, final: bool = False) -> None:
        if self.rows > self.limit + HEADER_SEARCH_ROWS or self.max_row > 2 * self.limit + HEADER_SEARCH_ROWS:
            raise _refuse_rows(self.limit)
        if self.max_col > MAX_COLUMNS:
            raise _too_wide(self.max_row * self.max_col)
        if self.max_row * self.max_col > MAX_CELLS:
            raise _too_wide(self.max_row * self.max_col)


def _column(letters: bytes) -> int:
    number = 0
    for byte in letters:
        number = number * 26 + byte - 64
    return number


class OdsScanner:
    """Counts the rows and columns an OpenDocument sheet expands to, repeats included.

    `table:number-rows-repeated` and `number-columns-repeated` let a few bytes stand for a
    million cells; a repeat counts only when it repeats a cell with a value (LibreOffice pads
    every sheet with empty repeated rows and columns, which calamine does not expand).
    """

    ROW = re.compile(rb"<table:table-row\b([^>]*?)(/?)>(.*?)(?:</table:table-row>|(?=<table:table-row\b))",
                     re.S)
    CELL = re.compile(rb"<table:(?:covered-)?table-cell\b([^>]*?)(/?)>")
    REPEAT_ROWS = re.compile(rb'number-rows-repeated="(\d{1,9})"')
    REPEAT_COLS = re.compile(rb'number-columns-repeated="(\d{1,9})"')
    MAX_CARRY = 8 * MB

    def __init__(self, limit: int | None = None):
        self.limit = max_rows() if limit is None else limit
        self.carry = b""
        self.rows = 0  # rows holding a value, repeats included
        self.position = 0  # rows passed so far, empty ones too (they move later rows down)
        self.max_row = 0
        self.max_col = 0

    def feed(self, chunk: bytes) -> None:
        data = self.carry + chunk
        cut = data.rfind(b"</table:table-row>")
        if cut < 0:
            self.carry = data
        else:
            cut += len(b"</table:table-row>")
            self.carry, data = data[cut:], data[:cut]
            self._scan(data)
        if len(self.carry) > self.MAX_CARRY:
            raise _too_large()

    def close(self) -> None:
        if self.carry:
            self._scan(self.carry)
            self.carry = b""

    def _scan(self, data: bytes) -> None:
        # Every table of the file is read when calamine opens it: their rows are counted as
        # one run, which can only overstate the extent.
        for attrs, empty, body in self.ROW.findall(data):
            repeat = self.REPEAT_ROWS.search(attrs)
            repeat = int(repeat.group(1)) if repeat else 1
            width = last_valued = 0
            if not empty:
                for cell_attrs, cell_empty in self.CELL.findall(body):
                    cols = self.REPEAT_COLS.search(cell_attrs)
                    width += int(cols.group(1)) if cols else 1
                    if b"value-type" in cell_attrs or not cell_empty:
                        last_valued = width
            self.position += repeat
            if last_valued:
                self.rows += repeat
                self.max_row = self.position
                self.max_col = max(self.max_col, last_valued)
            if self.rows > self.limit + HEADER_SEARCH_ROWS or self.max_row > 2 * self.limit + HEADER_SEARCH_ROWS:
                raise _refuse_rows(self.limit)
            if self.max_col > MAX_COLUMNS or self.max_row * self.max_col > MAX_CELLS:
                raise _too_wide(self.max_row * self.max_col)


# ---------------------------------------------------------------- BIFF12 (.xlsb)

# Record types of [MS-XLSB] 2.3.2 that the checks read.
BRT_ROW_HDR, BRT_CELL_ISST, BRT_BUNDLE_SH, BRT_END_BUNDLE_SHS = 0x0000, 0x0007, 0x009C, 0x0090
BRT_WS_DIM, BRT_BEGIN_SHEET_DATA, BRT_END_SHEET_DATA, BRT_BEGIN_SST = 0x0094, 0x0091, 0x0092, 0x009F
# Value cells (what calamine places on its grid) and the body each needs at least: column and
# format (8 bytes), then an RK (4), an error or boolean (1), a double (8), a string's length (4).
BRT_CELL_MIN_BYTES = {0x0002: 12, 0x0003: 9, 0x0004: 9, 0x0005: 16, 0x0006: 12, 0x0007: 12,
                      0x0008: 12, 0x0009: 16, 0x000A: 9, 0x000B: 9}


def _records(data: bytes, start: int = 0):
    """(type, body start, body end) of each whole record in `data` from `start`; stops before a
    record that runs past the end (the caller keeps it for the next chunk)."""
    offset, size = start, len(data)
    while offset < size:
        at = offset
        kind = data[at]
        at += 1
        if kind & 0x80:
            if at >= size:
                return
            kind = (kind & 0x7F) | ((data[at] & 0x7F) << 7)
            at += 1
        length = shift = 0
        for _ in range(4):
            if at >= size:
                return
            byte = data[at]
            at += 1
            length |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if at + length > size:
            return
        yield kind, at, at + length
        offset = at + length


def _damaged_binary() -> SheetRefused:
    return SheetRefused(gettext("The file is damaged"))


def _first_binary_sheet(path: Path, by_name: dict, rels: dict[str, str]) -> str:
    """The part of an .xlsb's first sheet, from workbook.bin's sheet records (BrtBundleSh), each
    of whose relationship ids must resolve: calamine assumes they do."""
    data = b"".join(inflate(path, by_name["xl/workbook.bin"], PART_LIMITS["package"]))
    first = None
    for kind, start, end in _records(data):
        if kind == BRT_END_BUNDLE_SHS:
            break
        if kind != BRT_BUNDLE_SH:
            continue
        body = data[start:end]
        if len(body) < 12:
            raise _damaged_binary()
        (chars,) = struct.unpack_from("<I", body, 8)
        if chars == 0xFFFFFFFF:
            continue
        if 12 + 2 * chars > len(body):
            raise _damaged_binary()
        target = rels.get(body[12:12 + 2 * chars].decode("utf-16-le", "replace"))
        if not target:
            raise _damaged_binary()
        first = first or f"xl/{target}".lower()
    if first is None or first not in by_name:
        raise SheetRefused(gettext("The workbook has no worksheet"))
    return first


def _shared_string_count(path: Path, by_name: dict) -> int:
    """How many shared strings calamine will hold (BrtBeginSst's unique count): a cell naming
    one past them is refused before the parser would index out of its table."""
    member = by_name.get("xl/sharedstrings.bin")
    if member is None:
        return 0
    head = next(inflate(path, member, PART_LIMITS["strings"]), b"")
    for kind, start, end in _records(head):
        if kind == BRT_BEGIN_SST:
            if end - start < 8:
                raise _damaged_binary()
            return struct.unpack_from("<I", head, start + 4)[0]
    return 0


class XlsbScanner:
    """Counts a binary worksheet's rows and the extent of its value cells from its BIFF12
    records (BrtRowHdr gives the row, each cell record its column), whatever its BrtWsDim
    dimension record says; and refuses records shorter than the parser reads (it would panic).
    Streamed over chunks: memory flat, no cell values kept."""

    MAX_CARRY = 8 * MB

    def __init__(self, limit: int | None = None, *, strings: int = 0):
        self.limit = max_rows() if limit is None else limit
        self.strings = strings
        self.carry = b""
        self.rows = 0  # rows holding at least one value cell
        self.row = 0  # the current row (0-based; calamine's first is 0) and whether it has been counted
        self.counted = False
        self.max_row = self.max_col = -1
        self.dimension = False

    def feed(self, chunk: bytes) -> None:
        data = self.carry + chunk if self.carry else chunk
        used = self._scan(data)
        self.carry = data[used:]
        if len(self.carry) > self.MAX_CARRY:
            raise _damaged_binary()

    def close(self) -> None:
        if self.carry:
            raise _damaged_binary()  # a record cut short at the end of the part
        if not self.dimension:
            raise _damaged_binary()
        self._check()

    def _scan(self, data: bytes) -> int:
        used = 0
        unpack = struct.unpack_from
        minimum = BRT_CELL_MIN_BYTES
        for kind, start, end in _records(data):
            used = end
            if kind in minimum:
                if end - start < minimum[kind]:
                    raise _damaged_binary()
                if kind == BRT_CELL_ISST and unpack("<I", data, start + 8)[0] >= self.strings:
                    raise _damaged_binary()
                (col,) = unpack("<I", data, start)
                if col > self.max_col:
                    self.max_col = col
                    if col >= MAX_COLUMNS:
                        raise _too_wide((self.max_row + 1) * (col + 1))
                if not self.counted:
                    self.counted = True
                    self.rows += 1
                    if self.row > self.max_row:
                        self.max_row = self.row
                    if self.rows % 1000 == 0:
                        self._check()
            elif kind == BRT_ROW_HDR:
                if end - start < 4:
                    raise _damaged_binary()
                self.row = unpack("<I", data, start)[0]
                self.counted = False
            elif kind == BRT_WS_DIM and not self.dimension:
                # calamine reads the first one's 16 bytes (and trusts nothing else from it).
                if end - start < 16:
                    raise _damaged_binary()
                self.dimension = True
            elif kind == BRT_END_SHEET_DATA:
                self._check()
        return used

    def _check(self) -> None:
        rows, cols = self.max_row + 1, self.max_col + 1
        if self.rows > self.limit + HEADER_SEARCH_ROWS or rows > 2 * self.limit + HEADER_SEARCH_ROWS:
            raise _refuse_rows(self.limit)
        if cols > MAX_COLUMNS or rows * cols > MAX_CELLS:
            raise _too_wide(rows * cols)


# ---------------------------------------------------------------- OLE2 (.xls)

BIFF_BOF, BIFF_EOF, BIFF_FILEPASS = 0x0809, 0x000A, 0x002F
BIFF_CELLS = {0x0006, 0x00FD, 0x0203, 0x027E, 0x0205, 0x0204, 0x00D6, 0x0201}
BIFF_MULTI = {0x00BD, 0x00BE}  # MULRK, MULBLANK: row, first column, …, last column


def _check_ole2(path: Path) -> SheetFile:
    import olefile

    with path.open("rb") as handle:
        if ENCRYPTED_STREAM in handle.read():
            # Both old .xls files and password-protected .xlsx files are OLE2 containers;
            # an encrypted workbook carries an "EncryptedPackage" stream.
            raise _password()
    damaged = SheetRefused(gettext("Not a valid .xls workbook (damaged?)"))
    try:
        ole = olefile.OleFileIO(str(path))
    except Exception:  # noqa: BLE001 (any failure of the OLE reader means a damaged file)
        raise damaged from None
    try:
        entries = ["/".join(e).lower() for e in ole.listdir(streams=True, storages=True)]
        if any(e.startswith(("_vba_project_cur", "macros", "_vba_project")) for e in entries):
            raise _macros()
        stream = "workbook" if "workbook" in entries else "book" if "book" in entries else None
        if stream is None:
            raise damaged
        if ole.get_size(stream) > max_bytes() * 2:
            raise _too_large()
        data = ole.openstream(stream).read()
    except SheetRefused:
        raise
    except Exception:  # noqa: BLE001 (any failure of the OLE reader means a damaged file)
        raise damaged from None
    finally:
        ole.close()
    _scan_biff(data)
    return SheetFile("xls")


BIFF_BOUNDSHEET, BIFF_SST, BIFF_DIMENSIONS = 0x0085, 0x00FC, 0x0200


def _damaged_xls() -> SheetRefused:
    return SheetRefused(gettext("Not a valid .xls workbook (damaged?)"))


def _biff_records(data: bytes, offset: int):
    """(type, body offset, length) of each record from `offset` to the stream's end."""
    size = len(data)
    unpack = struct.unpack_from
    while offset + 4 <= size:
        kind, length = unpack("<HH", data, offset)
        body = offset + 4
        offset = body + length
        if offset > size:  # a record running past the stream: nothing after it can be read
            raise _damaged_xls()
        yield kind, body, length


def _scan_biff(data: bytes) -> None:
    """Walk the BIFF stream as calamine does, refusing what it would trust to its cost.

    The workbook globals (up to their EOF): a password (FILEPASS), the sheets' positions
    (BOUNDSHEET) and the shared-string count (SST: calamine reserves that many strings up front,
    so a count the stream cannot hold would be an allocation that aborts the process). Then each
    sheet from its position, as calamine reads it: every cell record's row and column, and the
    DIMENSIONS record, from which calamine reserves rows × columns cells before reading one (a
    first row after the last wraps round to an allocation that aborts the process).
    """
    unpack = struct.unpack_from
    positions = []
    for kind, body, length in _biff_records(data, 0):
        if kind == BIFF_FILEPASS:
            raise _password()
        if kind == BIFF_BOUNDSHEET and length >= 4:
            positions.append(unpack("<I", data, body)[0])
        elif kind == BIFF_SST and length >= 8:
            (count,) = unpack("<i", data, body + 4)
            if count < 0 or count > len(data) // 3:  # every string takes at least 3 bytes
                raise _damaged_xls()
        elif kind == BIFF_EOF:
            break
    total = 0
    for position in positions:
        if position >= len(data):
            raise _damaged_xls()
        total += _biff_sheet_extent(data, position)
        if total > MAX_CELLS:
            raise _too_wide(total)


def _biff_sheet_extent(data: bytes, position: int) -> int:
    """Cells a sheet's grid spans (its first row and column to its last), or the cells its
    DIMENSIONS record has calamine reserve, whichever is more."""
    unpack = struct.unpack_from
    max_row = max_col = -1
    reserved = 0
    for kind, body, length in _biff_records(data, position):
        if kind in BIFF_CELLS:
            if length >= 4:
                row, col = unpack("<HH", data, body)
                if row > max_row:
                    max_row = row
                if col > max_col:
                    max_col = col
        elif kind in BIFF_MULTI:
            if length >= 6:
                row = unpack("<H", data, body)[0]
                last = unpack("<H", data, body + length - 2)[0]
                max_row = max(max_row, row)
                max_col = max(max_col, last)
        elif kind == BIFF_DIMENSIONS and length in (10, 14):
            if length == 14:
                first_row, last_row, first_col, last_col = unpack("<IIHH", data, body)
            else:
                first_row, last_row, first_col, last_col = unpack("<HHHH", data, body)
            # calamine: last row and column are one past the end; none at all means one cell.
            if last_row >= 1 and last_col >= 1:
                last_row, last_col = last_row - 1, last_col - 1
            else:
                last_row, last_col = first_row, first_col
            if first_row > last_row or first_col > last_col:
                raise _damaged_xls()
            reserved = max(reserved, (last_row - first_row + 1) * (last_col - first_col + 1))
        elif kind == BIFF_EOF:
            break
    spanned = (max_row + 1) * (max_col + 1) if max_row >= 0 else 0
    return max(spanned, reserved)
