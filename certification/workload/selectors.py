"""Reads of the workload module: entries, the approval queue, terms and the term report.

`workload_term_report` is the one place that counts credit, compares it with the head-teacher
norm and checks counselling-room duty against the daily rule; pages and the HR export call it.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum
from django.utils.translation import gettext_lazy as _

from certification.models import WorkloadActivityType, WorkloadEntry
from people import employment, purposes
from people.models import Organisation, Teacher
from people.selectors import organisation_scope, teacher_for_user

# --- Terms and norms (settings, with the seeds' defaults) --------------------------------------

# Each term: key, label, start (month, day), end (month, day). An end before the start falls in
# the next calendar year (the autumn term runs Sep 1 – Jan 31).
DEFAULT_TERMS = [
    {"key": "spring", "label": _("Spring term"), "start": (2, 1), "end": (7, 31)},
    {"key": "autumn", "label": _("Autumn term"), "start": (9, 1), "end": (1, 31)},
]
DEFAULT_NORM_UNITS = Decimal("120")
# Hours a day the counselling room must open (seeds: at least 2 h, boarding schools 4 h).
DEFAULT_ROOM_HOURS = {"day": Decimal("2"), "boarding": Decimal("4")}


@dataclass(frozen=True)
class WorkloadTerm:
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


def workload_norm_units() -> Decimal:
    """The head-teacher norm: credit units a head teacher's duties are worth per term."""
    return Decimal(str(getattr(settings, "WORKLOAD_HEAD_TEACHER_NORM_UNITS", DEFAULT_NORM_UNITS)))


def workload_room_hours_per_day(*, boarding: bool) -> Decimal:
    """Hours a school day the counselling room must be open."""
    hours = {**DEFAULT_ROOM_HOURS, **getattr(settings, "WORKLOAD_ROOM_HOURS_PER_DAY", {})}
    return Decimal(str(hours["boarding" if boarding else "day"]))


def workload_term_list(*, year: int) -> list[WorkloadTerm]:
    """The terms that start in a calendar year, from settings.WORKLOAD_TERMS."""
    terms = []
    for spec in getattr(settings, "WORKLOAD_TERMS", DEFAULT_TERMS):
        start = date(year, *spec["start"])
        end_year = year + 1 if tuple(spec["end"]) < tuple(spec["start"]) else year
        terms.append(WorkloadTerm(key=spec["key"], year=year, label=str(spec["label"]),
                                  start=start, end=date(end_year, *spec["end"])))
    return terms


def workload_term_get(slug: str) -> WorkloadTerm | None:
    """The term named by "<year>-<key>" (e.g. "2024-autumn"), or None."""
    year, _sep, key = (slug or "").partition("-")
    if not year.isdigit():
        return None
    return next((t for t in workload_term_list(year=int(year)) if t.key == key), None)


def workload_term_containing(day: date) -> WorkloadTerm | None:
    """The term a day falls in (None in the holidays between terms)."""
    for year in (day.year - 1, day.year):
        for term in workload_term_list(year=year):
            if term.start <= day <= term.end:
                return term
    return None


def workload_term_recent(*, today: date, count: int = 4) -> list[WorkloadTerm]:
    """The current (or last) term and the ones before it, newest first, for term pickers."""
    terms = [t for y in range(today.year - 3, today.year + 1) for t in workload_term_list(year=y)
             if t.start <= today]
    return sorted(terms, key=lambda t: t.start, reverse=True)[:count]


def school_days(start: date, end: date) -> int:
    """Weekdays from start to end inclusive: the school days the opening rule counts."""
    if end < start:
        return 0
    days = (end - start).days + 1
    weeks, rest = divmod(days, 7)
    extra = sum(1 for i in range(rest) if (start + timedelta(days=i)).weekday() < 5)
    return weeks * 5 + extra


# --- Entries ----------------------------------------------------------------------------------


def workload_activity_type_list(*, active_only: bool = True) -> QuerySet[WorkloadActivityType]:
    """Activity types in their display order."""
    qs = WorkloadActivityType.objects.all()
    return qs.filter(active=True) if active_only else qs


def workload_entry_list(*, teacher: Teacher, start: date | None = None,
                        end: date | None = None) -> QuerySet[WorkloadEntry]:
    """A counsellor's own entries, newest first."""
    qs = WorkloadEntry.objects.filter(teacher=teacher).select_related("activity_type")
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lte=end)
    return qs


def _staff_teacher_filter(user) -> Q:
    return Q(teacher__school__in=organisation_scope(user, roles=purposes.WORKLOAD_REPORT))


def workload_entry_get_for_user(*, user, pk: int) -> WorkloadEntry:
    """One entry the user may see: their own, or one of a school in their admin/HR scope.
    Raises WorkloadEntry.DoesNotExist otherwise."""
    condition = _staff_teacher_filter(user)
    if getattr(user, "is_authenticated", False):
        condition |= Q(teacher__user=user)
    return (WorkloadEntry.objects.select_related("teacher__school", "teacher__user", "activity_type")
            .prefetch_related("decisions__by").filter(condition).get(pk=pk))


def workload_queue_list(*, user) -> QuerySet[WorkloadEntry]:
    """Submitted entries the user may decide on: of schools they are school admin of."""
    return (
        WorkloadEntry.objects.filter(
            status=WorkloadEntry.Status.SUBMITTED,
            teacher__school__in=organisation_scope(user, roles=purposes.WORKLOAD_APPROVAL),
        )
        .exclude(teacher__user=user)
        .select_related("teacher__school", "activity_type")
        .order_by("teacher__school__name", "teacher__name", "date", "id")
    )


@dataclass
class WorkloadQueueWeek:
    teacher: Teacher
    week_start: date
    entries: list = field(default_factory=list)

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    @property
    def credit(self) -> Decimal:
        return sum((e.credit for e in self.entries), Decimal("0"))


def workload_queue_by_week(*, user) -> list[WorkloadQueueWeek]:
    """The approval queue grouped by counsellor and week, for bulk approval."""
    groups: dict[tuple, WorkloadQueueWeek] = {}
    for entry in workload_queue_list(user=user):
        monday = entry.date - timedelta(days=entry.date.weekday())
        key = (entry.teacher_id, monday)
        if key not in groups:
            groups[key] = WorkloadQueueWeek(teacher=entry.teacher, week_start=monday)
        groups[key].entries.append(entry)
    return sorted(groups.values(), key=lambda g: (g.teacher.school.name, g.teacher.name, g.week_start))


# --- The term report --------------------------------------------------------------------------


@dataclass
class CounsellorRow:
    teacher: Teacher
    by_type: dict  # activity type code -> Decimal credit
    total: Decimal
    ratio: Decimal | None  # total / head-teacher norm
    duty_hours: Decimal


@dataclass
class OrganisationRow:
    organisation: Organisation
    counsellors: int
    total: Decimal
    duty_hours: Decimal
    required_duty_hours: Decimal

    @property
    def duty_ratio(self) -> Decimal | None:
        if not self.required_duty_hours:
            return None
        return (self.duty_hours / self.required_duty_hours).quantize(Decimal("0.01"))

    @property
    def duty_met(self) -> bool:
        return self.duty_hours >= self.required_duty_hours


@dataclass
class WorkloadTermReport:
    term_start: date
    term_end: date
    norm: Decimal
    school_days: int
    activity_types: list
    counsellors: list
    schools: list
    districts: list


def _report_teachers(user, organisation: Organisation | None, *, term_start: date,
                     term_end: date) -> QuerySet[Teacher]:
    """Counsellors in post as counsellors at a school of the scope on any day of the term
    (people.employment), each with `term_school`: their school of the term's last such day (a
    counsellor who transferred or left during the term keeps her row and her school's duty)."""
    scope = organisation_scope(user, roles=purposes.WORKLOAD_REPORT)
    if organisation is not None:
        # Only what lies both in the user's scope and under the chosen organisation.
        scope = scope.filter(path__startswith=organisation.path)
    own = teacher_for_user(user)
    posts = Teacher.COUNSELLOR_ROLES
    condition = employment.in_post_q(term_start, scope, posts=posts, until=term_end)
    everywhere = employment.in_post(term_start, None if organisation is None and own else scope,
                                    posts=posts, until=term_end)
    if own is not None and organisation is None:
        condition |= Q(pk=own.pk) & employment.in_post_q(term_start, posts=posts, until=term_end)
    return (Teacher.objects.filter(condition)
            .annotate(term_school=Subquery(everywhere.filter(teacher=OuterRef("pk"))
                                           .order_by("-start").values("organisation")[:1]))
            .select_related("school").order_by("school__path", "name"))


def workload_term_report(*, user, term_start: date, term_end: date,
                         organisation: Organisation | None = None) -> WorkloadTermReport:
    """Approved credit per counsellor (by type, total, ratio to the head-teacher norm) and per
    school and district (counsellors, totals, counselling-room duty hours against the rule),
    limited to what the user may see: their own row, their school, or their HR scope."""
    norm = workload_norm_units()
    types = list(WorkloadActivityType.objects.all())
    duty_types = {t.pk for t in types if t.is_room_duty}
    code_of = {t.pk: t.code for t in types}
    teachers = list(_report_teachers(user, organisation, term_start=term_start, term_end=term_end))
    by_teacher: dict[int, dict] = defaultdict(lambda: defaultdict(Decimal))
    duty_by_teacher: dict[int, Decimal] = defaultdict(Decimal)
    sums = (
        WorkloadEntry.objects.filter(
            status=WorkloadEntry.Status.APPROVED, date__gte=term_start, date__lte=term_end,
            teacher__in=[t.pk for t in teachers],
        )
        .values("teacher_id", "activity_type_id")
        .annotate(credit=Sum("credit"), quantity=Sum("quantity"))
    )
    for row in sums:
        by_teacher[row["teacher_id"]][code_of[row["activity_type_id"]]] += row["credit"]
        if row["activity_type_id"] in duty_types:
            duty_by_teacher[row["teacher_id"]] += row["quantity"]

    counsellors = []
    for teacher in teachers:
        credit = dict(by_teacher.get(teacher.pk, {}))
        total = sum(credit.values(), Decimal("0"))
        counsellors.append(CounsellorRow(
            teacher=teacher, by_type=credit, total=total,
            ratio=(total / norm).quantize(Decimal("0.01")) if norm else None,
            duty_hours=duty_by_teacher.get(teacher.pk, Decimal("0")),
        ))

    days = school_days(term_start, term_end)
    staff_scope = organisation_scope(user, roles=purposes.WORKLOAD_REPORT)
    if organisation is not None:
        staff_scope = staff_scope.filter(path__startswith=organisation.path)
    schools = list(staff_scope.filter(kind=Organisation.Kind.SCHOOL).order_by("path"))
    school_rows = {}
    for school in schools:
        school_rows[school.pk] = OrganisationRow(
            organisation=school, counsellors=0, total=Decimal("0"), duty_hours=Decimal("0"),
            required_duty_hours=days * workload_room_hours_per_day(boarding=school.is_boarding),
        )
    for row in counsellors:
        target = school_rows.get(row.teacher.term_school)
        if target is not None:
            target.counsellors += 1
            target.total += row.total
            target.duty_hours += row.duty_hours

    district_rows = []
    for district in staff_scope.filter(kind=Organisation.Kind.DISTRICT).order_by("path"):
        members = [r for r in school_rows.values()
                   if r.organisation.path.startswith(district.path)]
        district_rows.append(OrganisationRow(
            organisation=district,
            counsellors=sum(r.counsellors for r in members),
            total=sum((r.total for r in members), Decimal("0")),
            duty_hours=sum((r.duty_hours for r in members), Decimal("0")),
            required_duty_hours=sum((r.required_duty_hours for r in members), Decimal("0")),
        ))

    return WorkloadTermReport(
        term_start=term_start, term_end=term_end, norm=norm, school_days=days,
        activity_types=types, counsellors=counsellors,
        schools=list(school_rows.values()), districts=district_rows,
    )
