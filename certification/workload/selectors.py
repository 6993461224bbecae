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
from django.utils import timezone

from certification.models import WorkloadActivityType, WorkloadCreditRate, WorkloadEntry, WorkloadNorm
from people import employment, purposes
from people.models import Organisation, Teacher
from people.nearest import nearest_rule
from people.selectors import organisation_scope, scope_tops, teacher_for_user

from ..calendar import Term, calendar_for, calendar_index

# --- Terms (the school calendar) and norms ---------------------------------------------------

# Hours a day the counselling room must open (seeds: at least 2 h, boarding schools 4 h).

WorkloadTerm = Term


# The norm before any row exists (the data migration writes the default row from
# settings.WORKLOAD_HEAD_TEACHER_NORM_UNITS, or this).
DEFAULT_NORM_UNITS = Decimal("120")


def workload_norms() -> dict[str, Decimal]:
    """Head-teacher norms by organisation path ("" for everywhere)."""
    return {path or "": units for path, units in
            WorkloadNorm.objects.values_list("organisation__path", "units")}


def workload_norm_units(organisation: Organisation | None = None,
                        norms: dict[str, Decimal] | None = None, *, path: str | None = None) -> Decimal:
    """The head-teacher norm that applies to an organisation (or the organisation at `path`; the
    nearest row up the tree): credit units a head teacher's duties are worth per term."""
    norms = workload_norms() if norms is None else norms
    path = organisation.path if organisation is not None else path
    if path is None:
        return norms.get("", DEFAULT_NORM_UNITS)
    return nearest_rule(norms, path, DEFAULT_NORM_UNITS)


def workload_credit_rates() -> dict[int, dict[str, Decimal]]:
    """Credit per unit by activity type id, then by organisation path (the overrides only)."""
    rates: dict[int, dict[str, Decimal]] = {}
    for type_id, path, credit in WorkloadCreditRate.objects.values_list(
            "activity_type_id", "organisation__path", "credit_per_unit"):
        rates.setdefault(type_id, {})[path] = credit
    return rates


def workload_credit_per_unit(activity_type: WorkloadActivityType, school: Organisation,
                             rates: dict[int, dict[str, Decimal]] | None = None) -> Decimal:
    """What one unit of an activity earns at a school: the nearest organisation's rate, else
    the activity type's own."""
    rates = workload_credit_rates() if rates is None else rates
    return nearest_rule(rates.get(activity_type.pk, {}), school.path, activity_type.credit_per_unit)


def workload_room_hours_per_day(*, boarding: bool) -> Decimal:
    """Hours a school day the counselling room must be open."""
    hours = settings.WORKLOAD_ROOM_HOURS_PER_DAY
    return Decimal(str(hours["boarding" if boarding else "day"]))


def workload_term_list(*, year: int, organisation: Organisation | None = None) -> list[WorkloadTerm]:
    """The terms that start in a calendar year, on the calendar `organisation` follows."""
    return calendar_for(organisation).term_list(year=year)


def workload_term_get(slug: str, organisation: Organisation | None = None) -> WorkloadTerm | None:
    """The term named by "<year>-<key>" (e.g. "2024-autumn") on the calendar `organisation`
    follows, or None."""
    year, _sep, key = (slug or "").partition("-")
    if not year.isdigit():
        return None
    return next((t for t in workload_term_list(year=int(year), organisation=organisation)
                 if t.key == key), None)


def workload_term_containing(day: date, organisation: Organisation | None = None) -> WorkloadTerm | None:
    """The term a day falls in on the calendar `organisation` follows (None between terms)."""
    return calendar_for(organisation).term_containing(day)


def workload_term_recent(*, today: date, count: int = 4,
                         organisation: Organisation | None = None) -> list[WorkloadTerm]:
    """The current (or last) term and the ones before it, newest first, for term pickers."""
    return calendar_for(organisation).terms_up_to(today, count=count)


def workload_calendar_owner(user, organisation: Organisation | None = None) -> Organisation | None:
    """Whose calendar a user's term picker follows: the chosen organisation, else the top of the
    user's report scope, else the user's own school."""
    if organisation is not None:
        return organisation
    tops = scope_tops(user, roles=purposes.WORKLOAD_REPORT)
    if tops:
        return tops[0]
    own = teacher_for_user(user)
    return own.school if own is not None else None


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


@dataclass
class WorkloadQueueCounsellor:
    """One counsellor's waiting weeks: a phone shows the totals and opens one at a time."""

    teacher: Teacher
    weeks: list = field(default_factory=list)

    @property
    def pending(self) -> int:
        return sum(len(week.entries) for week in self.weeks)

    @property
    def credit(self) -> Decimal:
        return sum((week.credit for week in self.weeks), Decimal(0))


def workload_queue_by_counsellor(*, user) -> list[WorkloadQueueCounsellor]:
    """The approval queue's weeks gathered under each counsellor, in the same order."""
    counsellors: dict[int, WorkloadQueueCounsellor] = {}
    for week in workload_queue_by_week(user=user):
        counsellors.setdefault(week.teacher.pk, WorkloadQueueCounsellor(teacher=week.teacher))
        counsellors[week.teacher.pk].weeks.append(week)
    return list(counsellors.values())


# --- The term report --------------------------------------------------------------------------


@dataclass
class CounsellorRow:
    teacher: Teacher
    by_type: dict  # activity type code -> Decimal credit
    total: Decimal
    ratio: Decimal | None  # total / head-teacher norm
    duty_hours: Decimal
    norm: Decimal | None = None  # the head-teacher norm of the counsellor's school


@dataclass(frozen=True)
class ShortDay:
    """A teaching day the counselling room was open less than the rule asks."""

    school: Organisation
    day: date
    hours: Decimal
    required: Decimal


@dataclass
class OrganisationRow:
    organisation: Organisation
    counsellors: int
    total: Decimal
    duty_hours: Decimal
    required_duty_hours: Decimal
    teaching_days: int = 0
    short_days: list = field(default_factory=list)  # ShortDay, by school and day

    @property
    def duty_ratio(self) -> Decimal | None:
        if not self.required_duty_hours:
            return None
        return (self.duty_hours / self.required_duty_hours).quantize(Decimal("0.01"))

    @property
    def duty_met(self) -> bool:
        """Open at least the daily minimum on every teaching day."""
        return not self.short_days


@dataclass
class WorkloadTermReport:
    term_start: date
    term_end: date
    norm: Decimal
    school_days: int  # teaching days of the calendar the report's term comes from
    activity_types: list
    counsellors: list
    schools: list
    districts: list


def room_open_hours(spans: list[tuple[object, Decimal]]) -> Decimal:
    """Hours a room was open on one day, from duty spans (start time or None, hours): overlapping
    duty counts once (the union of the intervals); a span without a start time cannot be placed,
    so it counts only where it is longer than everything else that day."""
    minute = Decimal(60)
    intervals, unplaced = [], Decimal("0")
    for start, hours in spans:
        if start is None:
            unplaced = max(unplaced, Decimal(hours))
            continue
        begin = Decimal(start.hour * 60 + start.minute)
        intervals.append((begin, min(begin + Decimal(hours) * minute, 24 * minute)))
    covered, reach = Decimal("0"), None
    for begin, end in sorted(intervals):
        if reach is None or begin > reach:
            covered += end - begin
            reach = end
        elif end > reach:
            covered += end - reach
            reach = end
    return max((covered / minute).quantize(Decimal("0.01")), unplaced)


def _report_teachers(user, organisation: Organisation | None, *, term_start: date,
                     term_end: date) -> QuerySet[Teacher]:
    """Counsellors in post as counsellors at a school of the scope on any day of the term
    (people.employment), each with `term_school` (and its `term_school_path`): their school of
    the term's last such day (a counsellor who transferred or left during the term keeps her row
    and her school's duty)."""
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
    term_period = everywhere.filter(teacher=OuterRef("pk")).order_by("-start")
    return (Teacher.objects.filter(condition)
            .annotate(term_school=Subquery(term_period.values("organisation")[:1]),
                      term_school_path=Subquery(term_period.values("organisation__path")[:1]))
            .select_related("school").order_by("school__path", "name"))


def workload_term_report(*, user, term_start: date, term_end: date,
                         organisation: Organisation | None = None,
                         on: date | None = None) -> WorkloadTermReport:
    """Approved credit per counsellor (by type, total, ratio to the head-teacher norm) and per
    school and district (counsellors, totals, counselling-room duty hours against the rule),
    limited to what the user may see: their own row, their school, or their HR scope. Room duty
    is checked on each teaching day of each school's calendar up to `on` (today by default: days
    still to come are not short); the days below the minimum are listed."""
    norms = workload_norms()
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
        # Her norm is the one of the school she served in the term.
        norm = workload_norm_units(norms=norms, path=teacher.term_school_path)
        counsellors.append(CounsellorRow(
            teacher=teacher, by_type=credit, total=total,
            ratio=(total / norm).quantize(Decimal("0.01")) if norm else None,
            duty_hours=duty_by_teacher.get(teacher.pk, Decimal("0")), norm=norm,
        ))

    staff_scope = organisation_scope(user, roles=purposes.WORKLOAD_REPORT)
    if organisation is not None:
        staff_scope = staff_scope.filter(path__startswith=organisation.path)
    schools = list(staff_scope.filter(kind=Organisation.Kind.SCHOOL).order_by("path"))
    # Room duty, day by day: each school's duty spans on each day, from the counsellors above,
    # each span counted for the school its counsellor was in post at on its day.
    spans: dict[int, dict[date, list]] = defaultdict(lambda: defaultdict(list))
    for school_id, day, start, hours in WorkloadEntry.objects.filter(
            status=WorkloadEntry.Status.APPROVED, date__gte=term_start, date__lte=term_end,
            teacher__in=[t.pk for t in teachers], activity_type__in=duty_types,
    ).annotate(school_then=employment.school_on_expression("date")).values_list(
            "school_then", "date", "start_time", "quantity"):
        spans[school_id][day].append((start, hours))
    calendars = calendar_index()
    checked_to = min(term_end, on or timezone.localdate())
    school_rows = {}
    for school in schools:
        per_day = workload_room_hours_per_day(boarding=school.is_boarding)
        days = calendar_for(school, calendars).teaching_days(term_start, checked_to)
        row = OrganisationRow(
            organisation=school, counsellors=0, total=Decimal("0"), duty_hours=Decimal("0"),
            required_duty_hours=len(days) * per_day, teaching_days=len(days))
        for day in days:
            hours = room_open_hours(spans[school.pk].get(day, []))
            row.duty_hours += hours
            if hours < per_day:
                row.short_days.append(ShortDay(school=school, day=day, hours=hours, required=per_day))
        school_rows[school.pk] = row
    for row in counsellors:
        target = school_rows.get(row.teacher.term_school)
        if target is not None:
            target.counsellors += 1
            target.total += row.total

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
            teaching_days=sum(r.teaching_days for r in members),
            short_days=[d for r in members for d in r.short_days],
        ))
    owner = workload_calendar_owner(user, organisation)
    days = len(calendar_for(owner, calendars).teaching_days(term_start, term_end))
    norm = workload_norm_units(owner, norms)

    return WorkloadTermReport(
        term_start=term_start, term_end=term_end, norm=norm, school_days=days,
        activity_types=types, counsellors=counsellors,
        schools=list(school_rows.values()), districts=district_rows,
    )
