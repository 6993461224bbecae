"""Hours a teacher declares from outside (学时申报), with evidence: the school admin checks,
district HR approves (crediting the ledger) or returns with a reason."""

import uuid

from django.conf import settings
from django.core.files.storage import Storage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from people.chain import SealedRecord
from people.storage import private_files

__all__ = ["HourDeclaration", "DeclarationEvidence", "private_storage"]


def private_storage() -> Storage:
    """Evidence is never under MEDIA_URL; only scope-checking views stream it."""
    return private_files()


def evidence_path(instance, filename) -> str:
    # The teacher's file name is kept in `original_name`; the stored name is unguessable.
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(
        instance.content_type, "bin")
    return f"declarations/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class HourDeclaration(SealedRecord):
    """One declaration of outside hours and where it is in its review."""

    # The hours and the decision that credits them (not the reviewers: users may be erased).
    SEALED_FIELDS = ("teacher_id", "title", "started_on", "ended_on", "hours", "category_id",
                     "status", "decided_at", "training_entry_id")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for the school")
        SCHOOL_CHECKED = "school_checked", _("Waiting for district HR")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    teacher = models.ForeignKey("people.Teacher", on_delete=models.PROTECT,
                                related_name="hour_declarations", verbose_name=_("teacher"))
    title = models.CharField(_("training title"), max_length=200)
    organiser = models.CharField(_("organised by"), max_length=200)
    started_on = models.DateField(pgettext_lazy("date range", "from"))
    ended_on = models.DateField(_("to"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    category = models.ForeignKey("courses.HourCategory", to_field="code", db_column="category",
                                 on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("category"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.SUBMITTED)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    school_checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="+",
                                          verbose_name=_("checked by"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    training_entry = models.OneToOneField("certification.TrainingEntry", null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="declaration",
                                          verbose_name=_("ledger entry"))

    class Meta:
        verbose_name = _("hours declaration")
        verbose_name_plural = _("hours declarations")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self):
        return f"{self.teacher_id} {self.title} {self.hours}"


class DeclarationEvidence(models.Model):
    """A PDF or image proving a declaration, stored privately."""

    declaration = models.ForeignKey(HourDeclaration, on_delete=models.CASCADE,
                                    related_name="evidence", verbose_name=_("declaration"))
    file = models.FileField(_("file"), storage=private_storage, upload_to=evidence_path,
                            max_length=255)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=64)
    size = models.PositiveIntegerField(_("size"))

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self):
        return self.original_name
