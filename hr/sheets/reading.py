"""Open an uploaded workbook safely: refuse bad files before parsing, then stream its rows."""

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from xml.etree.ElementTree import ParseError

import openpyxl
from defusedxml import DefusedXmlException
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from .columns import ALIASES, HEADERS, SheetSpec, header_key
from .errors import RowError, SheetRefused, bilingual

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
MB = 1024 * 1024
MAX_MEMBER_BYTES = 50 * MB
MAX_TOTAL_BYTES = 200 * MB
MAX_MEMBERS = 1000
MAX_RATIO = 100
# Tiny members (styles, a one-row sheet) compress absurdly well without being bombs.
RATIO_FLOOR_BYTES = 1 * MB
HEADER_SEARCH_ROWS = 10


def max_bytes() -> int:
    return getattr(settings, "HR_IMPORT_MAX_BYTES", 20 * MB)


def max_rows() -> int:
    return getattr(settings, "HR_IMPORT_MAX_ROWS", 200_000)


def check_file(path: str | Path) -> None:
    """Refuse, before any XML is parsed, a file that is not a plain, sane .xlsx workbook."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise SheetRefused("文件是空的", "the file is empty")
    if size > max_bytes():
        raise SheetRefused(f"文件超过 {max_bytes() // MB} MB 上限",
                           f"the file is larger than the {max_bytes() // MB} MB limit")
    with path.open("rb") as handle:
        head = handle.read(8)
        if head == OLE2_MAGIC:
            # Both old .xls files and password-protected .xlsx files are OLE2 containers;
            # an encrypted workbook carries an "EncryptedPackage" stream.
            if ENCRYPTED_STREAM in handle.read():
                raise SheetRefused("文件设有密码，请取消密码后另存为 .xlsx 再上传",
                                   "the file is password-protected: remove the password and save as .xlsx")
            raise SheetRefused("这是旧版 .xls 文件，请另存为 .xlsx 再上传",
                               "this is an old .xls file: save it as .xlsx")
    if not zipfile.is_zipfile(path):
        raise SheetRefused("不是 Excel .xlsx 文件（例如改了扩展名的 CSV）",
                           "not an Excel .xlsx file (for example a CSV renamed .xlsx)")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
            content_types = (archive.read("[Content_Types].xml")
                             if "[Content_Types].xml" in names else b"")
    except (zipfile.BadZipFile, OSError):
        raise SheetRefused("文件已损坏，无法打开", "the file is damaged") from None
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise SheetRefused("不是 Excel .xlsx 文件", "not an Excel .xlsx file")
    if "xl/vbaProject.bin" in names or b"macroEnabled" in content_types:
        raise SheetRefused("含宏的工作簿（.xlsm）不予接收，请另存为 .xlsx",
                           "macro-enabled workbooks (.xlsm) are refused: save as .xlsx")
    if len(members) > MAX_MEMBERS:
        raise SheetRefused("文件结构异常（条目过多）", "abnormal file: too many entries")
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > MAX_MEMBER_BYTES:
            raise SheetRefused("文件解压后过大", "the file is too large once uncompressed")
        if (member.file_size > RATIO_FLOOR_BYTES
                and member.file_size > MAX_RATIO * max(member.compress_size, 1)):
            raise SheetRefused("文件压缩比异常", "abnormal compression ratio")
    if total > MAX_TOTAL_BYTES:
        raise SheetRefused("文件解压后过大", "the file is too large once uncompressed")


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
    index: dict[str, int]  # key -> 0-based column index
    headers: dict[str, str]  # key -> the header text as written in the file

    def column_name(self, key: str) -> str:
        """"入职日期 (F)": the header as written, with its column letter."""
        return f"{self.headers[key]} ({get_column_letter(self.index[key] + 1)})"


@dataclass
class SheetRow:
    """One data row: its row number in Excel and the raw values by column key."""

    number: int
    values: dict
    formula_errors: list[RowError]


def _find_layout(rows: list[tuple], spec: SheetSpec) -> SheetLayout:
    for number, cells in enumerate(rows, start=1):
        index, headers = {}, {}
        for position, cell in enumerate(cells):
            key = _match_header(cell.value if cell is not None else None)
            if key and key not in index:
                index[key] = position
                headers[key] = str(cell.value).strip()
        if len(index) >= 2:
            missing = [k for k in spec.required if k not in index]
            if missing:
                names = "、".join(HEADERS[k][0] for k in missing)
                names_en = ", ".join(HEADERS[k][1] for k in missing)
                raise SheetRefused(f"缺少必需的列：{names}", f"missing required columns: {names_en}")
            return SheetLayout(number, {k: v for k, v in index.items() if k in spec.keys},
                               {k: v for k, v in headers.items() if k in spec.keys})
    raise SheetRefused(f"前 {HEADER_SEARCH_ROWS} 行中找不到表头（如 工号、姓名）",
                       f"no header row (e.g. 工号/employee_no, 姓名/name) in the first {HEADER_SEARCH_ROWS} rows")


# openpyxl parses with defusedxml when it is installed (a pinned requirement): entity expansion
# ("billion laughs") and external entities raise instead of being expanded or fetched.
if not openpyxl.DEFUSEDXML:
    raise ImproperlyConfigured("defusedxml must be installed: openpyxl would expand XML entities")

UNSAFE_XML = (DefusedXmlException, ParseError)


def _refuse_unsafe_xml() -> SheetRefused:
    return SheetRefused("文件含有不安全或损坏的 XML 内容，未读取", "the file holds unsafe or broken XML: not read")


def _guarded(rows: Iterator) -> Iterator:
    """Rows of a read-only sheet, which parses lazily: unsafe XML deep inside is refused too."""
    try:
        yield from rows
    except UNSAFE_XML:
        raise _refuse_unsafe_xml() from None


@contextmanager
def open_sheet(path: str | Path, spec: SheetSpec) -> Iterator[tuple[SheetLayout, Iterator[SheetRow]]]:
    """Check the file, find the header row and yield its layout and a stream of data rows.

    Read-only mode keeps memory flat; data_only=False so that formulas are seen as formulas
    (and refused) instead of as the cached result someone else's Excel computed.
    """
    check_file(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except UNSAFE_XML:
        raise _refuse_unsafe_xml() from None
    except Exception as exc:
        cause = exc
        while cause is not None:  # openpyxl wraps the parser's error in its own
            if isinstance(cause, UNSAFE_XML):
                raise _refuse_unsafe_xml() from None
            cause = cause.__cause__ or cause.__context__  # openpyxl raises many kinds on a broken package
        raise SheetRefused("文件无法作为 Excel 工作簿打开", f"the file cannot be opened as a workbook: {exc}") from None
    try:
        sheet = workbook.worksheets[0]
        limit = max_rows()
        if sheet.max_row and sheet.max_row > limit + HEADER_SEARCH_ROWS:
            raise SheetRefused(f"行数超过 {limit} 行上限", f"more than {limit} rows")
        # The dimension a file declares may be wrong (other tools write A1:F2 for a thousand
        # rows); read-only mode would stop there and drop rows silently. Read every row and
        # count them while streaming instead.
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()
        row_iter = _guarded(sheet.iter_rows())
        head = []
        for cells in row_iter:
            head.append(cells)
            if len(head) == HEADER_SEARCH_ROWS:
                break
        if not head:
            raise SheetRefused("工作表是空的", "the worksheet is empty")
        layout = _find_layout(head, spec)
        yield layout, _data_rows(head[layout.header_row:], row_iter, layout, limit)
    finally:
        workbook.close()


def _data_rows(buffered, row_iter, layout: SheetLayout, limit: int) -> Iterator[SheetRow]:
    import itertools

    number = layout.header_row
    seen = 0
    for cells in itertools.chain(buffered, row_iter):
        number += 1
        values, formula_errors = {}, []
        for key, position in layout.index.items():
            cell = cells[position] if position < len(cells) else None
            value = getattr(cell, "value", None)
            if getattr(cell, "data_type", None) == "f" or (
                    isinstance(value, str) and value.startswith("=") and cell.data_type == "f"):
                coordinate = f"{get_column_letter(position + 1)}{number}"
                formula_errors.append(RowError(
                    number, layout.column_name(key), str(value)[:60],
                    bilingual(f"单元格 {coordinate} 是公式，请粘贴为数值",
                              f"cell {coordinate} holds a formula: paste values only")))
                value = None
            if isinstance(value, str) and not value.strip():
                value = None
            values[key] = value
        if all(v is None for v in values.values()) and not formula_errors:
            continue
        seen += 1
        if seen > limit:
            raise SheetRefused(f"行数超过 {limit} 行上限", f"more than {limit} rows")
        yield SheetRow(number, values, formula_errors)
