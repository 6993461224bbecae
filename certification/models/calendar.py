"""The school calendar: terms, holidays and make-up school days as data per organisation.

The calendar of the nearest organisation at or above a school that has one applies
(certification.calendar). Teaching days are the weekdays of a term, less its holidays, plus
its make-up days (调休上课).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

__all__ = ["CalendarPeriod"]


class CalendarPeriod(models.Model):
    """One span of a term on an organisation's calendar: the term itself, a holiday, or
    make-up school days."""

    class Kind(models.TextChoices):
        # The sheet's 类型 column writes these labels: 教学日 / 假期 / 调休上课.
        TERM = "term", _("Teaching days")
        HOLIDAY = "holiday", _("Holiday")
        MAKEUP = "makeup", _("Make-up school day")

    organisation = models.ForeignKey(
        "people.Organisation", on_delete=models.CASCADE, related_name="calendar_periods",
        verbose_name=_("organisation"),
        help_text=_("Its schools (and those below them) follow this calendar unless a nearer "
                    "organisation has its own."))
    term = models.CharField(_("term"), max_length=40,
                            help_text=_("The term's name, e.g. the 2024 school year's first term."))
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices, default=Kind.TERM)
    start = models.DateField(_("start date"))
    end = models.DateField(_("end date"))

    class Meta:
        verbose_name = _("school calendar period")
        verbose_name_plural = _("school calendar")
        ordering = ["organisation__path", "start", "kind"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="calendarperiod_ordered"),
        ]
        indexes = [models.Index(fields=["organisation", "kind", "start"])]

    def __str__(self):
        return f"{self.organisation} · {self.term} · {self.get_kind_display()} {self.start} – {self.end}"

    def clean(self):
        from certification.calendar import calendar_period_problem  # the calendar rules read this model

        problem = calendar_period_problem(
            organisation_id=self.organisation_id, term=self.term, kind=self.kind,
            start=self.start, end=self.end, exclude_pk=self.pk)
        if problem:
            field, message = problem
            raise ValidationError({field: message})
