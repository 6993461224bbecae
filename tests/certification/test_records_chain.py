"""The hash chains: every row written by a service is sealed; verify_records names each row
changed, inserted or removed behind the services' back (raw SQL, the Django shell)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from certification.models import CertificateEvent, RecordsCheck, TrainingEntry
from certification.records import records_verify
from certification.services import certificate_revoke, training_entry_correct
from certification.tasks import records_verify as records_verify_task
from people.models import AuditEntry
from people.services import audit_record
from tests.certification.builders import certificate, hours
from tests.factories import district_hr, staff


def _verify():
    """verify_records' output and whether it failed."""
    from io import StringIO

    out = StringIO()
    try:
        call_command("verify_records", "--no-alert", stdout=out)
    except CommandError as exc:
        return out.getvalue(), str(exc)
    return out.getvalue(), None


def _sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def ledger(teacher_a):
    return [hours(teacher_a, n, date(2024, 3, n)) for n in range(1, 6)]


def test_service_writes_are_sealed_and_verify_clean(ledger, teacher_a, tree):
    hr = district_hr(tree["district_x"])
    training_entry_correct(teacher=teacher_a, hours=Decimal(-1), date=date(2024, 4, 1),
                           reason="重复登记", recorded_by=hr)
    certificate_revoke(certificate=certificate(teacher_a, "C"), revoked_by=hr, reason="测试")
    assert all(e.digest and e.chain_seq for e in TrainingEntry.objects.all())
    assert [e.chain_seq for e in TrainingEntry.objects.filter(teacher=teacher_a)
            .order_by("chain_seq")] == [1, 2, 3, 4, 5, 6]
    assert CertificateEvent.objects.get().digest and AuditEntry.objects.exists()
    out, failed = _verify()
    assert failed is None and "All" in out


def test_an_hour_entry_changed_by_raw_sql_is_named(ledger):
    target = ledger[2]
    _sql("UPDATE certification_trainingentry SET hours = %s WHERE id = %s", ["30.00", target.pk])
    out, failed = _verify()
    assert failed and f"row {target.pk}:" in out and "CHANGED" in out
    # Only that row: its neighbours still match their seals.
    assert out.count("CHANGED") == 1


@pytest.mark.parametrize("statement", [
    "UPDATE certification_trainingentry SET category_id = 'crisis' WHERE id = %s",
    # Clearing the flag to hide the change does not help: the seal covered it.
    ("UPDATE certification_trainingentry SET category_id = 'crisis', category_sealed = %s "
     "WHERE id = %s"),
])
def test_an_hour_entry_moved_to_another_category_by_raw_sql_is_named(ledger, statement):
    target = ledger[1]
    assert target.category_sealed and target.category_id == "other"
    params = [target.pk] if statement.count("%s") == 1 else [False, target.pk]
    _sql(statement, params)
    out, failed = _verify()
    assert failed and f"row {target.pk}:" in out and out.count("CHANGED") == 1


def test_lines_sealed_before_categories_keep_valid_seals(ledger):
    """A line sealed without its category (before categories existed) still verifies."""
    from certification.records import LEDGER_FIELDS
    from people import chain

    # Re-seal the chain as the old code did, then mark the lines so.
    rows = list(TrainingEntry.objects.order_by("chain_seq"))
    from django.db.models import QuerySet
    QuerySet(TrainingEntry).update(category_sealed=False, chain_seq=None, prev_digest="",
                                   digest="")
    from people.models import ChainHead
    ChainHead.objects.filter(key=f"ledger:{rows[0].teacher_id}").delete()
    chain.backfill(TrainingEntry._base_manager.all(), key_of=lambda e: f"ledger:{e.teacher_id}",
                   content_of=lambda e: {n: getattr(e, n) for n in LEDGER_FIELDS},
                   order=("teacher_id", "pk"))
    out, failed = _verify()
    assert failed is None and "All" in out


def test_a_deleted_entry_in_the_middle_of_a_chain_is_found(ledger, teacher_a):
    gone = ledger[2]
    _sql("DELETE FROM certification_trainingentry WHERE id = %s", [gone.pk])
    out, failed = _verify()
    assert failed and "REMOVED" in out and f"ledger:{teacher_a.pk}" in out
    assert "row 3 removed" in out and f"before training entry {ledger[3].pk}" in out


def test_a_removed_last_entry_and_a_shell_insert_are_found(ledger, teacher_a):
    _sql("DELETE FROM certification_trainingentry WHERE id = %s", [ledger[-1].pk])
    # The Django shell, bypassing the service: the row has no seal.
    forged = TrainingEntry.objects.create(teacher=teacher_a, source="offline",
                                          hours=Decimal(40), date=date(2024, 5, 1),
                                          title="补录", reference="shell:1")
    _, findings = records_verify()
    problems = {(f.problem, f.pk) for f in findings}
    assert ("inserted", forged.pk) in problems
    assert any(f.problem == "removed" and f.seq == 5 for f in findings)


def test_a_forged_row_with_a_recomputed_plain_hash_is_still_named(ledger, teacher_a):
    # Someone who copies the seal of another row (or computes SHA-256 without the key) fails.
    target = ledger[1]
    _sql("UPDATE certification_trainingentry SET title = %s, digest = %s WHERE id = %s",
         ["伪造", ledger[0].digest, target.pk])
    _, findings = records_verify()
    assert {f.pk for f in findings if f.problem == "changed"} >= {target.pk}


def test_certificate_events_and_audit_entries_changed_by_sql_are_named(tree, teacher_a):
    hr = district_hr(tree["district_x"])
    cert = certificate(teacher_a, "C")
    certificate_revoke(certificate=cert, revoked_by=hr, reason="材料不实")
    event = CertificateEvent.objects.get(certificate=cert)
    audit = AuditEntry.objects.get(action="certificate.revoke")
    _sql("UPDATE certification_certificateevent SET note = %s WHERE id = %s", ["", event.pk])
    _sql("UPDATE people_auditentry SET actor_name = %s WHERE id = %s", ["someone", audit.pk])
    _, findings = records_verify()
    named = {(f.stream, f.pk) for f in findings}
    assert ("events", event.pk) in named and ("audit", audit.pk) in named


def test_chains_are_per_teacher_and_per_organisation(tree, teacher_a, teacher_b):
    hours(teacher_a, 1, date(2024, 1, 1))
    hours(teacher_b, 2, date(2024, 1, 2))
    hours(teacher_a, 3, date(2024, 1, 3))
    assert sorted(TrainingEntry.objects.values_list("chain_seq", flat=True)) == [1, 1, 2]
    hr = staff("city_hr", tree["city"])
    audit_record(actor=hr, action="export", organisation=tree["school_a"])
    audit_record(actor=hr, action="export", organisation=tree["school_b"])
    assert set(AuditEntry.objects.values_list("chain_seq", flat=True)) == {1}


def test_the_daily_job_alerts_city_hr_on_the_desk(client, tree, ledger):
    city_hr = staff("city_hr", tree["city"])
    client.force_login(city_hr)
    assert records_verify_task.delay().get() == {"rows": 5, "problems": 0}
    assert "被改动" not in client.get(reverse("hr:desk")).content.decode()
    _sql("UPDATE certification_trainingentry SET hours = %s WHERE id = %s", ["99", ledger[0].pk])
    assert records_verify_task.delay().get()["problems"] == 1
    page = client.get(reverse("hr:desk")).content.decode()
    assert "被改动" in page and f"{ledger[0].pk}" in page
    # District HR see no city-wide alert.
    client.force_login(district_hr(tree["district_x"]))
    assert "被改动" not in client.get(reverse("hr:desk")).content.decode()
    assert RecordsCheck.objects.count() == 2


def test_rows_from_before_the_chains_are_sealed_by_the_backfill(ledger, teacher_a):
    # What the data migration does for rows written before chains existed (and the demo city
    # does after its bulk insert): seal them, in order, after what is already chained.
    TrainingEntry.objects.bulk_create([
        TrainingEntry(teacher=teacher_a, source="offline", hours=Decimal(2),
                      date=date(2023, 1, n), title="旧记录", reference=f"old:{n}")
        for n in range(1, 4)])
    assert records_verify()[1]
    from certification.records import records_backfill

    assert records_backfill()["ledger"] == 3
    checked, findings = records_verify()
    assert checked == 8 and findings == []


def _entry(teacher, n, reference=None):
    return TrainingEntry(teacher=teacher, hours=Decimal("1.5"), date=date(2024, 5, n % 28 + 1),
                         title="省平台", source=TrainingEntry.Source.IMPORT,
                         reference=reference or f"bulk:{teacher.pk}:{n}")


def test_a_bulk_append_reserves_each_chain_once_and_verifies_clean(ledger, teacher_a, tree):
    """A pushed batch: chains already long (teacher_a's five lines), chains new, several lines
    for one teacher; each chain goes on from its head, in order, and verify_records passes."""
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    from certification.records import training_entries_append
    from people.models import ChainHead
    from tests.factories import TeacherFactory

    others = [TeacherFactory(school=tree["school_a"]) for _ in range(40)]
    batch = [_entry(teacher_a, n) for n in range(3)]
    batch += [_entry(t, n) for n in range(2) for t in others]
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        training_entries_append(batch)
    # Not one statement per chain: the 41 heads are reserved and sealed a few at a time.
    assert len(queries) < 20
    assert [e.chain_seq for e in TrainingEntry.objects.filter(teacher=teacher_a)
            .order_by("chain_seq")] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert ChainHead.objects.get(key=f"ledger:{teacher_a.pk}").seq == 8
    for teacher in others:
        assert list(TrainingEntry.objects.filter(teacher=teacher).order_by("pk")
                    .values_list("chain_seq", flat=True)) == [1, 2]
    out, failed = _verify()
    assert failed is None and "All" in out


def test_a_bulk_append_that_fails_leaves_every_chain_as_it_was(ledger, teacher_a, tree):
    from django.db import IntegrityError, transaction

    from certification.records import training_entries_append
    from people.models import ChainHead
    from tests.factories import TeacherFactory

    other = TeacherFactory(school=tree["school_a"])
    heads = dict(ChainHead.objects.values_list("key", "digest"))
    taken = TrainingEntry.objects.filter(teacher=teacher_a).first()
    batch = [_entry(other, 1), _entry(teacher_a, 2),
             TrainingEntry(teacher=other, hours=1, date=date(2024, 5, 3), title="重复",
                           source=taken.source, reference=taken.reference)]
    with pytest.raises(IntegrityError), transaction.atomic():
        training_entries_append(batch)
    assert dict(ChainHead.objects.values_list("key", "digest")) == heads
    assert not TrainingEntry.objects.filter(teacher=other).exists()
    assert TrainingEntry.objects.filter(teacher=teacher_a).count() == 5
    # The next push appends where the chains stood.
    with transaction.atomic():
        training_entries_append([_entry(other, 1), _entry(teacher_a, 2)])
    out, failed = _verify()
    assert failed is None and "All" in out
