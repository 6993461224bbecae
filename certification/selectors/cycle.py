"""The continuing-education cycle, in one place: the policy that applies to a teacher (the
nearest up from their own school), the cycle window on a date, the hours due by that date
(prorated, and at least the yearly minimum for each whole year elapsed), the hours earned
in the window, and the policy's minimum per hour category (each prorated the same way).
A teacher is on pace only if the total and every category minimum are on pace. The teacher's
page, the HR record, the hours sheet, the certificate roster, the dashboard's pace chart, the
stored figures and the pace reminders all read it from here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case, DateField, DecimalField, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Sum,
    Value, When,
)
from django.db.models.functions import Coalesce

from courses.models import HourCategory
from people.models import Organisation, Teacher
from people.nearest import ancestor_paths, nearest_rule, nearest_rule_expression

from ..models import CyclePolicy, TrainingEntry

HOURS = DecimalField(max_digits=9, decimal_places=2)
CENT = Decimal("0.01")


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

    def category_due(self, code: str) -> Decimal | None:
        """Hours of the category due by the date; None where the policy sets no minimum (so
        that, in SQL, no comparison with it holds)."""
        minimum = (self.categories or {}).get(code)
        return minimum[1] if minimum else None


def cycle_on(policy: CyclePolicy, on: date) -> Cycle:
    """The cycle window containing `on` and the hours due by `on` under `policy`.

    Due is the target prorated by the days elapsed (to the cent), raised to the yearly minimum
    times the whole years elapsed where the policy sets one, and never above the target.
    """
    offset = (on.year - policy.start_year) % policy.years
    start = date(on.year - offset, 1, 1)
    end = date(start.year + policy.years, 1, 1) - timedelta(days=1)
    elapsed = Decimal((on - start).days + 1) / Decimal((end - start).days + 1)
    due = (policy.hours * elapsed).quantize(CENT)
    if policy.yearly_minimum:
        due = max(due, policy.yearly_minimum * (on.year - start.year))
    categories = {code: (minimum, min((minimum * elapsed).quantize(CENT), minimum))
                  for code, minimum in category_minimums(policy).items()}
    return Cycle(start=start, end=end, target=policy.hours, due=min(due, policy.hours),
                 yearly_minimum=policy.yearly_minimum, categories=categories)


def pace_of(earned: Decimal, due: Decimal) -> str:
    """"on_pace" (at least what is due), "behind" (at least half) or "far_behind"."""
    if earned >= due:
        return "on_pace"
    return "behind" if earned * 2 >= due else "far_behind"


PACE_ORDER = ("on_pace", "behind", "far_behind")


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
        paces = [pace_of(self.earned, self.expected),
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
    minimums = cycle.categories or {}
    categories = [
        CategoryStatus(category=c, had=by_category.get(c.code, Decimal("0")),
                       needed=minimums.get(c.code, (Decimal("0"),))[0],
                       due=cycle.category_due(c.code) or Decimal("0"))
        for c in HourCategory.objects.all()
        if c.active or c.code in by_category or c.code in minimums]
    return CycleStatus(start=cycle.start, end=cycle.end, target=cycle.target, earned=earned,
                       expected=cycle.due, yearly_minimum=cycle.yearly_minimum,
                       categories=categories)


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
    and for `pace_filters` cat_unmet / cat_far (how many category minimums are not on pace /
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
        last_training=Subquery(in_window.annotate(m=Max("date")).values("m"))
    ).annotate(double=F("cycle_hours") * 2)
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


def pace_filters() -> dict[str, Q]:
    """The pace buckets as conditions on rows annotated by `with_cycle` (the rule of
    `CycleStatus.pace`: the worst of `pace_of` for the total and for each category minimum;
    `double` is twice the hours, so that no half-cent is ever compared)."""
    far = Q(double__lt=F("cycle_due")) | Q(cat_far__gt=0)
    return {"on_pace": Q(cycle_hours__gte=F("cycle_due"), cat_unmet=0),
            "behind": (Q(cycle_hours__lt=F("cycle_due")) | Q(cat_unmet__gt=0))
            & Q(double__gte=F("cycle_due"), cat_far=0),
            "far_behind": far}


def training_entry_list(teacher: Teacher) -> QuerySet[TrainingEntry]:
    """A teacher's ledger, newest first."""
    return (TrainingEntry.objects.filter(teacher=teacher).select_related("category")
            .order_by("-date", "-pk"))
