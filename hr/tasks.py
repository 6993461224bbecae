"""Celery tasks of the HR desk: thin, idempotent, each taking a job id and calling a service."""

from celery import shared_task
from django.db import OperationalError, close_old_connections
from django.utils import timezone
from django.utils.translation import gettext

from . import services
from .rounds import round_reminders_send

RETRY = {"bind": True, "acks_late": True, "max_retries": services.MAX_ATTEMPTS}


def _retry_or_fail(task, job_id, exc):
    # The failed attempt's connection may be dead (a restarted or dropped database): open anew.
    close_old_connections()
    if task.request.retries >= services.MAX_ATTEMPTS:
        with services.job_language(job_id):
            services.job_fail(job_id=job_id, reason=gettext("Database busy: job failed") + f": {exc}")
        return
    services.job_interruption_note(job_id=job_id)
    raise task.retry(exc=exc, countdown=5 * (task.request.retries + 1))


@shared_task(**RETRY)
def job_preview(self, job_id: str) -> None:
    """Parse an uploaded sheet into a preview."""
    try:
        services.job_run_preview(job_id=job_id)
    except OperationalError as exc:
        _retry_or_fail(self, job_id, exc)


@shared_task(**RETRY)
def job_commit(self, job_id: str) -> None:
    """Write a confirmed import."""
    try:
        services.job_run_commit(job_id=job_id)
    except OperationalError as exc:
        _retry_or_fail(self, job_id, exc)


@shared_task(**RETRY)
def job_export(self, job_id: str) -> None:
    """Write an export file."""
    try:
        services.job_run_export(job_id=job_id)
    except OperationalError as exc:
        _retry_or_fail(self, job_id, exc)


@shared_task(acks_late=True)
def jobs_purge() -> int:
    """Delete job files past retention and fail jobs whose worker vanished."""
    return services.jobs_purge_expired()


@shared_task(name="hr.tasks.report_round_reminders")
def report_round_reminders() -> int:
    """Remind the organisations that have not answered a reporting round due soon, once a day."""
    return round_reminders_send(today=timezone.localdate())
