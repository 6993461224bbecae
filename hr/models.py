"""The HR desk's one model: a job that imports or exports a sheet in the background."""

import uuid

from django.conf import settings
from django.core.files.storage import Storage
from django.db import models
from django.utils.translation import gettext_lazy as _

from people.chain import SealedRecord
from people.storage import private_files


def private_storage() -> Storage:
    """Job files are never served by the web server: only scope-checking views stream them."""
    return private_files()


SOURCE_SUFFIXES = (".xlsx", ".xls", ".xlsb", ".ods", ".et", ".csv", ".tsv")


def job_source_path(job, filename: str) -> str:
    """The stored upload keeps its extension: it says how the user meant the file to be read."""
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return f"hr/jobs/{job.id}/source{suffix if suffix in SOURCE_SUFFIXES else '.xlsx'}"


class JobError(Exception):
    """A job cannot be created or moved on as asked; the message is for the user (raised by
    hr.services and by the exports it runs, so it lives below both)."""


class Job(models.Model):
    """One import (upload, preview, commit) or export (query, write, download) of a sheet."""

    class Kind(models.TextChoices):
        IMPORT = "import", _("Import")
        EXPORT = "export", _("Export")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        PREVIEW_READY = "preview_ready", _("Preview ready")
        COMMITTING = "committing", _("Writing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    ACTIVE = (Status.QUEUED, Status.RUNNING, Status.COMMITTING)

    # The public id: job URLs carry it, so no sequence number can be guessed or walked.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    sheet = models.CharField(_("sheet"), max_length=32)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.QUEUED)
    progress_done = models.PositiveIntegerField(_("rows done"), default=0)
    progress_total = models.PositiveIntegerField(_("rows in total"), default=0)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, related_name="hr_jobs", verbose_name=_("requester"))
    # The requester's scope when the job was made (space-separated tree paths of its roots),
    # for the purpose it was asked under (a key of people.purposes) and the requester's roles
    # that granted it: the file holds this scope and no more, and who else may see the job is
    # decided against this snapshot under the same purpose, not today's roles.
    scope = models.TextField(_("scope"), blank=True)
    purpose = models.CharField(_("purpose"), max_length=32, default="hr_desk")
    requested_as = models.CharField(_("requested as"), max_length=128, blank=True,
                                    help_text=_("The requester's roles that granted the purpose."))
    organisation = models.ForeignKey("people.Organisation", on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("organisation"))
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # The language the job was asked in: its file's headers and labels are written in it.
    language = models.CharField(_("language"), max_length=16, blank=True)
    source_name = models.CharField(_("uploaded file name"), max_length=255, blank=True)
    source_file = models.FileField(_("uploaded file"), storage=private_storage,
                                   upload_to=job_source_path, blank=True, max_length=255)
    result_file = models.FileField(_("result file"), storage=private_storage, blank=True,
                                   max_length=255)
    preview = models.JSONField(_("preview"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("files kept until"), db_index=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["requester", "-created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.sheet} · {self.get_status_display()}"

    @property
    def scope_paths(self) -> list[str]:
        return self.scope.split()

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def has_download(self) -> bool:
        """Only a finished job offers its file; a failed or running one never does."""
        return self.status == self.Status.DONE and bool(self.result_file)


def snapshot_file_path(snapshot, filename: str) -> str:
    return f"hr/snapshots/{snapshot.organisation_id}/{snapshot.on:%Y%m%d}-{snapshot.sheet}-{snapshot.sha256[:16]}.xlsx"


class ReportSnapshot(SealedRecord):
    """One sheet submitted upward for an organisation and a day: the very file, its SHA-256
    (also on the organisation's audit chain), and its rows for comparing with today's."""

    SEALED_FIELDS = ("organisation_id", "sheet", "on", "params", "language", "submitted_by_id",
                     "submitted_at", "file", "sha256", "rows", "audit_entry_id")

    # The public id: download links carry it, so no sequence number can be guessed or walked.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey("people.Organisation", on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("organisation"))
    sheet = models.CharField(_("sheet"), max_length=32)
    on = models.DateField(_("figures as of"))
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=16)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, related_name="+", verbose_name=_("submitted by"))
    submitted_by_name = models.CharField(_("submitted by"), max_length=150)
    submitted_at = models.DateTimeField(_("submitted at"))
    file = models.FileField(_("file"), storage=private_storage, upload_to=snapshot_file_path,
                            max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # {"columns": [...], "rows": [[...], ...]}: the first sheet's cells as JSON.
    rows = models.JSONField(_("rows"), default=dict)
    audit_entry = models.ForeignKey("people.AuditEntry", on_delete=models.PROTECT, null=True,
                                    related_name="+", verbose_name=_("audit entry"))

    class Meta:
        verbose_name = _("report snapshot")
        verbose_name_plural = _("report snapshots")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "-submitted_at"])]

    def __str__(self):
        return f"{self.sheet} {self.on} · {self.organisation_id}"


class ReportRound(models.Model):
    """A reporting round: a city (or province) asks its child organisations for one sheet's
    figures as of one day, by a due date; each answers with a snapshot (`RoundSubmission`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey("people.Organisation", on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("asked by"))
    sheet = models.CharField(_("sheet"), max_length=32)
    on = models.DateField(_("figures as of"))
    due_on = models.DateField(_("due"))
    # The language the round's snapshots are written in: one language per sheet, and the
    # parent's sum reads its children's labels.
    language = models.CharField(_("language"), max_length=16)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                  related_name="+", verbose_name=_("opened by"))
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)

    class Meta:
        verbose_name = _("reporting round")
        verbose_name_plural = _("reporting rounds")
        ordering = ["-opened_at"]

    def __str__(self):
        return f"{self.sheet} {self.on} · {self.organisation_id}"


class RoundSubmission(models.Model):
    """One organisation's answer to a round: waiting, submitted (a snapshot), returned with a
    comment (to submit again), or approved."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Not submitted")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        APPROVED = "approved", _("Approved")

    OPEN = (Status.PENDING, Status.RETURNED)

    round = models.ForeignKey(ReportRound, on_delete=models.CASCADE, related_name="submissions",
                              verbose_name=_("reporting round"))
    organisation = models.ForeignKey("people.Organisation", on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("organisation"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.PENDING)
    snapshot = models.ForeignKey(ReportSnapshot, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("snapshot"))
    comment = models.TextField(_("comment"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reminded_on = models.DateField(_("last reminded"), null=True, blank=True)

    class Meta:
        verbose_name = _("round submission")
        verbose_name_plural = _("round submissions")
        ordering = ["organisation__path"]
        constraints = [models.UniqueConstraint(fields=["round", "organisation"],
                                               name="roundsubmission_one_per_organisation")]

    def __str__(self):
        return f"{self.round_id} · {self.organisation_id} · {self.status}"
