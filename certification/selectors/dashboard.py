"""The dashboard's figures: the same rules as the sheets, shaped for charts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count

from people import employment
from people.models import Organisation
from people.selectors import organisation_scope

from ..models import Certificate
from .common import ROSTER_ROLES
from .cycle import cycle_policies, pace_filters, with_cycle
from .holding import level_codes, month_ends

# --- Dashboard: the same rules as the sheets, shaped for charts ------------------------------

@dataclass
class ChildRate:
    """One organisation one level below the one looked at (or that one itself when it has
    none): its holding figures per level and, for the drill-down, whether it links to its own
    page (every child does, schools included; the organisation itself does not)."""
    organisation: Organisation
    counted: int
    rates: dict  # level code -> percent (one decimal) or None when nobody is counted
    targets: dict  # level code -> the organisation's own target percent or None
    drill: bool


def holding_by_child(organisation: Organisation, *, on: date,
                     figures: dict | None = None) -> list[ChildRate]:
    """The holding rate of each level for each child of `organisation` (districts of a city,
    townships of a district, schools of a township), from `holding_rates`: one pass over the
    subtree's stored figures (`stored_holding_rates`, the rule's rows), a row per child.
    `figures`: the day's `school_figures` when the caller has them already."""
    from .figures import stored_holding_rates

    codes = level_codes()
    rows = stored_holding_rates(organisation, on=on, depth=1, figures=figures)
    children = [r for r in rows if r.depth == 1] or rows[:1]
    return [ChildRate(r.organisation, r.counted, {
        code: None if r.rate(code) is None else round(r.rate(code) * 100, 1) for code in codes},
        dict(r.targets), r.depth == 1) for r in children]


def completion_by_child(organisation: Organisation, *, user, roles,
                        on: date | None = None) -> list[dict]:
    """Assigned training completed per child of `organisation` on `on` (default today; the
    assignments sheet's rule, `assignment_completion_by_branch`), for the children with any
    assigned."""
    from courses.selectors import assignment_completion_by_branch

    children = list(Organisation.objects.filter(path__startswith=organisation.path,
                                                depth=organisation.depth + 1).order_by("path"))
    children = children or [organisation]
    counts = assignment_completion_by_branch(organisation, user=user, roles=roles,
                                             width=len(children[0].path), on=on)
    out = []
    for child in children:
        assigned, completed = counts.get(child.path, (0, 0))
        if assigned:
            out.append({"organisation": child, "assigned": assigned, "completed": completed,
                        "rate": round(100 * completed / assigned, 1)})
    return out


def hours_pace_trend(*, user, on: date, months: int = 24,
                     organisation: Organisation | None = None) -> list[tuple[date, dict]]:
    """The pace distribution at each month end over `months` months (one query a month)."""
    scope, policies = _scope(user, organisation), cycle_policies()
    return [(d, _pace_counts(employment.teachers_in_post(d, scope), on=d, policies=policies))
            for d in month_ends(on, months)]


def certificates_expiring_by_month(*, user, on: date, months: int = 12,
                                   organisation: Organisation | None = None) -> list[tuple[date, int]]:
    """Active certificates of the scope (or one organisation in it) expiring in each of the next
    `months` months."""
    from django.db.models.functions import TruncMonth

    first = on.replace(day=1)
    ends = [first]
    for _ in range(months):
        last = ends[-1]
        ends.append(date(last.year + (last.month == 12), last.month % 12 + 1, 1))
    counts = dict(
        Certificate.objects.valid_on(on).filter(
            expires_on__gte=first, expires_on__lt=ends[-1],
            teacher__school__in=_scope(user, organisation))
        .annotate(month=TruncMonth("expires_on")).values("month")
        .annotate(n=Count("pk")).order_by().values_list("month", "n"))
    return [(m, counts.get(m, 0)) for m in ends[:-1]]


def hours_pace_distribution(*, user, on: date, organisation: Organisation | None = None) -> dict:
    """Teachers in post on `on` in the scope (or one organisation in it) by pace in their own
    continuing-education cycle (`pace_of`: on pace, behind, far behind), as one aggregate over
    `with_cycle`."""
    return _pace_counts(employment.teachers_in_post(on, _scope(user, organisation)), on=on)


def _scope(user, organisation: Organisation | None):
    scope = organisation_scope(user, roles=ROSTER_ROLES)
    if organisation is not None:
        scope = scope.filter(path__startswith=organisation.path)
    return scope


def _pace_counts(teachers, *, on: date, policies=None) -> dict:
    return with_cycle(teachers, on=on, policies=policies).aggregate(
        **{bucket: Count("pk", filter=q) for bucket, q in pace_filters().items()})
