from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from certification import tasks
from certification.eligibility import years_after
from certification.models import CertificateEvent, Reminder
from certification.services import certificate_revoke
from tests.factories import district_hr

from .builders import certificate, hours


def test_beat_task_expires_past_certificates_once(teacher_a):
    today = timezone.localdate()
    old = certificate(teacher_a, "C", issued_on=today - timedelta(days=2000),
                      expires_on=today - timedelta(days=1))
    current = certificate(teacher_a, "B", issued_on=today - timedelta(days=10),
                          expires_on=today)
    assert tasks.certificates_daily.delay().get() == {"renewed": 0, "expired": 1}
    assert tasks.certificates_daily.delay().get() == {"renewed": 0, "expired": 0}
    old.refresh_from_db()
    current.refresh_from_db()
    assert (old.status, current.status) == ("expired", "active")
    assert CertificateEvent.objects.filter(certificate=old, kind="expired").count() == 1


def test_beat_task_renews_when_renewal_hours_met(teacher_a):
    today = timezone.localdate()
    issued = today - timedelta(days=5 * 365 - 40)
    cert = certificate(teacher_a, "C", issued_on=issued, expires_on=today + timedelta(days=40))
    hours(teacher_a, 20, issued + timedelta(days=100))
    hours(teacher_a, 10, issued - timedelta(days=1))  # before the validity: does not count
    tasks.certificates_daily.delay()
    cert.refresh_from_db()
    assert cert.expires_on == today + timedelta(days=40)  # 20 < 24 renewal hours
    hours(teacher_a, 4, today)
    assert tasks.certificates_daily.delay().get()["renewed"] == 1
    cert.refresh_from_db()
    new_expiry = years_after(today + timedelta(days=40), 5)
    assert (cert.status, cert.expires_on, cert.renewed_on) == ("active", new_expiry, today)
    assert cert.events.filter(kind="renewed").count() == 1
    # Renewal restarts the count: the same hours do not renew it again.
    assert tasks.certificates_daily.delay().get()["renewed"] == 0


def test_expiry_reminders_at_90_and_30_days_once_each(teacher_a):
    today = timezone.localdate()
    cert = certificate(teacher_a, "C", issued_on=today - timedelta(days=1000),
                       expires_on=today + timedelta(days=80))
    tasks.expiry_reminders.delay()
    tasks.expiry_reminders.delay()
    assert len(mail.outbox) == 1 and cert.number in mail.outbox[0].subject
    assert mail.outbox[0].to == [teacher_a.user.email]
    cert.expires_on = today + timedelta(days=30)
    cert.save()
    tasks.expiry_reminders.delay()
    tasks.expiry_reminders.delay()
    assert len(mail.outbox) == 2
    assert Reminder.objects.count() == 2


def test_pace_reminder_for_teachers_behind(teacher_a, teacher_b):
    hours(teacher_b, 360, timezone.localdate())
    assert tasks.pace_reminders.delay().get() == 1
    assert tasks.pace_reminders.delay().get() == 0
    assert [m.to for m in mail.outbox] == [[teacher_a.user.email]]


def test_revocation_needs_reason_scope_and_is_recorded(tree, teacher_a):
    cert = certificate(teacher_a, "B")
    with pytest.raises(PermissionDenied):
        certificate_revoke(certificate=cert, revoked_by=district_hr(tree["district_y"]),
                           reason="材料不实")
    hr = district_hr(tree["district_x"])
    certificate_revoke(certificate=cert, revoked_by=hr, reason="材料不实")
    cert.refresh_from_db()
    event = cert.events.get(kind="revoked")
    assert (cert.status, event.actor, event.note) == ("revoked", hr, "材料不实")


def test_renewal_hours_counted_only_within_validity(teacher_a):
    from certification.services import renewal_hours_earned

    cert = certificate(teacher_a, "C", issued_on=date(2022, 1, 1), expires_on=date(2026, 12, 31))
    hours(teacher_a, 5, date(2021, 12, 31))
    hours(teacher_a, 7, date(2022, 1, 1))
    assert renewal_hours_earned(cert, on=date(2024, 1, 1)) == Decimal("7")
