"""Parent-school reach per school and term: sessions held (any school's own records, and those
its counsellors' approved parent-session workload created), parents reached, households, and
lesson views through the school's own link; schools with none this term are flagged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import ParentLessonSchoolView
from people import employment, purposes
from people.models import Organisation
from people.selectors import organisation_scope, teacher_for_user

from .models import ParentSession, ParentSessionRecorder, WorkloadEntry

PARENT_SESSION_CODE = "parent_session"
REACH_ROLES = purposes.PARENT_REACH


@dataclass
class ReachRow:
    school: Organisation
    sessions: int
    views: int
    parents: int = 0
    households: int = 0

    @property
    def none_held(self) -> bool:
        """No parent-school session held this term: every school must hold at least one
        (Qijiang: "每学期至少在家长中开展1次心理健康知识普及和宣传教育活动")."""
        return self.sessions == 0


def parent_school_reach_rows(*, user, term) -> list[ReachRow]:
    """One row per school of the user's scope for a term (WorkloadTerm: start, end)."""
    schools = list(organisation_scope(user, roles=REACH_ROLES)
                   .filter(kind=Organisation.Kind.SCHOOL).order_by("path"))
    ids = [s.pk for s in schools]
    held = {row["school_id"]: row for row in ParentSession.objects.filter(
        school_id__in=ids, date__range=(term.start, term.end))
        .values("school_id").annotate(n=Count("pk"), parents=Sum("parents_reached"),
                                      households=Sum("households"))}
    views = dict(ParentLessonSchoolView.objects.filter(
        school_id__in=ids, day__range=(term.start, term.end))
        .values("school_id").annotate(n=Sum("views")).values_list("school_id", "n"))
    rows = []
    for s in schools:
        found = held.get(s.pk, {})
        rows.append(ReachRow(s, found.get("n", 0), views.get(s.pk, 0) or 0,
                             found.get("parents") or 0, found.get("households") or 0))
    return rows


def parent_school_link(*, school: Organisation, base_url: str) -> str:
    """The school's own parent-school link (its QR code encodes the same URL)."""
    return f"{base_url}?school={school.code}"


# --- Recording sessions ---------------------------------------------------------------------

def parent_session_schools(user):
    """The schools a user may record parent-school sessions for: those they are school admin or
    HR of, and the one that named them as its recorder."""
    schools = organisation_scope(user, roles=purposes.PARENT_SESSION_RECORD).filter(
        kind=Organisation.Kind.SCHOOL)
    teacher = teacher_for_user(user)
    if teacher is not None and teacher.is_active:
        named = ParentSessionRecorder.objects.filter(teacher=teacher, school_id=teacher.school_id)
        schools = schools | Organisation.objects.filter(pk__in=named.values("school_id"))
    return schools.distinct()


def parent_session_clean(*, day: date | None, topic: str, parents_reached, households,
                         today: date | None = None) -> dict[str, str]:
    """What is wrong with a session's fields, by field (empty: nothing)."""
    errors = {}
    today = today or timezone.localdate()
    if day is None:
        errors["date"] = _("Enter the date.")
    elif day > today:
        errors["date"] = _("A session cannot be recorded for a future date.")
    if not (topic or "").strip():
        errors["topic"] = _("Enter the topic.")
    if parents_reached is None or parents_reached < 0:
        errors["parents_reached"] = _("Parents reached must be 0 or more.")
    if households is not None and households < 0:
        errors["households"] = _("Households must be 0 or more.")
    elif households and parents_reached is not None and households > parents_reached >= 0:
        errors["households"] = _("More households than parents reached.")
    return errors


def parent_session_record(*, school: Organisation, by, day: date, topic: str, form: str,
                          speaker: str = "", parents_reached: int = 0,
                          households: int | None = None, evidence=None) -> ParentSession:
    """Record a session the school held; by its admin, its HR or a teacher it named."""
    if not parent_session_schools(by).filter(pk=school.pk).exists():
        raise PermissionDenied(_("Only the school's admin or a teacher it names records its sessions."))
    errors = parent_session_clean(day=day, topic=topic, parents_reached=parents_reached,
                                  households=households)
    if errors:
        raise ValidationError(errors)
    return ParentSession.objects.create(
        school=school, date=day, topic=topic.strip()[:120], form=form, speaker=speaker[:60],
        parents_reached=parents_reached, households=households, evidence=evidence or "",
        recorded_by=by)


def parent_sessions_from_workload(entries) -> int:
    """A session for each approved parent-session workload entry that has none yet (its date,
    note as topic, counsellor as speaker, class or group size as parents reached)."""
    entries = [e for e in entries if e.status == WorkloadEntry.Status.APPROVED
               and e.activity_type.code == PARENT_SESSION_CODE]
    if not entries:
        return 0
    done = set(ParentSession.objects.filter(workload_entry__in=[e.pk for e in entries])
               .values_list("workload_entry_id", flat=True))
    # A session counts for the school its counsellor was in post at on the session's day.
    school_then = dict(WorkloadEntry.objects.filter(pk__in=[e.pk for e in entries])
                       .annotate(school_then=employment.school_on_expression("date"))
                       .values_list("pk", "school_then"))
    rows = [ParentSession(
        school_id=school_then[e.pk], date=e.date, topic=(e.note or e.activity_type.name)[:120],
        form=ParentSession.Form.LECTURE, speaker=e.teacher.name[:60],
        parents_reached=(e.group_size or 0) * int(e.quantity), workload_entry=e)
        for e in entries if e.pk not in done and school_then.get(e.pk) is not None]
    with transaction.atomic():
        ParentSession.objects.bulk_create(rows)
    return len(rows)
