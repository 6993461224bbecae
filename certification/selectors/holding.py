"""Who holds what on a date, holding rates and compliance."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest

from people.models import Organisation, Teacher
from people.selectors import scope_tops

from ..models import Certificate, CertificateLevel, RoleRequirement, TeacherCredential
from .common import ROSTER_ROLES


# --- Who holds what, as annotations reused by rates, rosters and compliance -----------------

def held_rank_expression(on: date):
    """The highest level rank a teacher validly holds on `on` (0: none), as one expression."""
    cert_rank = Subquery(
        Certificate.objects.filter(teacher=OuterRef("pk"), status=Certificate.Status.ACTIVE,
                                   issued_on__lte=on, expires_on__gte=on)
        .values("teacher").annotate(m=Max("level__rank")).values("m"),
        output_field=IntegerField())
    cred_rank = Subquery(
        TeacherCredential.objects.filter(teacher=OuterRef("pk"), obtained_on__lte=on)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))
        .values("teacher").annotate(m=Max("credential__level__rank")).values("m"),
        output_field=IntegerField())
    return Greatest(Coalesce(cert_rank, Value(0)), Coalesce(cred_rank, Value(0)))


def new_teacher_since(on: date) -> date:
    """Teachers hired after this date are new and left out of holding rates."""
    months = getattr(settings, "HOLDING_RATE_NEW_TEACHER_MONTHS", 12)
    year, month = divmod(on.month - 1 - months, 12)
    day = min(on.day, 28)
    return date(on.year + year, month + 1, day)


def required_rank_expression():
    """The rank the teacher's role requires (0: none), as one expression."""
    return Coalesce(Subquery(RoleRequirement.objects.filter(role=OuterRef("role"))
                             .values("level__rank")[:1], output_field=IntegerField()), Value(0))


# --- Holding rates: the one rule ------------------------------------------------------------

@dataclass
class RateRow:
    organisation: Organisation
    depth: int
    teachers: int = 0
    new_teachers: int = 0
    holders: dict | None = None  # level code -> count

    @property
    def counted(self) -> int:
        return self.teachers - self.new_teachers

    def rate(self, code: str) -> float | None:
        return (self.holders[code] / self.counted) if self.counted else None

    def percent(self, code: str) -> str:
        r = self.rate(code)
        return "—" if r is None else f"{r * 100:.1f}%"


def holding_rates(organisation: Organisation, *, on: date) -> list[RateRow]:
    """Holding rates under `organisation` at `on`: one row per organisation of the subtree.

    Teachers are active teachers of the subtree's schools; those hired within
    HOLDING_RATE_NEW_TEACHER_MONTHS are excluded from both sides of the rate; a holder of a
    level holds every lower one; only certificates active and unexpired at `on` count, and
    recognised credentials count as their level. One aggregate query, then a roll-up.
    """
    levels = list(CertificateLevel.objects.order_by("rank").values_list("code", "rank"))
    since = new_teacher_since(on)
    is_new = Q(hire_date__gt=since)
    aggregates = {"teachers": Count("pk"), "new_teachers": Count("pk", filter=is_new)}
    for code, rank in levels:
        aggregates[f"h_{code}"] = Count("pk", filter=Q(held_rank__gte=rank) & ~is_new)
    per_school = {
        row["school"]: row for row in
        Teacher.objects.filter(is_active=True, school__path__startswith=organisation.path)
        .annotate(held_rank=held_rank_expression(on))
        .values("school").annotate(**aggregates).order_by()
    }
    nodes = list(Organisation.objects.filter(path__startswith=organisation.path)
                 .order_by("path"))
    rows = {n.path: RateRow(organisation=n, depth=n.depth - organisation.depth,
                            holders={code: 0 for code, _ in levels}) for n in nodes}
    for node in nodes:
        agg = per_school.get(node.pk)
        if not agg:
            continue
        # Add the school's figures to itself and every ancestor inside the subtree.
        for i in range(len(organisation.path), len(node.path) + 1, node.steplen):
            row = rows[node.path[:i]]
            row.teachers += agg["teachers"]
            row.new_teachers += agg["new_teachers"]
            for code, _ in levels:
                row.holders[code] += agg[f"h_{code}"]
    return [rows[n.path] for n in nodes]


def holding_rate_rows(*, user, on: date) -> Iterator[tuple]:
    """Per school with district subtotals and a total, for the user's scope, as plain tuples:
    (kind, district, school, teachers, new teachers, counted, holders and rate per level...).
    """
    levels = list(CertificateLevel.objects.order_by("rank").values_list("code", flat=True))
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


def compliance_missing_level(organisation: Organisation, *, on: date) -> QuerySet[Teacher]:
    """Active teachers under `organisation` who lack the level their role requires on `on`."""
    return (Teacher.objects.filter(is_active=True, school__path__startswith=organisation.path)
            .annotate(held_rank=held_rank_expression(on), required_rank=required_rank_expression())
            .filter(held_rank__lt=F("required_rank"))
            .select_related("school").order_by("school__path", "employee_no"))


def schools_short_of_counsellors(organisation: Organisation) -> list[tuple[Organisation, int, int]]:
    """Schools whose student count calls for more full-time counsellors than they have:
    (school, required, actual), one per STUDENTS_PER_FULL_TIME_COUNSELLOR students started.
    """
    per = getattr(settings, "STUDENTS_PER_FULL_TIME_COUNSELLOR", 1000)
    schools = (Organisation.objects.filter(path__startswith=organisation.path,
                                           kind=Organisation.Kind.SCHOOL,
                                           student_count__gte=per)
               .annotate(counsellors=Count("teachers", filter=Q(
                   teachers__is_active=True,
                   teachers__role=Teacher.Role.FULL_TIME_COUNSELLOR)))
               .order_by("path"))
    return [(s, s.student_count // per, s.counsellors) for s in schools
            if s.counsellors < s.student_count // per]
