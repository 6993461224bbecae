"""The dashboard's figures: the same rules as the sheets, shaped for charts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q

from people.models import Organisation
from people.selectors import organisation_scope, scope_tops

from ..models import Certificate, CertificateLevel
from .common import ROSTER_ROLES
from .holding import holding_rates
from .rosters import _cycle_of, training_hours_list


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
    for top in scope_tops(user, roles=ROSTER_ROLES):
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
