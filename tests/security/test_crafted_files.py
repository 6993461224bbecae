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

from hr.imports import IMPORTERS
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
    except Exception as exc:  # noqa: BLE001 - the outcome under test
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
