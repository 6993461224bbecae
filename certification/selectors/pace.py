"""Pace (on pace / behind / far behind), the one rule in its two forms side by side: Python for
one teacher (`pace_of`, `yearly_credit`) and SQL for a queryset annotated by `with_cycle`
(`pace_filters`, `yearly_credit_sql`). tests/certification/test_pace_rule.py runs both at each
boundary day (the due day, the end of the grace period, the end of a year, exactly half).

What is due by a day comes from `cycle.cycle_on` (one Python form, injected into SQL as
constants per policy):
- pro-rated: the cycle's hours × the days elapsed after the grace period / the days after it;
- yearly: the yearly minimum × the calendar years of the cycle that have ended (and whose
  grace period has passed). Hours counted against it are each such year's own hours, capped at
  the minimum: 200 hours in year 1 do not cover year 2.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Case, DecimalField, F, Q, Value, When

HOURS = DecimalField(max_digits=9, decimal_places=2)
PACE_ORDER = ("on_pace", "behind", "far_behind")


# --- Python: one teacher ----------------------------------------------------------------------


def pace_of(earned: Decimal, due: Decimal) -> str:
    """"on_pace" (at least what is due), "behind" (at least half of it) or "far_behind"."""
    if earned >= due:
        return "on_pace"
    return "behind" if earned * 2 >= due else "far_behind"


def yearly_credit(by_year: dict[int, Decimal], years: list[tuple[date, date]],
                  minimum: Decimal) -> Decimal:
    """The hours that count under the yearly rule: each judged year's own hours, at most the
    yearly minimum (`by_year`: hours per calendar year)."""
    return sum((min(by_year.get(start.year, Decimal("0")), minimum) for start, _ in years),
               Decimal("0"))


# --- SQL: a queryset annotated by with_cycle --------------------------------------------------


def yearly_credit_sql(year_hours: list[str], minimum: str):
    """`yearly_credit` over annotated columns: each judged year's hours (`year_hours`, 0 for a
    year not judged) capped at the row's yearly minimum (`minimum`)."""
    total = Value(Decimal("0"), output_field=HOURS)
    for name in year_hours:
        total = total + Case(When(**{f"{name}__gte": F(minimum)}, then=F(minimum)),
                             default=F(name), output_field=HOURS)
    return total


def pace_filters() -> dict[str, Q]:
    """The pace buckets as conditions on rows annotated by `with_cycle` (the rule of
    `CycleStatus.pace`: the worst of `pace_of` for the total and for each category minimum;
    `pace_hours` are the hours that count, `double` twice them, so that no half-cent is ever
    compared)."""
    far = Q(double__lt=F("cycle_due")) | Q(cat_far__gt=0)
    return {"on_pace": Q(pace_hours__gte=F("cycle_due"), cat_unmet=0),
            "behind": (Q(pace_hours__lt=F("cycle_due")) | Q(cat_unmet__gt=0))
            & Q(double__gte=F("cycle_due"), cat_far=0),
            "far_behind": far}
