"""The training-hours ledger (学时): append-only entries, exam passes, and cycle policies."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from courses.models import DEFAULT_CATEGORY

__all__ = ["AppendOnlyError", "TrainingEntry", "ExamPass", "CyclePolicy",
           "CycleCategoryMinimum"]


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove a ledger entry."""


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk updates and deletes are refused: the ledger only grows."""

    def update(self, **kwargs):
        raise AppendOnlyError("Training entries are append-only; record a correction instead.")

    def delete(self):
        raise AppendOnlyError("Training entries are append-only; record a correction instead.")

    def _raw_delete(self, using):
        raise AppendOnlyError("Training entries are append-only; record a correction instead.")


class TrainingEntry(models.Model):
    """One credit (or, for a correction, a debit) of training hours. Never edited or deleted."""

    class Source(models.TextChoices):
        COURSE_COMPLETION = "course_completion", _("Course completion")
        LIVE_ATTENDANCE = "live_attendance", _("Live session attendance")
        OFFLINE = "offline", _("Offline training")
        DECLARED = "declared", _("Declared outside hours")
        IMPORT = "import", _("Import")
        CORRECTION = "correction", _("Correction")

    teacher = models.ForeignKey("people.Teacher", on_delete=models.PROTECT,
                                related_name="training_entries", verbose_name=_("teacher"))
    source = models.CharField(_("source"), max_length=32, choices=Source.choices)
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=2)
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    # The idempotency key within a source, e.g. "course-completion:42".
    reference = models.CharField(_("reference"), max_length=128)
    # The course a completion credits: "required courses" of a level are read from here.
    course = models.ForeignKey("wagtailcore.Page", on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="+", verbose_name=_("course"))
    # What the hours are filed under: the course's, event's or declaration's category, the
    # import's column, or the one HR picks for a correction.
    category = models.ForeignKey("courses.HourCategory", to_field="code",
                                 on_delete=models.PROTECT, related_name="+",
                                 default=DEFAULT_CATEGORY, verbose_name=_("category"))
    # Whether the seal covers the category: lines sealed before categories existed do not.
    category_sealed = models.BooleanField(default=True, editable=False)
    reason = models.TextField(_("reason"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"))
    # Set when the row is built (not on save), so the service can seal it before inserting.
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    # The teacher's hash chain (certification.records): position, link, seal.
    chain_seq = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    prev_digest = models.CharField(max_length=64, blank=True, editable=False)
    digest = models.CharField(max_length=64, blank=True, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("training entry")
        verbose_name_plural = _("training entries")
        ordering = ["date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "reference"], name="trainingentry_once"),
            models.CheckConstraint(condition=Q(hours__gte=0) | Q(source="correction"),
                                   name="trainingentry_negative_only_corrections"),
        ]
        indexes = [models.Index(fields=["teacher", "date"]),
                   models.Index(fields=["teacher", "chain_seq"])]

    def __str__(self):
        return f"{self.teacher_id} {self.date} {self.hours} {self.title}"

    def clean(self):
        if self.source == self.Source.CORRECTION and not self.reason.strip():
            raise ValidationError({"reason": _("A correction needs a reason.")})
        if self.source != self.Source.CORRECTION and self.hours is not None and self.hours < 0:
            raise ValidationError({"hours": _("Only a correction may have negative hours.")})

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Training entries are append-only; record a correction instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Training entries are append-only; record a correction instead.")


class ExamPass(models.Model):
    """A passed course quiz, the exam some levels require. Kept once per teacher and course."""

    teacher = models.ForeignKey("people.Teacher", on_delete=models.CASCADE,
                                related_name="exam_passes", verbose_name=_("teacher"))
    course = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+",
                               verbose_name=_("course"))
    passed_on = models.DateField(_("passed on"))
    score = models.PositiveSmallIntegerField(_("score"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("exam pass")
        verbose_name_plural = _("exam passes")
        constraints = [
            models.UniqueConstraint(fields=["teacher", "course"], name="exampass_once"),
        ]

    def __str__(self):
        return f"{self.teacher_id} {self.course_id} {self.passed_on}"


class CyclePolicy(ClusterableModel):
    """The continuing-education cycle of an organisation's subtree (nearest ancestor wins),
    with the minimum hours per category it requires (`category_minimums`), if any."""

    organisation = models.OneToOneField("people.Organisation", on_delete=models.CASCADE,
                                        related_name="cycle_policy",
                                        verbose_name=_("organisation"))
    years = models.PositiveSmallIntegerField(_("cycle length (years)"), default=5)
    hours = models.DecimalField(_("hours per cycle"), max_digits=7, decimal_places=2,
                                default=Decimal("360"))
    yearly_minimum = models.DecimalField(_("yearly minimum hours"), max_digits=7,
                                         decimal_places=2, null=True, blank=True)
    # Cycles are counted from this year: 2021 starts the 14th five-year plan's cycle.
    start_year = models.PositiveSmallIntegerField(_("first cycle starts in"), default=2021)

    class PaceRule(models.TextChoices):
        PRORATED = "prorated", _("Pro-rated by day against the cycle's hours")
        YEARLY = "yearly", _("A minimum each calendar year, checked at the year's end")

    # How "behind" is judged (certification.selectors.pace): by day against a cumulative
    # share of the cycle, or as bureaus count it, each finished calendar year on its own.
    pace_rule = models.CharField(
        _("pace rule"), max_length=16, choices=PaceRule.choices, default=PaceRule.PRORATED,
        help_text=_("Yearly: each finished calendar year needs the yearly minimum (hours above "
                    "it in one year do not make up for another); the year being lived is not "
                    "judged until it ends."))
    grace_days = models.PositiveSmallIntegerField(
        _("grace period (days)"), default=0,
        help_text=_("Nobody is behind in the first days of a cycle (pro-rated) or of a year "
                    "(yearly: the last year is judged only after them, so hours recorded late "
                    "still count)."))

    class Meta:
        verbose_name = _("continuing-education cycle")
        verbose_name_plural = _("continuing-education cycles")

    def clean(self):
        super().clean()
        if self.years and self.grace_days and self.grace_days >= 365:
            raise ValidationError({"grace_days": _("The grace period must be shorter than a year.")})

    @property
    def minimum_per_year(self) -> Decimal:
        """The hours each calendar year needs under the yearly rule: the yearly minimum, else
        the cycle's hours shared evenly over its years."""
        if self.yearly_minimum:
            return self.yearly_minimum
        return (self.hours / (self.years or 1)).quantize(Decimal("0.01"))

    def __str__(self):
        return f"{self.organisation}: {self.hours} / {self.years}"


class CycleCategoryMinimum(models.Model):
    """At least so many hours of one category in each cycle of a policy."""

    policy = ParentalKey(CyclePolicy, on_delete=models.CASCADE,
                         related_name="category_minimums", verbose_name=_("cycle"))
    category = models.ForeignKey("courses.HourCategory", to_field="code",
                                 on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("category"))
    hours = models.DecimalField(_("minimum hours per cycle"), max_digits=7, decimal_places=2,
                                validators=[MinValueValidator(Decimal("0.01"))])

    class Meta:
        verbose_name = _("minimum hours of a category")
        verbose_name_plural = _("minimum hours per category")
        constraints = [models.UniqueConstraint(fields=["policy", "category"],
                                               name="cycle_category_minimum_once")]

    def __str__(self):
        return f"{self.category}: {self.hours}"
