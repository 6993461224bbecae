"""Parent-school reach per school and term: sessions held (approved 家长 sessions in the
workload log) and lesson views through the school's own link; schools with none are flagged."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Sum

from courses.models import ParentLessonSchoolView
from people import employment, purposes
from people.models import Organisation
from people.selectors import organisation_scope

from .models import WorkloadEntry

PARENT_SESSION_CODE = "parent_session"
REACH_ROLES = purposes.PARENT_REACH


@dataclass
class ReachRow:
    school: Organisation
    sessions: int
    views: int

    @property
    def none_held(self) -> bool:
        """No parent-school session held this term: every school must hold at least one."""
        return self.sessions == 0


def parent_school_reach_rows(*, user, term) -> list[ReachRow]:
    """One row per school of the user's scope for a term (WorkloadTerm: start, end)."""
    schools = list(organisation_scope(user, roles=REACH_ROLES)
                   .filter(kind=Organisation.Kind.SCHOOL).order_by("path"))
    ids = [s.pk for s in schools]
    # A session counts for the school its counsellor was in post at on the session's day.
    sessions = dict(WorkloadEntry.objects.filter(
        activity_type__code=PARENT_SESSION_CODE,
        status=WorkloadEntry.Status.APPROVED, date__range=(term.start, term.end))
        .annotate(school_then=employment.school_on_expression("date"))
        .filter(school_then__in=ids)
        .values("school_then").annotate(n=Count("pk"))
        .values_list("school_then", "n"))
    views = dict(ParentLessonSchoolView.objects.filter(
        school_id__in=ids, day__range=(term.start, term.end))
        .values("school_id").annotate(n=Sum("views")).values_list("school_id", "n"))
    return [ReachRow(s, sessions.get(s.pk, 0), views.get(s.pk, 0) or 0) for s in schools]


def parent_school_link(*, school: Organisation, base_url: str) -> str:
    """The school's own parent-school link (its QR code encodes the same URL)."""
    return f"{base_url}?school={school.code}"
