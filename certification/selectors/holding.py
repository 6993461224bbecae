"""Who holds what on a date, holding rates and compliance."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import (
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from people import employment, staffing
from people.models import Organisation, Teacher
from people.nearest import nearest_rule, nearest_rule_expression
from people.selectors import post_bit_expression, scope_tops

from ..models import (
    Certificate,
    CertificateLevel,
    HoldingTarget,
    NewTeacherPeriod,
    RoleRequirement,
    TeacherCredential,
)
from ..rules import credential_valid_q, holding_rate, holds_level_q
from .common import ROSTER_ROLES

# --- Who holds what on a date ---------------------------------------------------------------

def held_rank_expression(on: date):
    """The highest level rank a teacher validly holds on `on` (0: none), as one expression."""
    cert_rank = Subquery(
        Certificate.objects.valid_on(on).filter(teacher=OuterRef("pk"))
        .values("teacher").annotate(m=Max("level__rank")).values("m"),
        output_field=IntegerField())
    cred_rank = Subquery(
        TeacherCredential.objects.filter(credential_valid_q(on), teacher=OuterRef("pk"))
        .values("teacher").annotate(m=Max("credential__level__rank")).values("m"),
        output_field=IntegerField())
    return Greatest(Coalesce(cert_rank, Value(0)), Coalesce(cred_rank, Value(0)))


def required_rank_expression(posts_field: str = "posts"):
    """The highest rank any of the teacher's posts requires (0: none), as one expression
    (`posts_field`: "posts_on" for the posts of a day's period, see `teachers_in_post`)."""
    return Coalesce(Subquery(
        RoleRequirement.objects.alias(hit=ExpressionWrapper(
            post_bit_expression("role").bitand(OuterRef(posts_field)), output_field=IntegerField()))
        .filter(hit__gt=0).order_by("-level__rank").values("level__rank")[:1],
        output_field=IntegerField()), Value(0))


# --- Targets and the new-teacher period: data per subtree, the nearest applies ---------------

def new_teacher_periods() -> dict[str, int]:
    """Months of the new-teacher period by organisation path ("" for everywhere)."""
    return {path or "": months for path, months in
            NewTeacherPeriod.objects.values_list("organisation__path", "months")}


def new_teacher_months_for(organisation: Organisation) -> int:
    """The new-teacher period (months) that applies to an organisation."""
    return nearest_rule(new_teacher_periods(), organisation.path, 12)


def new_teacher_since(on: date, months: int | None = None) -> date:
    """Teachers hired after this date are new on `on` (exact months: 31 May - 3 months is
    28 or 29 February)."""
    return on - relativedelta(months=12 if months is None else months)


def new_teacher_since_expression(on: date, path_field: str = "school__path",
                                 periods: dict[str, int] | None = None):
    """The day after which a teacher counts as new on `on`, from the period nearest their school,
    as one CASE over the (few) organisations that set a period."""
    periods = new_teacher_periods() if periods is None else periods
    return nearest_rule_expression(
        {path: new_teacher_since(on, months) for path, months in periods.items()},
        path_field, new_teacher_since(on), DateField())


# Neither date known: counted as long-serving.
_LONG_AGO = date(1900, 1, 1)


def teaching_since_expression(teacher_prefix: str = ""):
    """The day a teacher began in the profession: 参加工作日期 where known, else 入职日期 (the
    day they joined this school), as one expression (`teacher_prefix`: "teacher__" from a
    model that points at the teacher)."""
    return Coalesce(F(f"{teacher_prefix}first_work_date"), F(f"{teacher_prefix}hire_date"),
                    Value(_LONG_AGO), output_field=DateField())


def is_new_teacher_q(on: date, periods: dict[str, int] | None = None,
                     path_field: str = "school__path", teacher_prefix: str = "") -> Q:
    """Teachers new on `on`: in the profession (参加工作日期, else 入职日期) for less than the
    period that applies to their school (`path_field`: the school of that day's period, for any
    day but today). An experienced teacher who transfers in is not new."""
    return Q(GreaterThan(teaching_since_expression(teacher_prefix),
                         new_teacher_since_expression(on, path_field=path_field, periods=periods)))


def in_post_q(on: date, where=None) -> Q:
    """Teachers in post on `on` (people.employment owns the rule: their period of that day)."""
    return employment.in_post_q(on, where)


def holding_targets() -> dict[str, dict[str, Decimal]]:
    """Target percent by level code, then by organisation path ("" for everywhere)."""
    out: dict[str, dict[str, Decimal]] = {}
    for path, code, percent in HoldingTarget.objects.values_list(
            "organisation__path", "level__code", "percent"):
        out.setdefault(code, {})[path or ""] = percent
    return out


def plain_percent(value: Decimal | None) -> int | Decimal | None:
    """80.0 → 80, 82.5 → 82.5: a target as people write it."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else value


def holding_target_for(organisation: Organisation, code: str,
                       targets: dict[str, dict[str, Decimal]] | None = None) -> Decimal | None:
    """The holding target (percent) of a level that applies to an organisation, if any."""
    targets = holding_targets() if targets is None else targets
    return nearest_rule(targets.get(code, {}), organisation.path)


# --- Holding rates: the one rule ------------------------------------------------------------

@dataclass
class RateRow:
    organisation: Organisation
    depth: int
    teachers: int = 0
    new_teachers: int = 0
    holders: dict | None = None  # level code -> count
    targets: dict | None = None  # level code -> target percent (Decimal) or None

    @property
    def counted(self) -> int:
        return self.teachers - self.new_teachers

    def rate(self, code: str) -> float | None:
        return holding_rate(self.holders[code], self.teachers, self.new_teachers)

    def percent(self, code: str) -> str:
        r = self.rate(code)
        return "—" if r is None else f"{r * 100:.1f}%"

    def target(self, code: str) -> float | None:
        """The target as a fraction (0.8), like `rate`."""
        t = (self.targets or {}).get(code)
        return None if t is None else float(t) / 100

    def gap(self, code: str) -> float | None:
        """How far the rate is below its target (negative: above it), as a fraction."""
        rate, target = self.rate(code), self.target(code)
        return None if rate is None or target is None else target - rate


def holding_aggregates(on: date, levels: list[tuple[str, int]],
                       periods: dict[str, int] | None = None) -> dict:
    """Teachers, new teachers and holders of each level on `on`, as aggregates over teachers in
    post (`employment.teachers_in_post`: the new-teacher period is their school's of that day)."""
    is_new = is_new_teacher_q(on, periods, path_field="school_path_on")
    aggregates = {"teachers": Count("pk", distinct=True),
                  "new_teachers": Count("pk", distinct=True, filter=is_new)}
    for code, rank in levels:
        aggregates[f"h_{code}"] = Count("pk", distinct=True,
                                        filter=holds_level_q(on, rank) & ~is_new)
    return aggregates


def holding_rates(organisation: Organisation, *, on: date) -> list[RateRow]:
    """Holding rates under `organisation` on `on`: one row per organisation of the subtree.

    Teachers are those in post at the subtree's schools on `on` (people.employment); those within the
    new-teacher period nearest their school are left out of both sides of the rate; a holder of
    a level holds every lower one; a certificate counts on the days it was valid
    (`Certificate.valid_on`), a recognised credential as its level. One aggregate query over
    teachers joined once to their certificates, grouped by school, then a roll-up.
    """
    levels = level_ranks()
    per_school = {
        row["school_on"]: row for row in
        employment.teachers_in_post(on, organisation)
        .values("school_on").annotate(**holding_aggregates(on, levels)).order_by()
    }
    return roll_up(organisation, per_school, levels)


def roll_up(organisation: Organisation, per_school: dict, levels: list[tuple[str, int]], *,
            depth: int | None = None, paths: dict[int, str] | None = None) -> list[RateRow]:
    """Rows of the subtree from per-school figures ({school id: {"teachers", "new_teachers",
    "h_<code>"}}): each school's figures added to itself and every ancestor in the subtree.
    With `depth`, only the rows down to that many levels below `organisation` (the schools
    further down are added to their ancestors through `paths`, {school id: path})."""
    targets = holding_targets()
    nodes = Organisation.objects.filter(path__startswith=organisation.path)
    if depth is not None:
        nodes = nodes.filter(depth__lte=organisation.depth + depth)
    nodes = list(nodes.order_by("path"))
    rows = {n.path: RateRow(organisation=n, depth=n.depth - organisation.depth,
                            holders={code: 0 for code, _ in levels},
                            targets={code: plain_percent(holding_target_for(n, code, targets))
                                     for code, _ in levels}) for n in nodes}
    paths = {**(paths or {}), **{n.pk: n.path for n in nodes}}
    for pk, agg in per_school.items():
        path = paths.get(pk)
        if path is None or not agg:
            continue
        for i in range(len(organisation.path), len(path) + 1, organisation.steplen):
            row = rows.get(path[:i])
            if row is None:  # below `depth`
                break
            row.teachers += agg["teachers"]
            row.new_teachers += agg["new_teachers"]
            for code, _ in levels:
                row.holders[code] += agg[f"h_{code}"]
    return [rows[n.path] for n in nodes]


def level_ranks() -> list[tuple[str, int]]:
    """The certificate levels (data city HR edit) as (code, rank), lowest first: the one query
    every holding figure and sheet asks for its columns."""
    return list(CertificateLevel.objects.order_by("rank").values_list("code", "rank"))


def level_codes() -> list[str]:
    """The certificate levels' codes, lowest first (C, B, A): the columns of every holding
    figure."""
    return [code for code, _rank in level_ranks()]


def holding_rate_rows(*, user, on: date) -> Iterator[tuple]:
    """Per school with district subtotals and a total, for the user's scope, as plain tuples:
    (kind, district, school, teachers, new teachers, counted, holders and rate per level...).
    """
    levels = level_codes()
    tops = scope_tops(user, roles=ROSTER_ROLES)
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


def compliance_missing(where, *, on: date) -> QuerySet[Teacher]:
    """The compliance rule: teachers in post on `on` at `where` (see `employment.in_post`) who
    lack the level their posts of that day require (new teachers included), annotated
    `school_on`. The list, the count and the stored figures all call it."""
    return (employment.teachers_in_post(on, where)
            .annotate(held_rank=held_rank_expression(on),
                      required_rank=required_rank_expression("posts_on"))
            .filter(held_rank__lt=F("required_rank")))


def compliance_missing_level(organisation: Organisation, *, on: date) -> QuerySet[Teacher]:
    """Teachers in post under `organisation` on `on` who lack the level their posts require."""
    return (compliance_missing(organisation, on=on)
            .select_related("school").order_by("school_path_on", "employee_no"))


def compliance_missing_count(organisation: Organisation, *, on: date) -> int:
    """How many teachers `compliance_missing_level` lists."""
    return compliance_missing_level(organisation, on=on).order_by().count()


def schools_short_of_counsellors(organisation: Organisation, *, on: date | None = None):
    """Schools under `organisation` with fewer full-time counsellors than the staffing rules
    require (people.staffing owns the rule)."""
    return staffing.schools_short_of_counsellors(organisation, on=on or timezone.localdate())


# --- How rates moved: month by month ---------------------------------------------------------

def month_ends(on: date, months: int = 24) -> list[date]:
    """The last day of each of the `months` months up to `on` (the last one is `on` itself)."""
    ends = [(on - relativedelta(months=i)) + relativedelta(day=31) for i in range(months - 1, 0, -1)]
    return [*ends, on]


def holding_trend(schools: QuerySet[Organisation], *, on: date,
                  months: int = 24) -> list[tuple[date, int, dict]]:
    """Holding rate per level at each month end over `months` months, for teachers of
    `schools`: (month end, counted, {level code: rate or None}). One aggregate query per level,
    each counting every month at once; the same rule as `holding_rates` on each date."""
    days = month_ends(on, months)
    # Only teachers with a period at these schools are looked at; each month end asks who was
    # in post there on it, and whether they were new by the period of that day's school.
    teachers = Teacher.objects.filter(pk__in=employment.in_post(days[0], schools, until=days[-1])
                                      .values("teacher_id"))
    periods = new_teacher_periods()
    counted_on = {d: Q(Exists(employment.in_post(d, schools).filter(teacher=OuterRef("pk")).exclude(
        is_new_teacher_q(d, periods, path_field="organisation__path", teacher_prefix="teacher__"))))
        for d in days}
    counted = teachers.aggregate(**{f"n{i}": Count("pk", distinct=True, filter=counted_on[d])
                                    for i, d in enumerate(days)})
    rates: dict[date, dict] = {d: {} for d in days}
    for code, rank in level_ranks():
        held = teachers.aggregate(**{
            f"h{i}": Count("pk", distinct=True, filter=counted_on[d] & holds_level_q(d, rank))
            for i, d in enumerate(days)})
        for i, d in enumerate(days):
            rates[d][code] = holding_rate(held[f"h{i}"], counted[f"n{i}"])
    return [(d, counted[f"n{i}"], rates[d]) for i, d in enumerate(days)]
