"""Rosters and hours for HR sheets, narrowed to the user's scope."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import DecimalField, Max, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from people.models import Organisation, Teacher
from people.selectors import district_name_expression, organisation_scope

from ..models import Certificate, CyclePolicy, TrainingEntry
from .common import ROSTER_ROLES
from .cycle import cycle_policy_for


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
    district = district_name_expression("teacher__school__path")
    qs = Certificate.objects.filter(teacher__school__in=scope)
    if level:
        qs = qs.filter(level__code=level)
    if status:
        qs = qs.filter(status=status)
    if role:
        qs = qs.filter(teacher__role=role)
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
        qs = qs.filter(teacher__role=role)
    if expiring_before:
        qs = qs.filter(expires_on__lt=expiring_before)
    qs = qs.annotate(cycle_hours=Coalesce(hours, Value(Decimal("0")),
                                          output_field=DecimalField(max_digits=9, decimal_places=2)),
                     district_name=district_name_expression("teacher__school__path"))
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
        qs = qs.filter(role=role)
    return (qs.annotate(cycle_hours=Coalesce(hours, Value(Decimal("0")),
                                             output_field=DecimalField(max_digits=9,
                                                                       decimal_places=2)),
                        last_date=last, district_name=district_name_expression("school__path"))
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
