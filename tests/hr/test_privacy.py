"""One teacher's personal data (PIPL): HR in scope download everything held about them, and
erase it; certificate history and hours stay, anonymised, and the person can no longer log in."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from certification.models import Certificate, CertificateEvent, CertificateLevel, TrainingEntry
from certification.workload.services import workload_entry_create
from people.models import AuditEntry, Teacher
from tests.factories import TeacherFactory, district_hr, school_admin
from tests.workload.builders import activity


@pytest.fixture
def hr_x(tree):
    return district_hr(tree["district_x"])


@pytest.fixture
def person(tree):
    """A counsellor of school A with a certificate, hours and a workload note."""
    teacher = TeacherFactory(school=tree["school_a"], name="周晓岚", employee_no="P2019007",
                             role=Teacher.Role.PART_TIME_COUNSELLOR)
    teacher.user.email = "zhou.xl@school.example.cn"
    teacher.user.save()
    Certificate.objects.create(number="SF-C-2023-P7", level=CertificateLevel.objects.get(code="C"),
                               teacher=teacher, issued_on=date(2023, 3, 1),
                               expires_on=date(2028, 2, 28), authority="心育示范市教育局")
    TrainingEntry.objects.create(teacher=teacher, source=TrainingEntry.Source.OFFLINE,
                                 hours=Decimal("12"), date=date(2024, 5, 6), title="团体辅导工作坊",
                                 reference="p7:1")
    workload_entry_create(by=teacher.user, activity_type=activity("individual_counselling"),
                          date=date(2024, 3, 4), quantity=Decimal("1"), note="学业压力")
    return teacher


def test_hr_downloads_everything_held_about_the_teacher_and_nothing_else(client, hr_x, person,
                                                                          teacher_a):
    client.force_login(hr_x)
    response = client.get(reverse("hr:teacher_data_export", args=[person.pk]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["profile"]["name"] == "周晓岚" and data["profile"]["email"] == "zhou.xl@school.example.cn"
    assert [c["number"] for c in data["certificates"]] == ["SF-C-2023-P7"]
    assert [t["hours"] for t in data["training_hours"]] == ["12.00"]
    assert [w["note"] for w in data["workload"]] == ["学业压力"]
    assert teacher_a.employee_no not in response.content.decode()
    assert AuditEntry.objects.filter(action="personal_data.export", target="P2019007").exists()


def test_erasure_removes_what_identifies_and_keeps_the_certificate_history(client, hr_x, person):
    client.force_login(hr_x)
    url = reverse("hr:teacher_erase", args=[person.pk])
    # The employee number must be typed to confirm; a wrong one erases nothing.
    response = client.post(url, {"confirm": "P2019008", "reason": "本人申请 2026-11-20"})
    assert response.status_code == 200 and "不是该教师的工号" in response.content.decode()
    person.refresh_from_db()
    assert person.name == "周晓岚"

    response = client.post(url, {"confirm": "P2019007", "reason": "本人申请 2026-11-20"}, follow=True)
    assert response.status_code == 200
    person.refresh_from_db()
    person.user.refresh_from_db()
    # The hire date stays: it decides who was a new teacher on a past day's figures.
    assert person.is_erased and person.employee_no != "P2019007" and person.hire_date is not None
    assert not person.is_active and not person.user.is_active and person.user.email == ""
    assert not person.user.has_usable_password()
    page = response.content.decode()
    assert "周晓岚" not in page and "P2019007" not in page and "SF-C-2023-P7" in page
    # The certificate is kept, revoked, with its history; the hours stay for the counts.
    cert = Certificate.objects.get(number="SF-C-2023-P7")
    assert cert.teacher_id == person.pk and cert.status == Certificate.Status.REVOKED
    assert CertificateEvent.objects.filter(certificate=cert, kind="revoked").exists()
    assert TrainingEntry.objects.get(teacher=person).hours == Decimal("12")
    assert person.workload_entries.get().note == ""
    entry = AuditEntry.objects.get(action="personal_data.erase")
    assert entry.target == person.employee_no and "周晓岚" not in entry.detail
    # Revoked and blanked through certification's services: their audit rows, on the chains.
    assert AuditEntry.objects.filter(action="certificate.revoke", target="SF-C-2023-P7").exists()
    assert not AuditEntry.objects.filter(target="P2019007").exclude(
        action="personal_data.export").exists()
    from certification.records import records_verify

    # (The fixture wrote its ledger row directly, so only events and audit are asserted.)
    assert [f for f in records_verify()[1] if f.stream != "ledger"] == []
    # The person can no longer log in.
    assert not client.login(username="P2019007", password="pass-1234")


def test_only_hr_in_scope(client, tree, person):
    client.force_login(district_hr(tree["district_y"]))
    assert client.get(reverse("hr:teacher_data_export", args=[person.pk])).status_code == 404
    assert client.post(reverse("hr:teacher_erase", args=[person.pk]),
                       {"confirm": "P2019007", "reason": "x"}).status_code == 404
    client.force_login(school_admin(tree["school_a"]))
    assert client.get(reverse("hr:teacher_data_export", args=[person.pk])).status_code == 403
    person.refresh_from_db()
    assert person.name == "周晓岚"
