"""Demo workload: default activity types and a believable term of logged counsellor work.

Called by certification/demo.py's seed() as `workload_demo.seed(city=city, stdout=stdout)`.
Idempotent: a counsellor who already has entries gets none added, so a second run changes
nothing. Bulk inserts only.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from certification.models import WorkloadActivityType, WorkloadDecision, WorkloadEntry
from people.models import Teacher
from people.selectors import counsellor_q

from .defaults import ensure_default_activity_types, grant_activity_type_permissions
from .selectors import workload_term_containing, workload_term_recent
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


@transaction.atomic
def seed(*, city, stdout=None, today: date | None = None) -> None:
    """Add the default activity types and a term of workload for the demo school's counsellors."""
    ensure_default_activity_types()
    grant_activity_type_permissions()
    today = today or timezone.localdate()
    term = workload_term_containing(today) or workload_term_recent(today=today)[0]
    end = min(today, term.end)
    start = max(term.start, end - timedelta(weeks=10))
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
                credit=workload_credit(activity_type=kind, quantity=Decimal(qty)),
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
    if stdout is not None:
        stdout.write(f"workload: {len(entries)} entries for {len(counsellors)} counsellors ({term})")
