"""Reads of certificate levels and a teacher's eligibility for them."""

from __future__ import annotations

from datetime import date

from people.models import Teacher

from ..eligibility import Eligibility, HeldLevel, LevelRule, Records, eligibility
from ..models import Certificate, CertificateLevel, ExamPass, TeacherCredential, TrainingEntry
from ..rules import certificate_last_day

# --- Levels and eligibility -------------------------------------------------------------

def level_list() -> list[CertificateLevel]:
    """Every level with what its rule needs, lowest first."""
    return list(CertificateLevel.objects.select_related("prerequisite", "exam_course")
                .prefetch_related("required_courses", "category_minimums").order_by("rank"))


def eligibility_records(teacher: Teacher) -> Records:
    """A teacher's records as plain data, in four queries whatever their number."""
    entries = list(TrainingEntry.objects.filter(teacher=teacher)
                   .values_list("date", "hours", "source", "course_id", "category_id"))
    completed: dict[int, date] = {}
    for day, _hours, source, course_id, _category in entries:
        if source == TrainingEntry.Source.COURSE_COMPLETION and course_id:
            completed[course_id] = min(day, completed.get(course_id, day))
    held = [
        # Validity from dates only (Certificate.is_valid_on): a revoked or superseded
        # certificate counted until the day before it ended.
        HeldLevel(rank=rank, valid_from=issued,
                  valid_until=certificate_last_day(expires_on=expires, ended_on=ended))
        for rank, issued, expires, ended in Certificate.objects.filter(teacher=teacher)
        .values_list("level__rank", "issued_on", "expires_on", "ended_on")
    ] + [
        HeldLevel(rank=rank, valid_from=obtained, valid_until=expires)
        for rank, obtained, expires in TeacherCredential.objects.filter(teacher=teacher)
        .values_list("credential__level__rank", "obtained_on", "expires_on")
    ]
    return Records(
        hours=[(d, h) for d, h, _s, _c, _k in entries],
        category_hours=[(d, h, k) for d, h, _s, _c, k in entries],
        completed_courses=completed,
        exam_passes=dict(ExamPass.objects.filter(teacher=teacher)
                         .values_list("course_id", "passed_on")),
        held=held,
    )


def eligibility_for_teacher(teacher: Teacher, *, on: date,
                            levels: list[CertificateLevel] | None = None
                            ) -> list[tuple[CertificateLevel, Eligibility]]:
    """Each level with the teacher's eligibility for it on `on`."""
    records = eligibility_records(teacher)
    levels = levels if levels is not None else level_list()
    return [(level, eligibility(records, LevelRule.of(level), on)) for level in levels]
