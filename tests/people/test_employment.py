"""Employment history: who was in post where on a day, and the admin's dated edits."""

from datetime import date

import pytest
from django.urls import reverse

from people import employment
from people.models import AuditEntry, Employment, Teacher
from tests.factories import TeacherFactory, district_hr

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr_x(tree):
    return district_hr(tree["district_x"])


def test_a_transfer_counts_at_the_old_school_before_and_the_new_one_after(tree):
    teacher = TeacherFactory(school=tree["school_a"], hire_date=date(2015, 9, 1))
    employment.employment_changes_apply(changes=[employment.Change(
        teacher.pk, date(2026, 3, 1), tree["school_a2"].pk, teacher.posts, Teacher.Status.ACTIVE)],
        today=date(2026, 3, 1))
    for day, here, there in ((date(2026, 2, 28), 1, 0), (date(2026, 3, 1), 0, 1)):
        assert employment.in_post(day, tree["school_a"]).count() == here
        assert employment.in_post(day, tree["school_a2"]).count() == there
        # Under the township both schools share, she is counted once whatever the day.
        assert employment.teachers_in_post(day, tree["town_x"]).count() == 1
        assert Teacher.objects.filter(employment.in_post_q(day, tree["town_x"])).count() == 1
    assert employment.in_post(date(2015, 8, 31), tree["town_x"]).count() == 0


def test_a_leaver_keeps_her_past_and_a_leaving_date_before_the_period_is_refused(tree):
    teacher = TeacherFactory(school=tree["school_a"], hire_date=date(2015, 9, 1))
    with pytest.raises(employment.EmploymentRefused):
        employment.employment_changes_apply(changes=[employment.Change(
            teacher.pk, date(2014, 1, 1), tree["school_a"].pk, teacher.posts, Teacher.Status.LEFT)],
            today=date(2026, 3, 1))
    employment.employment_changes_apply(changes=[employment.Change(
        teacher.pk, date(2026, 2, 1), tree["school_a"].pk, teacher.posts, Teacher.Status.LEFT)],
        today=date(2026, 3, 1))
    assert employment.in_post(date(2026, 1, 31), tree["school_a"]).count() == 1
    assert employment.in_post(date(2026, 2, 1), tree["school_a"]).count() == 0
    # Back-dated (entered on 1 March for 1 February): audited.
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EMPLOYMENT_CHANGE,
                                     target=teacher.employee_no).exists()


def test_an_admin_transfer_with_a_date_closes_one_period_and_opens_another(client, hr_x, tree):
    teacher = TeacherFactory(school=tree["school_a"], hire_date=date(2015, 9, 1))
    client.force_login(hr_x)
    response = client.post(reverse("teachers:edit", args=[teacher.pk]), {
        "name": teacher.name, "gender": "F", "school": tree["school_a2"].pk,
        "role": "subject_teacher", "posts": ["subject_teacher"], "hire_date": "2015-09-01",
        "status": "active", "effective_on": "2026-09-01"})
    assert response.status_code == 302, response.content.decode()[:500]
    assert list(Employment.objects.filter(teacher=teacher).order_by("start").values_list(
        "organisation", "start", "end")) == [
        (tree["school_a"].pk, date(2015, 9, 1), date(2026, 9, 1)),
        (tree["school_a2"].pk, date(2026, 9, 1), None)]


def test_an_admin_leaving_date_before_the_period_began_is_refused_on_its_field(client, hr_x, tree):
    teacher = TeacherFactory(school=tree["school_a"], hire_date=date(2015, 9, 1))
    client.force_login(hr_x)
    response = client.post(reverse("teachers:edit", args=[teacher.pk]), {
        "name": teacher.name, "gender": "F", "school": tree["school_a"].pk,
        "role": "subject_teacher", "posts": ["subject_teacher"], "hire_date": "2015-09-01",
        "status": "left", "effective_on": "2010-01-01"})
    assert response.status_code == 200
    assert "早于当前任职期开始（2015-09-01）" in response.content.decode()
    teacher.refresh_from_db()
    assert teacher.status == Teacher.Status.ACTIVE
    assert list(Employment.objects.filter(teacher=teacher).values_list("end", flat=True)) == [None]


def test_an_admin_leaving_dated_ahead_reaches_the_record_on_its_day(hr_x, tree):
    from people.services import teacher_update

    today, ahead = date(2026, 11, 2), date(2026, 11, 12)
    teacher = TeacherFactory(school=tree["school_a"], hire_date=date(2015, 9, 1))
    edited = Teacher.objects.get(pk=teacher.pk)
    edited.status, edited.is_active = Teacher.Status.LEFT, False
    teacher_update(teacher=edited, by=hr_x, changed=["status"], effective_on=ahead, today=today)
    teacher.refresh_from_db()
    teacher.user.refresh_from_db()
    assert (teacher.status, teacher.is_active, teacher.user.is_active) == ("active", True, True)
    assert list(Employment.objects.filter(teacher=teacher).values_list("end", "end_status")) == [
        (ahead, Teacher.Status.LEFT)]
    assert employment.employment_due_apply(today=ahead) == {"moved": 0, "left": 1}
    teacher.refresh_from_db()
    teacher.user.refresh_from_db()
    assert (teacher.status, teacher.is_active, teacher.user.is_active) == ("left", False, False)
