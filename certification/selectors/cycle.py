"""Reads of the hours ledger and the continuing-education cycle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import QuerySet, Sum

from people.models import Organisation, Teacher
from people.selectors import ancestor_paths

from ..models import CyclePolicy, TrainingEntry


# --- Hours and the continuing-education cycle ----------------------------------------------

def cycle_policy_for(organisation: Organisation) -> CyclePolicy:
    """The policy of the nearest organisation up the tree that has one, else the defaults."""
    policy = (CyclePolicy.objects.filter(organisation__path__in=ancestor_paths(organisation.path))
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
