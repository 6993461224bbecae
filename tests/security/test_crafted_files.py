"""Crafted files against the import path: each is refused (or handled) with a clear message,
nothing is written, and the work stays inside stated bounds of memory and of work done.

Bounds hold on a loaded machine: PEAK_MB of Python allocations (tracemalloc) per file, and for
the files refused before parsing, that the parser (calamine) was never called. Times are only
printed; the measured figures are in docs/security.md and bench/.
"""

import io
import struct
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.utils import translation
from openpyxl import Workbook

from hr.imports.registry import IMPORTERS
from hr.sheets import reading
from hr.sheets.errors import SheetRefused
from hr.sheets.normalise import clean_text
from people.models import Teacher
from tests.factories import district_hr

PEAK_MB = 100
HEADER = ["工号", "姓名", "性别", "学校代码", "岗位", "入职日期"]


@pytest.fixture
def hr(tree):
    return district_hr(tree["district_x"])


def measured(call):
    """Run `call`; return (its result or the exception it raised, CPU seconds, peak MB)."""
    tracemalloc.start()
    start = time.process_time()
    try:
        outcome = call()
    except Exception as exc:
        outcome = exc
    seconds = time.process_time() - start
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return outcome, seconds, peak / 1024 / 1024


def preview(path, user):
    return IMPORTERS["teachers"].plan(path=path, user=user)


def roster_bytes(rows) -> bytes:
    workbook = Workbook()
    for row in [HEADER, *rows]:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_member(data: bytes, name: str, body: bytes) -> bytes:
    """The same package with one member replaced."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, body if item.filename == name else source.read(item))
    return out.getvalue()


@pytest.fixture
def parser_calls(monkeypatch):
    """Every time the workbook parser is asked to open a file (a refusal before it counts none)."""
    calls = []
    original = reading.CalamineWorkbook.from_path

    class Spy:
        @staticmethod
        def from_path(path, *args, **kwargs):
            calls.append(path)
            return original(path, *args, **kwargs)

    monkeypatch.setattr(reading, "CalamineWorkbook", Spy)
    return calls


def refused(tmp_path, data: bytes, user, expect: str, name: str = "crafted.xlsx"):
    path = Path(tmp_path) / name
    path.write_bytes(data)
    before = Teacher.objects.count()
    # Read in English: the reasons below are matched by their English words.
    with translation.override("en"):
        outcome, seconds, peak = measured(lambda: preview(path, user))
    assert isinstance(outcome, SheetRefused), outcome
    assert expect.lower() in outcome.message.lower()
    assert Teacher.objects.count() == before
    assert peak < PEAK_MB, peak
    print(f"refused in {seconds:.2f} s CPU, peak {peak:.1f} MB")
    return outcome


def test_a_zip_bomb_is_refused_from_the_directory_before_parsing(tmp_path, hr):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("[Content_Types].xml", "<Types/>")
        bomb.writestr("xl/workbook.xml", "<workbook/>")
        # 60 MB of zeros deflate to about 60 KB: 1:1000.
        bomb.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    refused(tmp_path, out.getvalue(), hr, "uncompressed")


def test_a_package_of_too_many_entries_is_refused(tmp_path, hr):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        for n in range(1200):
            package.writestr(f"xl/media/{n}.bin", b"x")
    refused(tmp_path, out.getvalue(), hr, "too many entries")


def test_billion_laughs_is_refused_not_expanded(tmp_path, hr):
    lol = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>"""
    data = with_member(roster_bytes([]), "xl/worksheets/sheet1.xml", lol)
    refused(tmp_path, data, hr, "unsafe")


def test_an_external_entity_is_refused_not_fetched(tmp_path, hr):
    xxe = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&secret;</t></is></c></row></sheetData></worksheet>"""
    data = with_member(roster_bytes([]), "xl/worksheets/sheet1.xml", xxe)
    refused(tmp_path, data, hr, "unsafe")


def test_a_million_rows_are_refused_before_parsing_even_when_the_dimension_lies(tmp_path, hr, parser_calls):
    # Cells without their optional references: 36 MB of XML, under the 50 MB member limit.
    rows = "".join(f'<row r="{n}"><c><v>{n}</v></c></row>' for n in range(2, 1_000_002))
    sheet = ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             'spreadsheetml/2006/main"><dimension ref="A1:F2"/><sheetData>'
             '<row r="1"><c r="A1" t="inlineStr"><is><t>工号</t></is></c>'
             '<c r="B1" t="inlineStr"><is><t>姓名</t></is></c>'
             '<c r="C1" t="inlineStr"><is><t>学校代码</t></is></c>'
             '<c r="D1" t="inlineStr"><is><t>岗位</t></is></c></row>'
             f'{rows}</sheetData></worksheet>').encode()
    data = with_member(roster_bytes([]), "xl/worksheets/sheet1.xml", sheet)
    # The rows are counted from the XML before any parser runs: refused at the 200,000-row
    # limit with the parser never called, so the cost is a scan, not an import.
    refused(tmp_path, data, hr, "more than 200000 rows")
    assert parser_calls == []


def test_sixteen_thousand_columns_are_read_within_bounds(tmp_path, hr, tree):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER + [f"多余{n}" for n in range(16_384 - len(HEADER))])
    sheet.append(["C0001", "王芳", "女", tree["school_a"].code, "班主任", "2020-09-01"]
                 + ["x"] * (16_384 - len(HEADER)))
    path = Path(tmp_path) / "wide.xlsx"
    workbook.save(path)
    outcome, _seconds, peak = measured(lambda: preview(path, hr))
    assert not isinstance(outcome, Exception), outcome
    assert len(outcome.creates) == 1 and not outcome.errors
    assert peak < PEAK_MB, peak


def test_a_32767_character_cell_is_a_row_error_not_a_crash(tmp_path, hr, tree):
    path = Path(tmp_path) / "long.xlsx"
    path.write_bytes(roster_bytes([["C0001", "王" * 32_767, "女", tree["school_a"].code, "班主任",
                                    "2020-09-01"]]))
    outcome, _seconds, peak = measured(lambda: preview(path, hr))
    assert not isinstance(outcome, Exception), outcome
    [error] = outcome.errors
    assert error.row == 2 and "姓名" in error.column
    assert peak < PEAK_MB, peak


def test_control_and_right_to_left_override_characters_are_dropped(tmp_path, hr, tree):
    path = Path(tmp_path) / "bidi.xlsx"
    path.write_bytes(roster_bytes([["C\u200b0\u202d01", "王\u202e芳", "女",
                                    tree["school_a"].code, "班主任", "2020-09-01"]]))
    plan = preview(path, hr)
    assert not plan.errors
    [row] = plan.creates
    assert row["employee_no"] == "C001" and row["name"] == "王芳"
    assert clean_text("王\x07芳\x00\x1b[31m") == "王芳[31m"


def test_a_csv_renamed_xlsx_and_a_macro_workbook_are_refused(tmp_path, hr):
    refused(tmp_path, "工号,姓名\nC0001,王芳\n".encode(), hr, "CSV")
    macro = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(roster_bytes([]))) as source, \
            zipfile.ZipFile(macro, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, source.read(item))
        target.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")
    refused(tmp_path, macro.getvalue(), hr, "macro")


def styles_bomb(rows: int = 50, megabytes: int = 50) -> bytes:
    """A real roster whose xl/styles.xml inflates to ~50 MB (about 1.6 MB on disk, 30:1): under
    the old 50 MB member limit and the 100:1 ratio, so only a per-part limit stops it."""
    data = roster_bytes([[f"C{i:04d}", f"教师{i}", "女", "S1", "班主任", "2020-09-01"] for i in range(rows)])
    count = megabytes * 1024 * 1024 // 88
    xfs = "".join(f'<xf numFmtId="{i % 3}" fontId="0" fillId="0" borderId="0" xfId="{(i * 7919) % 600}" '
                  f'applyAlignment="1"/>' for i in range(count))
    styles = ('<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/'
              'spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/></font></fonts>'
              '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
              f'<borders count="1"><border/></borders><cellStyleXfs count="{count}">{xfs}</cellStyleXfs>'
              '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
              '</styleSheet>').encode()
    return with_member(data, "xl/styles.xml", styles)


def test_a_styles_part_inflating_to_50_mb_is_refused_before_parsing(tmp_path, hr, parser_calls):
    data = styles_bomb()
    assert len(data) < 2 * 1024 * 1024
    refused(tmp_path, data, hr, "too large once uncompressed")
    assert parser_calls == []


def test_a_part_that_inflates_past_its_declared_size_is_refused(tmp_path, hr, parser_calls):
    """The directory says 2 KB; the data inflates to 5 MB. We inflate it ourselves and stop at
    the lie, whatever the parser would have done."""
    data = bytearray(with_member(roster_bytes([]), "xl/worksheets/sheet1.xml", b" " * (5 * 1024 * 1024)))
    name = b"xl/worksheets/sheet1.xml"
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at:name_at + len(name)] == name:
                struct.pack_into("<I", data, start + size_at, 2048)
            start += 4
    refused(tmp_path, bytes(data), hr, "damaged")
    assert parser_calls == []


def _with_macro(*, relationship: bool, content_type: bool) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(roster_bytes([])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item)
            if relationship and item.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.'
                                    b'microsoft.com/office/2006/relationships/vbaProject" '
                                    b'Target="macros.bin"/></Relationships>')
            if content_type and item.filename == "[Content_Types].xml":
                body = body.replace(b"</Types>", b'<Override PartName="/xl/macros.bin" ContentType='
                                    b'"application/vnd.ms-office.vbaProject"/></Types>')
            target.writestr(item.filename, body)
        target.writestr("xl/macros.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    return out.getvalue()


@pytest.mark.parametrize(("relationship", "content_type"), [(True, False), (False, True), (True, True)])
def test_a_macro_part_is_known_by_its_relationship_or_content_type_not_its_name(
        tmp_path, hr, parser_calls, relationship, content_type):
    refused(tmp_path, _with_macro(relationship=relationship, content_type=content_type), hr, "macro")
    assert parser_calls == []


def test_one_cell_far_away_is_refused_before_the_parser_lays_out_a_grid(tmp_path, hr, parser_calls):
    """calamine holds a sheet as a dense grid from its first to its last cell: A1 and XFD100000
    would be 1.6 billion cells, and the allocation failure aborts the whole worker process."""
    sheet = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>\xe5\xb7\xa5\xe5\x8f\xb7</t></is></c>'
             b'<c r="B1" t="inlineStr"><is><t>name</t></is></c></row>'
             b'<row r="100000"><c r="XFD100000"><v>1</v></c></row></sheetData></worksheet>')
    refused(tmp_path, with_member(roster_bytes([]), "xl/worksheets/sheet1.xml", sheet), hr, "too many cells")
    assert parser_calls == []


# ---------------------------------------------------------------- .xlsb (binary workbooks)

def _xlsb_roster(tree, rows: int = 3):
    from tests.hr import xlsb

    sheet = xlsb.XlsbSheet()
    sheet.append(HEADER)
    for i in range(rows):
        sheet.append([f"C{i:04d}", f"教师{i}", "女", tree["school_a"].code, "班主任", "2020-09-01"])
    return sheet


def _xlsb_bytes(sheet, tmp_path, **options) -> bytes:
    from tests.hr import xlsb

    return xlsb.save(sheet, Path(tmp_path) / "built.xlsb", **options).read_bytes()


def test_a_plain_xlsb_is_read_although_excel_declares_it_macro_capable(tmp_path, hr, tree):
    """Every .xlsb's workbook part is typed ...binary.macroEnabled.main by Excel: that alone is no
    macro; the roster is read."""
    path = Path(tmp_path) / "名册.xlsb"
    path.write_bytes(_xlsb_bytes(_xlsb_roster(tree), tmp_path))
    plan = preview(path, hr)
    assert len(plan.creates) == 3 and not plan.errors


@pytest.mark.parametrize("how", ["part", "relationship", "content type"])
def test_a_macro_enabled_xlsb_is_refused_before_parsing(tmp_path, hr, tree, parser_calls, how):
    from tests.hr import xlsb

    extra = {"xl/vbaProject.bin" if how == "part" else "xl/code.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512}
    options = {"extra": extra}
    if how == "relationship":
        options["workbook_rels"] = xlsb.WORKBOOK_RELS.replace(
            "</Relationships>", '<Relationship Id="rId9" Type="http://schemas.microsoft.com/office/2006/'
                                'relationships/vbaProject" Target="code.bin"/></Relationships>')
    if how == "content type":
        options["content_types"] = xlsb.CONTENT_TYPES.replace(
            "</Types>", '<Override PartName="/xl/code.bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                        "</Types>")
    refused(tmp_path, _xlsb_bytes(_xlsb_roster(tree), tmp_path, **options), hr, "macro", name="m.xlsb")
    assert parser_calls == []


def test_a_password_protected_xlsb_is_refused_before_parsing(tmp_path, hr, parser_calls):
    """Excel encrypts an .xlsb as it does an .xlsx: an OLE2 (CFB) container holding the
    EncryptedInfo and EncryptedPackage streams, which is what is looked for."""
    import olefile

    data = _encrypted_container()
    assert olefile.isOleFile(io.BytesIO(data))
    refused(tmp_path, data, hr, "password", name="locked.xlsb")
    assert parser_calls == []


def _encrypted_container() -> bytes:
    """A minimal compound file (version 3, 512-byte sectors) whose directory names the two
    streams of an encrypted Office package; their contents do not matter to the check."""
    sector = 512
    free, end_of_chain, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = bytearray(sector)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 40, 0, 1, 1, 0, 0x1000, end_of_chain, 0, end_of_chain)
    struct.pack_into("<I", header, 72, 0)
    struct.pack_into("<I", header, 76, 0)  # the first DIFAT entry: the FAT is sector 0
    for i in range(1, 109):
        struct.pack_into("<I", header, 76 + 4 * i, free)
    fat = bytearray(sector)
    struct.pack_into("<III", fat, 0, fat_sector, end_of_chain, end_of_chain)
    for i in range(3, sector // 4):
        struct.pack_into("<I", fat, 4 * i, free)

    def entry(name: str, kind: int, child=free, right=free, start=end_of_chain, size=0) -> bytes:
        raw = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\0\0"
        raw[0:len(encoded)] = encoded
        struct.pack_into("<HBB", raw, 64, len(encoded), kind, 1)
        struct.pack_into("<III", raw, 68, free, right, child)
        struct.pack_into("<II", raw, 116, start, size)
        return bytes(raw)

    directory = (entry("Root Entry", 5, child=1) + entry("EncryptedInfo", 2, right=2, start=2, size=0)
                 + entry("EncryptedPackage", 2) + bytes(128))
    return bytes(header) + bytes(fat) + directory + bytes(sector)


def test_a_million_row_xlsb_is_refused_before_parsing_whatever_its_dimension_says(tmp_path, hr, tree,
                                                                                   parser_calls):
    """BrtWsDim says A1:F4; the records hold 1,000,000 rows. They are counted from the records
    (row headers and cells) before the parser runs, and the count stops at the limit."""
    from tests.hr import xlsb

    sheet = _xlsb_roster(tree)
    rows = bytearray()
    for n in range(4, 1_000_004):
        rows += xlsb.record(xlsb.ROW_HDR, struct.pack("<IIHBHI", n, 0, 300, 0, 0, 0))
        rows += xlsb.record(xlsb.CELL_RK, xlsb.cell(0) + struct.pack("<i", (n << 2) | 2))
    sheet.rows.write(rows)
    sheet.dimension = (0, 3, 0, 5)
    data = _xlsb_bytes(sheet, tmp_path)
    assert len(data) < 10 * 1024 * 1024
    refused(tmp_path, data, hr, "more than 200000 rows", name="million.xlsb")
    assert parser_calls == []


def test_one_xlsb_cell_far_away_is_refused_before_the_parser_lays_out_a_grid(tmp_path, hr, tree, parser_calls):
    from tests.hr import xlsb

    sheet = _xlsb_roster(tree)
    sheet.rows.write(xlsb.record(xlsb.ROW_HDR, struct.pack("<IIHBHI", 99_999, 0, 300, 0, 0, 0))
                     + xlsb.record(xlsb.CELL_RK, xlsb.cell(16_383) + struct.pack("<i", 6)))
    refused(tmp_path, _xlsb_bytes(sheet, tmp_path), hr, "too many cells", name="far.xlsb")
    assert parser_calls == []


@pytest.mark.parametrize("record", ["string index past the table", "cell cut short", "sheet without dimension"])
def test_an_xlsb_record_the_parser_would_trust_is_refused_not_a_crashed_worker(tmp_path, hr, tree,
                                                                                parser_calls, record):
    """calamine indexes its string table and reads cell bodies without checking them: a panic in
    Rust. Such records are found first, and the file is refused as damaged."""
    from tests.hr import xlsb

    sheet = _xlsb_roster(tree)
    data = None
    if record == "string index past the table":
        sheet.rows.write(xlsb.record(xlsb.CELL_ISST, xlsb.cell(6) + struct.pack("<I", 999)))
    elif record == "cell cut short":
        sheet.rows.write(xlsb.record(xlsb.CELL_REAL, xlsb.cell(6)))
    else:
        body = sheet.sheet_bin()
        dim = xlsb.record(xlsb.WS_DIM, struct.pack("<IIII", 0, 3, 0, 5))
        data = _xlsb_bytes(sheet, tmp_path, extra={"xl/worksheets/sheet1.bin": body.replace(dim, b"")})
    refused(tmp_path, data or _xlsb_bytes(sheet, tmp_path), hr, "damaged", name="bad.xlsb")
    assert parser_calls == []


def _xlsx_with_a_number_formatted(value: float, number_format: str) -> bytes:
    workbook = Workbook()
    for row in [HEADER, ["C0001", "王芳", "女", "S1", "班主任", value]]:
        workbook.active.append(row)
    workbook.active["F2"].number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsb_with_a_number_formatted(tmp_path, value: float, style: str) -> bytes:
    from tests.hr import xlsb

    sheet = xlsb.XlsbSheet()
    sheet.append(HEADER)
    sheet.append(["C0001", "王芳", "女", "S1", "班主任"])
    sheet.rows.write(xlsb.record(xlsb.CELL_REAL, xlsb.cell(5, getattr(xlsb, style)) + struct.pack("<d", value)))
    return _xlsb_bytes(sheet, tmp_path)


@pytest.mark.parametrize(("kind", "value", "form", "expect"), [
    ("xlsx", -1e20, "yyyy-mm-dd", "damaged"),
    ("xlsx", 1e9, "[h]:mm:ss", "cannot be opened"),
    ("xlsb", -1e20, "DATE_STYLE", "damaged"),
    ("xlsb", 1e20, "DURATION_STYLE", "cannot be opened"),
])
def test_a_date_or_duration_no_calendar_holds_is_refused_not_a_crashed_worker(tmp_path, hr, kind, value,
                                                                                 form, expect):
    """calamine turns a date cell of -1e20 days into a Rust panic (a BaseException that would
    take the worker's task down) and a duration of a billion days into an OverflowError: both are
    refusals of the file, with nothing written."""
    data = (_xlsx_with_a_number_formatted(value, form) if kind == "xlsx"
            else _xlsb_with_a_number_formatted(tmp_path, value, form))
    refused(tmp_path, data, hr, expect, name=f"dates.{kind}")


def _xls_roster(tree) -> bytearray:
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("名册")
    for r, row in enumerate([HEADER, ["C0001", "王芳", "女", tree["school_a"].code, "班主任", "2020-09-01"]]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return bytearray(buffer.getvalue())


def _patch_record(data: bytearray, kind: int, length: int, at: int, value: bytes) -> bytes:
    """Overwrite bytes of the one record of this type and length (xlwt lays the stream out in
    one piece, so the record's bytes stand in the file as they stand in the stream)."""
    head = struct.pack("<HH", kind, length)
    assert data.count(head) == 1
    start = data.index(head) + 4 + at
    data[start:start + len(value)] = value
    return bytes(data)


def test_an_xls_whose_dimensions_run_backwards_is_refused_before_the_parser_reserves_for_them(
        tmp_path, hr, tree, parser_calls):
    """calamine reserves (last row − first row + 1) × columns cells from the DIMENSIONS record
    before reading a cell: a first row after the last wraps round to a terabyte, and the failed
    allocation aborts the whole worker process (found by mutating a roster's bytes)."""
    data = _patch_record(_xls_roster(tree), 0x0200, 14, 0, struct.pack("<I", 56832))
    refused(tmp_path, data, hr, "not a valid .xls", name="backwards.xls")
    assert parser_calls == []


def test_an_xls_claiming_two_billion_shared_strings_is_refused_before_the_parser_reserves_them(
        tmp_path, hr, tree, parser_calls):
    data = _xls_roster(tree)
    head = data.index(b"\xfc\x00")  # SST: total count, unique count, then the strings
    data[head + 8:head + 12] = struct.pack("<i", 2**31 - 1)
    refused(tmp_path, bytes(data), hr, "not a valid .xls", name="strings.xls")
    assert parser_calls == []
