"""Records sealed whole (issue 27 §4): certificates and the decided records that credit hours
or issue a certificate are sealed in place, and a signed daily checkpoint of every chain head,
kept outside the database, finds rows cut from a chain whose head was rolled back or removed.
Each test makes one tampering with database access alone (raw SQL) and asserts that
verify_records names it."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from certification.checkpoints import checkpoint_folder, records_checkpoint_write
from certification.models import Application, Certificate, CertificateEvent, HourDeclaration
from certification.records import records_verify
from certification.services import certificate_revoke
from people.models import AuditEntry, ChainHead
from people.services import audit_record
from tests.certification.builders import certificate, hours, level
from tests.factories import district_hr

pytestmark = pytest.mark.django_db

NIGHT = datetime(2026, 12, 6, 18, 55, tzinfo=UTC)  # 02:55 in Shanghai, the 7th


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"
    return settings.PRIVATE_ROOT


def _sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _verify():
    out = StringIO()
    try:
        call_command("verify_records", "--no-alert", stdout=out)
    except CommandError:
        return out.getvalue(), True
    return out.getvalue(), False


def _checkpoint():
    out = StringIO()
    call_command("records_checkpoint", stdout=out)
    return out.getvalue()


# --- Truncation: rows cut from the end with the head rolled back ------------------------------


def test_a_ledger_tail_cut_with_its_head_rolled_back_is_named_from_the_checkpoint(teacher_a):
    entries = [hours(teacher_a, n, date(2024, 3, n)) for n in range(1, 6)]
    assert "chain heads signed" in _checkpoint()
    assert _verify() == ("All 5 rows match their chains.\n", False)
    _sql("DELETE FROM certification_trainingentry WHERE id IN (%s, %s)",
         [entries[3].pk, entries[4].pk])
    _sql("UPDATE people_chainhead SET seq = 3, digest = %s WHERE key = %s",
         [entries[2].digest, f"ledger:{teacher_a.pk}"])
    out, failed = _verify()
    assert failed and "REMOVED" in out and f"ledger:{teacher_a.pk}" in out
    assert "rows 4–5 removed, at the end of the chain: the checkpoint of" in out
    assert "recorded 5 rows" in out


def test_certificate_events_and_audit_tails_cut_with_heads_rolled_back_are_named(tree, teacher_a):
    hr = district_hr(tree["district_x"])
    first = certificate(teacher_a, "C")
    certificate_revoke(certificate=first, revoked_by=hr, reason="材料不实")
    audit_record(actor=hr, action="export", organisation=tree["school_a"])
    records_checkpoint_write(now=NIGHT)
    event = CertificateEvent.objects.get()
    audits = list(AuditEntry.objects.filter(organisation=tree["school_a"]).order_by("chain_seq"))
    _sql("DELETE FROM certification_certificateevent WHERE id = %s", [event.pk])
    _sql("DELETE FROM people_chainhead WHERE key = %s", [f"events:{teacher_a.pk}"])
    _sql("DELETE FROM people_auditentry WHERE id = %s", [audits[-1].pk])
    _sql("UPDATE people_chainhead SET seq = seq - 1, digest = %s WHERE key = %s",
         [audits[-2].digest, f"audit:{tree['school_a'].pk}"])
    _, findings = records_verify()
    removed = {(f.stream, f.chain) for f in findings if f.problem == "removed"}
    assert ("events", f"events:{teacher_a.pk}") in removed
    assert ("audit", f"audit:{tree['school_a'].pk}") in removed


def test_a_teachers_whole_ledger_deleted_with_its_head_is_named(teacher_a, teacher_b):
    for n in range(1, 4):
        hours(teacher_a, n, date(2024, 3, n))
    hours(teacher_b, 2, date(2024, 3, 1))
    records_checkpoint_write(now=NIGHT)
    _sql("DELETE FROM certification_trainingentry WHERE teacher_id = %s", [teacher_a.pk])
    _sql("DELETE FROM people_chainhead WHERE key = %s", [f"ledger:{teacher_a.pk}"])
    out, failed = _verify()
    assert failed and f"ledger:{teacher_a.pk}" in out
    assert "rows 1–3 removed: every row of the chain and its head" in out
    assert f"ledger:{teacher_b.pk}" not in out  # the other teacher's chain is whole


def test_a_revocation_deleted_with_its_head_rolled_back_and_the_certificate_reactivated(
        client, tree, teacher_a):
    hr = district_hr(tree["district_x"])
    cert = certificate(teacher_a, "C", issued_on=date(2026, 1, 10))
    certificate_revoke(certificate=cert, revoked_by=hr, reason="材料不实")
    records_checkpoint_write(now=NIGHT)
    _sql("DELETE FROM certification_certificateevent WHERE certificate_id = %s", [cert.pk])
    _sql("DELETE FROM people_chainhead WHERE key = %s", [f"events:{teacher_a.pk}"])
    _sql("UPDATE certification_certificate SET status = 'active', ended_on = NULL WHERE id = %s",
         [cert.pk])
    out, failed = _verify()
    assert failed and f"certificates:{cert.pk}" in out and f"events:{teacher_a.pk}" in out
    # The public page does not call it valid: it says it cannot be confirmed.
    page = client.get(reverse("certification:verify", args=[cert.verification_code]))
    html = page.content.decode()
    assert "无法确认" in html and "有效期" not in html and 'badge ok' not in html


# --- Sealed rows edited in place -----------------------------------------------------------------


@pytest.mark.parametrize("column, value", [
    ("expires_on", "2099-12-31"), ("status", "revoked"), ("number", "T-A-99999"),
    ("level_id", None),
])
def test_a_certificate_edited_in_place_is_named(client, teacher_a, column, value):
    cert = certificate(teacher_a, "C", issued_on=date(2026, 1, 10))
    other = certificate(teacher_a, "B", issued_on=date(2026, 1, 10))
    value = level("A").pk if column == "level_id" else value
    _sql(f"UPDATE certification_certificate SET {column} = %s WHERE id = %s", [value, cert.pk])
    out, failed = _verify()
    assert failed and f"certificate {cert.pk} differs" in out
    assert f"certificate {other.pk}" not in out
    html = client.get(reverse("certification:verify", args=[cert.verification_code])).content.decode()
    assert "无法确认" in html
    good = client.get(reverse("certification:verify", args=[other.verification_code])).content.decode()
    assert "无法确认" not in good and "badge ok" in good


def test_a_copied_seal_does_not_make_an_edited_certificate_pass(teacher_a):
    one, two = certificate(teacher_a, "C"), certificate(teacher_a, "B")
    _sql("UPDATE certification_certificate SET status = 'expired', seal = %s WHERE id = %s",
         [one.seal, two.pk])
    _, findings = records_verify()
    assert [(f.stream, f.pk) for f in findings] == [("certificates", two.pk)]


def test_an_application_status_edited_in_place_is_named(teacher_a):
    app = Application.objects.create(teacher=teacher_a, level=level("C"),
                                     status=Application.Status.REJECTED)
    assert app.seal and records_verify()[1] == []
    _sql("UPDATE certification_application SET status = 'approved' WHERE id = %s", [app.pk])
    out, failed = _verify()
    assert failed and f"certificate application {app.pk} differs" in out


def test_completion_hours_edited_in_place_are_named(teacher_a):
    from courses.models import CourseCompletion
    from tests.courses.builders import course

    completion = CourseCompletion.objects.create(user=teacher_a.user, course=course(),
                                                 hours=Decimal("6.0"))
    assert records_verify()[1] == []
    _sql("UPDATE courses_coursecompletion SET hours = 60 WHERE id = %s", [completion.pk])
    out, failed = _verify()
    assert failed and f"course completion {completion.pk} differs" in out


def test_an_approved_declarations_hours_edited_in_place_are_named(tree, teacher_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from certification import declarations as svc
    from tests.factories import school_admin

    d = svc.declaration_submit(
        teacher=teacher_a, title="骨干教师培训", organiser="省教育厅", started_on=date(2024, 7, 1),
        ended_on=date(2024, 7, 5), hours="24", category="knowledge",
        files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%test\n")])
    svc.declaration_school_check(declaration=d, checked_by=school_admin(tree["school_a"]))
    d = svc.declaration_approve(declaration=d, decided_by=district_hr(tree["district_x"]))
    assert HourDeclaration.objects.get(pk=d.pk).status == "approved"
    assert records_verify()[1] == []
    _sql("UPDATE certification_hourdeclaration SET hours = 240 WHERE id = %s", [d.pk])
    out, failed = _verify()
    assert failed and f"hours declaration {d.pk} differs" in out


def test_service_and_orm_writes_keep_rows_sealed(tree, teacher_a):
    """Bulk updates through the ORM (the nightly expiry) re-seal what they change."""
    from certification.services import certificates_expire

    cert = certificate(teacher_a, "C", issued_on=date(2019, 1, 10), expires_on=date(2024, 1, 9))
    assert certificates_expire(on=date(2024, 6, 1)) == 1
    cert.refresh_from_db()
    assert cert.status == Certificate.Status.EXPIRED
    Certificate.objects.bulk_create([Certificate(
        number="BULK-1", level=level("C"), teacher=teacher_a, issued_on=date(2024, 1, 1),
        expires_on=date(2029, 1, 1), authority="测试教育局")])
    assert records_verify()[1] == []


# --- The checkpoints themselves ------------------------------------------------------------------


def test_a_checkpoint_is_signed_and_a_forged_one_is_named(teacher_a, private_root):
    hours(teacher_a, 1, date(2024, 3, 1))
    checkpoint = records_checkpoint_write(now=NIGHT)
    assert checkpoint.path == private_root / "records" / "checkpoints" / "2026-12-07.json"
    document = json.loads(checkpoint.path.read_text())
    assert document["heads"][f"ledger:{teacher_a.pk}"][0] == 1 and document["signature"]
    # Someone who can write the file but has not the key: shrink the recorded head.
    document["heads"][f"ledger:{teacher_a.pk}"] = [0, "0" * 64]
    checkpoint.path.write_text(json.dumps(document))
    out, failed = _verify()
    assert failed and "2026-12-07.json does not bear the authority's signature" in out


def test_a_checkpoint_never_moves_a_head_backwards(teacher_a):
    entries = [hours(teacher_a, n, date(2024, 3, n)) for n in range(1, 4)]
    records_checkpoint_write(now=NIGHT)
    _sql("DELETE FROM certification_trainingentry WHERE id = %s", [entries[-1].pk])
    ChainHead.objects.filter(key=f"ledger:{teacher_a.pk}").update(seq=2,
                                                                    digest=entries[1].digest)
    # The next night's checkpoint is made after the cut: the loss is still named the day after.
    records_checkpoint_write(now=NIGHT.replace(day=7))
    assert sorted(p.name for p in checkpoint_folder().iterdir()) == ["2026-12-07.json",
                                                                     "2026-12-08.json"]
    out, failed = _verify()
    assert failed and "row 3 removed" in out and "the checkpoint of 2026-12-08" in out


def test_the_checkpoint_is_scheduled_nightly_and_the_task_writes_it(settings, teacher_a):
    from certification.tasks import records_checkpoint

    entry = settings.CELERY_BEAT_SCHEDULE["certification-records-checkpoint"]
    assert entry["task"] == "certification.records_checkpoint"
    hours(teacher_a, 1, date(2024, 3, 1))
    assert records_checkpoint.delay().get() == 1
    assert list(checkpoint_folder().glob("*.json"))
