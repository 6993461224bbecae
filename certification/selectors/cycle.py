"""The continuing-education cycle, in one place: the policy that applies to a teacher (the
nearest up from their own school), the cycle window on a date, the hours due by that date
under the policy's pace rule (pro-rated after a grace period, and at least the yearly minimum
for each whole year elapsed; or the yearly minimum for each calendar year ended), the hours
earned in the window, and the policy's minimum per hour category (due the same way).
A teacher is on pace only if the total and every category minimum are on pace (the rule's
Python and SQL forms: `pace.py`). The teacher's page, the HR record, the hours sheet, the
certificate roster, the dashboard's pace chart, the stored figures and the pace reminders all
read it from here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    DateField,
    DecimalField,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from courses.models import HourCategory
from people.models import Organisation, Teacher
from people.nearest import ancestor_paths, nearest_rule, nearest_rule_expression

from ..models import CyclePolicy, TrainingEntry

# The pace rule lives in pace.py; PACE_ORDER, pace_filters and pace_of are re-exported here.
from .pace import (  # noqa: F401
    PACE_ORDER,
    pace_filters,
    pace_of,
    yearly_credit,
    yearly_credit_sql,
)

HOURS = DecimalField(max_digits=9, decimal_places=2)
CENT = Decimal("0.01")
YEARLY = CyclePolicy.PaceRule.YEARLY


def default_cycle_policy() -> CyclePolicy:
    """The policy where no organisation sets one: five years and 360 hours from 2021."""
    return CyclePolicy(years=5, hours=Decimal("360"), start_year=2021)


def cycle_policies() -> dict[str, CyclePolicy]:
    """Every organisation's own policy (with its category minimums), by organisation path."""
    return {p.organisation.path: p for p in CyclePolicy.objects.select_related("organisation")
            .prefetch_related("category_minimums")}


def cycle_policy_for(organisation: Organisation,
                     policies: dict[str, CyclePolicy] | None = None) -> CyclePolicy:
    """The policy of the nearest organisation up the tree that has one, else the defaults."""
    if policies is None:
        policies = {p.organisation.path: p for p in CyclePolicy.objects.filter(
            organisation__path__in=ancestor_paths(organisation.path))
            .select_related("organisation").prefetch_related("category_minimums")}
    return nearest_rule(policies, organisation.path) or default_cycle_policy()


def category_minimums(policy: CyclePolicy) -> dict[str, Decimal]:
    """The policy's minimum hours per category code (none for the default policy)."""
    if policy.pk is None:
        return {}
    return {m.category_id: m.hours for m in policy.category_minimums.all()}


@dataclass(frozen=True)
class Cycle:
    """A policy's cycle as it stands on a date."""

    start: date
    end: date
    target: Decimal
    due: Decimal
    yearly_minimum: Decimal | None
    # Category code -> (minimum for the cycle, due by the date).
    categories: dict = None
    rule: str = CyclePolicy.PaceRule.PRORATED
    # The last day of the grace period (None: no grace period, or it lies behind).
    grace_until: date | None = None
    # Yearly rule: the calendar years judged by the date, as (first day, last day), and the
    # hours each needs.
    judged_years: tuple = ()
    year_minimum: Decimal | None = None

    @property
    def yearly(self) -> bool:
        return self.rule == YEARLY

    def category_due(self, code: str) -> Decimal | None:
        """Hours of the category due by the date; None where the policy sets no minimum (so
        that, in SQL, no comparison with it holds)."""
        minimum = (self.categories or {}).get(code)
        return minimum[1] if minimum else None


def cycle_on(policy: CyclePolicy, on: date) -> Cycle:
    """The cycle window containing `on` and the hours due by `on` under `policy`.

    Pro-rated (the default): the target times the days elapsed after the grace period over the
    cycle's days after it (to the cent), raised to the yearly minimum times the years ended
    (each once its grace period has passed) where the policy sets one, never above the target.
    Yearly: the yearly minimum times the calendar years of the cycle ended by `on` (each once
    its grace period has passed); category minimums are due by the same share of the cycle.
    """
    offset = (on.year - policy.start_year) % policy.years
    start = date(on.year - offset, 1, 1)
    end = date(start.year + policy.years, 1, 1) - timedelta(days=1)
    grace = policy.grace_days or 0
    # A year is judged from the day after its grace period (grace 0: from 1 January after it).
    judged = tuple((date(y, 1, 1), date(y, 12, 31)) for y in range(start.year, end.year + 1)
                   if date(y + 1, 1, 1) + timedelta(days=grace) <= on)
    # The grace period `on` falls in: the cycle's first days (pro-rated), or under the yearly
    # rule the first days of a year after the cycle's first (the year before awaits judging).
    opened = date(on.year, 1, 1) if policy.pace_rule == YEARLY else start
    grace_until = (opened + timedelta(days=grace - 1)
                   if grace and on < opened + timedelta(days=grace)
                   and (policy.pace_rule != YEARLY or on.year > start.year) else None)
    if policy.pace_rule == YEARLY:
        minimum = policy.minimum_per_year
        share = Decimal(len(judged)) / Decimal(policy.years)
        categories = {code: (m, min((m * share).quantize(CENT), m))
                      for code, m in category_minimums(policy).items()}
        return Cycle(start=start, end=end, target=policy.hours,
                     due=min(minimum * len(judged), policy.hours),
                     yearly_minimum=policy.yearly_minimum, categories=categories,
                     rule=YEARLY, grace_until=grace_until, judged_years=judged,
                     year_minimum=minimum)
    days = max((end - start).days + 1 - grace, 1)
    elapsed = Decimal(max((on - start).days + 1 - grace, 0)) / Decimal(days)
    due = (policy.hours * elapsed).quantize(CENT)
    if policy.yearly_minimum:
        due = max(due, policy.yearly_minimum * len(judged))
    categories = {code: (minimum, min((minimum * elapsed).quantize(CENT), minimum))
                  for code, minimum in category_minimums(policy).items()}
    return Cycle(start=start, end=end, target=policy.hours, due=min(due, policy.hours),
                 yearly_minimum=policy.yearly_minimum, categories=categories,
                 grace_until=grace_until)


@dataclass
class CategoryStatus:
    """One hour category in a teacher's cycle: hours had, the policy's minimum (0: none) and
    what of it is due by the date."""

    category: HourCategory
    had: Decimal
    needed: Decimal
    due: Decimal

    @property
    def required(self) -> bool:
        return self.needed > 0

    @property
    def met(self) -> bool:
        return self.had >= self.needed

    @property
    def missing(self) -> Decimal:
        return max(self.needed - self.had, Decimal("0"))

    @property
    def pace(self) -> str:
        return pace_of(self.had, self.due)


@dataclass
class CycleStatus:
    start: date
    end: date
    target: Decimal
    earned: Decimal
    expected: Decimal
    yearly_minimum: Decimal | None
    categories: list[CategoryStatus] = None
    rule: str = CyclePolicy.PaceRule.PRORATED
    grace_until: date | None = None
    # Yearly rule: (year, hours had that year, hours needed) for each year judged by the date.
    years: list = None
    year_minimum: Decimal | None = None
    yearly_credit: Decimal = Decimal("0")  # pace.yearly_credit of the judged years
    # Yearly rule: the hours of the calendar year being lived, up to the date (not judged yet).
    this_year: Decimal | None = None

    @property
    def yearly(self) -> bool:
        return self.rule == YEARLY

    @property
    def pace_earned(self) -> Decimal:
        """The hours that count for pace: all of them (pro-rated), or each judged year's own
        hours up to the yearly minimum (yearly)."""
        return self.yearly_credit if self.yearly else self.earned

    @property
    def short_years(self) -> list:
        """The judged years below the yearly minimum, as (year, had, needed)."""
        return [y for y in self.years or [] if y[1] < y[2]]

    @property
    def remaining(self) -> Decimal:
        return max(self.target - self.earned, Decimal("0"))

    @property
    def required_categories(self) -> list[CategoryStatus]:
        return [c for c in self.categories or [] if c.required]

    @property
    def shown_categories(self) -> list[CategoryStatus]:
        """The categories worth a line on a page: those with hours or with a minimum."""
        return [c for c in self.categories or [] if c.required or c.had]

    @property
    def pace(self) -> str:
        """The total's pace, or a category's where that is worse: a teacher is on pace only
        if every category minimum is on pace as well as the total."""
        paces = [pace_of(self.pace_earned, self.expected),
                 *[c.pace for c in self.required_categories]]
        return max(paces, key=PACE_ORDER.index)

    @property
    def met(self) -> bool:
        """The cycle's whole requirement is met: the total and every category minimum."""
        return self.earned >= self.target and all(c.met for c in self.required_categories)

    @property
    def on_pace(self) -> bool:
        return self.pace == "on_pace"

    @property
    def percent(self) -> int:
        return min(100, int(self.earned * 100 / self.target)) if self.target else 100


def cycle_status(teacher: Teacher, *, on: date) -> CycleStatus:
    """The teacher's cycle on `on`: target, earned, remaining, what is due by then, and per
    hour category the hours had, the minimum needed and what of it is due."""
    cycle = cycle_on(cycle_policy_for(teacher.school), on)
    by_category = dict(TrainingEntry.objects.filter(teacher=teacher, date__gte=cycle.start,
                                                    date__lte=on)
                       .values("category_id").annotate(total=Sum("hours"))
                       .values_list("category_id", "total").order_by())
    earned = sum(by_category.values(), Decimal("0"))
    years, credit = [], Decimal("0")
    if cycle.yearly and cycle.judged_years:
        by_year = _hours_by_year(teacher, cycle)
        credit = yearly_credit(by_year, list(cycle.judged_years), cycle.year_minimum)
        years = [(first.year, by_year.get(first.year, Decimal("0")), cycle.year_minimum)
                 for first, _ in cycle.judged_years]
    minimums = cycle.categories or {}
    categories = [
        CategoryStatus(category=c, had=by_category.get(c.code, Decimal("0")),
                       needed=minimums.get(c.code, (Decimal("0"),))[0],
                       due=cycle.category_due(c.code) or Decimal("0"))
        for c in HourCategory.objects.all()
        if c.active or c.code in by_category or c.code in minimums]
    return CycleStatus(start=cycle.start, end=cycle.end, target=cycle.target, earned=earned,
                       expected=cycle.due, yearly_minimum=cycle.yearly_minimum,
                       categories=categories, rule=cycle.rule, grace_until=cycle.grace_until,
                       years=years, year_minimum=cycle.year_minimum, yearly_credit=credit,
                       this_year=_this_year(teacher, on) if cycle.yearly else None)


def _this_year(teacher: Teacher, on: date) -> Decimal:
    """The teacher's hours from 1 January of `on`'s year up to `on`."""
    return TrainingEntry.objects.filter(
        teacher=teacher, date__gte=date(on.year, 1, 1), date__lte=on).aggregate(
        total=Coalesce(Sum("hours"), Value(Decimal("0")), output_field=HOURS))["total"]


def _hours_by_year(teacher: Teacher, cycle: Cycle) -> dict[int, Decimal]:
    """The teacher's hours per calendar year of the cycle's judged years."""
    first, last = cycle.judged_years[0][0], cycle.judged_years[-1][1]
    totals: dict[int, Decimal] = {}
    for day, hours in TrainingEntry.objects.filter(
            teacher=teacher, date__gte=first, date__lte=last).values_list("date", "hours"):
        totals[day.year] = totals.get(day.year, Decimal("0")) + hours
    return totals


def _per_policy(policies: dict[str, CyclePolicy], on: date, path_field: str, value,
                output_field):
    """One CASE choosing, for each row's school path, the value of the nearest policy."""
    return nearest_rule_expression(
        {path: value(cycle_on(policy, on)) for path, policy in policies.items()}, path_field,
        value(cycle_on(default_cycle_policy(), on)), output_field)


def required_category_codes(policies: dict[str, CyclePolicy]) -> list[str]:
    """The codes of the categories some policy sets a minimum for, in a stable order."""
    return sorted({code for p in policies.values() for code in category_minimums(p)})


def with_cycle(queryset: QuerySet, *, on: date, teacher: str = "",
               policies: dict[str, CyclePolicy] | None = None,
               categories: list[str] = ()) -> QuerySet:
    """Annotate each row with its teacher's cycle on `on`: cycle_start, cycle_end,
    cycle_target, cycle_due, cycle_hours (earned in the window up to `on`), last_training,
    pace_hours (the hours that count for pace: cycle_hours, or under the yearly rule each
    judged year's own hours up to the minimum, with year_hours_<k>, year_start_<k>,
    year_end_<k> and year_minimum), and for `pace_filters` cat_unmet / cat_far (how many category minimums are not on pace /
    far behind; 0 where no policy sets any). `categories` (codes) also get their hours in the
    window as cat_hours_0, cat_hours_1, ... in that order.

    `teacher` is the path from the row to its teacher ("" when the rows are teachers,
    "teacher__" for certificates). Policies come as one CASE; hours as one subquery each (and
    one per category that a policy requires or that is asked for).
    """
    path = f"{teacher}school__path"
    policies = cycle_policies() if policies is None else policies
    qs = queryset.annotate(
        cycle_start=_per_policy(policies, on, path, lambda c: c.start, DateField()),
        cycle_end=_per_policy(policies, on, path, lambda c: c.end, DateField()),
        cycle_target=_per_policy(policies, on, path, lambda c: c.target, HOURS),
        cycle_due=_per_policy(policies, on, path, lambda c: c.due, HOURS))
    in_window = TrainingEntry.objects.filter(
        teacher=OuterRef(teacher.removesuffix("__") or "pk"),
        date__gte=OuterRef("cycle_start"), date__lte=on).values("teacher")

    def hours_of(entries):
        return Coalesce(Subquery(entries.annotate(s=Sum("hours")).values("s"),
                                 output_field=HOURS), Value(Decimal("0")), output_field=HOURS)

    qs = qs.annotate(
        cycle_hours=hours_of(in_window),
        last_training=Subquery(in_window.annotate(m=Max("date")).values("m")))
    qs = _with_pace_hours(qs, on=on, policies=policies, path=path,
                          teacher_ref=teacher.removesuffix("__") or "pk", hours_of=hours_of)
    qs = qs.annotate(double=F("pace_hours") * 2)
    asked = list(categories)
    if asked:
        qs = qs.annotate(**{f"cat_hours_{i}": hours_of(in_window.filter(category_id=code))
                            for i, code in enumerate(asked)})
    required = required_category_codes(policies)
    if not required:
        return qs.annotate(cat_unmet=Value(0, output_field=IntegerField()),
                           cat_far=Value(0, output_field=IntegerField()))
    hours_names = {}
    for code in required:
        if code in asked:
            hours_names[code] = f"cat_hours_{asked.index(code)}"
        else:
            hours_names[code] = f"cat_req_hours_{len(hours_names)}"
            qs = qs.annotate(**{hours_names[code]: hours_of(in_window.filter(category_id=code))})
    qs = qs.annotate(**{f"cat_due_{i}": _per_policy(policies, on, path,
                                                    lambda c, code=code: c.category_due(code),
                                                    HOURS)
                        for i, code in enumerate(required)})

    def count(condition):
        return sum((Case(When(condition(hours_names[code], f"cat_due_{i}"), then=Value(1)),
                         default=Value(0), output_field=IntegerField())
                    for i, code in enumerate(required)), Value(0, output_field=IntegerField()))

    return qs.annotate(
        cat_unmet=count(lambda h, d: Q(**{f"{h}__lt": F(d)})),
        # Twice the hours against what is due, as for the total (no half-cent compared).
        cat_far=count(lambda h, d: Q(**{f"{d}__gt": F(h) * 2})))


def _with_pace_hours(qs: QuerySet, *, on: date, policies: dict[str, CyclePolicy], path: str,
                     teacher_ref: str, hours_of) -> QuerySet:
    """Annotate pace_hours: the cycle's hours (pro-rated) or `pace.yearly_credit_sql` of the
    judged years (yearly), chosen per row by its policy; year_hours_<k> / year_start_<k> hold
    the k-th judged year's hours and first day (year_end_<k> its last; none where the row's policy judges fewer)."""
    cycles = [cycle_on(p, on) for p in policies.values()]
    judged = max((len(c.judged_years) for c in cycles if c.yearly), default=0)
    if not any(c.yearly for c in cycles):
        return qs.annotate(pace_hours=F("cycle_hours"),
                           year_minimum=Value(None, output_field=HOURS))
    qs = qs.annotate(
        pace_yearly=_per_policy(policies, on, path, lambda c: int(c.yearly), IntegerField()),
        year_minimum=_per_policy(policies, on, path, lambda c: c.year_minimum, HOURS),
        **{f"year_start_{k}": _per_policy(
            policies, on, path,
            lambda c, k=k: c.judged_years[k][0] if c.yearly and len(c.judged_years) > k
            else None, DateField()) for k in range(judged)},
        **{f"year_end_{k}": _per_policy(
            policies, on, path,
            lambda c, k=k: c.judged_years[k][1] if c.yearly and len(c.judged_years) > k
            else None, DateField()) for k in range(judged)})
    qs = qs.annotate(**{f"year_hours_{k}": hours_of(TrainingEntry.objects.filter(
        teacher=OuterRef(teacher_ref), date__gte=OuterRef(f"year_start_{k}"),
        date__lte=OuterRef(f"year_end_{k}")).values("teacher"))
        for k in range(judged)})
    credit = yearly_credit_sql([f"year_hours_{k}" for k in range(judged)], "year_minimum")
    return qs.annotate(pace_hours=Case(When(pace_yearly=1, then=credit),
                                       default=F("cycle_hours"), output_field=HOURS))


def training_entry_list(teacher: Teacher) -> QuerySet[TrainingEntry]:
    """A teacher's ledger, newest first."""
    return (TrainingEntry.objects.filter(teacher=teacher).select_related("category")
            .order_by("-date", "-pk"))
