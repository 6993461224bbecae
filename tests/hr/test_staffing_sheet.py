"""The staffing sheet (export_sheet staffing) and the dashboard list every school with its
full-time counsellors against the staffing rules, in a fixed number of queries."""

from datetime import date

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from hr.exports import staffing_sheet_rows
from people.audiences import stages_mask
from people.models import StaffRole, Stage, StudentCount, Teacher
from tests.factories import TeacherFactory, org, staff


def _setup(tree):
    for key, stages, students in (("school_a", [Stage.JUNIOR], 1500), ("school_a2", [Stage.PRIMARY], 1250),
                                  ("school_b", [Stage.PRIMARY], 600)):
        school = tree[key]
        school.stages = stages_mask(stages)
        school.save()
        StudentCount.objects.create(organisation=school, on=date(2024, 9, 1), count=students)
    TeacherFactory(school=tree["school_a"], role=Teacher.Role.FULL_TIME_COUNSELLOR)


def test_export_sheet_staffing_lists_every_school(tree, tmp_path, db, django_user_model):
    _setup(tree)
    django_user_model.objects.create_superuser("root", "r@example.test", "pw")
    out = tmp_path / "staffing.xlsx"
    call_command("export_sheet", "staffing", "--org", tree["district_x"].code, "--out", str(out))
    sheet = load_workbook(out).worksheets[0]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r[0] == "学校")
    assert rows[header] == ["学校", "学段", "学生数", "专职心理教师", "兼职心理教师", "应配", "缺口",
                            "达标", "配备率"]
    body = [r for r in rows[header + 1:] if r[0]]
    assert body == [["甲一中", "初中", 1500, 1, 0, 1, 0, "是", None],
                    ["甲二小", "小学", 1250, 0, 0, 1, 1, "否", None],
                    # 配备率: 1 of the district's 2 schools meets the rules.
                    ["甲区（全部学校）", None, None, 1, 0, None, None, "1/2", 0.5]]


def test_staffing_rows_queries_flat(tree):
    _setup(tree)
    hr = staff(StaffRole.Role.CITY_HR, tree["city"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            total, rows = staffing_sheet_rows(user=hr, on=date(2025, 1, 1))
            list(rows)
        return len(ctx.captured_queries), total

    few, total = count()
    for i in range(20):
        org(f"新校{i}", "school", tree["town_y"])
    many, more = count()
    assert more == total + 20 and many == few


def test_dashboard_shows_staffing(client, tree):
    _setup(tree)
    client.force_login(staff(StaffRole.Role.DISTRICT_HR, tree["district_x"]))
    body = client.get(reverse("certification:dashboard")).content.decode()
    assert 'id="staffing-table"' in body and "甲二小" in body and "乙一中" not in body
