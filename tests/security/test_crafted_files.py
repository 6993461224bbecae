"""Crafted files against the import path: each is refused (or handled) with a clear message,
nothing is written, and the work stays inside stated bounds of CPU time and memory.

Bounds (generous for a busy 2-CPU machine; the measured figures are in docs/security.md):
CPU_SECONDS of process time and PEAK_MB of Python allocations (tracemalloc) per file.
"""

import io
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from hr.imports import IMPORTERS
from hr.sheets.errors import SheetRefused
from hr.sheets.normalise import clean_text
from people.models import Teacher
from tests.factories import district_hr

CPU_SECONDS = 30
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


def refused(tmp_path, data: bytes, user, expect: str):
    path = Path(tmp_path) / "crafted.xlsx"
    path.write_bytes(data)
    before = Teacher.objects.count()
    outcome, seconds, peak = measured(lambda: preview(path, user))
    assert isinstance(outcome, SheetRefused), outcome
    assert expect in outcome.message
    assert Teacher.objects.count() == before
    assert seconds < CPU_SECONDS and peak < PEAK_MB, (seconds, peak)
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


def test_a_million_rows_are_refused_while_streaming_even_when_the_dimension_lies(tmp_path, hr):
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
    # Every junk row is a row error until the limit, but only the first ones are kept: the
    # default limit of 200,000 rows stays inside the bounds.
    refused(tmp_path, data, hr, "more than 200000 rows")


def test_sixteen_thousand_columns_are_read_within_bounds(tmp_path, hr, tree):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER + [f"多余{n}" for n in range(16_384 - len(HEADER))])
    sheet.append(["C0001", "王芳", "女", tree["school_a"].code, "班主任", "2020-09-01"]
                 + ["x"] * (16_384 - len(HEADER)))
    path = Path(tmp_path) / "wide.xlsx"
    workbook.save(path)
    outcome, seconds, peak = measured(lambda: preview(path, hr))
    assert not isinstance(outcome, Exception), outcome
    assert len(outcome.creates) == 1 and not outcome.errors
    assert seconds < CPU_SECONDS and peak < PEAK_MB, (seconds, peak)


def test_a_32767_character_cell_is_a_row_error_not_a_crash(tmp_path, hr, tree):
    path = Path(tmp_path) / "long.xlsx"
    path.write_bytes(roster_bytes([["C0001", "王" * 32_767, "女", tree["school_a"].code, "班主任",
                                    "2020-09-01"]]))
    outcome, seconds, peak = measured(lambda: preview(path, hr))
    assert not isinstance(outcome, Exception), outcome
    [error] = outcome.errors
    assert error.row == 2 and "姓名" in error.column
    assert seconds < CPU_SECONDS and peak < PEAK_MB, (seconds, peak)


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
