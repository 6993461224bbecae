"""Periodic jobs of the learning side."""

from celery import shared_task

from . import services


@shared_task(name="courses.send_overdue_reminders")
def send_overdue_reminders() -> int:
    """E-mail teachers whose assigned course is overdue (each assignment at most once a day)."""
    return services.assignment_reminders_send()


@shared_task(name="courses.enrol_assignment_audiences")
def enrol_assignment_audiences() -> int:
    """Enrol teachers who have come to match a pending assignment's audience (idempotent)."""
    return services.assignment_audiences_enrol()


@shared_task(name="courses.credit_live_sessions")
def credit_live_sessions() -> int:
    """Credit the hours for time present of ended live sessions (idempotent)."""
    return services.live_sessions_credit()
