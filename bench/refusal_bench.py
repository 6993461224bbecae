"""Benchmark: what refusing a crafted workbook costs (the tests bound memory and work, not time;
the times are kept here). Each file is built first, then `hr.sheets.safety.check_file` is timed
on it in this process; figures go to bench/results/latest.json.

    python bench/refusal_bench.py
"""

import io
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common


def _package(sheet: bytes | None = None, styles: bytes | None = None) -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    source = zipfile.ZipFile(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item)
            if sheet is not None and item.filename == "xl/worksheets/sheet1.xml":
                body = sheet
            if styles is not None and item.filename == "xl/styles.xml":
                body = styles
            target.writestr(item.filename, body)
    return out.getvalue()


def million_rows() -> bytes:
    """1,000,000 rows whose cells carry no references, under a dimension claiming A1:F2."""
    rows = "".join(f'<row r="{n}"><c><v>{n}</v></c></row>' for n in range(2, 1_000_002))
    return _package(sheet=('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                           'spreadsheetml/2006/main"><dimension ref="A1:F2"/><sheetData>'
                           '<row r="1"><c r="A1" t="inlineStr"><is><t>工号</t></is></c></row>'
                           f'{rows}</sheetData></worksheet>').encode())


def styles_bomb() -> bytes:
    """styles.xml inflating to ~50 MB at about 30:1."""
    count = 50 * 1024 * 1024 // 88
    xfs = "".join(f'<xf numFmtId="{i % 3}" fontId="0" fillId="0" borderId="0" xfId="{(i * 7919) % 600}" '
                  f'applyAlignment="1"/>' for i in range(count))
    return _package(styles=('<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.'
                            'openxmlformats.org/spreadsheetml/2006/main"><cellStyleXfs count="1">'
                            f'{xfs}</cellStyleXfs></styleSheet>').encode())


def far_cell() -> bytes:
    """A1 and XFD100000: a grid of 1.6 billion cells if laid out."""
    return _package(sheet=b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                          b'<sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="100000">'
                          b'<c r="XFD100000"><v>1</v></c></row></sheetData></worksheet>')


def _xlsb():
    sys.path.insert(0, str(common.ROOT))
    from tests.hr import xlsb

    return xlsb


def xlsb_million_rows() -> bytes:
    """An .xlsb of 1,000,000 rows (a row header and a number each) whose BrtWsDim says A1:F2."""
    import struct

    xlsb = _xlsb()
    sheet = xlsb.XlsbSheet()
    sheet.append(["工号"])
    rows = bytearray()
    for n in range(1, 1_000_001):
        rows += xlsb.record(xlsb.ROW_HDR, struct.pack("<IIHBHI", n, 0, 300, 0, 0, 0))
        rows += xlsb.record(xlsb.CELL_RK, xlsb.cell(0) + struct.pack("<i", (n << 2) | 2))
    sheet.rows.write(rows)
    sheet.dimension = (0, 1, 0, 5)
    return _xlsb_bytes(sheet)


def xlsb_far_cell() -> bytes:
    """An .xlsb with A1 and XFD100000."""
    import struct

    xlsb = _xlsb()
    sheet = xlsb.XlsbSheet()
    sheet.append([1])
    sheet.rows.write(xlsb.record(xlsb.ROW_HDR, struct.pack("<IIHBHI", 99_999, 0, 300, 0, 0, 0))
                     + xlsb.record(xlsb.CELL_RK, xlsb.cell(16_383) + struct.pack("<i", 6)))
    return _xlsb_bytes(sheet)


def _xlsb_bytes(sheet) -> bytes:
    path = Path(tempfile.mkdtemp()) / "built.xlsb"
    return _xlsb().save(sheet, path).read_bytes()


CASES = [("refuse_million_rows_lying_dimension", million_rows, 1_000_000, ".xlsx"),
         ("refuse_styles_bomb_50mb", styles_bomb, 50, ".xlsx"),
         ("refuse_cell_at_xfd100000", far_cell, 2, ".xlsx"),
         ("refuse_xlsb_million_rows_lying_dimension", xlsb_million_rows, 1_000_000, ".xlsb"),
         ("refuse_xlsb_cell_at_xfd100000", xlsb_far_cell, 2, ".xlsb")]


def main() -> None:
    common.django_setup(common.base_db())
    from hr.sheets.errors import SheetRefused
    from hr.sheets.safety import check_file

    entries = []
    folder = Path(tempfile.mkdtemp())
    for name, build, rows, suffix in CASES:
        path = folder / f"{name}{suffix}"
        path.write_bytes(build())
        before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        try:
            check_file(path)
            outcome = "accepted"
        except SheetRefused as exc:
            outcome = exc.message
        after = resource.getrusage(resource.RUSAGE_SELF)
        entry = {"name": name, "rows": rows, "seconds": round(time.perf_counter() - started, 3),
                 "cpu_seconds": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 3),
                 "peak_mb": round((after.ru_maxrss - before.ru_maxrss) / 1024, 1),
                 "file_mb": round(path.stat().st_size / 1024 / 1024, 2), "outcome": outcome}
        entries.append(entry)
        print(f"{name:<40} {entry['seconds']:6.3f} s  {entry['cpu_seconds']:6.3f} s CPU  {outcome}")
    common.save(entries)


if __name__ == "__main__":
    main()
