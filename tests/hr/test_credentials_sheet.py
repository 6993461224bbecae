"""Outside credentials by sheet (工号, 证书名称, 等级对应, 发证机构, 发证日期, 有效期至): all rows
checked before any is recorded, teachers outside the HR scope refused."""

from datetime import date

import openpyxl
import pytest
from django.urls import reverse

from certification.models import TeacherCredential
from tests import factories

pytestmark = pytest.mark.django_db


def sheet(tmp_path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["工号", "证书名称", "等级对应", "发证机构", "发证日期", "有效期至"])
    for row in rows:
        ws.append(row)
    path = tmp_path / "cred.xlsx"
    wb.save(path)
    return path


def post(client, path):
    with open(path, "rb") as f:
        return client.post(reverse("hr:credentials_import"), {"file": f})


def test_credentials_import_records_rows_in_scope_only_when_all_are_right(client, tree, tmp_path):
    a = factories.TeacherFactory(school=tree["school_a"])
    b = factories.TeacherFactory(school=tree["school_b"])
    client.force_login(factories.district_hr(tree["district_x"]))
    bad = post(client, sheet(tmp_path, [
        [a.employee_no, "国家三级心理咨询师", None, "人社部", date(2015, 5, 1), None],
        [b.employee_no, "省级B证", "B", "省教育厅", date(2022, 1, 1), date(2027, 1, 1)],
        [a.employee_no, "某协会证书", None, "协会", date(2022, 1, 1), None],
    ]))
    page = bad.content.decode()
    assert bad.status_code == 400 and "不在您的管辖范围" in page and "须填写等级对应" in page
    assert not TeacherCredential.objects.exists()
    good = post(client, sheet(tmp_path, [
        [a.employee_no, "国家三级心理咨询师", None, "人社部", date(2015, 5, 1), None],
        [a.employee_no, "省级B证", "B", "省教育厅", "2022-01-01", "2027-01-01"],
    ]))
    assert good.status_code == 302
    held = {c.credential.name: c for c in TeacherCredential.objects.filter(teacher=a)}
    assert held["省级B证"].credential.level.code == "B" and held["省级B证"].issuer == "省教育厅"
    assert held["省级B证"].expires_on == date(2027, 1, 1)


def test_credentials_import_is_for_hr_only(client, tree, tmp_path):
    client.force_login(factories.school_admin(tree["school_a"]))
    assert client.get(reverse("hr:credentials_import")).status_code == 403


def test_a_bad_expiry_is_reported_under_its_own_column_and_nothing_is_recorded(client, tree, tmp_path):
    """The sheet reads through the row reader every import uses: a bad 有效期至 names 有效期至 (it
    named 发证日期), and a bad row among good ones records none."""
    a = factories.TeacherFactory(school=tree["school_a"])
    client.force_login(factories.district_hr(tree["district_x"]))
    response = post(client, sheet(tmp_path, [
        [a.employee_no, "省级B证", "B", "省教育厅", date(2022, 1, 1), date(2027, 1, 1)],
        [a.employee_no, "省级C证", "C", "省教育厅", date(2022, 1, 1), "明年春天"],
    ]))
    page = response.content.decode()
    assert response.status_code == 400
    assert "3 · 有效期至 (F) · 明年春天 · 日期无法识别" in page
    assert "发证日期 (E)" not in page
    assert not TeacherCredential.objects.exists()
