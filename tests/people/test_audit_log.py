"""The audit log: staff actions on teachers, certificates, imports, exports and workload are
recorded once each, with who and when, and HR read only the entries of their own scope."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from certification import services as cert_services
from certification.models import Application, CertificateLevel, TrainingEntry
from hr.services import job_export_create
from people.models import AuditEntry
from tests.factories import district_hr, school_admin


@pytest.fixture
def hr_x(tree):
    return district_hr(tree["district_x"])


@pytest.fixture
def hr_y(tree):
    return district_hr(tree["district_y"])


def _eligible_application(teacher) -> Application:
    TrainingEntry.objects.create(teacher=teacher, source=TrainingEntry.Source.OFFLINE,
                                 hours=Decimal("24"), date=date.today() - timedelta(days=9),
                                 title="线下培训", reference=f"t:{teacher.pk}")
    return cert_services.application_submit(
        teacher=teacher, level=CertificateLevel.objects.get(code="C"), submitted_by=teacher.user)


def test_staff_actions_are_logged_once_each_with_who_and_what(hr_x, teacher_a,
                                                               django_capture_on_commit_callbacks):
    cert = cert_services.application_approve(application=_eligible_application(teacher_a),
                                             decided_by=hr_x)
    cert_services.certificate_revoke(certificate=cert, revoked_by=hr_x, reason="材料不实")
    cert_services.training_entry_correct(teacher=teacher_a, hours=Decimal("-2"),
                                         date=date.today(), reason="重复录入", recorded_by=hr_x)
    with django_capture_on_commit_callbacks(execute=False):
        job_export_create(requester=hr_x, sheet="roster", params={"level": "C"})
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", "target", "actor_name"))
    assert actions == [
        ("certificate.issue", cert.number, hr_x.username),
        ("certificate.revoke", cert.number, hr_x.username),
        ("hours.correct", teacher_a.employee_no, hr_x.username),
        ("export", "roster", hr_x.username),
    ]
    # No names in the log: numbers only.
    assert not AuditEntry.objects.filter(detail__contains=teacher_a.name).exists()
    assert AuditEntry.objects.get(action="export").detail == "level=C"


def test_workload_decisions_are_logged(tree):
    from certification.workload import services as workload
    from tests.workload.builders import counsellor, entry

    admin = school_admin(tree["school_a"])
    logged = entry(counsellor(tree["school_a"]), submit=True)
    workload.workload_entry_return(entry=logged, by=admin, reason="请补充次数")
    entry = AuditEntry.objects.get()
    assert entry.action == "workload.return" and entry.organisation == tree["school_a"]
    assert "请补充次数" in entry.detail


def test_hr_read_only_their_scope(client, hr_x, hr_y, teacher_a, teacher_b):
    cert_services.application_approve(application=_eligible_application(teacher_a), decided_by=hr_x)
    cert_services.application_approve(application=_eligible_application(teacher_b), decided_by=hr_y)
    client.force_login(hr_x)
    page = client.get(reverse("people:audit_log")).content.decode()
    mine = AuditEntry.objects.get(organisation=teacher_a.school).target
    theirs = AuditEntry.objects.get(organisation=teacher_b.school).target
    assert mine in page and theirs not in page and "颁发证书" in page


def test_teachers_and_school_admins_cannot_read_it(client, tree, teacher_a):
    client.force_login(teacher_a.user)
    assert client.get(reverse("people:audit_log")).status_code == 403
    client.force_login(school_admin(tree["school_a"]))
    assert client.get(reverse("people:audit_log")).status_code == 403


def test_an_action_that_rolls_back_leaves_no_entry(hr_x, teacher_a):
    application = _eligible_application(teacher_a)
    cert_services.application_approve(application=application, decided_by=hr_x)
    with pytest.raises(ValidationError, match="该申请已审核"):
        cert_services.application_reject(application=application, decided_by=hr_x, reason="晚了")
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["certificate.issue"]


def test_a_teacher_edited_in_the_admin_is_logged_with_the_fields_not_the_values(client, hr_x,
                                                                                teacher_a):
    client.force_login(hr_x)
    response = client.post(reverse("teachers:edit", args=[teacher_a.pk]), {
        "name": teacher_a.name, "gender": "M", "school": teacher_a.school_id,
        "role": "head_teacher", "posts": ["head_teacher"], "hire_date": "2015-09-01",
        "status": "active"})
    assert response.status_code == 302, response.content.decode()[:500]
    entry = AuditEntry.objects.get(action="teacher.change")
    assert entry.target == teacher_a.employee_no and entry.actor == hr_x
    assert set(entry.detail.split(", ")) == {"gender", "role", "posts"}


def test_the_log_names_sheets_and_codes_issued_in_words(client, hr_x, tree, teacher_a,
                                                        django_capture_on_commit_callbacks):
    from people.services import activation_codes_issue, audit_record

    with django_capture_on_commit_callbacks(execute=False):
        job_export_create(requester=hr_x, sheet="parent_reach", params={})
        job_export_create(requester=hr_x, sheet="roster", params={})
    activation_codes_issue(teachers=[teacher_a], issued_by=hr_x, organisation=teacher_a.school)
    # An entry written before, in both languages, reads in the page's language too.
    audit_record(actor=hr_x, action=AuditEntry.Action.ACTIVATION_ISSUE, organisation=tree["school_a"],
                 target="S-A", detail="3 个激活码 codes, 有效期至 valid until 2026-01-31")
    client.force_login(hr_x)
    page = client.get(reverse("people:audit_log")).content.decode()
    assert "家长学校" in page and "持证名册" in page
    assert ">parent_reach<" not in page and ">roster<" not in page
    assert "3 个激活码，有效期至 2026-01-31" in page and "1 个激活码，有效期至" in page
    assert "valid until" not in page and "codes" not in page
