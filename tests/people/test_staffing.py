"""Staffing rules as data: the defaults as the seeds state them, nearest rule per subtree,
dated student counts, and a flat number of queries."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from people.audiences import stages_mask
from people.models import StaffingRule, Stage, StudentCount, Teacher
from people.staffing import schools_short_of_counsellors, staffing_rows
from tests.factories import TeacherFactory

DAY = date(2025, 3, 1)


def _school(school, stages, students, on=date(2024, 9, 1)):
    school.stages = stages_mask(stages)
    school.save()
    StudentCount.objects.create(organisation=school, on=on, count=students)
    return school


def _by_name(rows):
    return {r.school.name: (r.students, r.full_time, r.required, r.gap) for r in rows}


def test_defaults_secondary_from_1000_primary_from_1200(tree):
    _school(tree["school_a"], [Stage.JUNIOR], 1000)    # secondary at the line: needs one
    _school(tree["school_a2"], [Stage.PRIMARY], 1100)  # primary under 1200: none
    _school(tree["school_b"], [Stage.PRIMARY], 1200)   # primary at the line: needs one
    _school(tree["school_b2"], [Stage.SENIOR], 999)
    TeacherFactory(school=tree["school_b"], role=Teacher.Role.FULL_TIME_COUNSELLOR)
    rows = _by_name(staffing_rows(tree["city"], on=DAY))
    assert rows == {"甲一中": (1000, 0, 1, 1), "甲二小": (1100, 0, 0, 0),
                    "乙一中": (1200, 1, 1, 0), "乙二小": (999, 0, 0, 0)}
    assert [r.school.name for r in schools_short_of_counsellors(tree["city"], on=DAY)] == ["甲一中"]


def test_only_full_time_counsellors_in_post_count(tree):
    _school(tree["school_a"], [Stage.JUNIOR], 1500)
    TeacherFactory(school=tree["school_a"], role=Teacher.Role.PART_TIME_COUNSELLOR)
    TeacherFactory(school=tree["school_a"], role=Teacher.Role.FULL_TIME_COUNSELLOR, is_active=False)
    # A head teacher who is also the full-time counsellor counts through the second post.
    t = TeacherFactory(school=tree["school_a"], role=Teacher.Role.HEAD_TEACHER)
    assert _by_name(staffing_rows(tree["school_a"], on=DAY))["甲一中"][1] == 0
    t.posts |= 1 << list(Teacher.Role.values).index(Teacher.Role.FULL_TIME_COUNSELLOR)
    t.save()
    assert _by_name(staffing_rows(tree["school_a"], on=DAY))["甲一中"][1:] == (1, 1, 0)


def test_nearest_rule_applies_per_stage_rule(tree):
    # District Y follows "one full-time counsellor per stage in every school" (Xinyang's).
    StaffingRule.objects.create(organisation=tree["district_y"], stage="", min_students=0,
                                full_time_required=1, per_stage=True)
    _school(tree["school_b"], [Stage.JUNIOR, Stage.SENIOR], 300)
    _school(tree["school_a"], [Stage.JUNIOR, Stage.SENIOR], 300)
    rows = _by_name(staffing_rows(tree["city"], on=DAY))
    assert rows["乙一中"][2] == 2  # the district's rule
    assert rows["甲一中"][2] == 0  # the defaults elsewhere


def test_latest_count_on_or_before_the_day(tree):
    school = _school(tree["school_a"], [Stage.JUNIOR], 900, on=date(2023, 9, 1))
    StudentCount.objects.create(organisation=school, on=date(2024, 9, 1), count=1300)
    assert _by_name(staffing_rows(school, on=date(2024, 3, 1)))["甲一中"][:1] == (900,)
    assert _by_name(staffing_rows(school, on=date(2024, 9, 1)))["甲一中"][2] == 1


def test_queries_flat_in_number_of_schools(tree):
    from tests.factories import org

    def count():
        with CaptureQueriesContext(connection) as ctx:
            staffing_rows(tree["city"], on=DAY)
        return len(ctx.captured_queries)

    few = count()
    for i in range(15):
        _school(org(f"新校{i}", "school", tree["town_x"]), [Stage.PRIMARY], 1300 + i)
    assert count() == few
