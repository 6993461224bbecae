"""The hash chains under real concurrency (PostgreSQL): writers of one teacher queue on that
teacher's chain head and leave one unbroken chain; writers of different teachers never wait on
each other (each chain is its own lock, never one for the city)."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import OperationalError, connection, transaction

from certification.models import TrainingEntry
from certification.records import records_verify
from certification.services import training_entry_record
from people.models import AuditEntry
from people.services import audit_record
from tests.factories import TeacherFactory, district_hr

from .test_races import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) need PostgreSQL; SQLite serialises writes")


def _credit(teacher, n):
    training_entry_record(teacher=teacher, hours=Decimal("1.5"), date=date(2025, 3, 1),
                          title="线下培训", source=TrainingEntry.Source.OFFLINE,
                          reference=f"race:{teacher.pk}:{n}:{threading.get_ident()}")


def test_racing_writes_of_one_teacher_leave_one_unbroken_chain(tree):
    teacher = TeacherFactory(school=tree["school_a"])
    hr = district_hr(tree["district_x"])
    counter = iter(range(10_000))

    def write():
        _credit(teacher, next(counter))
        audit_record(actor=hr, action="export", organisation=tree["school_a"])

    errors = race(write, write, write, write, rounds=10)

    assert not errors
    seqs = sorted(TrainingEntry.objects.filter(teacher=teacher).values_list("chain_seq", flat=True))
    assert seqs == list(range(1, 41))
    assert sorted(AuditEntry.objects.values_list("chain_seq", flat=True)) == list(range(1, 41))
    checked, findings = records_verify()
    assert checked == 80 and findings == []


def _holding_chain(teacher, held: threading.Event, release: threading.Event, errors: list):
    """Append to a teacher's chain and keep the transaction (and the head's lock) open."""
    from django.db import connection as conn

    try:
        with transaction.atomic():
            _credit(teacher, "held")
            held.set()
            release.wait(timeout=30)
    except Exception as exc:
        errors.append(exc)
    finally:
        conn.close()


def _write_with_lock_timeout(teacher) -> Exception | None:
    from django.db import connection as conn

    try:
        with transaction.atomic():
            with conn.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '3s'")
            _credit(teacher, "other")
    except OperationalError as exc:
        return exc
    finally:
        conn.close()
    return None


def test_a_writer_holding_one_teachers_chain_does_not_block_another_teachers(tree):
    held_teacher = TeacherFactory(school=tree["school_a"])
    other_teacher = TeacherFactory(school=tree["school_b"])
    held, release, errors = threading.Event(), threading.Event(), []
    holder = threading.Thread(target=_holding_chain, args=(held_teacher, held, release, errors))
    holder.start()
    try:
        assert held.wait(timeout=30)
        outcome = {}
        # Another teacher's write goes through while the first transaction is still open …
        other = threading.Thread(target=lambda: outcome.update(
            other=_write_with_lock_timeout(other_teacher)))
        other.start()
        other.join(timeout=30)
        # … and a second write to the held teacher's chain has to wait (here: times out).
        same = threading.Thread(target=lambda: outcome.update(
            same=_write_with_lock_timeout(held_teacher)))
        same.start()
        same.join(timeout=30)
    finally:
        release.set()
        holder.join(timeout=30)
    assert not errors
    assert outcome["other"] is None
    assert isinstance(outcome["same"], OperationalError) and "lock timeout" in str(outcome["same"])
    assert records_verify()[1] == []


def test_racing_bulk_pushes_over_the_same_teachers_neither_deadlock_nor_break_a_chain(tree):
    """Two pushes crediting the same 30 teachers, listed in opposite orders: the heads are
    locked in key order (people.chain.heads_advance), so both complete and every chain is
    unbroken."""
    from certification.records import training_entries_append

    teachers = [TeacherFactory(school=tree["school_a"]) for _ in range(30)]
    counter = iter(range(10_000))

    def push(order):
        def run():
            n = next(counter)
            with transaction.atomic():
                training_entries_append([TrainingEntry(
                    teacher=t, hours=Decimal(1), date=date(2025, 3, 1), title="推送",
                    source=TrainingEntry.Source.IMPORT, reference=f"bulk:{n}:{t.pk}")
                    for t in order])
        return run

    errors = race(push(teachers), push(teachers[::-1]), rounds=5)

    assert not errors
    for teacher in teachers:
        assert sorted(TrainingEntry.objects.filter(teacher=teacher)
                      .values_list("chain_seq", flat=True)) == list(range(1, 11))
    _checked, findings = records_verify()
    assert findings == []
