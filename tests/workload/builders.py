"""Builders for workload tests: counsellors, activity types and entries in a given state."""

from datetime import date
from decimal import Decimal

from certification.models import WorkloadActivityType
from certification.workload import services
from people.models import Teacher
from tests.factories import TeacherFactory


def counsellor(school, *, part_time: bool = False, **kw) -> Teacher:
    """A full-time (or part-time) counsellor of `school`."""
    role = Teacher.Role.PART_TIME_COUNSELLOR if part_time else Teacher.Role.FULL_TIME_COUNSELLOR
    return TeacherFactory(school=school, role=role, **kw)


def activity(code: str) -> WorkloadActivityType:
    """One of the default activity types (the data migration adds them)."""
    return WorkloadActivityType.objects.get(code=code)


def entry(teacher: Teacher, *, code: str = "individual_counselling", day: date = date(2024, 3, 4),
          quantity="1", group_size=None, note: str = "学业压力", submit: bool = False,
          start_time=None):
    """An entry logged by the counsellor through the service."""
    return services.workload_entry_create(
        by=teacher.user, activity_type=activity(code), date=day, quantity=Decimal(str(quantity)),
        group_size=group_size, note=note, submit=submit, start_time=start_time,
    )


def approved(teacher: Teacher, admin, **kw):
    """An entry logged, submitted and approved by `admin`."""
    return services.workload_entry_approve(entry=entry(teacher, submit=True, **kw), by=admin)
