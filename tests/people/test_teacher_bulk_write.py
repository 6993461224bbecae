"""A roster's new teachers are written in bulk (executemany, no model instance per row): what
lands in the database is what the ORM would have written, and the work does not grow in
queries with the rows."""

from datetime import date

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from people.models import Teacher, flags_codes, flags_mask
from people.services import teacher_bulk_write


def _rows(school, count: int, start: int = 0) -> list[dict]:
    return [{"employee_no": f"B{start + i:05d}", "name": f"教师{i}", "school_id": school.pk,
             "role": Teacher.Role.HEAD_TEACHER,
             "posts": flags_mask(Teacher.Role, [Teacher.Role.HEAD_TEACHER, Teacher.Role.PART_TIME_COUNSELLOR]),
             "gender": "F" if i % 2 else "M", "hire_date": date(2020, 9, 1) if i % 3 else None,
             "status": Teacher.Status.LEFT if i == 1 else Teacher.Status.ACTIVE, "email": ""}
            for i in range(count)]


def test_teachers_written_in_bulk_read_back_as_written(tree):
    school = tree["school_a"]
    assert teacher_bulk_write(creates=_rows(school, 3), updates=[]) == (3, 0)
    first, left = Teacher.objects.get(employee_no="B00000"), Teacher.objects.get(employee_no="B00001")
    assert (first.name, first.school, first.gender, first.hire_date) == ("教师0", school, "M", None)
    assert left.hire_date == date(2020, 9, 1)
    assert flags_codes(Teacher.Role, first.posts) == ["head_teacher", "part_time_counsellor"]
    assert first.role == "head_teacher" and first.is_active and first.status == "active"
    assert (left.is_active, left.status, left.user.is_active) == (False, "left", False)
    user = first.user
    assert user.username == "B00000" and user.is_active and not user.has_usable_password()
    assert user.date_joined is not None and user.last_login is None
    assert (user.is_staff, user.is_superuser, user.email, user.first_name) == (False, False, "", "")
    assert get_user_model().objects.filter(username__startswith="B").values("password").distinct().count() == 3


def test_bulk_writing_costs_the_same_queries_for_3_rows_as_for_300(tree):
    school = tree["school_a"]
    with CaptureQueriesContext(connection) as few:
        teacher_bulk_write(creates=_rows(school, 3), updates=[])
    with CaptureQueriesContext(connection) as many:
        teacher_bulk_write(creates=_rows(school, 300, start=1000), updates=[])
    assert len(many) == len(few)
    assert Teacher.objects.filter(employee_no__startswith="B").count() == 303
