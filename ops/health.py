"""Readiness checks (django-health-check): the services the site needs, and the night's work.

`/readyz/` answers 200 when every check passes, 503 otherwise (text, JSON or OpenMetrics by
the Accept header); superusers read the same results on the admin's status page."""

import dataclasses
import datetime
import shutil

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable, ServiceWarning


@dataclasses.dataclass
class DiskSpace(HealthCheck):
    """The disk under the data folder (SQLite, media, private files, backups) has room."""

    def run(self):
        usage = shutil.disk_usage(settings.DATA_DIR if settings.DATA_DIR.exists()
                                  else settings.DATA_DIR.parent)
        free = 100 * usage.free / usage.total
        if free < settings.DISK_MIN_FREE_PERCENT:
            raise ServiceUnavailable(_("%(free).1f%% of the data disk is free (under %(min)s%%)")
                                     % {"free": free, "min": settings.DISK_MIN_FREE_PERCENT})


def _age_hours(at: datetime.datetime, now: datetime.datetime) -> float:
    return (now - at).total_seconds() / 3600


@dataclasses.dataclass
class NightlyJobs(HealthCheck):
    """The night's figures, record check and records checkpoint finished within
    FIGURES_MAX_AGE_HOURS."""

    def run(self):
        from .models import NightlyRun

        now = timezone.now()
        last = dict(NightlyRun.objects.values_list("task", "finished_at"))
        for task in TASK_NAMES:
            at = last.get(task)
            name = TASK_NAMES[task]
            if at is None:
                raise ServiceWarning(_("%(task)s has not finished yet") % {"task": name})
            if _age_hours(at, now) > settings.FIGURES_MAX_AGE_HOURS:
                raise ServiceUnavailable(_("%(task)s last finished %(hours).0f hours ago")
                                         % {"task": name, "hours": _age_hours(at, now)})


@dataclasses.dataclass
class LastBackup(HealthCheck):
    """The newest archive in BACKUP_DIR is younger than BACKUP_MAX_AGE_HOURS."""

    def run(self):
        from .backup import backups_list

        archives = backups_list(settings.BACKUP_DIR)
        if not archives:
            raise ServiceUnavailable(_("no backup archive in the backup folder"))
        at = datetime.datetime.fromtimestamp(archives[0].stat().st_mtime, tz=datetime.UTC)
        hours = _age_hours(at, timezone.now())
        if hours > settings.BACKUP_MAX_AGE_HOURS:
            raise ServiceUnavailable(_("the newest backup is %(hours).0f hours old")
                                     % {"hours": hours})


CHECKS = [
    "health_check.checks.Database",
    "health_check.checks.Cache",
    # A worker answering a ping through the broker: both are up.
    ("health_check.contrib.celery.Ping", {"timeout": datetime.timedelta(seconds=2)}),
    DiskSpace,
    NightlyJobs,
    LastBackup,
]

# The project's own checks, whose messages are written for the status page's reader.
OWN_CHECKS = {"DiskSpace", "NightlyJobs", "LastBackup"}

# What the messages call the nightly tasks.
TASK_NAMES = {
    "certification.figures_rebuild": gettext_lazy("The nightly figures"),
    "certification.records_verify": gettext_lazy("The nightly record check"),
    "certification.records_checkpoint": gettext_lazy("The nightly checkpoint of the records"),
}

# What the status page calls each check.
LABELS = {
    "Database": gettext_lazy("Database"),
    "Cache": gettext_lazy("Cache"),
    "Ping": gettext_lazy("Broker and Celery worker"),
    "DiskSpace": gettext_lazy("Disk space for data"),
    "NightlyJobs": gettext_lazy("Nightly figures and record checks"),
    "LastBackup": gettext_lazy("Last backup"),
}
