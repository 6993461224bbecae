"""One rule for a certificate's validity on a date, read from its dates and the day it was
revoked or superseded, never from today's status; holding rates on past dates follow it."""

from datetime import date, timedelta

from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from certification.models import Certificate, CertificateEvent
from certification.selectors import holding_rates
from certification.services import certificate_issue, certificate_revoke
from certification.tasks import certificates_daily
from hr.privacy import personal_data_erase
from people.models import AuditEntry
from tests.factories import TeacherFactory, district_hr, staff

from .builders import certificate, level


def test_a_certificate_is_valid_between_its_dates_until_revoked(tree, teacher_a):
    hr = district_hr(tree["district_x"])
    cert = certificate(teacher_a, "C", issued_on=date(2022, 1, 1), expires_on=date(2026, 12, 31))
    revoked = certificate_revoke(certificate=cert, revoked_by=hr, reason="证件造假",
                                 on=date(2024, 3, 1))
    for day, valid in ((date(2021, 12, 31), False), (date(2022, 1, 1), True),
                       (date(2024, 2, 29), True), (date(2024, 3, 1), False),
                       (date(2026, 12, 31), False)):
        assert revoked.is_valid_on(day) is valid
        assert Certificate.objects.valid_on(day).filter(pk=cert.pk).exists() is valid
    assert revoked.status_on(date(2023, 1, 1)) == "active"
    assert revoked.status_on(date(2024, 3, 1)) == "revoked"
    assert CertificateEvent.objects.filter(certificate=cert, kind="revoked").count() == 1
    assert AuditEntry.objects.filter(action=AuditEntry.Action.CERTIFICATE_REVOKE,
                                     target=cert.number).exists()


def test_a_reissue_supersedes_from_its_own_issue_date(tree, teacher_a):
    hr = staff("city_hr", tree["city"])
    old = certificate(teacher_a, "C", issued_on=date(2020, 1, 1))
    new = certificate_issue(teacher=teacher_a, level=level("C"), issued_on=date(2023, 5, 1),
                            issued_by=hr)
    old.refresh_from_db()
    assert old.status == "superseded" and old.ended_on == date(2023, 5, 1)
    assert old.is_valid_on(date(2023, 4, 30)) and not old.is_valid_on(date(2023, 5, 1))
    assert new.is_valid_on(date(2023, 5, 1))


def test_the_verify_page_reads_validity_from_dates(client, teacher_a):
    cert = certificate(teacher_a, "C", issued_on=date(2019, 1, 1), expires_on=date(2023, 12, 31))
    # Still "active" in the database: the nightly job has not run, but the dates say expired.
    page = client.get(f"/verify/{cert.verification_code}/")
    assert page.context["valid"] is False
    assert page.context["status_label"] == Certificate.Status.EXPIRED.label


def test_erasure_revokes_through_the_service(tree, teacher_a):
    hr = district_hr(tree["district_x"])
    cert = certificate(teacher_a, "C", issued_on=date(2022, 1, 1))
    personal_data_erase(teacher=teacher_a, by=hr, reason="PIPL-2026-01")
    cert.refresh_from_db()
    today = timezone.localdate()
    assert cert.status == "revoked" and cert.ended_on == today
    assert cert.is_valid_on(today - timedelta(days=1)) and not cert.is_valid_on(today)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.CERTIFICATE_REVOKE,
                                     target=cert.number).exists()


def test_a_past_rate_is_unchanged_by_the_daily_job(tree):
    on = date(2023, 6, 30)
    teachers = [TeacherFactory(school=tree["school_a"]) for _ in range(4)]
    certificate(teachers[0], "C", issued_on=date(2019, 1, 1), expires_on=date(2023, 12, 31))
    certificate(teachers[1], "C", issued_on=date(2018, 7, 1), expires_on=date(2023, 6, 30))
    certificate(teachers[2], "C", issued_on=date(2018, 7, 1), expires_on=date(2023, 6, 29))

    def c_holders():
        return {r.organisation.name: r.holders["C"]
                for r in holding_rates(tree["city"], on=on)}["甲一中"]

    before = c_holders()
    assert before == 2
    certificates_daily.delay()
    assert Certificate.objects.filter(status="expired").count() == 3
    assert c_holders() == before


def test_export_holding_on_a_past_date_with_targets_and_a_trend(tree, tmp_path):
    teachers = [TeacherFactory(school=tree["school_a"]) for _ in range(4)]
    certificate(teachers[0], "C", issued_on=date(2019, 1, 1), expires_on=date(2023, 12, 31))
    certificate(teachers[1], "C", issued_on=date(2022, 1, 1))
    certificates_daily.delay()
    out = tmp_path / "holding.xlsx"
    hr = staff("city_hr", tree["city"])
    call_command("export_sheet", "holding", "--org", tree["district_x"].code, "--out", str(out),
                 "--user", hr.username, "--on", "2023-06-30")
    book = load_workbook(out)
    rows = list(book.worksheets[0].values)
    header = list(rows[0])
    school = next(r for r in rows if r[2] == "甲一中")
    assert school[header.index("C证持证率")] == 0.5
    assert school[header.index("C证目标")] == 0.8
    assert abs(school[header.index("C证差距")] - 0.3) < 1e-9
    trend = list(book.worksheets[1].values)
    assert book.worksheets[1].title == "持证率趋势" and len(trend) == 1 + 24
    assert trend[-1][0].date() == date(2023, 6, 30) and trend[-1][2] == 0.5
    assert trend[1][0].date() == date(2021, 7, 31) and trend[1][2] == 0.25  # only the 2019 one


def test_the_new_teacher_period_is_exact_months():
    from certification.selectors import new_teacher_since

    assert new_teacher_since(date(2024, 6, 30), 12) == date(2023, 6, 30)
    assert new_teacher_since(date(2024, 5, 31), 3) == date(2024, 2, 29)
    assert new_teacher_since(date(2023, 5, 31), 3) == date(2023, 2, 28)
    assert new_teacher_since(date(2024, 12, 31), 1) == date(2024, 11, 30)
