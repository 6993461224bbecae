"""What the readiness checks read besides the services themselves."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NightlyRun(models.Model):
    """The last time each nightly job (figures, record checks, backup) finished well, written
    when its Celery task succeeds (ops.apps), read by the readiness checks."""

    task = models.CharField(_("task"), max_length=100, unique=True)
    finished_at = models.DateTimeField(_("finished at"))

    class Meta:
        verbose_name = _("nightly run")
        verbose_name_plural = _("nightly runs")

    def __str__(self):
        return f"{self.task} {self.finished_at:%Y-%m-%d %H:%M}"
