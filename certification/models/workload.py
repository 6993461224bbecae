"""Counsellors' workload credit: activity types (data), logged entries, and the decisions on them.

The seeds promise that psychology classes and counselling "计入工作量" with "班主任同等待遇";
these models make that promise countable. Entries carry counts and categories only, never
students' names or identifying details.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

__all__ = [
    "WorkloadActivityType",
    "WorkloadEntry",
    "WorkloadEntryLocked",
    "WorkloadDecision",
    "WorkloadCreditRate",
    "WorkloadNorm",
]


class WorkloadEntryLocked(ValidationError):
    """Raised when anything tries to change or delete an approved workload entry."""


class WorkloadActivityType(models.Model):
    """A kind of counsellor work and what it earns, edited by district or city HR."""

    class Unit(models.TextChoices):
        OCCURRENCE = "occurrence", _("per occurrence")
        HOUR = "hour", _("per hour")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices,
                            default=Unit.OCCURRENCE)
    credit_per_unit = models.DecimalField(
        _("credit units per unit"), max_digits=6, decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Units earned per occurrence, or per hour for hourly types."),
    )
    uses_group_size = models.BooleanField(
        _("asks for class or group size"), default=False,
        help_text=_("Classes, group sessions, parent sessions and lectures record how many attended."),
    )
    needs_evidence_note = models.BooleanField(
        _("needs an evidence note"), default=False,
        help_text=_("The counsellor must write a short note (never a student's name)."),
    )
    evidence_hint = models.CharField(
        _("evidence hint"), max_length=120, blank=True,
        help_text=_("Shown under the note field, e.g. what the note should say."),
    )
    is_room_duty = models.BooleanField(
        _("counts as counselling-room duty"), default=False,
        help_text=_("Hours of this type count towards the daily counselling-room opening rule."),
    )
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("workload activity type")
        verbose_name_plural = _("workload activity types")
        ordering = ["order", "code"]

    def __str__(self):
        return self.name

    @property
    def is_hourly(self) -> bool:
        return self.unit == self.Unit.HOUR


class WorkloadEntry(models.Model):
    """One piece of logged counsellor work; approved entries are locked, corrections are new entries."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # The counsellor may still change an entry in these states.
    EDITABLE = (Status.DRAFT, Status.RETURNED, Status.WITHDRAWN)

    teacher = models.ForeignKey(
        "people.Teacher", on_delete=models.PROTECT, related_name="workload_entries",
        verbose_name=_("counsellor"),
    )
    activity_type = models.ForeignKey(
        WorkloadActivityType, on_delete=models.PROTECT, related_name="entries",
        verbose_name=_("activity type"),
    )
    date = models.DateField(_("date"))
    quantity = models.DecimalField(
        _("quantity or hours"), max_digits=6, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    group_size = models.PositiveIntegerField(_("class or group size"), null=True, blank=True)
    # Room duty: when the span began, so two counsellors' overlapping duty counts once.
    start_time = models.TimeField(_("start time"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # quantity × the type's credit at the time; frozen with the entry when it is approved.
    credit = models.DecimalField(_("credit units"), max_digits=8, decimal_places=2,
                                 default=Decimal("0"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.DRAFT)
    return_reason = models.CharField(_("return reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("workload entry")
        verbose_name_plural = _("workload entries")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["teacher", "date"]),
            models.Index(fields=["status", "date"]),
        ]

    def __str__(self):
        return f"{self.teacher.name} · {self.activity_type} · {self.date}"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    def _stored_as_approved(self) -> bool:
        return bool(self.pk) and WorkloadEntry.objects.filter(
            pk=self.pk, status=self.Status.APPROVED
        ).exists()

    def save(self, *args, **kwargs):
        # The last line of defence: whatever path reaches here (service, admin, shell), an
        # approved entry never changes. Corrections are new entries.
        if self._stored_as_approved():
            raise WorkloadEntryLocked(_("This entry is approved and locked; log a correction as a new entry."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_as_approved():
            raise WorkloadEntryLocked(_("This entry is approved and locked; log a correction as a new entry."))
        return super().delete(*args, **kwargs)


class WorkloadDecision(models.Model):
    """Who did what to an entry and when: every submit, withdrawal, approval and return."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    entry = models.ForeignKey(WorkloadEntry, on_delete=models.CASCADE, related_name="decisions",
                              verbose_name=_("entry"))
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                           related_name="workload_decisions", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("workload decision")
        verbose_name_plural = _("workload decisions")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_action_display()} · {self.at:%Y-%m-%d %H:%M}"


class WorkloadCreditRate(models.Model):
    """What an activity earns in an organisation's subtree, overriding the type's own rate
    (the nearest organisation's rate applies)."""

    organisation = models.ForeignKey("people.Organisation", on_delete=models.CASCADE,
                                     related_name="workload_credit_rates",
                                     verbose_name=_("organisation"))
    activity_type = models.ForeignKey(WorkloadActivityType, on_delete=models.CASCADE,
                                      related_name="rates", verbose_name=_("activity type"))
    credit_per_unit = models.DecimalField(
        _("credit units per unit"), max_digits=6, decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        verbose_name = _("workload credit rate")
        verbose_name_plural = _("workload credit rates")
        ordering = ["organisation__path", "activity_type__order"]
        constraints = [models.UniqueConstraint(fields=["organisation", "activity_type"],
                                               name="workloadcreditrate_once")]

    def __str__(self):
        return f"{self.organisation} · {self.activity_type} · {self.credit_per_unit}"


class WorkloadNorm(models.Model):
    """The head-teacher norm (credit units a term) for a subtree; no organisation: everywhere."""

    organisation = models.OneToOneField(
        "people.Organisation", on_delete=models.CASCADE, null=True, blank=True,
        related_name="workload_norm", verbose_name=_("organisation"),
        help_text=_("Leave empty for the norm that applies everywhere."))
    units = models.DecimalField(_("credit units per term"), max_digits=6, decimal_places=2,
                                validators=[MinValueValidator(Decimal("1"))])

    class Meta:
        verbose_name = _("head-teacher norm")
        verbose_name_plural = _("head-teacher norms")
        constraints = [models.UniqueConstraint(Coalesce("organisation", Value(0)),
                                               name="workloadnorm_once")]

    def __str__(self):
        return f"{self.organisation or _('everywhere')} · {self.units}"
