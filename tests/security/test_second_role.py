"""A second staff role never widens the first: each page, export and job is scoped by the roles
that grant its purpose (people.purposes), not by every binding the user holds.

Each test here is one hole that was open when scope was the union of a user's bindings.
"""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from wagtail.test.utils.form_data import nested_form_data

from courses import services as learning
from courses.models import CourseCompletion, QuizPage
from hr import services as hr_services
from hr.models import Job
from people import purposes
from people.models import StaffRole, Teacher
from people.selectors import (
    organisation_scope,
    staff_roles_for_user,
    teacher_list_in_scope,
    user_has_staff_role,
    user_is_staff_in_scope,
)
from people.services import staff_role_grant
from tests.courses import builders as course_builders
from tests.factories import TeacherFactory, district_hr, school_admin, staff

B_NAME, B_NUMBER = "乙校保密教师", "B-SECRET-0001"


@pytest.fixture
def private_root(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None}}}


@pytest.fixture
def city(tree, private_root):
    """Teachers in A and B, a city-wide assignment that B's teacher has finished, and the two
    pairings of the issue: school admin of A + city trainer, district HR of X + city trainer."""
    teacher_a = TeacherFactory(school=tree["school_a"], name="甲校教师", employee_no="A-0001")
    teacher_b = TeacherFactory(school=tree["school_b"], name=B_NAME, employee_no=B_NUMBER)
    course = course_builders.course(lessons=0, quiz=True)
    city_hr = staff(StaffRole.Role.CITY_HR, tree["city"])
    assignment = learning.assignment_create(course=course, organisation=tree["city"],
                                            deadline=date.today() + timedelta(days=30),
                                            created_by=city_hr)
    quiz = QuizPage.objects.child_of(course).get()
    learning.quiz_attempt_submit(user=teacher_b.user, quiz=quiz, answers=course_builders.RIGHT)
    assert CourseCompletion.objects.filter(user=teacher_b.user).exists()
    admin_trainer = school_admin(tree["school_a"])
    staff_role_grant(user=admin_trainer, role=StaffRole.Role.TRAINER, organisation=tree["city"])
    hr_trainer = district_hr(tree["district_x"])
    staff_role_grant(user=hr_trainer, role=StaffRole.Role.TRAINER, organisation=tree["city"])
    return {"tree": tree, "teacher_a": teacher_a, "teacher_b": teacher_b, "course": course,
            "assignment": assignment, "admin_trainer": admin_trainer, "hr_trainer": hr_trainer,
            "city_hr": city_hr}


def _get(client, user, url):
    client.force_login(user)
    response = client.get(url)
    return response, response.content.decode()


# ------------------------------------------------------------------ the API

@pytest.mark.parametrize("call", [
    lambda u, o: organisation_scope(u),
    lambda u, o: teacher_list_in_scope(u),
    lambda u, o: user_is_staff_in_scope(u, o),
    lambda u, o: user_has_staff_role(u),
    lambda u, o: staff_roles_for_user(u),
    lambda u, o: organisation_scope(u, roles=None),
    lambda u, o: organisation_scope(u, roles=StaffRole.Role.CITY_HR),
])
def test_a_scope_read_names_its_purpose(tree, call):
    """No scope read can forget its purpose: roles= is required, and neither None nor a bare
    role string is taken for "every role"."""
    user = school_admin(tree["school_a"])
    with pytest.raises(TypeError):
        call(user, tree["school_a"])


# ------------------------------------------------------------------ admin screens

def test_school_admin_and_city_trainer_sees_only_the_school_in_the_admin(client, city):
    user, b = city["admin_trainer"], city["teacher_b"]
    response, html = _get(client, user, reverse("teachers:index"))
    assert response.status_code == 200
    assert "甲校教师" in html and B_NAME not in html
    assert client.get(reverse("teachers:inspect", args=[b.pk])).status_code == 404
    _response, html = _get(client, user, reverse("organisations:index"))
    assert city["tree"]["school_a"].name in html and city["tree"]["school_b"].name not in html
    for listing in ("enrolments:index", "course_completions:index"):
        response, html = _get(client, user, reverse(listing))
        assert response.status_code == 200, listing
        assert B_NUMBER not in html, listing
    response, html = _get(client, user, reverse("enrolments:index"))
    assert "A-0001" in html


def test_district_hr_and_city_trainer_cannot_edit_another_districts_teacher(client, city):
    user, b = city["hr_trainer"], city["teacher_b"]
    client.force_login(user)
    assert client.get(reverse("teachers:edit", args=[b.pk])).status_code == 404
    data = nested_form_data({"name": "改名", "gender": "F", "role": b.role,
                             "hire_date": "2015-09-01", "school": b.school_id})  # is_active off
    response = client.post(reverse("teachers:edit", args=[b.pk]), data)
    assert response.status_code == 404
    b.refresh_from_db()
    assert b.is_active and b.name == B_NAME
    # Nor move one of theirs into another district.
    a = city["teacher_a"]
    client.post(reverse("teachers:edit", args=[a.pk]),
                {**nested_form_data({"name": a.name, "gender": "F", "role": a.role,
                                     "hire_date": "2015-09-01", "is_active": "on"}),
                 "school": city["tree"]["school_b"].pk})
    a.refresh_from_db()
    assert a.school == city["tree"]["school_a"]


# ------------------------------------------------------------------ learning pages

def test_assignment_page_lists_only_the_schools_teachers(client, city):
    response, html = _get(client, city["admin_trainer"],
                          reverse("courses:assignment_detail", args=[city["assignment"].pk]))
    assert response.status_code == 200
    assert "甲校教师" in html or "A-0001" in html
    assert B_NAME not in html and B_NUMBER not in html
    assert city["tree"]["school_b"].name not in html


def test_dashboard_completion_panel_covers_only_the_school(client, city):
    response, html = _get(client, city["admin_trainer"], reverse("certification:dashboard"))
    assert response.status_code == 200
    assert city["tree"]["school_a"].name in html
    for key in ("school_b", "school_b2", "school_a2"):
        assert city["tree"][key].name not in html, key


# ------------------------------------------------------------------ exports and jobs

def _export(django_capture_on_commit_callbacks, user, sheet, **kw):
    with django_capture_on_commit_callbacks(execute=True):
        job = hr_services.job_export_create(requester=user, sheet=sheet, **kw)
    job.refresh_from_db()
    return job


def _cells(job) -> str:
    sheet = load_workbook(job.result_file.path, read_only=True).active
    return " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None)


def test_an_export_holds_the_scope_it_records(client, city, django_capture_on_commit_callbacks):
    """The assignments export of a school admin who is also a city trainer covers the school
    only, is recorded with the school's scope and the role it was asked under, and what a
    plain admin of the school can download holds nothing of another district."""
    tree = city["tree"]
    job = _export(django_capture_on_commit_callbacks, city["admin_trainer"], "assignments")
    assert job.status == Job.Status.DONE, job.error
    assert job.scope_paths == [tree["school_a"].path]
    assert job.purpose == purposes.HR_DESK.key and job.requested_as == "school_admin"
    cells = _cells(job)
    assert tree["school_a"].name in cells
    for key in ("school_a2", "school_b", "school_b2"):
        assert tree[key].name not in cells, key
    plain = school_admin(tree["school_a"])
    client.force_login(plain)
    response = client.get(reverse("hr:job_download", args=[job.pk]))
    assert response.status_code == 200
    # Each export kind: nothing outside the school, whatever the second role.
    for sheet in ("teachers", "roster", "hours", "holding", "workload"):
        job = _export(django_capture_on_commit_callbacks, city["admin_trainer"], sheet)
        assert job.status == Job.Status.DONE, (sheet, job.error)
        cells = _cells(job)
        assert B_NAME not in cells and B_NUMBER not in cells, sheet
        assert tree["school_b"].name not in cells, sheet


def test_district_export_is_not_offered_to_a_school_admin(client, city,
                                                           django_capture_on_commit_callbacks):
    job = _export(django_capture_on_commit_callbacks, city["hr_trainer"], "assignments")
    assert job.scope_paths == [city["tree"]["district_x"].path]
    client.force_login(school_admin(city["tree"]["school_a"]))
    assert client.get(reverse("hr:job_download", args=[job.pk])).status_code == 404
    assert client.get(reverse("hr:job", args=[job.pk])).status_code == 404


def test_a_job_is_seen_only_under_the_purpose_it_was_asked_under(client, city):
    """An import (HR's purpose) is not shown to a school admin bound over the same district,
    although the desk's purpose would cover its scope."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    tree = city["tree"]
    job = hr_services.job_import_create(
        requester=city["hr_trainer"], sheet="teachers",
        upload=SimpleUploadedFile("roster.xlsx", b"PK\x03\x04 not really"))
    assert job.purpose == purposes.HR_IMPORT.key
    admin_over_district = staff(StaffRole.Role.SCHOOL_ADMIN, tree["district_x"])
    client.force_login(admin_over_district)
    assert client.get(reverse("hr:job", args=[job.pk])).status_code == 404
    assert str(job.pk) not in client.get(reverse("hr:jobs_status")).content.decode()
    client.force_login(district_hr(tree["district_x"]))
    assert client.get(reverse("hr:job", args=[job.pk])).status_code == 200


def test_an_export_is_not_written_for_a_scope_that_changed(city, django_capture_on_commit_callbacks):
    """Asked with the school's scope, run after the requester became HR of the district: the
    file would hold more than the job records, so it is refused."""
    tree = city["tree"]
    user = city["admin_trainer"]
    job = hr_services.job_export_create(requester=user, sheet="teachers")
    staff_role_grant(user=user, role=StaffRole.Role.DISTRICT_HR, organisation=tree["district_y"])
    hr_services.job_run_export(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and not job.has_download


def test_export_command_needs_the_desks_purpose(city, tmp_path):
    from django.core.management import CommandError, call_command

    tree = city["tree"]
    trainer_only = staff(StaffRole.Role.TRAINER, tree["city"])
    with pytest.raises(CommandError):
        call_command("export_sheet", "teachers", "--org", tree["school_b"].code,
                     "--out", str(tmp_path / "x.xlsx"), "--user", trainer_only.username)
    with pytest.raises(CommandError):
        call_command("export_sheet", "teachers", "--org", tree["school_b"].code,
                     "--out", str(tmp_path / "x.xlsx"), "--user", city["admin_trainer"].username)
    assert Teacher.objects.filter(employee_no=B_NUMBER).exists()
