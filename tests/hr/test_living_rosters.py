"""Rosters that stay true: several posts per teacher, 在职状态, leavers marked (named in the
preview first), staff roles from the 管理角色 column, audiences enrolling newcomers."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from courses import services as learning
from courses.models import Enrolment
from hr.imports.roster import teachers_commit, teachers_plan
from hr.imports.rows import ImportHasErrors
from people.models import AuditEntry, StaffRole, Teacher
from tests.courses import builders as course_builders
from tests.factories import TeacherFactory, staff

from .builders import xlsx

HEADER = ["工号", "姓名", "学校代码", "岗位", "在职状态"]


def test_several_posts_in_one_cell(tmp_path, hr_x, tree):
    code = tree["school_a"].code
    path = xlsx(tmp_path / "r.xlsx", [HEADER, ["E1", "李梅", code, "班主任、兼职心理教师", None],
                                      ["E2", "王强", code, "任课教师/学校领导", "在职"],
                                      ["E3", "赵敏", code, "专职心理教师,班主任", None]])
    teachers_commit(path=path, user=hr_x)
    li = Teacher.objects.get(employee_no="E1")
    assert li.role == Teacher.Role.HEAD_TEACHER
    assert li.post_list == [Teacher.Role.HEAD_TEACHER, Teacher.Role.PART_TIME_COUNSELLOR]
    assert li.is_counsellor
    assert Teacher.objects.get(employee_no="E3").role == Teacher.Role.FULL_TIME_COUNSELLOR


def test_an_unknown_post_refuses_the_file_naming_the_row(tmp_path, hr_x, tree):
    code = tree["school_a"].code
    path = xlsx(tmp_path / "r.xlsx", [HEADER, ["E1", "李梅", code, "班主任", None],
                                      ["E2", "王强", code, "班主任、校医", None],
                                      ["E3", "赵敏", code, "任课教师", "停职"]])
    plan = teachers_plan(path=path, user=hr_x)
    assert [(e.row, "校医" in e.reason or "在职状态" in e.reason) for e in plan.errors] == [(3, True), (4, True)]
    with pytest.raises(ImportHasErrors):
        teachers_commit(path=path, user=hr_x)
    assert not Teacher.objects.exists()


def test_a_leaver_keeps_records_loses_login_and_pending_assignments(tmp_path, hr_x, tree):
    stays = TeacherFactory(school=tree["school_a"], employee_no="E1", name="李梅")
    leaves = TeacherFactory(school=tree["school_a"], employee_no="E2", name="王强")
    course = course_builders.course(lessons=0)
    assignment = learning.assignment_create(course=course, organisation=tree["district_x"],
                                            deadline=date(2030, 6, 30), created_by=hr_x)
    assert assignment.enrolments.count() == 2
    path = xlsx(tmp_path / "r.xlsx", [HEADER, ["E1", "李梅", tree["school_a"].code, None, "在职"],
                                      ["E2", "王强", tree["school_a"].code, None, "调出"]])
    result = teachers_commit(path=path, user=hr_x)
    assert result["updated"] == 1
    leaves.refresh_from_db()
    leaves.user.refresh_from_db()
    assert (leaves.is_active, leaves.status, leaves.user.is_active) == (False, "transferred", False)
    assert list(assignment.enrolments.values_list("user_id", flat=True)) == [stays.user_id]
    # Their own enrolment stays, released from the assignment: progress is kept.
    assert Enrolment.objects.filter(user=leaves.user, course=course, assignment__isnull=True).exists()


def test_mark_as_left_names_them_in_the_preview_before_writing(tmp_path, hr_x, tree):
    TeacherFactory(school=tree["school_a"], employee_no="E1", name="李梅")
    TeacherFactory(school=tree["school_a"], employee_no="E2", name="王强")
    TeacherFactory(school=tree["school_a2"], employee_no="E3", name="赵敏")  # a school not in the file
    path = xlsx(tmp_path / "r.xlsx", [HEADER, ["E1", "李梅", tree["school_a"].code, None, None]])
    plan = teachers_plan(path=path, user=hr_x, mark_left=True)
    preview = plan.as_preview()
    assert preview["counts"]["leave"] == 1
    assert preview["leavers"] == [{"employee_no": "E2", "name": "王强", "school": "甲一中"}]
    assert Teacher.objects.filter(is_active=True).count() == 3  # nothing written by a preview
    assert teachers_plan(path=path, user=hr_x).leavers == []  # only when asked
    result = teachers_commit(path=path, user=hr_x, mark_left=True)
    assert result["left"] == 1
    assert set(Teacher.objects.filter(is_active=True).values_list("employee_no", flat=True)) == {"E1", "E3"}
    assert Teacher.objects.get(employee_no="E2").status == "left"


def test_a_transfer_keeps_the_teachers_history(tmp_path, tree):
    city_hr = staff(StaffRole.Role.CITY_HR, tree["city"])
    teacher = TeacherFactory(school=tree["school_a"], employee_no="E1", name="李梅")
    path = xlsx(tmp_path / "r.xlsx", [HEADER, ["E1", "李梅", tree["school_b"].code, None, None]])
    teachers_commit(path=path, user=city_hr)
    moved = Teacher.objects.get(employee_no="E1")
    assert moved.pk == teacher.pk and moved.school == tree["school_b"] and moved.is_active


def test_staff_role_column_grants_within_what_the_importer_may_grant(tmp_path, hr_x, tree):
    code = tree["school_a"].code
    refused = xlsx(tmp_path / "r1.xlsx", [["工号", "姓名", "学校代码", "管理角色"], ["E1", "李梅", code, "区人事"]])
    plan = teachers_plan(path=refused, user=hr_x)
    assert plan.errors and plan.errors[0].row == 2
    path = xlsx(tmp_path / "r2.xlsx", [["工号", "姓名", "学校代码", "管理角色"], ["E1", "李梅", code, "学校管理员"]])
    result = teachers_commit(path=path, user=hr_x)
    assert result["granted"] == 1
    teacher = Teacher.objects.get(employee_no="E1")
    assert StaffRole.objects.filter(user=teacher.user, role="school_admin", organisation=tree["school_a"]).exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.STAFF_ROLE_GRANT, target="E1").count() == 1
    assert "granted" not in teachers_commit(path=path, user=hr_x)  # a second import grants nothing


def test_newcomers_join_an_assignment_on_import_and_by_the_daily_job(tmp_path, hr_x, tree):
    from courses.tasks import enrol_assignment_audiences

    course = course_builders.course(lessons=0)
    assignment = learning.assignment_create(
        course=course, organisation=tree["district_x"], deadline=date(2030, 6, 30), created_by=hr_x,
        roles=[Teacher.Role.HEAD_TEACHER], days_to_complete=30)
    assert assignment.enrolments.count() == 0
    path = xlsx(tmp_path / "r.xlsx", [HEADER, ["E1", "李梅", tree["school_a"].code, "班主任", None],
                                      ["E2", "王强", tree["school_a"].code, "任课教师", None]])
    result = teachers_commit(path=path, user=hr_x)
    assert result["enrolled"] == 1
    enrolment = assignment.enrolments.get()
    assert enrolment.user.username == "E1"
    assert enrolment.due_on == timezone.localdate() + timedelta(days=30)
    # A teacher who takes on the post later is enrolled by the daily job, once.
    wang = Teacher.objects.get(employee_no="E2")
    wang.role = Teacher.Role.HEAD_TEACHER
    wang.save()
    assert enrol_assignment_audiences.delay().get() == 1
    assert enrol_assignment_audiences.delay().get() == 0
    assert assignment.enrolments.count() == 2
