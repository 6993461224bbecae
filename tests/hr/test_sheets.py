"""The openpyxl plumbing: values taken as people write them, bad files refused before parsing."""

import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from hr.sheets.columns import TEACHERS
from hr.sheets.errors import CellError, SheetRefused
from hr.sheets.normalise import clean_code, clean_text, parse_date, parse_gender, parse_hours, parse_level, parse_role
from hr.sheets.reading import check_file, open_sheet
from hr.sheets.writing import Column, write_table

from .builders import encrypted_xlsx, xlsx


@pytest.mark.parametrize("value", [
    date(2023, 6, 19), datetime(2023, 6, 19, 0, 0), "2023-06-19", "2023/6/19", "2023年6月19日",
    " 2023 年 6 月 19 日 ", "２０２３－０６－１９", "2023.6.19", "20230619", 45096,
])
def test_dates_are_taken_as_people_write_them(value):
    assert parse_date(value) == date(2023, 6, 19)


@pytest.mark.parametrize("value", ["2023-13-01", "June 2023", "19/06/2023", "2023-02-30"])
def test_unreadable_dates_are_refused_with_a_reason(value):
    with pytest.raises(CellError) as caught:
        parse_date(value)
    assert "日期" in caught.value.reason and "(" not in caught.value.reason  # one language


@pytest.mark.parametrize("value", ["C", "c", "C证", "C级", " Ｃ 证 ", "c级证书"])
def test_levels(value):
    assert parse_level(value, codes=("C", "B", "A")) == "C"


def test_unknown_level_refused():
    with pytest.raises(CellError) as caught:
        parse_level("D证", codes=("C", "B", "A", "A+"))
    assert caught.value.reason == "证书等级应为 A+、A、B 或 C"
    assert parse_level("a+级证书", codes=("C", "B", "A", "A+")) == "A+"


@pytest.mark.django_db
def test_levels_are_the_databases():
    """Without codes given, the levels are those city HR keep (the default C, B and A here)."""
    assert parse_level("b证") == "B"
    with pytest.raises(CellError) as caught:
        parse_level("A+")
    assert caught.value.reason == "证书等级应为 A、B 或 C"


@pytest.mark.parametrize(("value", "code"), [("男", "M"), ("女", "F"), ("m", "M"), ("F", "F"),
                                             ("Female", "F")])
def test_genders(value, code):
    assert parse_gender(value) == code


@pytest.mark.parametrize(("value", "code"), [
    ("任课教师", "subject_teacher"), ("班主任", "head_teacher"),
    ("专职心理教师", "full_time_counsellor"), ("兼职心理教师", "part_time_counsellor"),
    ("分管校长", "school_leader"), ("学校领导", "school_leader"), ("head_teacher", "head_teacher"),
    ("任课老师", "subject_teacher"), ("Head teacher", "head_teacher"),
    (" 班 主 任 ", "head_teacher"),
])
def test_roles(value, code):
    assert parse_role(value) == code


def test_full_width_and_stray_spaces_are_normalised():
    assert clean_code(" Ｅ０００１２ ") == "E00012"
    assert clean_text("  张\u3000 三  ") == "张 三"
    assert clean_code(1001.0) == "1001"
    assert parse_hours("１２.５学时") == Decimal("12.5")


def test_a_csv_renamed_xlsx_is_refused(tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_text("工号,姓名\nE1,张三\n", encoding="utf-8")
    with pytest.raises(SheetRefused, match="不是 Excel .xlsx 文件"):
        check_file(path)


def test_an_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    with pytest.raises(SheetRefused, match="文件是空的"):
        check_file(path)


def test_a_password_protected_workbook_is_refused(tmp_path):
    with pytest.raises(SheetRefused, match="文件设有密码"):
        check_file(encrypted_xlsx(tmp_path / "locked.xlsx"))


def test_an_old_xls_is_refused_with_advice(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000)
    with pytest.raises(SheetRefused, match=r"\.xls"):
        check_file(path)


def test_an_oversized_file_is_refused(tmp_path, settings):
    settings.HR_IMPORT_MAX_BYTES = 1024
    path = xlsx(tmp_path / "big.xlsx", [["工号", "姓名"]] + [[f"E{i}", "x" * 50] for i in range(200)])
    with pytest.raises(SheetRefused, match="MB 上限"):
        check_file(path)


def test_a_macro_enabled_workbook_is_refused(tmp_path):
    path = xlsx(tmp_path / "m.xlsx", [["工号", "姓名"]])
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\x00" * 100)
    with pytest.raises(SheetRefused, match="含宏的工作簿"):
        check_file(path)


def test_a_zip_bomb_is_refused_from_its_directory(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (3 * 1024 * 1024))
    with pytest.raises(SheetRefused, match="压缩比异常"):
        check_file(path)


def test_too_many_rows_are_refused(tmp_path, settings):
    settings.HR_IMPORT_MAX_ROWS = 5
    path = xlsx(tmp_path / "rows.xlsx", [["工号", "姓名", "学校代码"]] + [[f"E{i}", "x", "S"] for i in range(6)])
    with pytest.raises(SheetRefused, match="行数超过 5 行上限"):
        with open_sheet(path, TEACHERS) as (_layout, rows):
            list(rows)


def test_header_found_below_title_rows_in_any_order(tmp_path):
    path = xlsx(tmp_path / "t.xlsx", [["姓名 ", "学校代码*", "工号（必填）", "备注"], ["张三", "S1", "E1", "x"]],
                title_rows=[["2024年教师名册"], [], ["填表人：某某"]])
    with open_sheet(path, TEACHERS) as (layout, rows):
        rows = list(rows)
    assert layout.header_row == 4
    assert layout.index == {"name": 0, "school_code": 1, "employee_no": 2}
    assert [r.number for r in rows] == [5]
    assert rows[0].values["employee_no"] == "E1"


def test_missing_required_column_is_named(tmp_path):
    path = xlsx(tmp_path / "t.xlsx", [["工号", "姓名"], ["E1", "张三"]])
    with pytest.raises(SheetRefused, match="缺少必需的列：学校代码"):
        with open_sheet(path, TEACHERS):
            pass


def test_a_formula_cell_reads_as_the_result_saved_with_the_file(tmp_path):
    """What HR sees in Excel is what is imported: the cached result of a formula. A formula
    saved without a result (a program that never calculates wrote it) reads as empty."""
    import xlsxwriter

    path = tmp_path / "f.xlsx"
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["工号", "姓名", "学校代码"])
    sheet.write_row(1, 0, ["E1"])
    sheet.write_formula(1, 1, '="王"&"芳"', None, "王芳")
    sheet.write_row(1, 2, ["S1"])
    workbook.close()
    with open_sheet(path, TEACHERS) as (_layout, rows):
        row = next(rows)
    assert row.values["name"] == "王芳" and not row.formula_errors

    uncalculated = xlsx(tmp_path / "u.xlsx", [["工号", "姓名", "学校代码"], ["E1", "=A1&\"x\"", "S1"]])
    with open_sheet(uncalculated, TEACHERS) as (_layout, rows):
        row = next(rows)
    assert row.values == {"employee_no": "E1", "name": None, "school_code": "S1"}


def test_written_sheet_has_frozen_header_filter_dates_formats_and_inert_text(tmp_path):
    path = tmp_path / "out" / "x.xlsx"
    count = write_table(path, title="名册", columns=[
        Column("姓名/name"), Column("日期/date", kind="date"), Column("率/rate", kind="percent"),
        Column("数/n", kind="int")],
        rows=iter([('=HYPERLINK("http://x")', date(2024, 1, 2), 0.875, 3),
                   ("+1", None, None, None), ("@cmd", None, None, None), ("\tTAB", None, None, None)]))
    assert count == 4
    assert [p.name for p in path.parent.iterdir()] == ["x.xlsx"]  # no temporary file left behind
    sheet = load_workbook(path).active
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:D5"
    name, when, rate, n = sheet[2]
    assert name.value == '=HYPERLINK("http://x")' and name.data_type == "s" and name.quotePrefix
    assert when.is_date and when.value.date() == date(2024, 1, 2)
    assert rate.number_format == "0.0%"
    for row in (3, 4, 5):
        assert sheet.cell(row, 1).data_type == "s" and sheet.cell(row, 1).quotePrefix


def test_a_write_that_crashes_leaves_no_file(tmp_path):
    def rows():
        yield ("a",)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_table(tmp_path / "x.xlsx", title="t", columns=[Column("a")], rows=rows())
    assert list(tmp_path.iterdir()) == []


def test_written_sheet_reads_back_the_same_in_calamine_with_widths_fitted_and_only_triggers_quoted(tmp_path):
    from python_calamine import CalamineWorkbook

    path = tmp_path / "x.xlsx"
    long_name = "华东师范大学附属第二实验学校心理健康教育中心"
    write_table(path, title="名册", columns=[Column("姓名"), Column("学校"), Column("日期", kind="date"),
                                           Column("学时", kind="number")],
                rows=iter([("李梅", long_name, date(2024, 1, 2), Decimal("12.5")),
                           ("=1+1", "a & <b>", None, 3),
                           (" 前后有空格 ", "x", datetime(2024, 1, 2, 8, 30), None)]))
    sheet = load_workbook(path).active
    assert sheet.cell(2, 1).quotePrefix is False  # ordinary text is not marked
    assert sheet.cell(3, 1).quotePrefix and sheet.cell(3, 1).data_type == "s"
    assert sheet.cell(3, 2).value == "a & <b>" and sheet.cell(4, 1).value == " 前后有空格 "
    widths = {k: v.width for k, v in sheet.column_dimensions.items()}
    assert widths["B"] >= 2 * len(long_name) > widths["A"] >= 6  # CJK characters count twice
    assert sheet.cell(2, 4).number_format == "0.0" and sheet.cell(2, 4).value == 12.5
    rows = list(CalamineWorkbook.from_path(path).get_sheet_by_index(0).iter_rows())
    assert rows[0] == ["姓名", "学校", "日期", "学时"]
    assert rows[1] == ["李梅", long_name, date(2024, 1, 2), 12.5]
    assert rows[2][:2] == ["=1+1", "a & <b>"]
