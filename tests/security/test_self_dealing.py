"""Nobody decides about themselves, grants a role to themselves, or takes both steps of a
two-step review. Each test is one hole of the issue, tried as the user would: through the page
where there is one, through the service otherwise.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from certification import declarations
from certification.models import Application, Certificate, HourDeclaration, TeacherCredential, TrainingEntry
from certification.services import application_submit, certificate_revoke
from people.models import StaffRole
from people.services import staff_role_grant
from tests.certification.builders import certificate, hours, level
from tests.factories import TeacherFactory, district_hr, school_admin, staff

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
REFUSED = "不能对本人的记录作出决定"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None}}}


@pytest.fixture
def hr_teacher(tree):
    """A teacher of school A who is also district HR of X."""
    teacher = TeacherFactory(school=tree["school_a"], name="兼任人事的教师")
    staff_role_grant(user=teacher.user, role=StaffRole.Role.DISTRICT_HR,
                     organisation=tree["district_x"])
    return teacher


def declare(teacher, hours="120"):
    return declarations.declaration_submit(
        teacher=teacher, files=[SimpleUploadedFile("证明.png", PNG)], title="省级骨干教师培训",
        organiser="省教育厅", started_on=date(2024, 7, 1), ended_on=date(2024, 7, 20),
        hours=hours, category="knowledge")


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def test_district_hr_cannot_approve_her_own_declaration(client, tree, hr_teacher):
    declaration = declare(hr_teacher)
    declarations.declaration_school_check(declaration=declaration,
                                          checked_by=school_admin(tree["school_a"]))
    client.force_login(hr_teacher.user)
    response = client.post(reverse("certification:declaration_decide", args=[declaration.pk]),
                           {"action": "approve"}, follow=True)
    assert REFUSED in _messages(response)
    declaration.refresh_from_db()
    assert declaration.status == HourDeclaration.Status.SCHOOL_CHECKED
    assert not TrainingEntry.objects.filter(teacher=hr_teacher).exists()
    # Another HR of the district approves it.
    declarations.declaration_approve(declaration=declaration,
                                     decided_by=district_hr(tree["district_x"]))
    assert TrainingEntry.objects.get(teacher=hr_teacher).hours == Decimal("120")


def test_district_hr_cannot_correct_her_own_hours(client, tree, hr_teacher):
    client.force_login(hr_teacher.user)
    response = client.post(reverse("certification:training_correct", args=[hr_teacher.pk]), {
        "hours": "200", "date": timezone.localdate().isoformat(), "reason": "补录",
        "category": ""}, follow=True)
    assert REFUSED in _messages(response)
    assert not TrainingEntry.objects.filter(teacher=hr_teacher).exists()


def test_district_hr_cannot_approve_her_own_application(client, tree, hr_teacher):
    certificate(hr_teacher, "C")
    hours(hr_teacher, 130, timezone.localdate())
    app = application_submit(teacher=hr_teacher, level=level("B"), submitted_by=hr_teacher.user)
    client.force_login(hr_teacher.user)
    response = client.post(reverse("certification:application_review", args=[app.pk]),
                           {"decision": "approve", "reason": ""}, follow=True)
    assert REFUSED in _messages(response)
    app.refresh_from_db()
    assert app.status == Application.Status.PENDING
    assert not Certificate.objects.filter(teacher=hr_teacher, level__code="B").exists()


def test_hr_cannot_revoke_her_own_certificate(tree, hr_teacher):
    cert = certificate(hr_teacher, "C")
    with pytest.raises(PermissionDenied):
        certificate_revoke(certificate=cert, revoked_by=hr_teacher.user, reason="自行撤销")
    assert Certificate.objects.get(pk=cert.pk).status == cert.status


def test_hr_cannot_record_her_own_outside_credential(tree, hr_teacher):
    with pytest.raises(PermissionDenied):
        declarations.teacher_credential_record(
            teacher=hr_teacher, name="国家二级心理咨询师", level_code="B",
            obtained_on=date(2020, 5, 1), recorded_by=hr_teacher.user)
    assert not TeacherCredential.objects.filter(teacher=hr_teacher).exists()


def test_a_school_admin_who_is_a_counsellor_cannot_check_her_own_declaration(client, tree):
    counsellor = TeacherFactory(school=tree["school_a"], role="full_time_counsellor")
    staff_role_grant(user=counsellor.user, role=StaffRole.Role.SCHOOL_ADMIN,
                     organisation=tree["school_a"])
    declaration = declare(counsellor, hours="24")
    client.force_login(counsellor.user)
    response = client.post(reverse("certification:declaration_decide", args=[declaration.pk]),
                           {"action": "check"}, follow=True)
    assert REFUSED in _messages(response)
    declaration.refresh_from_db()
    assert declaration.status == HourDeclaration.Status.SUBMITTED


def test_an_organiser_cannot_mark_her_own_attendance(tree, hr_teacher):
    from courses import event_services
    from tests.courses.test_events import event

    ev = event(tree["district_x"], starts_in=timedelta(minutes=-10))
    signup = event_services.event_signup(event=ev, teacher=hr_teacher,
                                         now=ev.starts_at - timedelta(days=1))
    with pytest.raises(PermissionDenied):
        event_services.event_attendance_mark(signup=signup, marked_by=hr_teacher.user,
                                             checked_in_at=ev.starts_at,
                                             checked_out_at=ev.ends_at)
    assert not signup.attendances.exists()


def test_hr_cannot_edit_her_own_teacher_record(client, tree, hr_teacher):
    client.force_login(hr_teacher.user)
    response = client.post(reverse("teachers:edit", args=[hr_teacher.pk]), {
        "name": hr_teacher.name, "gender": "F", "school": tree["school_a"].pk,
        "role": "subject_teacher", "posts": ["subject_teacher"], "hire_date": "2025-09-01",
        "status": "active"})
    assert response.status_code == 200
    assert REFUSED in response.content.decode()
    hr_teacher.refresh_from_db()
    assert hr_teacher.hire_date == date(2015, 9, 1)


def test_district_hr_cannot_grant_herself_school_admin(client, tree, hr_teacher):
    client.force_login(hr_teacher.user)
    response = client.post(reverse("staff_roles:add"), {
        "person": hr_teacher.employee_no, "role": "school_admin",
        "organisation": tree["school_a"].pk})
    assert response.status_code == 200
    assert "不能给自己授予角色" in response.content.decode()
    assert not StaffRole.objects.filter(user=hr_teacher.user, role="school_admin").exists()
    with pytest.raises(PermissionDenied):
        staff_role_grant(user=hr_teacher.user, role=StaffRole.Role.SCHOOL_ADMIN,
                         organisation=tree["school_a"], granted_by=hr_teacher.user)


def test_the_two_steps_of_a_declaration_review_take_two_people(client, tree):
    """District HR who also holds the school's admin role (granted by city HR) checks a
    teacher's declaration at the school: the approval must be someone else's."""
    both = district_hr(tree["district_x"])
    staff_role_grant(user=both, role=StaffRole.Role.SCHOOL_ADMIN, organisation=tree["school_a"],
                     granted_by=staff(StaffRole.Role.CITY_HR, tree["city"]))
    teacher = TeacherFactory(school=tree["school_a"])
    declaration = declare(teacher, hours="12")
    client.force_login(both)
    url = reverse("certification:declaration_decide", args=[declaration.pk])
    client.post(url, {"action": "check"})
    declaration.refresh_from_db()
    assert declaration.status == HourDeclaration.Status.SCHOOL_CHECKED
    response = client.post(url, {"action": "approve"}, follow=True)
    assert "两个步骤须由两人完成" in _messages(response)
    declaration.refresh_from_db()
    assert declaration.status == HourDeclaration.Status.SCHOOL_CHECKED
    assert not TrainingEntry.objects.filter(teacher=teacher).exists()
