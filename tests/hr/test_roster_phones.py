"""The roster's optional 手机号 column: mainland mobiles only (a bad one refuses the file,
naming the row), kept for log-in alone, shown to nobody else and exported only to the teacher
themself and in HR's personal-data download."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from hr.exports import EXPORTS
from people.models import LoginPhone, Teacher

from .builders import xlsx

HEADER = ["工号", "姓名", "学校代码", "手机号"]


def test_phones_are_stored_normalised_for_log_in(hr_x, tree, tmp_path):
    code = tree["school_a"].code
    path = xlsx(tmp_path / "r.xlsx", [HEADER, ["P1", "甲", code, "138 0013 8000"],
                                      ["P2", "乙", code, "+86 139-0000-0001"], ["P3", "丙", code, None]])
    call_command("import_sheet", "teachers", str(path), "--commit", "--user", hr_x.username)
    assert dict(LoginPhone.objects.values_list("user__username", "number")) == {
        "P1": "+8613800138000", "P2": "+8613900000001"}


def test_a_bad_phone_refuses_the_file_naming_the_row(hr_x, tree, tmp_path, capsys):
    code = tree["school_a"].code
    path = xlsx(tmp_path / "r.xlsx", [HEADER, ["P1", "甲", code, "13800138000"],
                                      ["P2", "乙", code, "12345"], ["P3", "丙", code, "13800138000"]])
    with pytest.raises(CommandError, match="errors"):
        call_command("import_sheet", "teachers", str(path), "--commit", "--user", hr_x.username)
    out = capsys.readouterr().out
    assert "Row 3 · 手机号 (D): Not a mobile number (11 digits, mainland China)" in out
    assert "Row 4 · 手机号 (D): Same mobile number as row 2" in out
    assert not Teacher.objects.exists() and not LoginPhone.objects.exists()


def test_a_phone_is_never_in_hr_sheets_but_in_the_personal_data_download(client, hr_x, tree, tmp_path):
    code = tree["school_a"].code
    path = xlsx(tmp_path / "r.xlsx", [HEADER, ["P1", "甲", code, "13800138000"]])
    call_command("import_sheet", "teachers", str(path), "--commit", "--user", hr_x.username)
    for kind in ("teachers", "roster", "hours"):
        _total, rows = EXPORTS[kind].rows(user=hr_x)
        assert not any("13800138000" in str(cell) for row in rows for cell in row)
    teacher = Teacher.objects.get(employee_no="P1")
    client.force_login(hr_x)
    data = client.get(reverse("hr:teacher_data_export", args=[teacher.pk]))
    body = b"".join(data.streaming_content) if data.streaming else data.content
    assert b"+8613800138000" in body
