"""Per-school figures on a day, stored: what the dashboard and the rates page draw from.

A row is what the one rule (`holding_rates`' per-school aggregate, `with_cycle`'s pace
buckets and `compliance_missing`'s count) gives for one school on one day. Rows are filled when
first read, dropped for a school from the first day a change touches (certificates, credentials,
ledger entries, the school's teachers, what posts require) and rebuilt nightly and by
`manage.py rebuild_figures` after bulk imports.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["SchoolFigure"]


class SchoolFigure(models.Model):
    school = models.ForeignKey("people.Organisation", on_delete=models.CASCADE,
                               related_name="+", verbose_name=_("school"))
    day = models.DateField(_("day"))
    teachers = models.PositiveIntegerField(default=0)
    new_teachers = models.PositiveIntegerField(default=0)
    holders = models.JSONField(default=dict)  # level code -> holders of it or above
    pace = models.JSONField(default=dict)  # on_pace / behind / far_behind -> active teachers
    # Teachers in post lacking the level their posts require (the compliance rule).
    missing = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("school figure")
        verbose_name_plural = _("school figures")
        constraints = [models.UniqueConstraint(fields=["school", "day"],
                                               name="school_figure_one_per_day")]
        indexes = [models.Index(fields=["day", "school"], name="school_figure_day")]

    def __str__(self):
        return f"{self.school_id} {self.day}"
