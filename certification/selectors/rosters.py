"""Rosters and hours for HR sheets, narrowed to the user's scope."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from courses.models import HourCategory
from people import employment
from people.models import Organisation
from people.selectors import district_name_expression, organisation_scope, teacher_posts_q

from ..models import Certificate
from .common import ROSTER_ROLES
from .cycle import with_cycle

# --- HR export sheets: the roster and hours narrowed to one organisation of the scope --------

def _export_scope(user, organisation: Organisation | None) -> QuerySet[Organisation]:
    """The user's roster scope, or only what lies both in it and under `organisation`."""
    scope = organisation_scope(user, roles=ROSTER_ROLES)
    if organisation is not None:
        scope = scope.filter(path__startswith=organisation.path)
    return scope


def certificate_roster_list(*, user, organisation: Organisation | None = None,
                            level: str | None = None, status: str | None = None,
                            role: str | None = None, expiring_before: date | None = None,
                            on: date | None = None) -> QuerySet:
    """Certificates of the user's scope (or one organisation in it) as a values_list, in
    certificate_roster_rows' column order, ready to count and to stream with .iterator().
    """
    on = on or timezone.localdate()
    scope = _export_scope(user, organisation)
    qs = Certificate.objects.filter(teacher__school__in=scope).with_status_on(on)
    if level:
        qs = qs.filter(level__code=level)
    if status:
        qs = qs.filter(status_then=status)
    if role:
        qs = qs.filter(teacher_posts_q([role], prefix="teacher__"))
    if expiring_before:
        qs = qs.filter(expires_on__lt=expiring_before)
    qs = with_cycle(qs, on=on, teacher="teacher__").annotate(
        district_name=district_name_expression("teacher__school__path"))
    return (qs.order_by("teacher__school__path", "teacher__employee_no", "level__rank")
            .values_list("teacher__name", "teacher__employee_no", "teacher__school__name",
                         "district_name", "teacher__role", "level__code", "number",
                         "issued_on", "expires_on", "status_then", "cycle_hours"))


def hours_sheet_categories() -> list[HourCategory]:
    """The categories the hours sheet has a column for, in their order (all of them: a line
    filed under a category made inactive still shows)."""
    return list(HourCategory.objects.all())


def training_hours_list(*, user, organisation: Organisation | None = None,
                        role: str | None = None, on: date | None = None,
                        categories: list[str] = ()) -> QuerySet:
    """Teachers in post at the scope's schools on `on` (people.employment) with their own cycle
    on `on` (`with_cycle`), as a
    values_list: (employee no, name, school, district, role, cycle start, cycle end, hours,
    target, hours due, last training date, then the hours in the cycle of each of
    `categories` (codes) in that order)."""
    on = on or timezone.localdate()
    qs = employment.teachers_in_post(on, _export_scope(user, organisation),
                                     posts=[role] if role else None)
    return (with_cycle(qs, on=on, categories=list(categories))
            .annotate(district_name=district_name_expression("school_path_on"))
            .order_by("school_path_on", "employee_no")
            .values_list("employee_no", "name", "school_name_on", "district_name", "role",
                         "cycle_start", "cycle_end", "cycle_hours", "cycle_target", "cycle_due",
                         "last_training", *[f"cat_hours_{i}" for i in range(len(categories))]))


def training_hours_rows(*, user, organisation: Organisation | None = None,
                        role: str | None = None, on: date | None = None,
                        categories: list[str] = ()) -> Iterator[tuple]:
    """Training hours per teacher in their cycle, streamed: (employee no, name, school,
    district, role, cycle start, cycle end, hours, target, share of target, last training,
    then the cycle's hours of each of `categories`)."""
    for (number, name, school, district, role_code, start, end, hours, target, _due,
         last, *by_category) in training_hours_list(
            user=user, organisation=organisation, role=role, on=on,
            categories=categories).iterator(chunk_size=2000):
        share = float(hours / target) if target else None
        yield (number, name, school, district, role_code, start, end, hours, target, share, last,
               *by_category)
