"""Writes of the HR desk: create jobs, run their steps, fail them cleanly, purge old files."""

import errno
import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from people import purposes
from people.models import AuditEntry, Organisation
from people.selectors import staff_roles_for_user
from people.services import audit_record

from .exports import EXPORTS, export_language
from .imports.registry import IMPORTERS
from .imports.rows import IMPORT_ROLES, ImportHasErrors
from .models import Job, JobError, private_storage
from .selectors import jobs_expired, scope_roots
from .sheets.errors import SheetRefused
from .sheets.writing import write_table

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
# A job still running this long after it started lost its worker for good.
STALLED_AFTER = timedelta(hours=2)


def retention_days() -> int:
    return settings.HR_FILE_RETENTION_DAYS


def _expiry():
    return timezone.now() + timedelta(days=retention_days())


@transaction.atomic
def job_import_create(*, requester, sheet: str, upload: UploadedFile,
                      params: dict | None = None) -> Job:
    """Store an uploaded sheet privately and queue its preview; `params` are the import's
    options (e.g. mark_left for a roster), kept on the job for its preview and its commit."""
    from . import tasks  # hr.tasks calls these services: imported when a job is queued

    if sheet not in IMPORTERS:
        raise JobError(_("Unknown import kind"))
    roots = scope_roots(requester, roles=IMPORT_ROLES)
    if not roots:
        raise JobError(_("You may not import"))
    job = Job(kind=Job.Kind.IMPORT, sheet=sheet, requester=requester, scope=" ".join(roots),
              purpose=IMPORT_ROLES.key, requested_as=_requested_as(requester, IMPORT_ROLES),
              source_name=(upload.name or "")[:255], expires_at=_expiry(), params=params or {},
              language=export_language())
    job.source_file.save(upload.name or "source.xlsx", upload, save=False)
    job.save()
    transaction.on_commit(lambda: tasks.job_preview.delay(str(job.pk)))
    return job


@transaction.atomic
def job_effective_on_set(*, job: Job, user, effective_on: date) -> Job:
    """Change a previewed roster's effective date: the preview is made again with it."""
    from . import tasks  # hr.tasks calls these services: imported when a job is queued

    job = Job.objects.select_for_update().get(pk=job.pk)
    if (job.kind != Job.Kind.IMPORT or job.sheet != "teachers"
            or job.status != Job.Status.PREVIEW_READY):
        raise JobError(_("This job cannot be changed"))
    if job.requester_id != user.pk:
        raise JobError(_("Only the uploader can confirm"))
    job.params = {**(job.params or {}), "effective_on": effective_on.isoformat()}
    job.status = Job.Status.QUEUED
    job.attempts = 0
    job.progress_done = 0
    job.save(update_fields=["params", "status", "attempts", "progress_done"])
    transaction.on_commit(lambda: tasks.job_preview.delay(str(job.pk)))
    return job


@transaction.atomic
def job_commit_request(*, job: Job, user) -> Job:
    """Confirm a previewed import: it is written by a task, all rows or none."""
    from . import tasks  # hr.tasks calls these services: imported when a job is queued

    job = Job.objects.select_for_update().get(pk=job.pk)
    if job.kind != Job.Kind.IMPORT or job.status != Job.Status.PREVIEW_READY:
        raise JobError(_("This job cannot be confirmed"))
    if job.requester_id != user.pk:
        raise JobError(_("Only the uploader can confirm"))
    if job.preview.get("counts", {}).get("errors"):
        raise JobError(_("The file has errors: fix them and upload again"))
    job.status = Job.Status.COMMITTING
    job.attempts = 0
    job.progress_done = 0
    job.save(update_fields=["status", "attempts", "progress_done"])
    transaction.on_commit(lambda: tasks.job_commit.delay(str(job.pk)))
    return job


@transaction.atomic
def job_export_create(*, requester, sheet: str, organisation: Organisation | None = None,
                      params: dict | None = None, language: str | None = None) -> Job:
    """Queue an export of the requester's scope, or of one organisation inside it, written in
    `language` (default: the language active for the request)."""
    from . import tasks  # hr.tasks calls these services: imported when a job is queued

    if sheet not in EXPORTS:
        raise JobError(_("Unknown export kind"))
    purpose = EXPORTS[sheet].purpose
    roots = scope_roots(requester, roles=purpose)
    if organisation is not None:
        if not any(organisation.path.startswith(root) for root in roots):
            raise JobError(_("Organisation outside your scope"))
        roots = [organisation.path]
    if not roots:
        raise JobError(_("You may not export"))
    job = Job.objects.create(kind=Job.Kind.EXPORT, sheet=sheet, requester=requester,
                             scope=" ".join(roots), organisation=organisation,
                             purpose=purpose.key, requested_as=_requested_as(requester, purpose),
                             params=params or {}, expires_at=_expiry(),
                             language=export_language(language))
    audit_record(actor=requester, action=AuditEntry.Action.EXPORT,
                 organisation=organisation or _scope_root(job), target=sheet,
                 detail=" ".join(f"{k}={v}" for k, v in sorted((params or {}).items())
                                 if v and k != "base_url"))
    transaction.on_commit(lambda: tasks.job_export.delay(str(job.pk)))
    return job


def _requested_as(user, purpose) -> str:
    """The user's roles that grant the purpose, as the job keeps them."""
    if user.is_superuser:
        return "superuser"
    return " ".join(sorted(set(staff_roles_for_user(user, roles=purpose).values_list("role", flat=True))))


def _scope_unchanged(job: Job) -> None:
    """Refuse to write a file wider (or other) than the scope the job was asked for: the
    requester's roles for the job's purpose may have changed since."""
    purpose = purposes.purpose_get(job.purpose)
    roots = scope_roots(job.requester, roles=purpose) if purpose else []
    if job.organisation is not None:
        held = any(job.organisation.path.startswith(root) for root in roots)
    else:
        held = roots == job.scope_paths
    if not held:
        raise JobError(_("Your scope changed since the export was asked for: ask again"))


def _scope_root(job: Job) -> Organisation:
    """The organisation a job's audit entry belongs to: the top of its scope."""
    return Organisation.objects.get(path=job.scope.split()[0])


def _claim(job_id, *, expect: tuple[str, ...], status: str) -> Job | None:
    """Mark a job as taken by this worker, or None when another run already settled it."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status not in expect:
            return None
        job.attempts += 1
        if job.attempts > MAX_ATTEMPTS:
            job.status = Job.Status.FAILED
            with job_language(job):
                job.error = _("Gave up after %(attempts)s attempts") % {"attempts": MAX_ATTEMPTS}
            job.finished_at = timezone.now()
            job.save()
            return None
        job.status = status
        job.started_at = job.started_at or timezone.now()
        job.save(update_fields=["attempts", "status", "started_at"])
        return job


def job_language(job: Job | str):
    """The job's messages (row errors, refusals, reasons) are read in the language it was asked in."""
    if not isinstance(job, Job):
        job = Job.objects.filter(pk=job).only("language").first()
    return translation.override((job.language if job else "") or settings.LANGUAGE_CODE)


def _progress(job: Job):
    def report(done: int) -> None:
        Job.objects.filter(pk=job.pk).update(progress_done=done)
    return report


def job_fail(*, job_id, reason: str) -> None:
    """End a job as failed with its reason; any result file is removed, so nothing is offered."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        return
    if job.result_file:
        job.result_file.delete(save=False)
    job.status = Job.Status.FAILED
    job.error = reason[:2000]
    job.finished_at = timezone.now()
    job.save()


def _reason(exc: Exception) -> str:
    if isinstance(exc, SheetRefused):
        return exc.message
    if isinstance(exc, ImportHasErrors):
        count = exc.args[0].errors.total
        return _("The file has %(count)s errors: nothing was written") % {"count": count}
    if isinstance(exc, IntegrityError):
        return _("Another import changed the same rows meanwhile: nothing was written; upload the file again to preview it")
    if isinstance(exc, JobError):
        return str(exc)
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return _("The server's disk is full: nothing was written. Tell the administrator, "
                 "then ask for the file again")
    return _("The job failed and produced no file") + f": {type(exc).__name__}: {exc}"


def job_interruption_note(*, job_id) -> None:
    """Note on the job that an attempt was cut off by the database and rolled back whole, so its
    page says so while the retry runs and after it. Best effort: the database may still be down,
    and the retry must be queued all the same."""
    try:
        with transaction.atomic():
            job = Job.objects.select_for_update().filter(pk=job_id).first()
            if job is None:
                return
            preview = dict(job.preview or {})
            preview["interruptions"] = [*preview.get("interruptions", []),
                                        {"attempt": job.attempts, "at": timezone.now().isoformat()}]
            Job.objects.filter(pk=job_id).update(preview=preview)
    except (OperationalError, InterfaceError):
        log.warning("HR job %s: could not note the interruption (database still unavailable)",
                    job_id)


def _guarded(job: Job, run) -> None:
    """Run a step in the job's language; an expected refusal or an unexpected crash both end the
    job failed, with its reason in that language."""
    with job_language(job):
        try:
            run()
        except OperationalError:
            raise  # the database was busy or gone: the task retries
        except Exception as exc:
            log.exception("HR job %s failed", job.pk)
            job_fail(job_id=job.pk, reason=_reason(exc))


def job_run_preview(*, job_id) -> None:
    """Parse an uploaded sheet and keep its preview on the job (writes no data)."""
    job = _claim(job_id, expect=(Job.Status.QUEUED, Job.Status.RUNNING), status=Job.Status.RUNNING)
    if job is None:
        return

    def run():
        if job.requester is None:
            raise JobError(_("The uploader no longer exists"))
        plan = IMPORTERS[job.sheet].plan(path=job.source_file.path, user=job.requester,
                                         progress=_progress(job), **job.params)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.PREVIEW_READY, preview=plan.as_preview(),
            progress_done=plan.rows, progress_total=plan.rows, finished_at=timezone.now())

    _guarded(job, run)


def job_run_commit(*, job_id) -> None:
    """Write a confirmed import in one transaction; a crash rolls it all back."""
    job = _claim(job_id, expect=(Job.Status.COMMITTING,), status=Job.Status.COMMITTING)
    if job is None:
        return

    def run():
        # The job row stays locked while the rows are written and until DONE commits with
        # them: a second delivery of the task (or a second worker) waits here, then finds
        # the job DONE and writes nothing. A crash rolls back both, leaving it COMMITTING.
        # The sheet is read again first (its progress shows), since the data may have moved
        # on since the preview.
        importer = IMPORTERS[job.sheet]
        plan = importer.plan(path=job.source_file.path, user=job.requester, progress=_progress(job),
                             **job.params)
        with transaction.atomic():
            locked = Job.objects.select_for_update().filter(pk=job.pk).first()
            if locked is None or locked.status != Job.Status.COMMITTING:
                return
            result = importer.commit(path=job.source_file.path, user=job.requester, plan=plan)
            audit_record(actor=job.requester, action=AuditEntry.Action.IMPORT,
                         organisation=_scope_root(job), target=job.sheet,
                         detail=_("%(file)s · %(rows)s rows · %(created)s created · "
                                  "%(updated)s updated") % {
                             "file": job.source_name, "rows": result.get("rows", 0),
                             "created": result.get("created", 0),
                             "updated": result.get("updated", 0)})
            preview = dict(job.preview, result=result)
            Job.objects.filter(pk=job.pk).update(
                status=Job.Status.DONE, preview=preview, progress_done=result["rows"],
                progress_total=result["rows"], finished_at=timezone.now())

    _guarded(job, run)


def export_file_name(job: Job) -> str:
    return f"hr/jobs/{job.pk}/{job.sheet}.xlsx"


def export_attachment_name(job: Job) -> str:
    return f"hr/jobs/{job.pk}/{job.sheet}.{EXPORTS[job.sheet].attachment_ext}"


def _write_attachment(kind, rows: list, path, params: dict) -> None:
    """Write an export's second file (slips) beside its sheet, whole or not at all."""
    import os
    from pathlib import Path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".part")
    temporary.write_bytes(kind.attachment(rows, **params))
    os.replace(temporary, path)


def job_run_export(*, job_id) -> None:
    """Write an export to a private file (atomically) and offer it only once it is complete."""
    job = _claim(job_id, expect=(Job.Status.QUEUED, Job.Status.RUNNING), status=Job.Status.RUNNING)
    if job is None:
        return

    def run():
        if job.requester is None:
            raise JobError(_("The requester no longer exists"))
        kind = EXPORTS[job.sheet]
        _scope_unchanged(job)
        # Headers, labels and the sheet's title in the language the export was asked in
        # (_guarded runs the step under it).
        total, rows = kind.rows(user=job.requester, organisation=job.organisation, **job.params)
        Job.objects.filter(pk=job.pk).update(progress_total=total)
        name = export_file_name(job)
        if kind.attachment is not None:
            rows = list(rows)
            _write_attachment(kind, rows, private_storage().path(export_attachment_name(job)),
                              job.params)
        count = write_table(private_storage().path(name), title=kind.title, columns=kind.get_columns(),
                            rows=rows, progress=_progress(job),
                            more_sheets=kind.extra_sheets(user=job.requester,
                                                          organisation=job.organisation,
                                                          **job.params))
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.DONE, result_file=name, progress_done=count,
            progress_total=count, finished_at=timezone.now())

    _guarded(job, run)


def export_run_to_path(*, user, sheet: str, path, organisation: Organisation | None = None,
                       params: dict | None = None, language: str | None = None) -> int:
    """Write an export straight to a path (command line and benchmarks), same code as jobs."""
    from pathlib import Path

    kind = EXPORTS[sheet]
    with translation.override(export_language(language)):
        _total, rows = kind.rows(user=user, organisation=organisation, **(params or {}))
        if kind.attachment is not None:
            rows = list(rows)
            _write_attachment(kind, rows, Path(path).with_suffix(f".{kind.attachment_ext}"),
                              params or {})
        return write_table(path, title=kind.title, columns=kind.get_columns(), rows=rows,
                           more_sheets=kind.extra_sheets(user=user, organisation=organisation,
                                                         **(params or {})))


def jobs_purge_expired(*, now=None) -> int:
    """Delete job files past retention, and fail jobs whose worker vanished; returns files removed."""
    now = now or timezone.now()
    removed = 0
    for job in jobs_expired(now=now):
        for field in (job.source_file, job.result_file):
            if field:
                field.delete(save=False)
                removed += 1
        job.save(update_fields=["source_file", "result_file"])
    stalled = Job.objects.filter(status__in=Job.ACTIVE, started_at__lt=now - STALLED_AFTER)
    for job in stalled:
        with job_language(job):
            job_fail(job_id=job.pk, reason=_("The worker stopped mid-job"))
    return removed
