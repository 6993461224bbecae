"""Demo workload: default activity types and a believable term of logged counsellor work.

Called by certification/demo.py's seed() as `workload_demo.seed(city=city, stdout=stdout)`.
Idempotent: a counsellor who already has entries gets none added, so a second run changes
nothing. Bulk inserts only.
"""

import random
from datetime import date, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from certification.calendar import calendar_terms_replace
from certification.models import CalendarPeriod, ParentSession, WorkloadActivityType, WorkloadDecision, WorkloadEntry
from certification.reach import parent_sessions_from_workload
from people.models import Teacher
from people.selectors import counsellor_q

from .defaults import ensure_default_activity_types
from .selectors import workload_credit_rates, workload_term_containing, workload_term_recent
from .services import workload_credit

# A counsellor's ordinary week: (type code, quantity, group size, note) on weekday index.
WEEK = [
    (0, "psychology_class", 2, 45, "七年级 心理健康课"),
    (0, "room_duty", 2, None, ""),
    (1, "individual_counselling", 2, None, "学业压力"),
    (1, "room_duty", 2, None, ""),
    (2, "psychology_class", 2, 42, "八年级 情绪管理"),
    (2, "room_duty", 2, None, ""),
    (3, "group_counselling", 1, 12, "人际交往团体辅导"),
    (3, "room_duty", 2, None, ""),
    (4, "individual_counselling", 1, None, "亲子沟通"),
    (4, "room_duty", 2, None, ""),
]
# Now and then, on a random weekday of a week.
OCCASIONAL = [
    ("parent_session", 1, 80, "家长会心理健康讲座", 0.3),
    ("crisis_case", 1, None, "跟踪随访", 0.15),
    ("lecture_training", 1, 60, "班主任心理危机识别培训", 0.1),
    ("screening", 1, 300, "七年级心理健康筛查", 0.1),
]


def _plan(teacher: Teacher, start: date, end: date, rng: random.Random) -> list[tuple]:
    rows = []
    monday = start - timedelta(days=start.weekday())
    while monday <= end:
        for weekday, code, qty, group, note in WEEK:
            day = monday + timedelta(days=weekday)
            if start <= day <= end and rng.random() < 0.85:
                rows.append((day, code, qty, group, note))
        for code, qty, group, note, chance in OCCASIONAL:
            day = monday + timedelta(days=rng.randrange(5))
            if start <= day <= end and rng.random() < chance:
                rows.append((day, code, qty, group, note))
        monday += timedelta(days=7)
    return rows


def school_year_calendar(today: date) -> dict[str, list[tuple]]:
    """The school year around `today` as a city's calendar (Zhejiang-like dates): terms with the
    National Day, Qingming and Labour Day holidays and a make-up Saturday."""
    year = today.year if today.month >= 8 else today.year - 1
    first, second = f"{year}学年第一学期", f"{year}学年第二学期"

    def saturday_after(day: date) -> date:
        return day + timedelta(days=(5 - day.weekday()) % 7 or 7)

    return {
        first: [("term", date(year, 8, 28), date(year + 1, 1, 23)),
                ("holiday", date(year, 10, 1), date(year, 10, 7)),
                ("makeup", saturday_after(date(year, 10, 7)), saturday_after(date(year, 10, 7)))],
        second: [("term", date(year + 1, 2, 16), date(year + 1, 7, 3)),
                 ("holiday", date(year + 1, 4, 4), date(year + 1, 4, 6)),
                 ("holiday", date(year + 1, 5, 1), date(year + 1, 5, 5))],
    }


@transaction.atomic
def seed(*, city, stdout=None, today: date | None = None) -> None:
    """Add the default activity types, the city's school calendar and a term of workload for the
    demo district's counsellors."""
    ensure_default_activity_types()
    today = today or timezone.localdate()
    if not CalendarPeriod.objects.filter(organisation=city.city).exists():
        calendar_terms_replace(organisation=city.city, terms=school_year_calendar(today))
    term = (workload_term_containing(today, city.demo_school)
            or workload_term_recent(today=today, organisation=city.demo_school)[0])
    end = min(today, term.end)
    start = term.start  # the whole term so far: the room rule is checked on each teaching day
    types = {t.code: t for t in WorkloadActivityType.objects.all()}
    demo_school = city.demo_school
    school_admin = city.accounts["school_admin"]
    superuser = city.accounts["admin"]
    counsellors = list(
        Teacher.objects.filter(counsellor_q(), is_active=True,
                               school__path__startswith=city.demo_district.path)
        .exclude(workload_entries__isnull=False).select_related("school", "user")
    )
    this_week = end - timedelta(days=end.weekday())
    rates = workload_credit_rates()
    entries, decided = [], []
    for teacher in counsellors:
        rng = random.Random(f"workload-{teacher.employee_no}")
        # Entries of the demo school go to its school admin; elsewhere the site admin decided.
        approver = school_admin if teacher.school_id == demo_school.pk else superuser
        for day, code, qty, group, note in _plan(teacher, start, end, rng):
            kind = types[code]
            status = WorkloadEntry.Status.APPROVED
            if day >= this_week:
                status = WorkloadEntry.Status.SUBMITTED  # the school admin's queue this week
            elif day >= this_week - timedelta(days=7) and code == "psychology_class" and rng.random() < 0.3:
                status = WorkloadEntry.Status.RETURNED
            entry = WorkloadEntry(
                teacher=teacher, activity_type=kind, date=day, quantity=Decimal(qty),
                group_size=group if kind.uses_group_size else None, note=note, status=status,
                credit=workload_credit(activity_type=kind, quantity=Decimal(qty),
                                       school=teacher.school, rates=rates),
                # The room opens at lunch or after classes (overlapping duty counts once).
                start_time=rng.choice((time(12, 0), time(15, 30))) if kind.is_room_duty else None,
                return_reason="请注明授课班级数" if status == WorkloadEntry.Status.RETURNED else "",
            )
            entries.append(entry)
            decided.append((entry, teacher.user, approver))
    WorkloadEntry.objects.bulk_create(entries, batch_size=1000)
    decisions = []
    for entry, author, approver in decided:
        decisions.append(WorkloadDecision(entry=entry, action=WorkloadDecision.Action.SUBMITTED, by=author))
        if entry.status == WorkloadEntry.Status.APPROVED:
            decisions.append(WorkloadDecision(entry=entry, action=WorkloadDecision.Action.APPROVED, by=approver))
        elif entry.status == WorkloadEntry.Status.RETURNED:
            decisions.append(WorkloadDecision(entry=entry, action=WorkloadDecision.Action.RETURNED,
                                              by=approver, reason=entry.return_reason))
    WorkloadDecision.objects.bulk_create(decisions, batch_size=2000)
    sessions = parent_sessions_from_workload(entries) + _school_parent_sessions(city, term, end)
    if stdout is not None:
        stdout.write(f"workload: {len(entries)} entries for {len(counsellors)} counsellors ({term}); "
                     f"{sessions} parent-school sessions")


PARENT_TOPICS = ["青春期亲子沟通", "如何帮助孩子调适考试焦虑", "家庭教育与孩子的情绪管理",
                 "识别孩子的心理危机信号", "网络使用与家庭约定"]


def _school_parent_sessions(city, term, end: date) -> int:
    """Sessions the schools recorded themselves: a head teacher's 家长会 talk or a lecture, one or
    two a term in most schools (a few hold none yet: the reach page flags them)."""
    if ParentSession.objects.filter(workload_entry__isnull=True).exists():
        return 0
    rows = []
    for school in city.schools:
        rng = random.Random(f"parents-{school.code}")
        for _ in range(rng.choice((0, 1, 1, 2))):
            day = term.start + timedelta(days=rng.randrange(max((end - term.start).days, 1)))
            parents = rng.randrange(150, 900)
            rows.append(ParentSession(
                school=school, date=min(day, end), topic=rng.choice(PARENT_TOPICS),
                form=rng.choice((ParentSession.Form.MEETING, ParentSession.Form.MEETING,
                                 ParentSession.Form.LECTURE, ParentSession.Form.ONLINE)),
                speaker=rng.choice(("班主任", "分管校长", "德育主任", "心理教师")),
                parents_reached=parents, households=int(parents * rng.uniform(0.8, 0.95))))
    ParentSession.objects.bulk_create(rows)
    return len(rows)
