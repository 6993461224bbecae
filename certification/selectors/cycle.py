"""The continuing-education cycle, in one place: the policy that applies to a teacher (the
nearest up from their own school), the cycle window on a date, the hours due by that date
(prorated, and at least the yearly minimum for each whole year elapsed), and the hours earned
in the window. The teacher's page, the HR record, the hours sheet, the certificate roster, the
dashboard's pace chart and the pace reminders all read it from here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case, DateField, DecimalField, F, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value, When,
)
from django.db.models.functions import Coalesce

from people.models import Organisation, Teacher
from people.selectors import ancestor_paths

from ..models import CyclePolicy, TrainingEntry

HOURS = DecimalField(max_digits=9, decimal_places=2)
CENT = Decimal("0.01")


def default_cycle_policy() -> CyclePolicy:
    """The policy where no organisation sets one: five years and 360 hours from 2021."""
    return CyclePolicy(years=5, hours=Decimal("360"), start_year=2021)


def cycle_policies() -> dict[str, CyclePolicy]:
    """Every organisation's own policy, by organisation path, in one query."""
    return {p.organisation.path: p for p in CyclePolicy.objects.select_related("organisation")}


def cycle_policy_for(organisation: Organisation,
                     policies: dict[str, CyclePolicy] | None = None) -> CyclePolicy:
    """The policy of the nearest organisation up the tree that has one, else the defaults."""
    if policies is None:
        return (CyclePolicy.objects.filter(organisation__path__in=ancestor_paths(organisation.path))
                .order_by("-organisation__depth").first()) or default_cycle_policy()
    return next((policies[p] for p in reversed(ancestor_paths(organisation.path))
                 if p in policies), default_cycle_policy())


@dataclass(frozen=True)
class Cycle:
    """A policy's cycle as it stands on a date."""

    start: date
    end: date
    target: Decimal
    due: Decimal
    yearly_minimum: Decimal | None


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
    return Cycle(start=start, end=end, target=policy.hours, due=min(due, policy.hours),
                 yearly_minimum=policy.yearly_minimum)


def pace_of(earned: Decimal, due: Decimal) -> str:
    """"on_pace" (at least what is due), "behind" (at least half) or "far_behind"."""
    if earned >= due:
        return "on_pace"
    return "behind" if earned * 2 >= due else "far_behind"


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
    def pace(self) -> str:
        return pace_of(self.earned, self.expected)

    @property
    def on_pace(self) -> bool:
        return self.pace == "on_pace"

    @property
    def percent(self) -> int:
        return min(100, int(self.earned * 100 / self.target)) if self.target else 100


def cycle_status(teacher: Teacher, *, on: date) -> CycleStatus:
    """The teacher's cycle on `on`: target, earned, remaining, and what is due by then."""
    cycle = cycle_on(cycle_policy_for(teacher.school), on)
    earned = (TrainingEntry.objects.filter(teacher=teacher, date__gte=cycle.start, date__lte=on)
              .aggregate(total=Sum("hours"))["total"]) or Decimal("0")
    return CycleStatus(start=cycle.start, end=cycle.end, target=cycle.target, earned=earned,
                       expected=cycle.due, yearly_minimum=cycle.yearly_minimum)


def _per_policy(policies: dict[str, CyclePolicy], on: date, path_field: str, value,
                output_field):
    """One CASE choosing, for each row's school path, the value of the nearest policy."""
    whens = [When(**{f"{path_field}__startswith": path},
                  then=Value(value(cycle_on(policy, on)), output_field=output_field))
             for path, policy in sorted(policies.items(), key=lambda kv: -len(kv[0]))]
    default = Value(value(cycle_on(default_cycle_policy(), on)), output_field=output_field)
    return Case(*whens, default=default, output_field=output_field) if whens else default


def with_cycle(queryset: QuerySet, *, on: date, teacher: str = "",
               policies: dict[str, CyclePolicy] | None = None) -> QuerySet:
    """Annotate each row with its teacher's cycle on `on`: cycle_start, cycle_end,
    cycle_target, cycle_due, cycle_hours (earned in the window up to `on`) and last_training.

    `teacher` is the path from the row to its teacher ("" when the rows are teachers,
    "teacher__" for certificates). Policies come as one CASE; hours as one subquery each.
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
    return qs.annotate(
        cycle_hours=Coalesce(Subquery(in_window.annotate(s=Sum("hours")).values("s"),
                                      output_field=HOURS), Value(Decimal("0")),
                             output_field=HOURS),
        last_training=Subquery(in_window.annotate(m=Max("date")).values("m"))
    ).annotate(double=F("cycle_hours") * 2)


def pace_filters() -> dict[str, Q]:
    """The pace buckets as conditions on rows annotated by `with_cycle` (rule of `pace_of`;
    `double` is twice the hours, so that no half-cent is ever compared)."""
    return {"on_pace": Q(cycle_hours__gte=F("cycle_due")),
            "behind": Q(cycle_hours__lt=F("cycle_due"), double__gte=F("cycle_due")),
            "far_behind": Q(double__lt=F("cycle_due"))}


def training_entry_list(teacher: Teacher) -> QuerySet[TrainingEntry]:
    """A teacher's ledger, newest first."""
    return TrainingEntry.objects.filter(teacher=teacher).order_by("-date", "-pk")
