"""Holding targets and the new-teacher period, as data per subtree (the nearest one applies)."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

__all__ = ["HoldingTarget", "NewTeacherPeriod"]


class HoldingTarget(models.Model):
    """The holding rate a subtree aims at for a level (no organisation: everywhere)."""

    organisation = models.ForeignKey(
        "people.Organisation", on_delete=models.CASCADE, null=True, blank=True,
        related_name="holding_targets", verbose_name=_("organisation"),
        help_text=_("Leave empty for the target that applies everywhere."))
    level = models.ForeignKey("certification.CertificateLevel", on_delete=models.CASCADE,
                              related_name="targets", verbose_name=_("level"))
    percent = models.DecimalField(
        _("target (%)"), max_digits=5, decimal_places=1,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))])

    class Meta:
        verbose_name = _("holding target")
        verbose_name_plural = _("holding targets")
        # One per (organisation, level); "everywhere" counts as one organisation.
        constraints = [models.UniqueConstraint(Coalesce("organisation", Value(0)), F("level"),
                                               name="holdingtarget_once")]

    def __str__(self):
        return f"{self.organisation or _('everywhere')} · {self.level.code} {self.percent}%"


class NewTeacherPeriod(models.Model):
    """How long after hiring a teacher is new and left out of holding rates, for a subtree."""

    organisation = models.OneToOneField(
        "people.Organisation", on_delete=models.CASCADE, null=True, blank=True,
        related_name="new_teacher_period", verbose_name=_("organisation"),
        help_text=_("Leave empty for the period that applies everywhere."))
    months = models.PositiveSmallIntegerField(_("months"), default=12,
                                              validators=[MaxValueValidator(120)])

    class Meta:
        verbose_name = _("new-teacher period")
        verbose_name_plural = _("new-teacher periods")
        constraints = [models.UniqueConstraint(Coalesce("organisation", Value(0)),
                                               name="newteacherperiod_once")]

    def __str__(self):
        return f"{self.organisation or _('everywhere')} · {self.months}"
