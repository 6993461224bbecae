from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from certification.models import AppendOnlyError, CyclePolicy, ExamPass, TrainingEntry
from certification.selectors import cycle_status
from certification.services import training_entry_correct, training_entry_record
from courses.signals import course_completed, live_attended, quiz_passed

from .builders import course, hours


def balance(teacher):
    return sum(e.hours for e in TrainingEntry.objects.filter(teacher=teacher))


def test_course_completion_credited_once_even_if_sent_twice(teacher_a):
    page = course("心理危机识别与干预")
    kwargs = {"user": teacher_a.user, "course": page, "hours": Decimal("12"),
                  "completed_at": datetime(2024, 5, 3, 2, tzinfo=UTC),
                  "completion": SimpleNamespace(pk=77)}
    course_completed.send(sender=None, **kwargs)
    course_completed.send(sender=None, **kwargs)
    entries = TrainingEntry.objects.filter(teacher=teacher_a)
    assert [(e.source, e.reference, e.hours, e.course_id) for e in entries] == [
        ("course_completion", "course-completion:77", Decimal("12.00"), page.pk)]


def test_live_attendance_and_quiz_pass_recorded_once(teacher_a):
    page = course()
    at = datetime(2024, 5, 3, 2, tzinfo=UTC)
    for _ in range(2):
        live_attended.send(sender=None, user=teacher_a.user, session=page, hours=Decimal("2"),
                           attended_at=at, attendance=SimpleNamespace(pk=5))
        quiz_passed.send(sender=None, user=teacher_a.user, course=page, quiz=page, score=90,
                         passed_at=at, attempt=SimpleNamespace(pk=9))
    assert balance(teacher_a) == Decimal("2")
    assert ExamPass.objects.filter(teacher=teacher_a, course=page).count() == 1


def test_correction_changes_balance_and_keeps_both_entries(teacher_a):
    original = hours(teacher_a, 30, date(2024, 3, 1))
    training_entry_correct(teacher=teacher_a, hours=Decimal("-6"), date=date(2024, 3, 2),
                           reason="重复登记的6学时", recorded_by=None)
    assert balance(teacher_a) == Decimal("24")
    assert TrainingEntry.objects.filter(teacher=teacher_a).count() == 2
    original.refresh_from_db()
    assert original.hours == Decimal("30")


def test_correction_needs_reason_and_only_corrections_go_negative(teacher_a):
    with pytest.raises(ValidationError):
        training_entry_correct(teacher=teacher_a, hours=Decimal("-1"), date=date(2024, 1, 1),
                               reason=" ", recorded_by=None)
    with pytest.raises(ValidationError):
        training_entry_record(teacher=teacher_a, hours=Decimal("-1"), date=date(2024, 1, 1),
                              title="x", source="offline", reference="neg")


def test_entries_refuse_update_and_delete(teacher_a):
    entry = hours(teacher_a, 10, date(2024, 3, 1))
    entry.hours = Decimal("100")
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        TrainingEntry.objects.filter(pk=entry.pk).update(hours=1)
    with pytest.raises(AppendOnlyError):
        TrainingEntry.objects.filter(pk=entry.pk).delete()
    assert TrainingEntry.objects.get(pk=entry.pk).hours == Decimal("10")


def test_record_is_idempotent_by_source_and_reference(teacher_a):
    first, created = training_entry_record(teacher=teacher_a, hours=Decimal("8"),
                                           date=date(2024, 4, 1), title="区级培训",
                                           source="import", reference="sheet-1:row-3")
    again, created_again = training_entry_record(teacher=teacher_a, hours=Decimal("8"),
                                                 date=date(2024, 4, 1), title="区级培训",
                                                 source="import", reference="sheet-1:row-3")
    assert created and not created_again and first.pk == again.pk


def test_cycle_defaults_and_nearest_ancestor_policy(tree, teacher_a):
    hours(teacher_a, 100, date(2022, 6, 1))
    status = cycle_status(teacher_a, on=date(2023, 12, 31))
    assert (status.start, status.end, status.target, status.earned) == (
        date(2021, 1, 1), date(2025, 12, 31), Decimal("360"), Decimal("100"))
    assert status.remaining == Decimal("260")
    assert not status.on_pace  # three years of five elapsed: 216 expected
    CyclePolicy.objects.create(organisation=tree["city"], years=5, hours=Decimal("100"))
    CyclePolicy.objects.create(organisation=tree["district_x"], years=3, hours=Decimal("120"),
                               start_year=2022, yearly_minimum=Decimal("40"))
    status = cycle_status(teacher_a, on=date(2023, 12, 31))
    assert (status.start, status.target) == (date(2022, 1, 1), Decimal("120"))
    assert status.on_pace  # 100 earned ≥ 80 expected (prorated) and ≥ 40 × 1 full year
