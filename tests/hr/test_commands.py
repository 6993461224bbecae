"""The command line: the same previews and writes as the desk, with exit codes for scripts."""

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from people.models import Teacher
from tests.factories import TeacherFactory

from .builders import roster, xlsx


def test_import_sheet_previews_then_writes_only_with_commit(hr_x, tree, tmp_path, capsys):
    path = roster(tmp_path / "r.xlsx", [
        {"employee_no": "E1", "name": "甲", "school_code": tree["school_a"].code}])
    call_command("import_sheet", "teachers", str(path), "--user", hr_x.username)
    out = capsys.readouterr().out
    assert "1 to create" in out and "--commit" in out
    assert not Teacher.objects.exists()
    call_command("import_sheet", "teachers", str(path), "--commit", "--user", hr_x.username)
    assert Teacher.objects.filter(employee_no="E1").exists()


def test_import_sheet_prints_each_error_and_exits_non_zero(hr_x, tree, tmp_path, capsys):
    path = roster(tmp_path / "r.xlsx", [
        {"employee_no": "E1", "name": "甲", "school_code": tree["school_a"].code},
        {"employee_no": "E2", "name": "", "school_code": tree["school_b"].code}])
    with pytest.raises(CommandError, match="errors"):
        call_command("import_sheet", "teachers", str(path), "--commit", "--user", hr_x.username)
    out = capsys.readouterr().out
    assert "row 3, name (B): 必填项为空 (required value is empty)" in out
    assert "row 3, school_code (D):" in out and "outside your scope" in out
    assert not Teacher.objects.exists()


def test_import_sheet_refuses_a_bad_file(hr_x, tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_text("not a workbook")
    with pytest.raises(CommandError, match="not an Excel"):
        call_command("import_sheet", "teachers", str(path), "--user", hr_x.username)


def test_certificate_import_commit_is_not_available_yet(hr_x, tree, tmp_path):
    from hr.imports import import_available
    if import_available("certificates"):
        pytest.skip("certification services are installed")
    TeacherFactory(school=tree["school_a"], employee_no="E1")
    path = xlsx(tmp_path / "c.xlsx", [["工号", "证书等级", "证书编号", "发证日期"], ["E1", "C证", "N1", "2023-01-01"]])
    with pytest.raises(CommandError, match="not available yet"):
        call_command("import_sheet", "certificates", str(path), "--commit", "--user", hr_x.username)


def test_export_sheet_writes_the_organisations_roster(hr_x, tree, tmp_path, capsys):
    TeacherFactory(school=tree["school_a"])
    TeacherFactory(school=tree["school_a2"])
    TeacherFactory(school=tree["school_b"])
    out = tmp_path / "roster.xlsx"
    call_command("export_sheet", "teachers", "--org", tree["town_x"].code, "--out", str(out),
                 "--user", hr_x.username)
    assert load_workbook(out).active.max_row == 3
    with pytest.raises(CommandError, match="outside"):
        call_command("export_sheet", "teachers", "--org", tree["school_b"].code, "--out", str(out),
                     "--user", hr_x.username)


def test_export_sheet_says_which_kinds_are_not_available_yet(hr_x, tree, tmp_path):
    from hr.exports import export_available
    if export_available("holding"):
        pytest.skip("certification selectors are installed")
    with pytest.raises(CommandError, match="not available yet"):
        call_command("export_sheet", "holding", "--org", tree["city"].code, "--out", str(tmp_path / "h.xlsx"))
