"""The command line: the same previews and writes as the desk, with exit codes for scripts."""

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from people.models import Teacher
from tests.factories import TeacherFactory
from tests.html_text import CJK

from .builders import roster


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
    # The shell reads in English, one language: its summary and every row error.
    assert "Row 3 · name (B): Required value is empty" in out
    assert "Row 3 · school_code (D): School outside your scope" in out
    assert not CJK.search(out.replace("甲", ""))
    assert not Teacher.objects.exists()


def test_import_sheet_refuses_a_bad_file(hr_x, tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_text("not a workbook")
    with pytest.raises(CommandError, match="Not an Excel .xlsx file"):
        call_command("import_sheet", "teachers", str(path), "--user", hr_x.username)


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


@pytest.mark.django_db(transaction=True)
def test_a_committed_import_succeeds_when_the_broker_refuses_its_follow_up_tasks(
        hr_x, tree, tmp_path, monkeypatch, caplog, capsys):
    """The rows are in once the transaction commits: a broker that is down (figures' rebuild,
    invitations) is logged, and the command still reports the import as written."""
    from celery.app.task import Task
    from kombu.exceptions import OperationalError

    from .builders import xlsx

    def refuse(*args, **kwargs):
        raise OperationalError("[Errno 2] No such file or directory: 'data/broker/out'")

    monkeypatch.setattr(Task, "apply_async", refuse)
    path = xlsx(tmp_path / "r.xlsx", [["employee_no", "name", "school_code", "email"],
                                      ["E1", "甲", tree["school_a"].code, "jia@example.cn"]])
    call_command("import_sheet", "teachers", str(path), "--commit", "--user", hr_x.username)
    assert "Written: invited 1, created 1" in capsys.readouterr().out
    assert Teacher.objects.filter(employee_no="E1").exists()
    refused = [r.getMessage() for r in caplog.records if r.name.startswith("hr.imports")]
    assert any("the figures' rebuild" in m and "could not be queued" in m for m in refused)
    assert any("account invitations of 1 new teachers" in m for m in refused)
