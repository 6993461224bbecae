"""The one rule of eligibility: a pure function of a teacher's records, a level and a date.

No database access here: `certification.selectors.eligibility_records` gathers the records,
pages, approvals and snapshots all call `eligibility`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal

from .rules import held_rank


def years_before(on: date, years: int) -> date:
    """The same calendar day `years` earlier (29 February falls back to the 28th)."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


def years_after(on: date, years: int) -> date:
    """The same calendar day `years` later (29 February falls back to the 28th)."""
    return years_before(on, -years)


@dataclass(frozen=True)
class HeldLevel:
    """A certificate or recognised credential the teacher holds, reduced to what rules need."""

    rank: int
    valid_from: date
    valid_until: date | None  # None: does not expire
    active: bool = True  # False once revoked, expired or superseded

    def valid_on(self, on: date) -> bool:
        return self.active and self.valid_from <= on and (
            self.valid_until is None or on <= self.valid_until)


@dataclass
class Records:
    """A teacher's records as plain data."""

    hours: list[tuple[date, Decimal]] = field(default_factory=list)
    completed_courses: dict[int, date] = field(default_factory=dict)  # course id -> date
    exam_passes: dict[int, date] = field(default_factory=dict)  # course id -> date
    held: list[HeldLevel] = field(default_factory=list)  # certificates and credentials
    # The same hours with their category code: (date, hours, code).
    category_hours: list[tuple[date, Decimal, str]] = field(default_factory=list)

    def hours_between(self, start: date, end: date) -> Decimal:
        """Hours dated after `start` and on or before `end` (corrections included)."""
        return sum((h for d, h in self.hours if start < d <= end), Decimal("0"))

    def category_hours_between(self, code: str, start: date, end: date) -> Decimal:
        """Hours of one category dated after `start` and on or before `end`."""
        return sum((h for d, h, c in self.category_hours if c == code and start < d <= end),
                   Decimal("0"))

    def highest_rank_on(self, on: date) -> int:
        return held_rank(self.held, on)


@dataclass(frozen=True)
class LevelRule:
    """A level's rule as plain data (built from a CertificateLevel by `LevelRule.of`)."""

    code: str
    rank: int
    hours_required: Decimal
    window_years: int
    prerequisite: tuple[str, int] | None = None  # (code, rank)
    required_courses: tuple[tuple[int, str], ...] = ()  # (page id, title)
    exam_course: tuple[int, str] | None = None
    category_minimums: tuple[tuple[str, Decimal], ...] = ()  # (category code, hours)

    @classmethod
    def of(cls, level) -> LevelRule:
        """The rule of a CertificateLevel (prefetch prerequisite, required_courses, exam_course)."""
        prereq = level.prerequisite
        return cls(
            code=level.code, rank=level.rank, hours_required=level.hours_required,
            window_years=level.hours_window_years,
            prerequisite=(prereq.code, prereq.rank) if prereq else None,
            required_courses=tuple((c.pk, c.title) for c in level.required_courses.all()),
            exam_course=(level.exam_course.pk, level.exam_course.title)
            if level.exam_course_id else None,
            category_minimums=tuple((m.category_id, m.hours)
                                    for m in level.category_minimums.all()),
        )


@dataclass
class Requirement:
    """One requirement of a level: met or not, and what is missing."""

    kind: str  # prerequisite | hours | category | course | exam
    label: str  # for "category": the category's code
    met: bool
    have: str = ""
    need: str = ""
    missing: str = ""
    years: int = 0  # the hours window of "hours" and "category"


@dataclass
class Eligibility:
    """Whether a teacher may hold a level on a date, requirement by requirement."""

    level: str
    on: date
    requirements: list[Requirement]
    already_held: bool = False

    @property
    def eligible(self) -> bool:
        return all(r.met for r in self.requirements)

    @property
    def missing(self) -> list[Requirement]:
        return [r for r in self.requirements if not r.met]

    @property
    def prerequisite_met(self) -> bool:
        """Whether the lower certificate this level builds on is held (a teacher may apply
        only then; hours and courses may still be completed while HR reviews)."""
        return all(r.met for r in self.requirements if r.kind == "prerequisite")

    def as_json(self) -> dict:
        """The snapshot kept with an application's decision."""
        return {
            "level": self.level, "on": self.on.isoformat(), "eligible": self.eligible,
            "already_held": self.already_held,
            "requirements": [asdict(r) for r in self.requirements],
        }


def _fmt(hours: Decimal) -> str:
    return f"{hours.normalize():f}" if hours == hours.to_integral() else f"{hours:.1f}"


def eligibility(records: Records, level: LevelRule, on: date) -> Eligibility:
    """Which of `level`'s requirements the records meet on `on`, and by how much they fall short.

    Hours count inside the window (on − N years, on]; courses, exams and prerequisites count
    when dated on or before `on`; a prerequisite is held by a valid certificate or credential of
    that rank or higher.
    """
    reqs: list[Requirement] = []
    held_rank = records.highest_rank_on(on)
    if level.prerequisite:
        code, rank = level.prerequisite
        reqs.append(Requirement(kind="prerequisite", label=code, met=held_rank >= rank,
                                have=str(held_rank), need=code,
                                missing="" if held_rank >= rank else code))
    if level.hours_required > 0:
        have = records.hours_between(years_before(on, level.window_years), on)
        short = max(level.hours_required - have, Decimal("0"))
        reqs.append(Requirement(kind="hours", label=str(level.window_years),
                                met=short == 0, have=_fmt(have),
                                need=_fmt(level.hours_required),
                                missing=_fmt(short) if short else ""))
    for code, needed in level.category_minimums:
        have = records.category_hours_between(code, years_before(on, level.window_years), on)
        short = max(needed - have, Decimal("0"))
        reqs.append(Requirement(kind="category", label=code, met=short == 0, have=_fmt(have),
                                need=_fmt(needed), missing=_fmt(short) if short else "",
                                years=level.window_years))
    for course_id, title in level.required_courses:
        done = records.completed_courses.get(course_id)
        met = done is not None and done <= on
        reqs.append(Requirement(kind="course", label=title, met=met,
                                have=done.isoformat() if met else "",
                                need=str(course_id), missing="" if met else title))
    if level.exam_course:
        course_id, title = level.exam_course
        passed = records.exam_passes.get(course_id)
        met = passed is not None and passed <= on
        reqs.append(Requirement(kind="exam", label=title, met=met,
                                have=passed.isoformat() if met else "",
                                need=str(course_id), missing="" if met else title))
    return Eligibility(level=level.code, on=on, requirements=reqs,
                       already_held=held_rank >= level.rank)
