"""The organisation tree from a sheet: preview, then an atomic, idempotent write; bad input
refuses the whole file naming the rows; the preview's queries do not grow with the schools."""

from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hr.imports.organisations import organisations_commit, organisations_plan
from hr.imports.rows import ImportHasErrors
from hr.sheets.templates import SAMPLE_ORGANISATIONS
from people.models import Organisation, StaffRole, StudentCount
from people.staffing import staffing_rows
from tests.factories import TeacherFactory, staff

from .builders import xlsx

HEADER = ["上级代码", "机构代码", "机构名称", "类型", "学段", "学生数", "寄宿制", "统计日期"]


@pytest.fixture
def city_hr(tree):
    return staff(StaffRole.Role.CITY_HR, tree["city"])


def _codes(under: Organisation) -> dict[str, str]:
    return {o.code: o.get_parent().code for o in Organisation.objects.filter(
        path__startswith=under.path).exclude(pk=under.pk)}


def test_a_district_with_parents_after_children_and_aliases(tmp_path, hr_x, tree):
    dx = tree["district_x"]
    path = xlsx(tmp_path / "o.xlsx", [
        ["上级代码", "学校代码", "学校名称", "类型", "学段", "学生数", "寄宿制", "统计日期"],
        [dx.code, tree["town_x"].code, "甲镇", "镇街", None, None, None, None],
        ["NEW-T", "NEW-S1", "新一中", "学校", "初中、高中", 1500, "是", date(2024, 9, 1)],  # parent below
        [dx.code, "NEW-T", "新学区", "学区", None, None, None, None],
        ["NEW-T", "NEW-S2", "新二小", "学校", "小学", 800, "否", None],
        [tree["town_x"].code, tree["school_a"].code, tree["school_a"].name, "学校", "初中", None, None, None],
        [tree["town_x"].code, tree["school_a2"].code, tree["school_a2"].name, "学校", "小学", None, None, None],
        [None, dx.code, dx.name, "区县", None, None, None, None],
    ])
    # The district's own row names no parent: only the city may; district HR cannot make roots.
    plan = organisations_plan(path=path, user=hr_x)
    assert [e.row for e in plan.errors] == [8]
    rows = xlsx(tmp_path / "o2.xlsx", [HEADER] + [
        [tree["city"].code if r[1] == dx.code else r[0], *r[1:]] for r in [
            [None, dx.code, dx.name, "区县", None, None, None, None],
            [dx.code, tree["town_x"].code, "甲镇", "镇街", None, None, None, None],
            ["NEW-T", "NEW-S1", "新一中", "学校", "初中、高中", 1500, "是", date(2024, 9, 1)],
            [dx.code, "NEW-T", "新学区", "学区", None, None, None, None],
            ["NEW-T", "NEW-S2", "新二小", "学校", "小学", 800, "否", None],
            [tree["town_x"].code, tree["school_a"].code, tree["school_a"].name, "学校", "初中", None, None, None],
            [tree["town_x"].code, tree["school_a2"].code, tree["school_a2"].name, "学校", "小学", None, None, None],
        ]])
    plan = organisations_plan(path=rows, user=hr_x)
    assert not plan.errors, [e.line() for e in plan.errors]
    assert plan.counts()["create"] == 3
    result = organisations_commit(path=rows, user=hr_x, plan=plan)
    assert result["created"] == 3
    # Written in bulk, the tree is the one treebeard itself would have built.
    assert all(not problems for problems in Organisation.find_problems())
    assert [c.code for c in dx.get_children()] == [tree["town_x"].code, "NEW-T"]
    new = Organisation.objects.get(code="NEW-S1")
    assert new.get_parent().code == "NEW-T" and new.get_parent().get_parent() == dx
    assert new.stage_list == ["junior", "senior"] and new.is_boarding
    assert StudentCount.objects.get(organisation=new).count == 1500
    # Idempotent: the same file again changes nothing.
    again = organisations_plan(path=rows, user=hr_x)
    assert again.counts()["create"] == again.counts()["update"] == 0
    assert again.unchanged == 7


def test_moving_a_school_keeps_its_teachers(tmp_path, city_hr, tree):
    teacher = TeacherFactory(school=tree["school_a"])
    path = xlsx(tmp_path / "o.xlsx", [HEADER, [tree["town_y"].code, tree["school_a"].code, "甲一中", "学校",
                                               None, None, None, None]])
    plan = organisations_plan(path=path, user=city_hr)
    assert plan.updates[0]["changes"]["parent_code"] == [tree["town_x"].code, tree["town_y"].code]
    organisations_commit(path=path, user=city_hr, plan=plan)
    school = Organisation.objects.get(pk=tree["school_a"].pk)
    assert school.get_parent() == tree["town_y"]
    teacher.refresh_from_db()
    assert teacher.school_id == school.pk


@pytest.mark.parametrize("rows, bad_rows, words", [
    ([["NOPE", "S1", "学校一", "学校", None, None, None, None]], [2], "不存在"),
    ([["C2", "C1", "甲", "镇街", None, None, None, None], ["C1", "C2", "乙", "镇街", None, None, None, None]],
     [2, 3], "成环"),
    ([["TOWN", "D1", "甲", "学校", None, None, None, None], ["TOWN", "D1", "乙", "学校", None, None, None, None]],
     [3], "重复"),
    ([["TOWN", "S9", "某校", "学校", "大学", None, None, None]], [2], "学段"),
    ([["TOWN", "S9", "某校", "学院", None, None, None, None]], [2], "类型"),
])
def test_bad_input_refuses_the_whole_file_naming_rows(tmp_path, hr_x, tree, rows, bad_rows, words):
    rows = [[tree["town_x"].code if c == "TOWN" else c for c in r] for r in rows]
    good = [tree["town_x"].code, "GOOD-1", "好学校", "学校", None, None, None, None]
    path = xlsx(tmp_path / "o.xlsx", [HEADER, *rows, good])
    plan = organisations_plan(path=path, user=hr_x)
    assert sorted({e.row for e in plan.errors}) == bad_rows
    assert any(words in e.reason for e in plan.errors)
    with pytest.raises(ImportHasErrors):
        organisations_commit(path=path, user=hr_x)
    assert not Organisation.objects.filter(code="GOOD-1").exists()


def test_removing_a_school_with_teachers_is_refused_by_name(tmp_path, hr_x, tree):
    TeacherFactory(school=tree["school_a2"])
    town = tree["town_x"]
    path = xlsx(tmp_path / "o.xlsx", [HEADER, [tree["district_x"].code, town.code, town.name, "镇街"] + [None] * 4,
                                      [town.code, tree["school_a"].code, "甲一中", "学校"] + [None] * 4])
    plan = organisations_plan(path=path, user=hr_x)
    assert len(plan.errors) == 1 and "甲二小" in plan.errors[0].reason and plan.errors[0].row == 2
    # Without teachers, the school the file leaves out is removed.
    tree["school_a2"].teachers.all().delete()
    plan = organisations_plan(path=path, user=hr_x)
    assert [o["name"] for o in plan.removals] == ["甲二小"]
    organisations_commit(path=path, user=hr_x, plan=plan)
    assert not Organisation.objects.filter(code=tree["school_a2"].code).exists()


def test_outside_the_scope_is_refused(tmp_path, hr_x, tree):
    path = xlsx(tmp_path / "o.xlsx", [HEADER, [tree["town_y"].code, "S-Y", "乙新校", "学校"] + [None] * 4])
    plan = organisations_plan(path=path, user=hr_x)
    assert plan.errors and plan.errors[0].row == 2


def test_student_counts_are_dated(tmp_path, city_hr, tree):
    school = tree["school_a"]
    school.stages = 2  # junior
    school.save()
    for day, count in ((date(2023, 9, 1), 900), (date(2024, 9, 1), 1300)):
        path = xlsx(tmp_path / f"o{count}.xlsx", [HEADER, [tree["town_x"].code, school.code, school.name,
                                                          "学校", "初中", count, None, day]])
        organisations_commit(path=path, user=city_hr)
    assert StudentCount.objects.filter(organisation=school).count() == 2
    before = {r.school.code: r for r in staffing_rows(tree["city"], on=date(2024, 1, 1))}[school.code]
    after = {r.school.code: r for r in staffing_rows(tree["city"], on=date(2024, 10, 1))}[school.code]
    assert (before.students, before.required) == (900, 0)
    assert (after.students, after.required) == (1300, 1)


def test_preview_queries_flat_in_the_number_of_schools(tmp_path, city_hr, tree, django_assert_max_num_queries):
    def sheet(n):
        return xlsx(tmp_path / f"o{n}.xlsx", [HEADER] + [
            [tree["town_x"].code, f"Q{i:05d}", f"学校{i}", "学校", "小学", 1000 + i, "否", date(2024, 9, 1)]
            for i in range(n)])

    with django_assert_max_num_queries(8):
        small = organisations_plan(path=sheet(5), user=city_hr)
    with django_assert_max_num_queries(8):
        large = organisations_plan(path=sheet(300), user=city_hr)
    assert small.counts()["create"] == 5 and large.counts()["create"] == 300


def test_command_line_and_the_shipped_sample(tmp_path, db, django_user_model, capsys):
    django_user_model.objects.create_superuser("root", "r@example.test", "pw")
    call_command("import_sheet", "organisations", str(SAMPLE_ORGANISATIONS))
    assert not Organisation.objects.exists()  # preview only
    call_command("import_sheet", "organisations", str(SAMPLE_ORGANISATIONS), "--commit")
    assert Organisation.objects.filter(kind="school").count() == 40
    assert all(not problems for problems in Organisation.find_problems())
    city = Organisation.objects.get(code="SF")
    assert city.get_descendant_count() == 55 and city.numchild == 5
    bad = xlsx(tmp_path / "bad.xlsx", [HEADER, ["NOPE", "X1", "某校", "学校"] + [None] * 4])
    with pytest.raises(CommandError):
        call_command("import_sheet", "organisations", str(bad))
    assert "Row 2 · 上级代码 (A): Unknown parent 'NOPE'" in capsys.readouterr().out


def test_seed_demo_builds_its_city_from_the_sample_sheet(db):
    import io

    out = io.StringIO()
    call_command("seed_demo", "--teachers", "60", "--people-only", stdout=out)
    assert "organisations.xlsx imported: 56 created" in out.getvalue()
    assert Organisation.objects.filter(kind="school").count() == 40
    assert StudentCount.objects.filter(on=date(2024, 9, 1)).count() == 40
    again = io.StringIO()
    call_command("seed_demo", "--teachers", "60", "--people-only", stdout=again)
    assert "0 created, 0 updated, 56 unchanged" in again.getvalue()


@pytest.mark.parametrize("written, count", [
    ("1,250", 1250), ("１２５０", 1250), ("1250人", 1250), ("１，２５０ 人", 1250), (" 1250 ", 1250),
    (1250, 1250), ("1,250名", 1250),
])
def test_a_student_count_is_read_as_people_write_it(tmp_path, hr_x, tree, written, count):
    path = xlsx(tmp_path / "o.xlsx", [HEADER, [
        tree["town_x"].code, tree["school_a"].code, tree["school_a"].name, "学校", "初中", written,
        "否", date(2024, 9, 1)]])
    plan = organisations_plan(path=path, user=hr_x)
    assert not plan.errors, [e.line() for e in plan.errors]
    organisations_commit(path=path, user=hr_x, plan=plan)
    assert StudentCount.objects.get(organisation=tree["school_a"]).count == count


@pytest.mark.parametrize("written", ["12,50", "一千二", "1250.5", "-3"])
def test_a_student_count_that_is_no_whole_number_names_its_cell(tmp_path, hr_x, tree, written):
    path = xlsx(tmp_path / "o.xlsx", [HEADER, [
        tree["town_x"].code, tree["school_a"].code, tree["school_a"].name, "学校", "初中", written,
        "否", date(2024, 9, 1)]])
    plan = organisations_plan(path=path, user=hr_x)
    assert [(e.row, e.column) for e in plan.errors] == [(2, "学生数 (F)")]
    assert not StudentCount.objects.exists()
