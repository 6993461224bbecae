"""Employment history: who was in post at which school, in which posts, on a day.

A teacher's school, posts and status are periods (`Employment`, from `start` until the day
before `end`). Every figure "on a date" asks this module who was in post then:

- `in_post(on, where)`: the periods open on `on` (under an organisation, among schools);
- `in_post_q(on, where)`: the same as a condition on teachers (one EXISTS, usable in aggregates);
- `teachers_in_post(on, where)`: teachers joined once to that day's period, annotated with the
  school (`school_on`), its path (`school_path_on`) and the posts (`posts_on`) of that day, for
  figures grouped by school.

Writes go through `employment_changes_apply` (imports, "mark as left", the admin's edits): a
transfer closes one period and opens another on its effective date; a change dated before
today is allowed and audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext

from .audit import audit_record
from .models import AuditEntry, Employment, Organisation, Teacher, flags_mask

# A period whose start is unknown (a teacher without 入职日期) runs from this day.
EARLIEST = date(1900, 1, 1)
# How far ahead a leaving or transfer date may be given (a roster prepared before term ends).
FUTURE_WINDOW_DAYS = 31


# Sent after dated changes with `schools` (ids) and `since` (the earliest date changed): the
# figures stored for those schools from that day on no longer hold (certification listens).
employment_changed = Signal()


class EmploymentRefused(ValueError):
    """A change the history cannot take (leaving before the period began, too far ahead)."""


def _where_q(where, prefix: str = "") -> Q:
    if where is None:
        return Q()
    if isinstance(where, Organisation):
        return Q(**{f"{prefix}organisation__path__startswith": where.path})
    if isinstance(where, int):
        return Q(**{f"{prefix}organisation_id": where})
    return Q(**{f"{prefix}organisation__in": where})


def _period_q(on: date, until: date | None = None, prefix: str = "") -> Q:
    return Q(**{f"{prefix}start__lte": until or on}) & (
        Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__gt": on}))


def in_post(on: date, where=None, *, posts=None, until: date | None = None) -> QuerySet[Employment]:
    """The periods in post on `on` (with `until`: on any day from `on` to `until`), at the schools
    `where` names (an Organisation's subtree, a school id, or a queryset/list of schools), holding
    any of `posts` when given. The one rule of "in post here on this day"."""
    periods = Employment.objects.filter(_period_q(on, until) & _where_q(where))
    if posts:
        periods = periods.filter(posts__hasany=flags_mask(Teacher.Role, posts))
    return periods


def in_post_q(on: date, where=None, *, posts=None, until: date | None = None,
              teacher_field: str = "pk") -> Q:
    """Teachers in post on `on` (see `in_post`), as a condition on teachers (`teacher_field`:
    the teacher's id from the queried model, e.g. "teacher_id")."""
    return Q(Exists(in_post(on, where, posts=posts, until=until)
                    .filter(teacher=OuterRef(teacher_field))))


def teachers_in_post(on: date, where=None, *, posts=None,
                     teachers: QuerySet[Teacher] | None = None) -> QuerySet[Teacher]:
    """Teachers in post on `on` (see `in_post`), each joined once to that day's period and
    annotated `school_on`, `school_path_on`, `school_name_on` and `posts_on`: group by `school_on` for per-school
    figures. Periods never overlap, so the join never counts a teacher twice."""
    condition = _period_q(on, prefix="employments__") & _where_q(where, "employments__")
    if posts:
        condition &= Q(employments__posts__hasany=flags_mask(Teacher.Role, posts))
    # One filter() call: every condition reads the same joined period row.
    return ((teachers if teachers is not None else Teacher.objects.all()).filter(condition)
            .annotate(school_on=F("employments__organisation"),
                      school_path_on=F("employments__organisation__path"),
                      school_name_on=F("employments__organisation__name"),
                      posts_on=F("employments__posts")))


def school_on_expression(date_field: str, teacher_field: str = "teacher_id"):
    """The school a row's teacher was in post at on the row's own date (`date_field`), as one
    subquery (None: not in post that day): a workload entry counts for the school of its day."""
    day = OuterRef(date_field)
    return Subquery(Employment.objects.filter(
        Q(end__isnull=True) | Q(end__gt=day), teacher=OuterRef(teacher_field), start__lte=day)
        .values("organisation")[:1])


def in_post_join(rows: QuerySet, on: date, where=None, *, teacher_path: str = "teacher") -> QuerySet:
    """Rows about a teacher (`teacher_path` leads from a row to her, e.g. "user__teacher") whose
    teacher was in post on `on` (see `in_post`), each joined once to that day's period and
    annotated `school_on` and `school_path_on`: rows counted "as of a day" per school (assigned
    training's completion) take that day's school. Periods never overlap: no row counts twice."""
    prefix = f"{teacher_path}__employments__"
    # One filter() call: every condition reads the same joined period row.
    return (rows.filter(_period_q(on, prefix=prefix) & _where_q(where, prefix))
            .annotate(school_on=F(f"{prefix}organisation"),
                      school_path_on=F(f"{prefix}organisation__path")))


def periods_of(teacher: Teacher) -> QuerySet[Employment]:
    """A teacher's employment history, oldest first."""
    return Employment.objects.filter(teacher=teacher).select_related("organisation").order_by("start")


# --- Writes ---------------------------------------------------------------------------------

@dataclass
class Change:
    """What a teacher's employment is from `on`: school, posts (a mask) and status."""

    teacher_id: int
    on: date
    school_id: int
    posts: int
    status: str


def latest_allowed(today: date) -> date:
    """The last effective date a change may carry."""
    return today + timedelta(days=FUTURE_WINDOW_DAYS)


def change_refusal(*, on: date, open_start: date | None, today: date) -> str | None:
    """Why a change dated `on` cannot be taken by a history whose open period began on
    `open_start` (None: it can). Imports name the row and column with it."""
    if on > latest_allowed(today):
        return gettext("Later than %(days)s days from today") % {"days": FUTURE_WINDOW_DAYS}
    if open_start is not None and on < open_start:
        return gettext("Before the current period began (%(start)s)") % {"start": open_start.isoformat()}
    return None


def open_periods(teacher_ids) -> dict[int, Employment]:
    """The open period of each of these teachers (one query per 5,000)."""
    ids = list(teacher_ids)
    found = {}
    for start in range(0, len(ids), 5000):
        for period in Employment.objects.filter(teacher_id__in=ids[start:start + 5000],
                                                end__isnull=True):
            found[period.teacher_id] = period
    return found


def employment_changes_apply(*, changes: list[Change], actor=None, today: date | None = None) -> int:
    """Close and open periods so that each teacher's history reads `change` from its date on;
    returns how many periods were written. A change dated before `today` is audited. All or
    nothing: a refused change leaves the caller's transaction to roll back."""
    today = today or timezone.localdate()
    opened = open_periods(c.teacher_id for c in changes)
    # Every change is checked before anything is written.
    for change in changes:
        period = opened.get(change.teacher_id)
        refusal = change_refusal(on=change.on, open_start=period.start if period else None,
                                 today=today)
        if refusal:
            raise EmploymentRefused(refusal)
    with transaction.atomic(savepoint=False):
        return _apply(changes, actor, today, opened)


def _apply(changes: list[Change], actor, today: date, opened: dict[int, Employment]) -> int:
    closing, creating, editing, dropping, back_dated, dropped_schools = [], [], [], [], [], []
    active = Teacher.Status.ACTIVE
    for change in changes:
        period = opened.get(change.teacher_id)
        in_post_now = change.status == active
        if period is None:
            if in_post_now:
                creating.append(Employment(teacher_id=change.teacher_id, organisation_id=change.school_id,
                                           posts=change.posts, start=change.on))
            else:
                continue
        elif in_post_now and (period.organisation_id, period.posts) == (change.school_id, change.posts):
            continue
        elif change.on == period.start:
            if in_post_now:  # corrected on its first day: the period itself says it
                period.organisation_id, period.posts = change.school_id, change.posts
                editing.append(period)
            else:
                dropping.append(period.pk)
                dropped_schools.append(period.organisation_id)
        else:
            period.end = change.on
            period.end_status = ("" if in_post_now and period.organisation_id == change.school_id
                                 else Teacher.Status.TRANSFERRED if in_post_now else change.status)
            closing.append(period)
            if in_post_now:
                creating.append(Employment(teacher_id=change.teacher_id, organisation_id=change.school_id,
                                           posts=change.posts, start=change.on))
        if change.on < today and period is not None:
            # A history rewritten before today (a first period from a past hire date is not).
            back_dated.append((change, period))
    if dropping:
        Employment.objects.filter(pk__in=dropping).delete()
    Employment.objects.bulk_update(closing, ["end", "end_status"], batch_size=1000)
    Employment.objects.bulk_update(editing, ["organisation", "posts"], batch_size=1000)
    Employment.objects.bulk_create(creating, batch_size=1000)
    written = closing + editing + creating
    if written or dropping:
        schools = ({p.organisation_id for p in written} | {c.school_id for c in changes}
                   | set(dropped_schools))
        employment_changed.send(sender=Employment, schools=schools,
                                since=min(c.on for c in changes))
    if back_dated:
        numbers = dict(Teacher.objects.filter(pk__in=[c.teacher_id for c, _p in back_dated])
                       .values_list("pk", "employee_no"))
        schools = Organisation.objects.in_bulk({p.organisation_id for _c, p in back_dated})
        for change, period in back_dated:
            audit_record(actor=actor, action=AuditEntry.Action.EMPLOYMENT_CHANGE,
                         organisation=schools[period.organisation_id],
                         target=numbers.get(change.teacher_id, ""),
                         detail=f"{change.status} {change.on.isoformat()} (back-dated, entered {today.isoformat()})")
    return len(closing) + len(creating) + len(editing) + len(dropping)


def employment_follow(teacher: Teacher) -> None:
    """Keep the history of a teacher saved without an effective date (a correction of the
    record as it stands): a first period from the hire date; the open period takes the school
    and posts; one no longer in post no longer has an open period. Dated changes go through
    `employment_changes_apply`."""
    period = Employment.objects.filter(teacher=teacher, end__isnull=True).first()
    if teacher.is_active:
        if period is None:
            start = EARLIEST
            if not Employment.objects.filter(teacher=teacher).exists():
                start = teacher.hire_date or EARLIEST
            else:
                start = max(Employment.objects.filter(teacher=teacher).order_by("-end")
                            .values_list("end", flat=True)[0], teacher.hire_date or EARLIEST)
            Employment.objects.create(teacher=teacher, organisation_id=teacher.school_id,
                                      posts=teacher.posts, start=start)
        elif (period.organisation_id, period.posts) != (teacher.school_id, teacher.posts):
            period.organisation_id, period.posts = teacher.school_id, teacher.posts
            period.save(update_fields=["organisation", "posts"])
    elif period is not None:
        # No date given: as before periods existed, out of every day's figures.
        period.delete()


# --- Changes dated ahead take effect on their day ----------------------------------------------

# Sent when the daily job has marked teachers as no longer in post (`user_ids`): courses
# releases their unfinished assignments, as a roster import does for a leaver at once.
teachers_left = Signal()


def employment_due_apply(*, today: date | None = None) -> dict[str, int]:
    """Bring each teacher's record (status, log-in, school, posts) to what her employment
    history says for `today`: a leaving or transfer entered ahead of its date (within
    FUTURE_WINDOW_DAYS) takes effect on that day, audited. Idempotent: a teacher whose record
    already agrees is left alone, so running it twice (or late) changes nothing more."""
    today = today or timezone.localdate()
    with transaction.atomic():
        # Recorded in post, in post today, but elsewhere or in other posts than recorded.
        moved = list(teachers_in_post(today).filter(is_active=True)
                     .filter(~Q(school_on=F("school_id")) | ~Q(posts_on=F("posts")))
                     .select_related("school"))
        due = []
        for teacher in moved:
            posts = teacher.posts_on
            codes = [c for c in Teacher.Role.values if posts & flags_mask(Teacher.Role, [c])]
            role = teacher.role if not codes or teacher.role in codes else codes[0]
            # The record always holds its primary post (Teacher.save): a period without it is
            # the same posts, not a change to apply every night.
            posts |= flags_mask(Teacher.Role, [role])
            if (teacher.school_on, posts, role) == (teacher.school_id, teacher.posts, teacher.role):
                continue
            teacher.school_id, teacher.posts, teacher.role = teacher.school_on, posts, role
            teacher._employment_written = True  # the history says it already
            teacher.save(update_fields=["school", "posts", "role"])
            teacher._employment_written = False
            due.append(teacher)
        moved = due
        # Recorded in post, not in post today, after a period that ended with a leaving (and
        # no period ahead: one rehired later stays as she is until then).
        ended = (Employment.objects.filter(teacher=OuterRef("pk"), end__lte=today)
                 .exclude(end_status="").order_by("-end"))
        leavers = list(Teacher.objects.filter(is_active=True)
                       .exclude(Exists(in_post(today).filter(teacher=OuterRef("pk"))))
                       .exclude(Exists(Employment.objects.filter(teacher=OuterRef("pk"),
                                                                 start__gt=today)))
                       .filter(Exists(ended))
                       .annotate(left_as=Subquery(ended.values("end_status")[:1]),
                                 left_on=Subquery(ended.values("end")[:1]),
                                 left_from=Subquery(ended.values("organisation")[:1]))
                       .values_list("pk", "user_id", "employee_no", "left_as", "left_on",
                                    "left_from"))
        by_status: dict[str, list[int]] = {}
        for pk, _user, _number, status, _on, _school in leavers:
            by_status.setdefault(status, []).append(pk)
        for status, ids in by_status.items():
            teachers_mark_left(teacher_ids=ids, status=status)
        schools = Organisation.objects.in_bulk(
            {t.school_on for t in moved} | {row[5] for row in leavers})
        for teacher in moved:
            audit_record(actor=None, action=AuditEntry.Action.EMPLOYMENT_CHANGE,
                         organisation=schools[teacher.school_on], target=teacher.employee_no,
                         detail=f"{Teacher.Status.ACTIVE} (dated ahead, in effect {today.isoformat()})")
        for _pk, _user, number, status, on, school in leavers:
            audit_record(actor=None, action=AuditEntry.Action.EMPLOYMENT_CHANGE,
                         organisation=schools[school], target=number,
                         detail=f"{status} {on.isoformat()} (dated ahead, in effect {today.isoformat()})")
        if leavers:
            # Whether a teacher is active is read as it is now for every day: all days go.
            employment_changed.send(sender=Employment, schools={row[5] for row in leavers},
                                    since=None)
            teachers_left.send(sender=Teacher, user_ids=[row[1] for row in leavers])
    return {"moved": len(moved), "left": len(leavers)}


# Accounts follow their teacher: written here, below people.services (which re-exports both),
# since employment's own changes call them and the teacher services call employment.

def teacher_logins_sync(*, teacher_ids: list[int]) -> None:
    """Accounts follow their teacher: in post, they log in; otherwise not."""
    for start in range(0, len(teacher_ids), 5000):
        chunk = teacher_ids[start:start + 5000]
        for active in (True, False):
            get_user_model().objects.filter(teacher__pk__in=chunk, teacher__is_active=active).exclude(
                is_active=active).update(is_active=active)


@transaction.atomic
def teachers_mark_left(*, teacher_ids: list[int], status: str = Teacher.Status.LEFT) -> int:
    """Mark teachers as no longer in post (left, transferred out, retired): out of every
    denominator, no log-in; their hours, certificates and records stay. Returns how many."""
    count = 0
    for start in range(0, len(teacher_ids), 5000):
        count += Teacher.objects.filter(pk__in=teacher_ids[start:start + 5000], is_active=True).update(
            is_active=False, status=status)
    teacher_logins_sync(teacher_ids=teacher_ids)
    return count
