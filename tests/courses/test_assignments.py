"""Assignments: bulk enrolment of a subtree, completion rates per school within scope, reminders."""

from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from courses import selectors, services
from courses.models import Enrolment, QuizPage
from courses.tasks import send_overdue_reminders
from people import purposes
from people.models import StaffRole, Teacher
from tests.factories import TeacherFactory, district_hr, school_admin, staff

from . import builders


def pass_course(user, course):
    quiz = QuizPage.objects.child_of(course).get()
    services.quiz_attempt_submit(user=user, quiz=quiz, answers=builders.RIGHT)


@pytest.fixture
def city(tree):
    """Several schools with a known number of teachers, some of whom finish the course."""
    plan = {"school_a": (5, 2), "school_a2": (3, 3), "school_b": (4, 1), "school_b2": (2, 0)}
    teachers = {}
    for key, (count, _finished) in plan.items():
        teachers[key] = [TeacherFactory(school=tree[key]) for _ in range(count)]
    # Not assigned: inactive teachers.
    TeacherFactory(school=tree["school_a"], is_active=False)
    course = builders.course(lessons=0, attempt_limit=3)
    hr = staff(StaffRole.Role.CITY_HR, tree["city"])
    assignment = services.assignment_create(course=course, organisation=tree["city"],
                                            deadline=date(2024, 6, 30), created_by=hr)
    for key, (_count, finished) in plan.items():
        for teacher in teachers[key][:finished]:
            pass_course(teacher.user, course)
    return {"tree": tree, "course": course, "assignment": assignment, "hr": hr,
            "teachers": teachers, "plan": plan}


def test_completion_rates_equal_a_hand_count(city):
    rows = selectors.assignment_completion_by_school(user=city["hr"], roles=purposes.ASSIGNMENTS,
                                                     assignment=city["assignment"])
    got = {row.school.pk: (row.assigned, row.completed, row.rate) for row in rows}
    tree = city["tree"]
    assert got == {
        tree["school_a"].pk: (5, 2, pytest.approx(40.0)),
        tree["school_a2"].pk: (3, 3, pytest.approx(100.0)),
        tree["school_b"].pk: (4, 1, pytest.approx(25.0)),
        tree["school_b2"].pk: (2, 0, pytest.approx(0.0)),
    }


def test_each_staff_member_sees_only_their_scope(city):
    tree = city["tree"]
    admin = school_admin(tree["school_a"])
    rows = selectors.assignment_completion_by_school(user=admin, roles=purposes.ASSIGNMENTS)
    assert [(r.school, r.assigned, r.completed) for r in rows] == [(tree["school_a"], 5, 2)]
    hr_x = district_hr(tree["district_x"])
    rows = selectors.assignment_completion_by_school(user=hr_x, roles=purposes.ASSIGNMENTS,
                                                     assignment=city["assignment"])
    assert {r.school for r in rows} == {tree["school_a"], tree["school_a2"]}
    outstanding = selectors.assignment_outstanding_list(user=hr_x, roles=purposes.ASSIGNMENTS,
                                                    assignment=city["assignment"])
    assert {e.user.teacher for e in outstanding} == set(city["teachers"]["school_a"][2:])
    teacher = city["teachers"]["school_a"][0]
    assert selectors.assignment_completion_by_school(user=teacher.user,
                                                     roles=purposes.ASSIGNMENTS) == []


def test_staff_page_shows_rates_and_who_has_not_finished(client, city):
    tree = city["tree"]
    client.force_login(school_admin(tree["school_b"]))
    response = client.get(reverse("courses:assignment_detail", args=[city["assignment"].pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert tree["school_b"].name in html and "25.0%" in html
    assert tree["school_a"].name not in html
    for teacher in city["teachers"]["school_b"][1:]:
        assert teacher.name in html
    assert city["teachers"]["school_b"][0].name not in html
    # A teacher is refused; an assignment with nobody in scope is 404.
    client.force_login(city["teachers"]["school_b"][0].user)
    assert client.get(reverse("courses:assignment_list")).status_code == 403


def test_assignment_by_role_and_scope(tree):
    course = builders.course(lessons=1, quiz=False)
    head = TeacherFactory(school=tree["school_a"], role=Teacher.Role.HEAD_TEACHER)
    TeacherFactory(school=tree["school_a"])
    TeacherFactory(school=tree["school_b"], role=Teacher.Role.HEAD_TEACHER)
    admin = school_admin(tree["school_a"])
    services.enrolment_create(user=head.user, course=course)  # self-enrolled before
    assignment = services.assignment_create(course=course, organisation=tree["school_a"],
                                            deadline=date(2024, 6, 30), created_by=admin,
                                            roles=[Teacher.Role.HEAD_TEACHER])
    assert list(Enrolment.objects.filter(assignment=assignment).values_list("user", flat=True)) == [head.user_id]
    with pytest.raises(PermissionDenied):
        services.assignment_create(course=course, organisation=tree["school_b"],
                                   deadline=date(2024, 6, 30), created_by=admin)


def test_overdue_teachers_are_reminded_once_a_day(city, settings):
    mail.outbox.clear()
    unfinished = {t.user.email for ts in city["teachers"].values() for t in ts} - {
        t.user.email for key, ts in city["teachers"].items() for t in ts[:city["plan"][key][1]]}
    assert services.assignment_reminders_send(today=date(2024, 6, 30)) == 0  # not yet overdue
    assert services.assignment_reminders_send(today=date(2024, 7, 1)) == len(unfinished) == 8
    assert {m.to[0] for m in mail.outbox} == unfinished
    assert services.assignment_reminders_send(today=date(2024, 7, 1)) == 0
    assert send_overdue_reminders.delay().get() >= 0
    assert services.assignment_reminders_send(today=date(2024, 7, 2)) == 8
    assert "courses-overdue-reminders" in settings.CELERY_BEAT_SCHEDULE


def test_admin_listing_of_enrolments_is_scoped(client, city):
    tree = city["tree"]
    client.force_login(school_admin(tree["school_a2"]))
    response = client.get(reverse("enrolments:index"))
    assert response.status_code == 200
    html = response.content.decode()
    for teacher in city["teachers"]["school_a2"]:
        assert teacher.user.username in html
    for teacher in city["teachers"]["school_b"]:
        assert teacher.user.username not in html
    other = Enrolment.objects.get(user=city["teachers"]["school_b"][0].user)
    assert client.get(reverse("enrolments:inspect", args=[other.pk])).status_code == 404


def test_school_admin_assigns_through_the_staff_page(client, tree):
    course = builders.course(lessons=1, quiz=False)
    mine = [TeacherFactory(school=tree["school_a"]) for _ in range(3)]
    TeacherFactory(school=tree["school_b"])
    client.force_login(school_admin(tree["school_a"]))
    url = reverse("courses:assignment_list")
    # An organisation outside the scope is not even a valid choice.
    response = client.post(url, {"course": course.pk, "organisation": tree["school_b"].pk,
                                 "deadline": "2024-06-30"})
    assert response.status_code == 200 and not Enrolment.objects.exists()
    response = client.post(url, {"course": course.pk, "organisation": tree["school_a"].pk,
                                 "deadline": "2024-06-30"})
    assert response.status_code == 302
    assert set(Enrolment.objects.values_list("user", flat=True)) == {t.user_id for t in mine}


def test_progress_endpoint_needs_the_csrf_token(tree):
    from django.test import Client

    teacher = TeacherFactory(school=tree["school_a"])
    course = builders.course(lessons=1, quiz=False)
    services.enrolment_create(user=teacher.user, course=course)
    lesson = course.get_children().get()
    client = Client(enforce_csrf_checks=True)
    client.force_login(teacher.user)
    url = reverse("courses:lesson_progress", args=[lesson.pk])
    assert client.post(url, {"position": 0}, content_type="application/json").status_code == 403
    client.get(lesson.url)  # the page sets the cookie the player reads its token from
    token = client.cookies["csrftoken"].value
    response = client.post(url, {"position": 0}, content_type="application/json",
                           HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
