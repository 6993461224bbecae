"""The outcome of each walk of the hash chains (verify_records): what city HR is alerted to."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["RecordsCheck"]


class RecordsCheck(models.Model):
    """One run of verify_records: when, and every row found changed, inserted or removed."""

    ran_at = models.DateTimeField(_("checked at"), default=timezone.now, db_index=True)
    rows = models.PositiveBigIntegerField(_("rows checked"), default=0)
    problem_count = models.PositiveIntegerField(_("problems"), default=0)
    # A list of {stream, chain, problem, pk, seq, detail}, at most a few hundred kept.
    findings = models.JSONField(_("findings"), default=list, blank=True)

    class Meta:
        verbose_name = _("records check")
        verbose_name_plural = _("records checks")
        ordering = ["-ran_at", "-pk"]

    def __str__(self):
        return f"{self.ran_at:%Y-%m-%d %H:%M} · {self.problem_count}"
