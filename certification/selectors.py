"""Reads about hours, eligibility, certificates and holding rates, shared by pages, sheets and tasks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Count, DecimalField, ExpressionWrapper, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value,
)
from django.db.models.functions import Coalesce, Greatest

from people.models import Organisation, StaffRole, Teacher
from people import staffing
from people.selectors import organisation_scope, post_bit_expression, teacher_posts_q

from .eligibility import Eligibility, HeldLevel, LevelRule, Records, eligibility, years_after
from .models import (
    Application, Certificate, CertificateEvent, CertificateLevel, CyclePolicy, ExamPass,
    RoleRequirement, TeacherCredential, TrainingEntry,
)

ROSTER_ROLES = (*StaffRole.HR_ROLES, StaffRole.Role.SCHOOL_ADMIN)


# --- Levels and eligibility -------------------------------------------------------------

def level_list() -> list[CertificateLevel]:
    """Every level with what its rule needs, lowest first."""
    return list(CertificateLevel.objects.select_related("prerequisite", "exam_course")
                .prefetch_related("required_courses").order_by("rank"))


def eligibility_records(teacher: Teacher) -> Records:
    """A teacher's records as plain data, in four queries whatever their number."""
    entries = list(TrainingEntry.objects.filter(teacher=teacher)
                   .values_list("date", "hours", "source", "course_id"))
    completed: dict[int, date] = {}
    for day, _hours, source, course_id in entries:
        if source == TrainingEntry.Source.COURSE_COMPLETION and course_id:
            completed[course_id] = min(day, completed.get(course_id, day))
    held = [
        HeldLevel(rank=rank, valid_from=issued, valid_until=expires,
                  active=status == Certificate.Status.ACTIVE)
        for rank, issued, expires, status in Certificate.objects.filter(teacher=teacher)
        .values_list("level__rank", "issued_on", "expires_on", "status")
    ] + [
        HeldLevel(rank=rank, valid_from=obtained, valid_until=expires)
        for rank, obtained, expires in TeacherCredential.objects.filter(teacher=teacher)
        .values_list("credential__level__rank", "obtained_on", "expires_on")
    ]
    return Records(
        hours=[(d, h) for d, h, _s, _c in entries],
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


# --- Hours and the continuing-education cycle ----------------------------------------------

def cycle_policy_for(organisation: Organisation) -> CyclePolicy:
    """The policy of the nearest organisation up the tree that has one, else the defaults."""
    paths = [organisation.path[:i] for i in range(organisation.steplen,
                                                  len(organisation.path) + 1,
                                                  organisation.steplen)]
    policy = (CyclePolicy.objects.filter(organisation__path__in=paths)
              .order_by("-organisation__depth").first())
    return policy or CyclePolicy(years=5, hours=Decimal("360"), start_year=2021)


@dataclass
class CycleStatus:
    start: date
    end: date
    target: Decimal
    earned: Decimal
    expected: Decimal
    yearly_minimum: Decimal | None

    @property
    def remaining(self) -> Decimal:
        return max(self.target - self.earned, Decimal("0"))

    @property
    def on_pace(self) -> bool:
        return self.earned >= self.expected

    @property
    def percent(self) -> int:
        return min(100, int(self.earned * 100 / self.target)) if self.target else 100


def cycle_status(teacher: Teacher, *, on: date) -> CycleStatus:
    """The teacher's cycle at `on`: target, earned, remaining and whether they are on pace.

    On pace means at least the target prorated by the days elapsed, and, where the policy sets
    a yearly minimum, that minimum for every whole year elapsed.
    """
    policy = cycle_policy_for(teacher.school)
    offset = (on.year - policy.start_year) % policy.years
    start = date(on.year - offset, 1, 1)
    end = date(start.year + policy.years, 1, 1) - timedelta(days=1)
    earned = (TrainingEntry.objects.filter(teacher=teacher, date__gte=start, date__lte=on)
              .aggregate(total=Sum("hours"))["total"]) or Decimal("0")
    elapsed = (on - start).days + 1
    total_days = (end - start).days + 1
    expected = (policy.hours * elapsed / total_days).quantize(Decimal("0.1"))
    if policy.yearly_minimum:
        expected = max(expected, policy.yearly_minimum * (on.year - start.year))
    return CycleStatus(start=start, end=end, target=policy.hours, earned=earned,
                       expected=expected, yearly_minimum=policy.yearly_minimum)


def training_entry_list(teacher: Teacher) -> QuerySet[TrainingEntry]:
    """A teacher's ledger, newest first."""
    return TrainingEntry.objects.filter(teacher=teacher).order_by("-date", "-pk")


# --- Certificates and applications ---------------------------------------------------------

def certificate_list_for_teacher(teacher: Teacher) -> QuerySet[Certificate]:
    """The certificates a teacher holds or held."""
    return Certificate.objects.filter(teacher=teacher).select_related("level")


def certificate_get_for_user(user, code: str) -> Certificate | None:
    """A certificate (named by its random verification code, never a guessable number) if the
    user holds it or is HR / school admin over the holder's school."""
    cert = (Certificate.objects.select_related("level", "teacher__school")
            .filter(verification_code=code).first())
    if cert is None:
        return None
    if cert.teacher.user_id == user.pk:
        return cert
    if organisation_scope(user, roles=ROSTER_ROLES).filter(pk=cert.teacher.school_id).exists():
        return cert
    return None


def certificate_get_by_code(code: str) -> Certificate | None:
    """The certificate a verification code names, for the public page."""
    return (Certificate.objects.select_related("level", "teacher")
            .filter(verification_code=code).first())


def certificate_get_by_number(number: str) -> Certificate | None:
    """The certificate with this number, for the public search."""
    return (Certificate.objects.select_related("level", "teacher")
            .filter(number=number.strip()).first())


def certificate_events_for(certificate: Certificate) -> QuerySet[CertificateEvent]:
    """A certificate's history, newest first."""
    return certificate.events.select_related("actor")


def application_list_for_reviewer(user, *, status: str | None = None) -> QuerySet[Application]:
    """Applications of teachers in the user's HR scope."""
    qs = Application.objects.filter(
        teacher__school__in=organisation_scope(user, roles=StaffRole.HR_ROLES)
    ).select_related("teacher__school", "level", "decided_by", "certificate")
    if status:
        qs = qs.filter(status=status)
    return qs


def application_get_for_reviewer(user, pk: int) -> Application | None:
    """One application, if in the user's HR scope."""
    return application_list_for_reviewer(user).filter(pk=pk).first()


# --- Who holds what, as annotations reused by rates, rosters and compliance -----------------

def held_rank_expression(on: date):
    """The highest level rank a teacher validly holds on `on` (0: none), as one expression."""
    cert_rank = Subquery(
        Certificate.objects.filter(teacher=OuterRef("pk"), status=Certificate.Status.ACTIVE,
                                   issued_on__lte=on, expires_on__gte=on)
        .values("teacher").annotate(m=Max("level__rank")).values("m"),
        output_field=IntegerField())
    cred_rank = Subquery(
        TeacherCredential.objects.filter(teacher=OuterRef("pk"), obtained_on__lte=on)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))
        .values("teacher").annotate(m=Max("credential__level__rank")).values("m"),
        output_field=IntegerField())
    return Greatest(Coalesce(cert_rank, Value(0)), Coalesce(cred_rank, Value(0)))


def new_teacher_since(on: date) -> date:
    """Teachers hired after this date are new and left out of holding rates."""
    months = getattr(settings, "HOLDING_RATE_NEW_TEACHER_MONTHS", 12)
    year, month = divmod(on.month - 1 - months, 12)
    day = min(on.day, 28)
    return date(on.year + year, month + 1, day)


def required_rank_expression():
    """The highest rank any of the teacher's posts requires (0: none), as one expression."""
    return Coalesce(Subquery(
        RoleRequirement.objects.alias(hit=ExpressionWrapper(
            post_bit_expression("role").bitand(OuterRef("posts")), output_field=IntegerField()))
        .filter(hit__gt=0).order_by("-level__rank").values("level__rank")[:1],
        output_field=IntegerField()), Value(0))


# --- Holding rates: the one rule ------------------------------------------------------------

@dataclass
class RateRow:
    organisation: Organisation
    depth: int
    teachers: int = 0
    new_teachers: int = 0
    holders: dict | None = None  # level code -> count

    @property
    def counted(self) -> int:
        return self.teachers - self.new_teachers

    def rate(self, code: str) -> float | None:
        return (self.holders[code] / self.counted) if self.counted else None

    def percent(self, code: str) -> str:
        r = self.rate(code)
        return "—" if r is None else f"{r * 100:.1f}%"


def holding_rates(organisation: Organisation, *, on: date) -> list[RateRow]:
    """Holding rates under `organisation` at `on`: one row per organisation of the subtree.

    Teachers are active teachers of the subtree's schools; those hired within
    HOLDING_RATE_NEW_TEACHER_MONTHS are excluded from both sides of the rate; a holder of a
    level holds every lower one; only certificates active and unexpired at `on` count, and
    recognised credentials count as their level. One aggregate query, then a roll-up.
    """
    levels = list(CertificateLevel.objects.order_by("rank").values_list("code", "rank"))
    since = new_teacher_since(on)
    is_new = Q(hire_date__gt=since)
    aggregates = {"teachers": Count("pk"), "new_teachers": Count("pk", filter=is_new)}
    for code, rank in levels:
        aggregates[f"h_{code}"] = Count("pk", filter=Q(held_rank__gte=rank) & ~is_new)
    per_school = {
        row["school"]: row for row in
        Teacher.objects.filter(is_active=True, school__path__startswith=organisation.path)
        .annotate(held_rank=held_rank_expression(on))
        .values("school").annotate(**aggregates).order_by()
    }
    nodes = list(Organisation.objects.filter(path__startswith=organisation.path)
                 .order_by("path"))
    rows = {n.path: RateRow(organisation=n, depth=n.depth - organisation.depth,
                            holders={code: 0 for code, _ in levels}) for n in nodes}
    for node in nodes:
        agg = per_school.get(node.pk)
        if not agg:
            continue
        # Add the school's figures to itself and every ancestor inside the subtree.
        for i in range(len(organisation.path), len(node.path) + 1, node.steplen):
            row = rows[node.path[:i]]
            row.teachers += agg["teachers"]
            row.new_teachers += agg["new_teachers"]
            for code, _ in levels:
                row.holders[code] += agg[f"h_{code}"]
    return [rows[n.path] for n in nodes]


def holding_rate_rows(*, user, on: date) -> Iterator[tuple]:
    """Per school with district subtotals and a total, for the user's scope, as plain tuples:
    (kind, district, school, teachers, new teachers, counted, holders and rate per level...).
    """
    levels = list(CertificateLevel.objects.order_by("rank").values_list("code", flat=True))
    scope = organisation_scope(user, roles=ROSTER_ROLES)
    tops = _scope_tops(scope)
    for top in tops:
        rows = holding_rates(top, on=on)
        district = ""
        for row in rows:
            org = row.organisation
            if org.kind == Organisation.Kind.DISTRICT:
                district = org.name
            if org.kind in (Organisation.Kind.SCHOOL, Organisation.Kind.DISTRICT) or row.depth == 0:
                kind = "total" if row.depth == 0 else org.kind
                yield (kind, district if org.kind != Organisation.Kind.CITY else "", org.name,
                       row.teachers, row.new_teachers, row.counted,
                       *[v for code in levels for v in (row.holders[code], row.rate(code))])


def _scope_tops(scope: QuerySet[Organisation]) -> list[Organisation]:
    """The highest nodes of a scope (the roots of its subtrees)."""
    nodes = list(scope.order_by("path"))
    tops: list[Organisation] = []
    for node in nodes:
        if not any(node.path.startswith(t.path) for t in tops):
            tops.append(node)
    return tops


def compliance_missing_level(organisation: Organisation, *, on: date) -> QuerySet[Teacher]:
    """Active teachers under `organisation` who lack the level their role requires on `on`."""
    return (Teacher.objects.filter(is_active=True, school__path__startswith=organisation.path)
            .annotate(held_rank=held_rank_expression(on), required_rank=required_rank_expression())
            .filter(held_rank__lt=F("required_rank"))
            .select_related("school").order_by("school__path", "employee_no"))


def staffing_in_scope(*, user, on: date) -> list:
    """Every school of the user's scope with its counsellor staffing (people.staffing's rule)."""
    scope = organisation_scope(user, roles=ROSTER_ROLES)
    return [row for top in _scope_tops(scope) for row in staffing.staffing_rows(top, on=on)]


def schools_short_of_counsellors(organisation: Organisation, *, on: date | None = None):
    """Schools under `organisation` with fewer full-time counsellors than the staffing rules
    require (people.staffing owns the rule)."""
    return staffing.schools_short_of_counsellors(organisation, on=on or date.today())


# --- Rosters for HR exports ------------------------------------------------------------------

def certificate_roster_rows(*, user, level: str | None = None, status: str | None = None,
                            role: str | None = None, expiring_before: date | None = None,
                            on: date | None = None) -> Iterator[tuple]:
    """Certificates in the user's scope as plain tuples, streamed: (teacher name, employee no,
    school, district, role, level, number, issued on, expires on, status, hours this cycle).
    """
    on = on or date.today()
    scope = organisation_scope(user, roles=ROSTER_ROLES)
    # "This cycle" follows the policy of the top of the user's scope (one policy per sheet).
    top = scope.order_by("depth", "path").first()
    policy = cycle_policy_for(top) if top else CyclePolicy(years=5, start_year=2021)
    cycle_start = date(on.year - (on.year - policy.start_year) % policy.years, 1, 1)
    hours = Subquery(
        TrainingEntry.objects.filter(teacher=OuterRef("teacher"), date__gte=cycle_start,
                                     date__lte=on)
        .values("teacher").annotate(s=Sum("hours")).values("s"),
        output_field=DecimalField(max_digits=9, decimal_places=2))
    district = Subquery(
        Organisation.objects.filter(kind=Organisation.Kind.DISTRICT,
                                    path=_district_path_expr())
        .values("name")[:1])
    qs = Certificate.objects.filter(teacher__school__in=scope)
    if level:
        qs = qs.filter(level__code=level)
    if status:
        qs = qs.filter(status=status)
    if role:
        qs = qs.filter(teacher_posts_q([role], prefix="teacher__"))
    if expiring_before:
        qs = qs.filter(expires_on__lt=expiring_before)
    qs = qs.annotate(cycle_hours=Coalesce(hours, Value(Decimal("0")),
                                          output_field=DecimalField(max_digits=9,
                                                                    decimal_places=2)),
                     district_name=district)
    yield from (qs.order_by("teacher__school__path", "teacher__employee_no", "level__rank")
                .values_list("teacher__name", "teacher__employee_no", "teacher__school__name",
                             "district_name", "teacher__role", "level__code", "number",
                             "issued_on", "expires_on", "status", "cycle_hours")
                .iterator(chunk_size=2000))


def _district_path_expr():
    """The path prefix of the district above the certificate's school (city → district)."""
    from django.db.models.functions import Substr

    steplen = Organisation.steplen
    return Substr(OuterRef("teacher__school__path"), 1, 2 * steplen)


def expiry_date_for(level: CertificateLevel, issued_on: date) -> date:
    """When a certificate of `level` issued on `issued_on` expires."""
    return years_after(issued_on, level.validity_years) - timedelta(days=1)


# --- HR export sheets: the roster and hours narrowed to one organisation of the scope --------

def _export_scope(user, organisation: Organisation | None) -> QuerySet[Organisation]:
    """The user's roster scope, or only what lies both in it and under `organisation`."""
    scope = organisation_scope(user, roles=ROSTER_ROLES)
    if organisation is not None:
        scope = scope.filter(path__startswith=organisation.path)
    return scope


def _cycle_of(scope: QuerySet[Organisation], on: date) -> tuple[date, date, Decimal]:
    """Start, end and target of the cycle of the top of a scope (one policy per sheet)."""
    top = scope.order_by("depth", "path").first()
    policy = cycle_policy_for(top) if top else CyclePolicy(years=5, hours=Decimal("360"),
                                                          start_year=2021)
    start = date(on.year - (on.year - policy.start_year) % policy.years, 1, 1)
    end = date(start.year + policy.years, 1, 1) - timedelta(days=1)
    return start, end, policy.hours


def _district_name(school_path_ref: str):
    from django.db.models.functions import Substr

    steplen = Organisation.steplen
    return Subquery(Organisation.objects.filter(
        kind=Organisation.Kind.DISTRICT, path=Substr(OuterRef(school_path_ref), 1, 2 * steplen))
        .values("name")[:1])


def certificate_roster_list(*, user, organisation: Organisation | None = None,
                            level: str | None = None, status: str | None = None,
                            role: str | None = None, expiring_before: date | None = None,
                            on: date | None = None) -> QuerySet:
    """Certificates of the user's scope (or one organisation in it) as a values_list, in
    certificate_roster_rows' column order, ready to count and to stream with .iterator().
    """
    on = on or date.today()
    scope = _export_scope(user, organisation)
    cycle_start, _end, _target = _cycle_of(scope, on)
    hours = Subquery(
        TrainingEntry.objects.filter(teacher=OuterRef("teacher"), date__gte=cycle_start,
                                     date__lte=on)
        .values("teacher").annotate(s=Sum("hours")).values("s"),
        output_field=DecimalField(max_digits=9, decimal_places=2))
    qs = Certificate.objects.filter(teacher__school__in=scope)
    if level:
        qs = qs.filter(level__code=level)
    if status:
        qs = qs.filter(status=status)
    if role:
        qs = qs.filter(teacher_posts_q([role], prefix="teacher__"))
    if expiring_before:
        qs = qs.filter(expires_on__lt=expiring_before)
    qs = qs.annotate(cycle_hours=Coalesce(hours, Value(Decimal("0")),
                                          output_field=DecimalField(max_digits=9, decimal_places=2)),
                     district_name=_district_name("teacher__school__path"))
    return (qs.order_by("teacher__school__path", "teacher__employee_no", "level__rank")
            .values_list("teacher__name", "teacher__employee_no", "teacher__school__name",
                         "district_name", "teacher__role", "level__code", "number",
                         "issued_on", "expires_on", "status", "cycle_hours"))


def training_hours_list(*, user, organisation: Organisation | None = None,
                        role: str | None = None, on: date | None = None) -> QuerySet:
    """Active teachers of the scope with their hours this cycle and last training date, as a
    values_list: (employee no, name, school, district, role, hours, last training date)."""
    on = on or date.today()
    scope = _export_scope(user, organisation)
    start, _end, _target = _cycle_of(scope, on)
    in_cycle = TrainingEntry.objects.filter(teacher=OuterRef("pk"), date__gte=start, date__lte=on)
    hours = Subquery(in_cycle.values("teacher").annotate(s=Sum("hours")).values("s"),
                     output_field=DecimalField(max_digits=9, decimal_places=2))
    last = Subquery(in_cycle.values("teacher").annotate(m=Max("date")).values("m"))
    qs = Teacher.objects.filter(school__in=scope, is_active=True)
    if role:
        qs = qs.filter(teacher_posts_q([role]))
    return (qs.annotate(cycle_hours=Coalesce(hours, Value(Decimal("0")),
                                             output_field=DecimalField(max_digits=9,
                                                                       decimal_places=2)),
                        last_date=last, district_name=_district_name("school__path"))
            .order_by("school__path", "employee_no")
            .values_list("employee_no", "name", "school__name", "district_name", "role",
                         "cycle_hours", "last_date"))


def training_hours_rows(*, user, organisation: Organisation | None = None,
                        role: str | None = None, on: date | None = None) -> Iterator[tuple]:
    """Training hours per teacher in the cycle, streamed: (employee no, name, school, district,
    role, cycle start, cycle end, hours, target, share of target, last training date)."""
    on = on or date.today()
    start, end, target = _cycle_of(_export_scope(user, organisation), on)
    for number, name, school, district, role_code, hours, last in (
            training_hours_list(user=user, organisation=organisation, role=role, on=on)
            .iterator(chunk_size=2000)):
        share = float(hours / target) if target else None
        yield (number, name, school, district, role_code, start, end, hours, target, share, last)


# --- Dashboard: the same rules as the sheets, shaped for charts ------------------------------

HOLDING_TARGETS = {"C": 80}  # percent: the seeds' "C证持证率达到80%"


@dataclass
class SchoolRate:
    school: Organisation
    counted: int
    rates: dict  # level code -> percent (one decimal) or None when nobody is counted


def holding_by_school(*, user, on: date) -> list[SchoolRate]:
    """Per school of the user's scope, the holding rate of each level, from `holding_rates`
    (the rule the holding-rate sheet uses), rounded to one decimal as the sheet shows it."""
    codes = list(CertificateLevel.objects.order_by("rank").values_list("code", flat=True))
    out = []
    for top in _scope_tops(organisation_scope(user, roles=ROSTER_ROLES)):
        for row in holding_rates(top, on=on):
            if row.organisation.kind == Organisation.Kind.SCHOOL:
                out.append(SchoolRate(row.organisation, row.counted, {
                    code: None if row.rate(code) is None else round(row.rate(code) * 100, 1)
                    for code in codes}))
    return out


def certificates_expiring_by_month(*, user, on: date, months: int = 12) -> list[tuple[date, int]]:
    """Active certificates of the scope expiring in each of the next `months` months."""
    from django.db.models.functions import TruncMonth

    first = on.replace(day=1)
    ends = [first]
    for _ in range(months):
        last = ends[-1]
        ends.append(date(last.year + (last.month == 12), last.month % 12 + 1, 1))
    counts = dict(
        Certificate.objects.filter(
            status=Certificate.Status.ACTIVE, expires_on__gte=first, expires_on__lt=ends[-1],
            teacher__school__in=organisation_scope(user, roles=ROSTER_ROLES))
        .annotate(month=TruncMonth("expires_on")).values("month")
        .annotate(n=Count("pk")).order_by().values_list("month", "n"))
    return [(m, counts.get(m, 0)) for m in ends[:-1]]


def hours_pace_distribution(*, user, on: date) -> dict:
    """Active teachers of the scope by pace in their continuing-education cycle: on pace (hours
    at least the share of the target that the elapsed share of the cycle calls for), behind
    (at least half of that) and far behind. One aggregate over `training_hours_list`."""
    scope = organisation_scope(user, roles=ROSTER_ROLES)
    start, end, target = _cycle_of(scope, on)
    elapsed = Decimal((on - start).days + 1) / Decimal((end - start).days + 1)
    due = (target * elapsed).quantize(Decimal("0.01"))
    counts = training_hours_list(user=user, on=on).aggregate(
        on_pace=Count("pk", filter=Q(cycle_hours__gte=due)),
        behind=Count("pk", filter=Q(cycle_hours__lt=due, cycle_hours__gte=due / 2)),
        far_behind=Count("pk", filter=Q(cycle_hours__lt=due / 2)))
    return {**counts, "due": due, "target": target, "start": start, "end": end}
