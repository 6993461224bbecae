"""Every kind of change that moves a stored per-school figure drops it, through the service that
writes the change (`figures_teacher_changed`, `figures_forget`): the rates page read before the
change and again after it shows the new number, never the stored old one. One case per kind, so
that removing any one invalidation call fails its case."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from certification.declarations import (
    teacher_credential_record,
    teacher_credential_update,
)
from certification.models import (
    NewTeacherPeriod,
    RecognisedCredential,
    RoleRequirement,
    SchoolFigure,
    TeacherCredential,
)
from certification.selectors import stored_compliance, stored_holding_rates, stored_pace
from certification.services import (
    certificate_issue,
    certificate_record_imported,
    certificate_renew,
    certificate_revoke,
    teacher_credentials_erase,
    training_entry_record,
)
from people import employment, staffing
from people.models import Teacher
from people.services import student_count_record
from tests.factories import TeacherFactory
from tests.hr.builders import city_hr

from .builders import certificate, level

ON = date(2026, 6, 30)


@pytest.fixture
def school(tree):
    return tree["school_a"]


@pytest.fixture
def hr(tree):
    return city_hr(tree["city"])


def holders(tree, code="C", on=ON) -> tuple[int, int]:
    """(teachers counted, holders of `code`) at school A on `on`, as the rates page reads them
    (the stored figures, computed and stored on the first read)."""
    row = next(r for r in stored_holding_rates(tree["city"], on=on)
               if r.organisation.pk == tree["school_a"].pk)
    return row.counted, row.holders[code]


def test_issuing_a_certificate(tree, school, hr):
    teacher = TeacherFactory(school=school)
    assert holders(tree) == (1, 0)
    certificate_issue(teacher=teacher, level=level("C"), issued_on=ON - timedelta(days=30),
                      issued_by=hr)
    assert holders(tree) == (1, 1)


def test_importing_a_certificate(tree, school, hr):
    teacher = TeacherFactory(school=school)
    assert holders(tree) == (1, 0)
    certificate_record_imported(teacher=teacher, level_code="C", number="外-1",
                                issued_on=date(2025, 1, 1), expires_on=date(2029, 12, 31),
                                authority="外市教育局", recorded_by=hr)
    assert holders(tree) == (1, 1)


def test_revoking_a_certificate(tree, school, hr):
    teacher = TeacherFactory(school=school)
    cert = certificate(teacher, "C", issued_on=date(2025, 1, 1))
    assert holders(tree) == (1, 1)
    certificate_revoke(certificate=cert, revoked_by=hr, reason="证件造假", on=ON - timedelta(days=1))
    assert holders(tree) == (1, 0)


def test_renewing_a_certificate(tree, school):
    teacher = TeacherFactory(school=school)
    expires = ON - timedelta(days=10)
    cert = certificate(teacher, "C", issued_on=date(2021, 6, 21), expires_on=expires)
    training_entry_record(teacher=teacher, hours=level("C").renewal_hours + 1,
                          date=date(2024, 1, 10), title="线下培训", source="offline",
                          reference="renew:1")
    assert holders(tree) == (1, 0)  # expired ten days before
    assert certificate_renew(certificate=cert, on=expires)
    assert holders(tree) == (1, 1)


def test_restoring_an_imported_certificates_dates(tree, school, hr):
    """An imported certificate a job of ours renewed gets its authority's expiry back."""
    from certification.models import CertificateEvent
    from certification.services import (
        certificate_event_record,
        imported_certificates_restore,
    )

    teacher = TeacherFactory(school=school)
    cert, _made = certificate_record_imported(
        teacher=teacher, level_code="C", number="外-2", issued_on=date(2021, 2, 1),
        expires_on=date(2026, 1, 31), authority="外市教育局", recorded_by=hr)
    cert.expires_on = date(2031, 1, 31)
    cert.save(update_fields=["expires_on"])
    certificate_event_record(certificate=cert, kind=CertificateEvent.Kind.RENEWED,
                             note="2026-01-31 → 2031-01-31")
    assert holders(tree) == (1, 1)
    assert imported_certificates_restore(today=ON) == 1
    assert holders(tree) == (1, 0)


def _credential(name="国家三级心理咨询师"):
    return RecognisedCredential.objects.get(name=name)


def _credential_held(school):
    """A teacher of `school` holding a recognised credential (as level C) since 2020."""
    teacher = TeacherFactory(school=school)
    return teacher, TeacherCredential.objects.create(teacher=teacher, credential=_credential(),
                                                     obtained_on=date(2020, 5, 1))


def test_recording_a_teacher_credential(tree, school, hr):
    teacher = TeacherFactory(school=school)
    assert holders(tree) == (1, 0)
    teacher_credential_record(teacher=teacher, name=_credential().name,
                              obtained_on=date(2020, 5, 1), recorded_by=hr)
    assert holders(tree) == (1, 1)


def test_correcting_a_teacher_credential(tree, school, hr):
    teacher, held = _credential_held(school)
    assert holders(tree) == (1, 1)
    teacher_credential_update(held=held, teacher=teacher, credential=_credential(),
                              obtained_on=date(2020, 5, 1), expires_on=date(2025, 4, 30),
                              updated_by=hr)
    assert holders(tree) == (1, 0)


def test_deleting_a_teacher_credential_in_the_admin(tree, school, client):
    _teacher, held = _credential_held(school)
    assert holders(tree) == (1, 1)
    response = _superuser_client(client).post(reverse("teacher_credentials:delete", args=[held.pk]))
    assert response.status_code == 302, response.status_code
    assert not TeacherCredential.objects.exists()
    assert holders(tree) == (1, 0)


def test_erasing_a_teachers_credentials(tree, school):
    teacher, _held = _credential_held(school)
    assert holders(tree) == (1, 1)
    teacher_credentials_erase(teacher=teacher)
    assert holders(tree) == (1, 0)


def test_recording_hours(tree, school):
    teacher = TeacherFactory(school=school)
    assert stored_pace(tree["city"], on=ON)["on_pace"] == 0
    training_entry_record(teacher=teacher, hours=Decimal(400), date=date(2026, 3, 1),
                          title="线下培训", source="offline", reference="pace:1")
    assert stored_pace(tree["city"], on=ON)["on_pace"] == 1


def test_an_employment_change(tree, school):
    leaving, staying = TeacherFactory(school=school), TeacherFactory(school=school)
    certificate(leaving, "C", issued_on=date(2025, 1, 1))
    assert holders(tree) == (2, 1)
    employment.employment_changes_apply(changes=[employment.Change(
        teacher_id=leaving.pk, on=ON - timedelta(days=5), school_id=school.pk, posts=leaving.posts,
        status=Teacher.Status.LEFT)], today=ON)
    assert staying.pk and holders(tree) == (1, 0)


def test_a_teachers_posts_change(tree, school):
    teacher = TeacherFactory(school=school)
    certificate(teacher, "C", issued_on=date(2025, 1, 1))
    assert stored_compliance(tree["city"], on=ON)[0] == 0  # a subject teacher needs C at most
    teacher.role = Teacher.Role.FULL_TIME_COUNSELLOR
    teacher.save()
    assert stored_compliance(tree["city"], on=ON)[0] == 1


def _superuser_client(client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser("root", "r@example.cn", "x"))
    return client


def test_what_a_post_requires_changes_in_the_admin(tree, school, client):
    TeacherFactory(school=school, role=Teacher.Role.HEAD_TEACHER)
    RoleRequirement.objects.filter(role=Teacher.Role.HEAD_TEACHER).delete()
    assert stored_compliance(tree["city"], on=ON)[0] == 0
    response = _superuser_client(client).post(reverse("role_requirements:add"), {
        "role": Teacher.Role.HEAD_TEACHER, "level": level("C").pk})
    assert response.status_code == 302, response.context["form"].errors
    assert stored_compliance(tree["city"], on=ON)[0] == 1
    requirement = RoleRequirement.objects.get(role=Teacher.Role.HEAD_TEACHER)
    response = client.post(reverse("role_requirements:delete", args=[requirement.pk]))
    assert response.status_code == 302
    assert stored_compliance(tree["city"], on=ON)[0] == 0


def test_the_new_teacher_period_changes_in_the_admin(tree, school, client):
    TeacherFactory(school=school, hire_date=ON - timedelta(days=200), first_work_date=None)
    assert holders(tree) == (0, 0)  # new under the twelve months that apply everywhere
    response = _superuser_client(client).post(reverse("new_teacher_periods:add"), {
        "organisation": tree["district_x"].pk, "months": 6})
    assert response.status_code == 302, response.context["form"].errors
    assert holders(tree) == (1, 0)
    period = NewTeacherPeriod.objects.get(organisation=tree["district_x"])
    response = client.post(reverse("new_teacher_periods:edit", args=[period.pk]), {
        "organisation": tree["district_x"].pk, "months": 12})
    assert response.status_code == 302, response.context["form"].errors
    assert holders(tree) == (0, 0)


def test_a_cycle_policy_added_in_the_admin(tree, school, client):
    teacher = TeacherFactory(school=school)
    training_entry_record(teacher=teacher, hours=Decimal(20), date=date(2026, 3, 1),
                          title="线下培训", source="offline", reference="policy:1")
    assert stored_pace(tree["city"], on=ON)["on_pace"] == 0  # 360 h in five years from 2026
    response = _superuser_client(client).post(reverse("cycle_policies:add"), {
        "organisation": tree["district_x"].pk, "years": 5, "hours": "50", "yearly_minimum": "",
        "start_year": 2026, "pace_rule": "prorated", "grace_days": 0,
        "category_minimums-TOTAL_FORMS": 0,
        "category_minimums-INITIAL_FORMS": 0, "category_minimums-MIN_NUM_FORMS": 0,
        "category_minimums-MAX_NUM_FORMS": 1000})
    assert response.status_code == 302, response.context["form"].errors
    assert stored_pace(tree["city"], on=ON)["on_pace"] == 1


def test_a_schools_student_count(tree, school):
    """Staffing is read live from the counts (no stored figure to drop): a count recorded shows
    at once."""
    assert next(r for r in staffing.staffing_rows(tree["city"], on=ON)
                if r.school.pk == school.pk).students is None
    student_count_record(organisation=school, on=ON - timedelta(days=1), count=1500)
    assert next(r for r in staffing.staffing_rows(tree["city"], on=ON)
                if r.school.pk == school.pk).students == 1500


def test_nothing_is_dropped_by_a_change_the_figures_do_not_read(tree, school):
    teacher = TeacherFactory(school=school)
    holders(tree)
    kept = set(SchoolFigure.objects.values_list("pk", flat=True))
    assert kept
    teacher.name = "改名后"
    teacher.save()
    assert set(SchoolFigure.objects.values_list("pk", flat=True)) == kept
