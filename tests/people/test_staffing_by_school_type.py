"""Staffing rules read school types as the seeds do, against hand counts: Nansha "学生人数1000人
以上的中学、1200人以上的小学100%配备专职心理教师"; Xinyang "每所中小学校按学段至少配备1名…专职
心理健康教师" and a full- or part-time counsellor at every school. School types are data; a school
without a student count is a gap; 配备率 = schools meeting the rules / schools."""

from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import Workbook

from people.models import Organisation, SchoolType, StaffingRule, StaffRole, Stage, StudentCount, Teacher
from people.staffing import staffing_rows, staffing_totals
from tests.factories import TeacherFactory, org, staff

pytestmark = pytest.mark.django_db
DAY = date(2025, 3, 1)
TYPES = {"九年一贯制": [Stage.PRIMARY, Stage.JUNIOR], "完全中学": [Stage.JUNIOR, Stage.SENIOR],
         "十二年一贯制": [Stage.PRIMARY, Stage.JUNIOR, Stage.SENIOR]}


def school(parent, name, type_name, students=None):
    """A school whose stages are its type's, as city HR keep the types."""
    place = org(name, "school", parent)
    place.stages = SchoolType.objects.get(name=type_name).stages
    place.save()
    if students is not None:
        StudentCount.objects.create(organisation=place, on=date(2024, 9, 1), count=students)
    return place


def counsellors(place, full=0, part=0):
    for _ in range(full):
        TeacherFactory(school=place, role=Teacher.Role.FULL_TIME_COUNSELLOR)
    for _ in range(part):
        TeacherFactory(school=place, role=Teacher.Role.PART_TIME_COUNSELLOR)


def rows_of(top):
    return {r.school.name: r for r in staffing_rows(top, on=DAY)}


def test_school_types_are_data_and_give_the_stages(tree):
    for name, stages in TYPES.items():
        assert sorted(school(tree["town_x"], name + "校", name, 100).stage_list) == sorted(stages)


def test_nansha_full_time_by_students_reads_each_stage(tree):
    # By hand, Nansha's defaults: a 九年一贯制 school of 1,100 has 初中, so it needs one full-time
    # counsellor (≥1000 中学); a 完全中学 of 900 needs none; 中职 of 1,000 is a 中学: one;
    # a kindergarten of 1,500 needs none (no default rule names 幼儿园).
    school(tree["town_x"], "九年制校", "九年一贯制", 1100)
    school(tree["town_x"], "完中", "完全中学", 900)
    school(tree["town_x"], "职校", "中职", 1000)
    school(tree["town_x"], "幼儿园甲", "幼儿园", 1500)
    rows = rows_of(tree["town_x"])
    assert {n: rows[n].required for n in ("九年制校", "完中", "职校", "幼儿园甲")} == {
        "九年制校": 1, "完中": 0, "职校": 1, "幼儿园甲": 0}


def test_xinyang_one_full_time_per_stage_and_any_counsellor_everywhere(tree):
    dy = tree["district_y"]
    StaffingRule.objects.create(organisation=dy, stage="", min_students=0, full_time_required=1,
                                per_stage=True, counts=StaffingRule.Counts.FULL_TIME)
    StaffingRule.objects.create(organisation=dy, stage="", min_students=0, full_time_required=1,
                                counts=StaffingRule.Counts.ANY)
    nine = school(tree["town_y"], "九年制", "九年一贯制", 800)
    twelve = school(tree["town_y"], "十二年制", "十二年一贯制", 2400)
    special = school(tree["town_y"], "特校", "特殊教育", 90)
    school(tree["town_y"], "乙幼", "幼儿园", 300)
    counsellors(nine, full=1, part=1)
    counsellors(twelve, full=3)
    counsellors(special, part=1)
    rows = rows_of(tree["town_y"])
    # By hand: 九年一贯制 = 小学+初中 → 2 full-time (has 1: one short); 十二年一贯制 → 3 (has 3);
    # 特殊教育 → 1 full-time (its part-time one meets only the "any counsellor" rule); 幼儿园 is in
    # no rule ("按学段" names 中小学): 0.
    assert [(n, rows[n].required_full_time, rows[n].gap) for n in ("九年制", "十二年制", "特校", "乙幼")] == [
        ("九年制", 2, 1), ("十二年制", 3, 0), ("特校", 1, 1), ("乙幼", 0, 0)]
    assert (rows["九年制"].full_time, rows["九年制"].part_time) == (1, 1)


def test_a_school_without_a_student_count_is_a_gap_never_a_pass(tree, client):
    school(tree["town_x"], "无数校", "小学")  # no 学生数
    row = rows_of(tree["town_x"])["无数校"]
    assert row.students_missing and row.gap == 1 and not row.meets
    client.force_login(staff(StaffRole.Role.DISTRICT_HR, tree["district_x"]))
    body = client.get(reverse("certification:dashboard")).content.decode()
    assert "学生数缺失" in body


def test_staffing_rate_per_district_and_city(tree):
    # District X: 甲一 (junior, 1,200, 1 full-time: meets), 甲二 (primary, 1,300, part-time only:
    # short), 甲三 (primary, 500: meets); district Y: 乙一 (senior, 1,000, none: short).
    a1 = school(tree["town_x"], "甲一", "初中", 1200)
    a2 = school(tree["town_x"], "甲二", "小学", 1300)
    school(tree["town_x"], "甲三", "小学", 500)
    school(tree["town_y"], "乙一", "高中", 1000)
    counsellors(a1, full=1)
    counsellors(a2, part=2)
    for place in ("school_a", "school_a2", "school_b", "school_b2"):  # the tree's own: no count
        Organisation.objects.filter(pk=tree[place].pk).delete()
    city = Organisation.objects.get(pk=tree["city"].pk)
    totals = {t.organisation.name: t for t in staffing_totals(city, staffing_rows(city, on=DAY))}
    assert [(n, totals[n].full_time, totals[n].part_time, totals[n].meeting, totals[n].schools)
            for n in ("甲区", "乙区", "示范市")] == [
        ("甲区", 1, 2, 2, 3), ("乙区", 0, 0, 0, 1), ("示范市", 1, 2, 2, 4)]
    assert (totals["甲区"].rate, totals["示范市"].rate) == (2 / 3, 0.5)


def test_an_unknown_school_type_is_refused_naming_row_and_column(tree, tmp_path, capsys):
    staff(StaffRole.Role.CITY_HR, tree["city"], username="cityhr")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["上级代码", "机构代码", "机构名称", "类型", "学段", "学生数"])
    sheet.append([tree["town_x"].code, "N-12", "新十二年制学校", "学校", "十二年一贯制", 2600])
    sheet.append([tree["town_x"].code, "N-U", "某学院", "学校", "大学", 3000])
    path = tmp_path / "orgs.xlsx"
    workbook.save(path)
    with pytest.raises(CommandError, match="nothing written"):
        call_command("import_sheet", "organisations", str(path), "--user", "cityhr", "--commit")
    assert "Row 3 · 学段 (E): Unknown school type '大学'" in capsys.readouterr().out
    assert not Organisation.objects.filter(code__in=["N-12", "N-U"]).exists()


def test_part_time_counsellors_count_where_they_were_in_post_on_the_day(tree):
    """The "any counsellor" rule reads the employment history as the full-time one does: a
    part-time counsellor who moved on 1 February 2025 counts at her old school before that day and
    at her new one from it; a later roster never moves the earlier day's figures."""
    from people import employment

    dy = tree["district_y"]
    StaffingRule.objects.create(organisation=dy, stage="", min_students=0, full_time_required=1,
                                counts=StaffingRule.Counts.ANY)
    old = school(tree["town_y"], "旧校", "小学", 300)
    new = school(tree["town_y"], "新校", "小学", 300)
    part = TeacherFactory(school=old, role=Teacher.Role.PART_TIME_COUNSELLOR)
    employment.employment_changes_apply(changes=[employment.Change(
        part.pk, date(2025, 2, 1), new.pk, part.posts, Teacher.Status.ACTIVE)], today=DAY)
    Teacher.objects.filter(pk=part.pk).update(school=new)

    before = {r.school.name: r for r in staffing_rows(tree["town_y"], on=date(2025, 1, 31))}
    after = rows_of(tree["town_y"])
    assert [(before[n].part_time, before[n].gap) for n in ("旧校", "新校")] == [(1, 0), (0, 1)]
    assert [(after[n].part_time, after[n].gap) for n in ("旧校", "新校")] == [(0, 1), (1, 0)]
