import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from certification.models import Application, Certificate, CertificateEvent
from certification.services import (
    application_approve,
    application_reject,
    application_submit,
    certificate_issue,
    certificate_record_imported,
)
from tests.factories import TeacherFactory, district_hr

from .builders import hours, level


def eligible_for_c(teacher):
    hours(teacher, 24, date.today())


def test_approval_issues_a_numbered_certificate_once(tree, teacher_a, settings):
    settings.CERTIFICATE_NUMBER_FORMAT = "{region}-{level}-{year}-{seq:05d}"
    eligible_for_c(teacher_a)
    app = application_submit(teacher=teacher_a, level=level("C"), submitted_by=teacher_a.user)
    hr = district_hr(tree["district_x"])
    cert = application_approve(application=app, decided_by=hr)
    again = application_approve(application=app, decided_by=hr)
    assert cert.pk == again.pk and Certificate.objects.count() == 1
    year = date.today().year
    assert cert.number == f"{tree['city'].code}-C-{year}-00001"
    assert len(cert.verification_code) >= 20
    app.refresh_from_db()
    assert app.status == "approved" and app.eligibility["eligible"] is True
    assert list(cert.events.values_list("kind", flat=True)) == ["issued"]
    second = TeacherFactory(school=tree["school_a2"])
    eligible_for_c(second)
    app2 = application_submit(teacher=second, level=level("C"), submitted_by=second.user)
    assert application_approve(application=app2, decided_by=hr).number.endswith("-00002")


def test_ineligible_application_is_kept_but_cannot_be_approved(tree, teacher_a):
    from .builders import certificate

    certificate(teacher_a, "C")  # B's lower certificate held; its hours are missing
    app = application_submit(teacher=teacher_a, level=level("B"), submitted_by=teacher_a.user)
    assert app.eligibility["eligible"] is False
    with pytest.raises(ValidationError):
        application_approve(application=app, decided_by=district_hr(tree["district_x"]))
    with pytest.raises(ValidationError):
        application_submit(teacher=teacher_a, level=level("B"), submitted_by=teacher_a.user)


def test_no_application_without_the_lower_certificate(teacher_a):
    with pytest.raises(ValidationError, match="须先持有 C 证"):
        application_submit(teacher=teacher_a, level=level("B"), submitted_by=teacher_a.user)
    assert not Application.objects.exists()


def test_teacher_cannot_apply_for_another(teacher_a, teacher_b):
    with pytest.raises(PermissionDenied):
        application_submit(teacher=teacher_b, level=level("C"), submitted_by=teacher_a.user)
    assert not Application.objects.exists()


def test_hr_of_another_district_cannot_review(tree, teacher_a):
    eligible_for_c(teacher_a)
    app = application_submit(teacher=teacher_a, level=level("C"), submitted_by=teacher_a.user)
    other = district_hr(tree["district_y"])
    with pytest.raises(PermissionDenied):
        application_approve(application=app, decided_by=other)
    with pytest.raises(PermissionDenied):
        application_reject(application=app, decided_by=other, reason="不在辖区")
    app.refresh_from_db()
    assert app.status == "pending" and not Certificate.objects.exists()


def test_rejection_needs_reason(tree, teacher_a):
    app = application_submit(teacher=teacher_a, level=level("C"), submitted_by=teacher_a.user)
    hr = district_hr(tree["district_x"])
    with pytest.raises(ValidationError):
        application_reject(application=app, decided_by=hr, reason="")
    application_reject(application=app, decided_by=hr, reason="学时不足")
    app.refresh_from_db()
    assert (app.status, app.reason, app.decided_by) == ("rejected", "学时不足", hr)


def test_same_level_reissue_supersedes_higher_level_does_not(tree, teacher_a):
    hr = district_hr(tree["district_x"])
    c1 = certificate_issue(teacher=teacher_a, level=level("C"), issued_on=date(2022, 1, 1),
                           issued_by=hr)
    b = certificate_issue(teacher=teacher_a, level=level("B"), issued_on=date(2023, 1, 1),
                          issued_by=hr)
    c1.refresh_from_db()
    assert c1.status == "active"
    c2 = certificate_issue(teacher=teacher_a, level=level("C"), issued_on=date(2024, 1, 1),
                           issued_by=hr)
    c1.refresh_from_db()
    b.refresh_from_db()
    assert (c1.status, b.status, c2.status) == ("superseded", "active", "active")
    assert CertificateEvent.objects.filter(certificate=c1, kind="superseded").exists()


def test_imported_certificate_is_idempotent_by_number(teacher_a):
    args = {"teacher": teacher_a, "level_code": "B", "number": "粤心B-2019-0088",
                "issued_on": date(2019, 6, 1), "expires_on": date(2030, 5, 31),
                "authority": "广东省心理健康教育指导中心", "recorded_by": None}
    cert, created = certificate_record_imported(**args)
    again, created_again = certificate_record_imported(**args)
    assert created and not created_again and cert.pk == again.pk
    assert (cert.source, cert.status, cert.level.code) == ("imported", "active", "B")
    assert list(cert.events.values_list("kind", flat=True)) == ["imported"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_approvals_never_duplicate_numbers(tree):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) need PostgreSQL; SQLite serialises writes")
    hr = district_hr(tree["district_x"])
    apps = []
    for _ in range(8):
        t = TeacherFactory(school=tree["school_a"])
        hours(t, Decimal("24"), date.today())
        apps.append(application_submit(teacher=t, level=level("C"), submitted_by=t.user))
    barrier = threading.Barrier(len(apps))
    errors = []

    def approve(app):
        from django.db import connection as conn

        try:
            barrier.wait()
            application_approve(application=app, decided_by=hr)
            # The same application approved twice at once still issues one certificate.
            application_approve(application=app, decided_by=hr)
        except Exception as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=approve, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    numbers = list(Certificate.objects.values_list("number", flat=True))
    assert len(numbers) == len(apps) == len(set(numbers))
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, len(apps) + 1))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_number_counter_holds_under_contention(tree):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) need PostgreSQL; SQLite serialises writes")
    from django.db import transaction

    from certification.services import certificate_number_next

    certificate_number_next(region="R", level_code="C", year=2030)  # the row exists
    barrier = threading.Barrier(4)
    numbers, errors = [], []

    def take():
        from django.db import connection as conn

        try:
            barrier.wait()
            for _ in range(25):
                with transaction.atomic():
                    numbers.append(certificate_number_next(region="R", level_code="C",
                                                           year=2030))
        except Exception as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(numbers) == [f"R-C-2030-{n:05d}" for n in range(2, 102)]
