"""The school calendar rule: which calendar a school follows, its terms and its teaching days.

The calendar of the nearest organisation at or above a school that has any period applies
(as staffing rules do). Without one, the shipped example applies: the terms of
settings.WORKLOAD_TERMS (spring 1 Feb – 31 Jul, autumn 1 Sep – 31 Jan), every weekday a
teaching day. Teaching days are a term's weekdays, less its holidays (假期), plus its make-up
days (调休上课). Workload terms and the counselling-room rule both read this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext

from people.models import Organisation
from people.nearest import nearest_rule

from .models import CalendarPeriod


@dataclass(frozen=True)
class Term:
    key: str
    year: int
    label: str
    start: date
    end: date

    @property
    def slug(self) -> str:
        return f"{self.year}-{self.key}"

    def __str__(self):
        return f"{self.year} {self.label}（{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}）"


def default_terms(*, year: int) -> list[Term]:
    """The example terms that start in a calendar year, from settings.WORKLOAD_TERMS."""
    terms = []
    for spec in settings.WORKLOAD_TERMS:
        start = date(year, *spec["start"])
        end_year = year + 1 if tuple(spec["end"]) < tuple(spec["start"]) else year
        terms.append(Term(key=spec["key"], year=year, label=str(spec["label"]),
                          start=start, end=date(end_year, *spec["end"])))
    return terms


def _days(start: date, end: date):
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


@dataclass
class Calendar:
    """The calendar one organisation keeps (`owner` None: the shipped example)."""

    owner: Organisation | None = None
    terms: list[Term] = field(default_factory=list)
    holidays: list[tuple[date, date]] = field(default_factory=list)
    makeups: list[tuple[date, date]] = field(default_factory=list)

    @property
    def is_default(self) -> bool:
        return self.owner is None

    def term_list(self, *, year: int) -> list[Term]:
        """The terms that start in a calendar year."""
        if self.is_default:
            return default_terms(year=year)
        return [t for t in self.terms if t.year == year]

    def term_containing(self, day: date) -> Term | None:
        """The term a day falls in (None in the holidays between terms)."""
        for year in (day.year - 1, day.year):
            for term in self.term_list(year=year):
                if term.start <= day <= term.end:
                    return term
        return None

    def terms_up_to(self, day: date, *, count: int) -> list[Term]:
        """The term `day` falls in (or the last before it) and the ones before, newest first."""
        terms = [t for y in range(day.year - 3, day.year + 1) for t in self.term_list(year=y)
                 if t.start <= day]
        return sorted(terms, key=lambda t: t.start, reverse=True)[:count]

    def teaching_days(self, start: date, end: date) -> list[date]:
        """The teaching days from start to end inclusive."""
        if end < start:
            return []
        terms = [t for y in range(start.year - 1, end.year + 1) for t in self.term_list(year=y)
                 if t.start <= end and t.end >= start]
        out = []
        for day in _days(start, end):
            if not any(t.start <= day <= t.end for t in terms):
                continue
            if any(a <= day <= b for a, b in self.makeups) or day.weekday() < 5 and not any(a <= day <= b for a, b in self.holidays):
                out.append(day)
        return out


def _term_key(start: date) -> str:
    return f"c{start:%m%d}"


def calendar_index() -> dict[str, Calendar]:
    """Every organisation's own calendar by its path: one query."""
    index: dict[str, Calendar] = {}
    periods = (CalendarPeriod.objects.select_related("organisation")
               .order_by("organisation__path", "start"))
    for period in periods:
        calendar = index.setdefault(period.organisation.path, Calendar(owner=period.organisation))
        if period.kind == CalendarPeriod.Kind.TERM:
            calendar.terms.append(Term(key=_term_key(period.start), year=period.start.year,
                                       label=period.term, start=period.start, end=period.end))
        elif period.kind == CalendarPeriod.Kind.HOLIDAY:
            calendar.holidays.append((period.start, period.end))
        else:
            calendar.makeups.append((period.start, period.end))
    return index


def calendar_for(organisation: Organisation | None,
                 index: dict[str, Calendar] | None = None) -> Calendar:
    """The calendar an organisation follows: its own or its nearest ancestor's, else the example."""
    if organisation is None:
        return Calendar()
    index = calendar_index() if index is None else index
    found = nearest_rule(index, organisation.path)
    return Calendar() if found is None else found


# --- Checks and the one write --------------------------------------------------------------

def period_problem(*, kind: str, term: str, start: date, end: date,
                   terms: dict[str, tuple[date, date]]) -> tuple[str, str] | None:
    """What is wrong with a period, given the organisation's other terms (name -> span), as
    (field, message); None when it may be kept."""
    if end < start:
        return "end", gettext("The end date is before the start date")
    if kind == CalendarPeriod.Kind.TERM:
        if term in terms:
            return "term", gettext("This organisation already has a term named %(term)s") % {"term": term}
        for name, (other_start, other_end) in terms.items():
            if start <= other_end and end >= other_start:
                return "start", gettext("Overlaps the term %(term)s (%(start)s – %(end)s)") % {
                    "term": name, "start": other_start, "end": other_end}
        return None
    span = terms.get(term)
    if span is None:
        return "term", gettext("No term of this name on this organisation's calendar")
    if start < span[0] or end > span[1]:
        return "start", gettext("Falls outside the term %(term)s (%(start)s – %(end)s)") % {
            "term": term, "start": span[0], "end": span[1]}
    return None


def calendar_period_problem(*, organisation_id: int | None, term: str, kind: str,
                            start: date | None, end: date | None,
                            exclude_pk: int | None = None) -> tuple[str, str] | None:
    """`period_problem` for one period edited in the admin, against the stored calendar."""
    if organisation_id is None or start is None or end is None:
        return None
    others = CalendarPeriod.objects.filter(organisation_id=organisation_id,
                                           kind=CalendarPeriod.Kind.TERM)
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    terms = {name: (s, e) for name, s, e in others.values_list("term", "start", "end")}
    return period_problem(kind=kind, term=term, start=start, end=end, terms=terms)


def calendar_terms_replace(*, organisation: Organisation,
                           terms: dict[str, list[tuple[str, date, date]]]) -> int:
    """Replace the named terms of an organisation's calendar with the given periods (kind,
    start, end), in one transaction; other terms stay. Returns the periods written."""
    with transaction.atomic():
        CalendarPeriod.objects.filter(organisation=organisation, term__in=list(terms)).delete()
        rows = [CalendarPeriod(organisation=organisation, term=name, kind=kind, start=start, end=end)
                for name, periods in terms.items() for kind, start, end in periods]
        CalendarPeriod.objects.bulk_create(rows)
    return len(rows)
