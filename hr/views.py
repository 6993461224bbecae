"""The HR desk: upload, preview, confirm, follow progress, download; exports the same way."""

import json
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from certification.records import records_alert_latest
from people import purposes
from people.access import public_base_url, staff_required
from people.models import Teacher
from people.selectors import organisation_scope, teacher_list_in_scope, user_has_staff_role, user_is_staff_in_scope

from . import credential_sheets, event_sheets, privacy
from .exports import EXPORTS
from .forms import IMPORT_CHOICES, EffectiveOnForm, EraseForm, ExportForm, ImportForm, RoundForm, SnapshotForm
from .imports.rows import IMPORT_ROLES
from .models import Job, RoundSubmission, private_storage
from .rounds import (
    RoundError,
    own_round,
    round_approve,
    round_get_for_user,
    round_open,
    round_return,
    round_submit,
    rounds_for_user,
)
from .selectors import DESK_ROLES, job_get_for_user, job_list_for_user
from .services import (
    JobError,
    export_attachment_name,
    job_commit_request,
    job_effective_on_set,
    job_export_create,
    job_import_create,
)
from .sheets.columns import SPECS
from .sheets.errors import SheetRefused
from .sheets.reading import MB, max_bytes
from .sheets.templates import template_workbook
from .snapshots import (
    SNAPSHOT_LABELS,
    SnapshotError,
    snapshot_bytes,
    snapshot_compare,
    snapshot_get_for_user,
    snapshot_list_for_user,
    snapshot_submit,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_LABELS = dict(IMPORT_CHOICES) | {key: kind.label for key, kind in EXPORTS.items()}


def _job_json(job: Job) -> dict:
    return {
        "id": str(job.pk), "status": job.status, "status_label": str(job.get_status_display()),
        "done": job.progress_done, "total": job.progress_total, "percent": job.percent,
        "active": job.is_active, "error": job.error,
        "url": reverse("hr:job", args=[job.pk]),
        "download": reverse("hr:job_download", args=[job.pk]) if job.has_download else None,
    }


@staff_required(DESK_ROLES)
def desk(request):
    """The HR home: jobs with their progress, and where to start an import or an export."""
    jobs = job_list_for_user(request.user)
    can_import = request.user.is_superuser or bool(
        request.user.staff_roles.filter(role__in=IMPORT_ROLES).exists())
    # City HR answer for the whole city's records: the chains' alert is theirs.
    records_alert = None
    if request.user.is_superuser or user_has_staff_role(request.user,
                                                        roles=purposes.RECORDS_INTEGRITY):
        records_alert = records_alert_latest()
    return render(request, "hr/desk.html", {
        "records_alert": records_alert,
        "jobs": jobs, "export_form": ExportForm(user=request.user), "can_import": can_import,
        "import_kinds": IMPORT_CHOICES, "labels": SHEET_LABELS,
        "any_active": any(job.is_active for job in jobs),
        # Rounds still waiting for an answer from an organisation the user submits for.
        "rounds_open": RoundSubmission.objects.filter(
            organisation__in=organisation_scope(request.user, roles=purposes.REPORT_SUBMIT),
            status__in=RoundSubmission.OPEN).count() if can_import else 0,
    })


@staff_required(IMPORT_ROLES)
def import_new(request):
    """Upload a sheet: it is checked at once, then previewed by a background job."""
    if int(request.META.get("CONTENT_LENGTH") or 0) > max_bytes() + 64 * 1024:
        # Refused before Django reads the body to disk.
        messages.error(request, SheetRefused(gettext("The file is larger than the %(mb)s MB limit") % {
            "mb": max_bytes() // MB}).message)
        return redirect("hr:import_new")
    form = ImportForm(request.POST or None, request.FILES or None,
                      initial={"sheet": request.GET.get("sheet", "teachers")})
    if request.method == "POST" and form.is_valid():
        try:
            sheet = form.cleaned_data["sheet"]
            params = {"mark_left": True} if sheet == "teachers" and form.cleaned_data["mark_left"] else {}
            if sheet == "teachers" and form.cleaned_data.get("effective_on"):
                params["effective_on"] = form.cleaned_data["effective_on"].isoformat()
            job = job_import_create(requester=request.user, sheet=sheet,
                                    upload=form.cleaned_data["file"], params=params)
        except JobError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("hr:job", job.pk)
    return render(request, "hr/import_form.html", {"form": form})


@staff_required(DESK_ROLES)
def export_new(request):
    """Ask for an export of the scope (or one organisation in it); it is written by a job."""
    form = ExportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        params = form.params()
        if EXPORTS[form.cleaned_data["sheet"]].attachment is not None:
            # Slips are printed: their QR codes and addresses carry the site's public address
            # (DJANGO_BASE_URL, or the one this request came to), whichever worker writes them.
            params["base_url"] = public_base_url(request)
        try:
            job = job_export_create(requester=request.user, sheet=form.cleaned_data["sheet"],
                                    organisation=form.cleaned_data["organisation"],
                                    params=params)
        except JobError as exc:
            messages.error(request, str(exc))
            return redirect("hr:desk")
        return redirect("hr:job", job.pk)
    return render(request, "hr/export_form.html", {"form": form})


@staff_required(DESK_ROLES)
def job_detail(request, job_id):
    """One job: its progress, its preview (counts, errors, samples), its result or its reason."""
    job = job_get_for_user(request.user, job_id)
    preview = job.preview or {}
    return render(request, "hr/job_detail.html", {
        "job": job, "preview": preview, "counts": preview.get("counts", {}),
        "result": preview.get("result"), "label": SHEET_LABELS.get(job.sheet, job.sheet),
        "has_attachment": bool(getattr(EXPORTS.get(job.sheet), "attachment", None)),
        "can_confirm": (job.status == Job.Status.PREVIEW_READY and job.requester_id == request.user.pk
                        and not preview.get("counts", {}).get("errors")),
    })


@require_POST
@staff_required(IMPORT_ROLES)
def job_confirm(request, job_id):
    """Confirm a clean preview: the import is written, all rows or none."""
    job = job_get_for_user(request.user, job_id)
    try:
        job_commit_request(job=job, user=request.user)
    except JobError as exc:
        messages.error(request, str(exc))
    return redirect("hr:job", job.pk)


@require_POST
@staff_required(IMPORT_ROLES)
def job_effective_on(request, job_id):
    """Preview a roster again with another effective date."""
    job = job_get_for_user(request.user, job_id)
    form = EffectiveOnForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Date not recognised, write 2023-06-19"))
        return redirect("hr:job", job.pk)
    try:
        job_effective_on_set(job=job, user=request.user, effective_on=form.cleaned_data["effective_on"])
    except JobError as exc:
        messages.error(request, str(exc))
    return redirect("hr:job", job.pk)


@staff_required(DESK_ROLES)
def job_status(request, job_id):
    """A job's progress as JSON, for the page's poller."""
    return JsonResponse(_job_json(job_get_for_user(request.user, job_id)))


@staff_required(DESK_ROLES)
def jobs_status(request):
    """Progress of the user's visible jobs as JSON, for the desk's poller."""
    return JsonResponse({"jobs": [_job_json(job) for job in job_list_for_user(request.user)]})


@staff_required(DESK_ROLES)
def job_download(request, job_id):
    """Stream a finished job's file to its requester or staff whose scope covers the job's."""
    job = job_get_for_user(request.user, job_id)
    if not job.has_download:
        raise Http404
    # Local time (Asia/Shanghai), and the title in the language the file was written in.
    stamp = timezone.localtime(job.finished_at or job.created_at).strftime("%Y%m%d-%H%M")
    kind = EXPORTS.get(job.sheet)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        title = kind.title if kind else job.sheet
    if request.GET.get("part") == "attachment":
        # The activation slips: the PDF written beside the sheet from the same rows.
        if kind is None or kind.attachment is None:
            raise Http404
        storage = private_storage()
        name = export_attachment_name(job)
        if not storage.exists(name):
            raise Http404
        return FileResponse(storage.open(name, "rb"), as_attachment=True,
                            filename=f"{title}-{stamp}.{kind.attachment_ext}",
                            content_type="application/pdf")
    return FileResponse(job.result_file.open("rb"), as_attachment=True,
                        filename=f"{title}-{stamp}.xlsx", content_type=XLSX)


@staff_required(DESK_ROLES)
def template_download(request, sheet):
    """The blank template of an import, with headers, an example row and drop-down lists."""
    if sheet not in SPECS:
        raise Http404
    response = HttpResponse(template_workbook(sheet, user=request.user, on=timezone.localdate()),
                            content_type=XLSX)
    spec = SPECS[sheet]
    response["Content-Disposition"] = content_disposition_header(
        True, gettext("%(title)s template") % {"title": gettext(spec.title_en)} + f"-{spec.kind}.xlsx")
    return response


# --- Personal data of one teacher (PIPL) --------------------------------------------------------

def _teacher_in_hr_scope(request, pk: int) -> Teacher:
    return get_object_or_404(teacher_list_in_scope(request.user, roles=purposes.PRIVACY), pk=pk)


@staff_required(purposes.PRIVACY)
def teacher_data_export(request, pk: int):
    """Everything held about one teacher, as a JSON file for their request."""
    teacher = _teacher_in_hr_scope(request, pk)
    data = privacy.personal_data_export(teacher=teacher, by=request.user)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        True, f"personal-data-{teacher.employee_no}.json")
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required(purposes.PRIVACY)
def teacher_erase(request, pk: int):
    """Confirm, then erase one teacher's personal data (certificate history kept, anonymised)."""
    teacher = _teacher_in_hr_scope(request, pk)
    form = EraseForm(request.POST or None, teacher=teacher)
    if request.method == "POST" and form.is_valid():
        try:
            erased = privacy.personal_data_erase(teacher=teacher, by=request.user,
                                                 reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Personal data erased. The record now shows as %(name)s.")
                             % {"name": erased.name})
            return redirect("certification:teacher_record", erased.pk)
    return render(request, "hr/erase_confirm.html", {"teacher": teacher, "form": form})


# --- One event's attendance sheet (the organiser's, not the desk's) ----------------------------

def _event_managed(request, event_id: int):
    from courses.event_services import event_may_manage
    from courses.models import EventPage

    event = get_object_or_404(EventPage, pk=event_id)
    if not event_may_manage(user=request.user, event=event):
        raise PermissionDenied
    return event


@staff_required(purposes.EVENT_ORGANISING)
def event_attendance_export(request, event_id: int):
    """The event's sign-ups and attendance as an .xlsx file."""
    event = _event_managed(request, event_id)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "attendance.xlsx"
        event_sheets.event_attendance_write(path, event=event)
        response = HttpResponse(path.read_bytes(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, f"{gettext('Event attendance')}-{event.pk}.xlsx")
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required(purposes.EVENT_ORGANISING)
def event_attendance_import(request, event_id: int):
    """Upload 工号, 场次 or 日期, 签到, 签退 for the event: all rows are checked before any is written."""
    event = _event_managed(request, event_id)
    errors, marked = [], None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors = [_("Choose a file.")]
        elif upload.size > max_bytes():
            errors = [_("The file is too large.")]
        else:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "upload.xlsx"
                with open(path, "wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                try:
                    marked, row_errors = event_sheets.event_attendance_upload(
                        event=event, path=path, user=request.user)
                except (SheetRefused, ValidationError) as error:
                    errors = [getattr(error, "message", None) or " ".join(error.messages)]
                else:
                    errors = [f"{e.row} · {e.column} · {e.value} · {e.reason}" for e in row_errors]
            if marked and not errors:
                messages.success(request, _("Attendance of %(count)s teachers saved.") % {"count": marked})
                return redirect("courses:event_manage", event.pk)
    return render(request, "hr/event_attendance.html",
                  {"event": event, "errors": errors}, status=400 if errors else 200)


def _saved_upload(upload, folder) -> Path:
    path = Path(folder) / "upload.xlsx"
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


@staff_required(purposes.OUTSIDE_CREDENTIALS)
def credentials_import(request):
    """Upload outside credentials (工号, 证书名称, 等级对应, 发证机构, 发证日期, 有效期至)."""
    errors = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None or upload.size > max_bytes():
            errors = [_("Choose a file.") if upload is None else _("The file is too large.")]
        else:
            with tempfile.TemporaryDirectory() as folder:
                try:
                    count, row_errors = credential_sheets.credentials_upload(
                        path=_saved_upload(upload, folder), user=request.user)
                except SheetRefused as error:
                    errors = [error.message]
                else:
                    errors = [f"{e.row} · {e.column} · {e.value} · {e.reason}" for e in row_errors]
            if not errors:
                messages.success(request, _("%(count)s credentials recorded.") % {"count": count})
                return redirect("hr:credentials_import")
    return render(request, "hr/credentials_import.html", {"errors": errors},
                  status=400 if errors else 200)


# --- Report snapshots: figures submitted upward, kept byte for byte --------------------------

@staff_required(DESK_ROLES)
def snapshot_list(request):
    """The snapshots submitted for the organisations of the desk's scope (one, if chosen), and
    the form to submit one (district and city HR)."""
    organisation = None
    if request.GET.get("organisation"):
        organisation = get_object_or_404(organisation_scope(request.user, roles=DESK_ROLES),
                                         pk=request.GET["organisation"])
    can_submit = user_has_staff_role(request.user, roles=purposes.REPORT_SUBMIT)
    return render(request, "hr/snapshots.html", {
        "snapshots": snapshot_list_for_user(request.user, organisation=organisation)[:200],
        "organisation": organisation, "labels": SNAPSHOT_LABELS,
        "form": SnapshotForm(user=request.user, initial={"organisation": organisation})
        if can_submit else None,
    })


@require_POST
@staff_required(purposes.REPORT_SUBMIT)
def snapshot_submit_view(request):
    """Submit a sheet for an organisation and a day: the file is written and kept at once."""
    form = SnapshotForm(request.POST, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("hr:snapshots")
    try:
        snapshot = snapshot_submit(user=request.user, sheet=form.cleaned_data["sheet"],
                                   organisation=form.cleaned_data["organisation"],
                                   on=form.cleaned_data["on"])
    except (SnapshotError, JobError) as exc:
        messages.error(request, str(exc))
        return redirect("hr:snapshots")
    messages.success(request, _("Submitted. SHA-256 %(hash)s is on the audit log.")
                     % {"hash": snapshot.sha256})
    return redirect(f"{reverse('hr:snapshots')}?organisation={snapshot.organisation_id}")


@staff_required(DESK_ROLES)
def snapshot_download(request, pk):
    """The submitted file, byte for byte as it was submitted."""
    snapshot = snapshot_get_for_user(request.user, pk)
    with translation.override(snapshot.language or settings.LANGUAGE_CODE):
        title = str(SNAPSHOT_LABELS.get(snapshot.sheet, snapshot.sheet))
    response = HttpResponse(snapshot_bytes(snapshot), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, f"{title}-{snapshot.organisation.name}-{snapshot.on:%Y%m%d}.xlsx")
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required(DESK_ROLES)
def snapshot_compare_view(request, pk):
    """The submitted rows beside today's computation of the same sheet, organisation and day."""
    snapshot = snapshot_get_for_user(request.user, pk)
    comparison = snapshot_compare(snapshot, user=request.user)
    return render(request, "hr/snapshot_compare.html", {
        "snapshot": snapshot, "comparison": comparison,
        "label": SNAPSHOT_LABELS.get(snapshot.sheet, snapshot.sheet)})


# --- Reporting rounds: reports go up the tree --------------------------------------------------

def _round_roles():
    return (*purposes.REPORT_ROUND, *purposes.REPORT_SUBMIT)


@staff_required(purposes.REPORT_SUBMIT)
def round_list(request):
    """The rounds the user asks or answers, and (city and province HR) the form to open one."""
    can_open = user_has_staff_role(request.user, roles=purposes.REPORT_ROUND)
    form = RoundForm(request.POST or None, user=request.user) if can_open else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                round_ = round_open(user=request.user, organisation=data["organisation"],
                                    sheet=data["sheet"], on=data["on"], due_on=data["due_on"],
                                    members=list(data["members"]),
                                    language=translation.get_language())
            except RoundError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Round opened: each organisation asked has a notice."))
                return redirect("hr:round", round_.pk)
    rounds = list(rounds_for_user(request.user).prefetch_related("submissions")[:100])
    for r in rounds:
        subs = list(r.submissions.all())
        r.counts = {"asked": len(subs),
                    "approved": sum(s.status == s.Status.APPROVED for s in subs),
                    "open": sum(s.status in s.OPEN for s in subs)}
    return render(request, "hr/rounds.html", {"rounds": rounds, "form": form,
                                               "labels": SNAPSHOT_LABELS})


@staff_required(purposes.REPORT_SUBMIT)
def round_detail(request, pk):
    """One round: who has and has not submitted, each submission's snapshot and comment; the
    asker returns or approves, each organisation asked submits from here, and the asker
    submits its own sum upward when it is itself asked."""
    round_ = round_get_for_user(request.user, pk)
    decides = user_is_staff_in_scope(request.user, round_.organisation, roles=purposes.REPORT_ROUND)
    answering = set(organisation_scope(request.user, roles=purposes.REPORT_SUBMIT)
                    .values_list("pk", flat=True))
    submissions = list(round_.submissions.select_related("organisation", "snapshot", "decided_by"))
    rows = [{"s": s, "may_submit": s.organisation_id in answering and s.status in s.OPEN,
             "may_decide": decides and s.status == s.Status.SUBMITTED,
             "sums": own_round(s) is not None} for s in submissions]
    # Where this round's asker answers a round above it, for the same sheet and day.
    above = RoundSubmission.objects.filter(
        organisation=round_.organisation, round__sheet=round_.sheet,
        round__on=round_.on).select_related("round__organisation").first()
    return render(request, "hr/round.html", {
        "round": round_, "rows": rows, "label": SNAPSHOT_LABELS[round_.sheet], "decides": decides,
        "above": above, "all_approved": all(s.status == s.Status.APPROVED for s in submissions),
        "counts": {"submitted": sum(s.status in (s.Status.SUBMITTED, s.Status.APPROVED)
                                    for s in submissions),
                   "open": sum(s.status in s.OPEN for s in submissions)},
    })


def _submission(request, pk, submission_pk) -> RoundSubmission:
    round_ = round_get_for_user(request.user, pk)
    return get_object_or_404(round_.submissions.select_related("round__organisation", "organisation",
                                                               "snapshot"), pk=submission_pk)


@require_POST
@staff_required(purposes.REPORT_SUBMIT)
def round_submit_view(request, pk, submission_pk):
    """Submit an organisation's answer to the round, in one click."""
    submission = _submission(request, pk, submission_pk)
    try:
        snapshot = round_submit(user=request.user, submission=submission)
    except (RoundError, SnapshotError, JobError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Submitted. SHA-256 %(hash)s is on the audit log.")
                         % {"hash": snapshot.sha256})
    return redirect("hr:round", pk)


@require_POST
@staff_required(purposes.REPORT_ROUND)
def round_decide_view(request, pk, submission_pk):
    """Return a submission with a comment, or approve it."""
    submission = _submission(request, pk, submission_pk)
    try:
        if request.POST.get("decision") == "approve":
            round_approve(user=request.user, submission=submission)
            messages.success(request, _("Approved."))
        else:
            round_return(user=request.user, submission=submission,
                         comment=request.POST.get("comment", ""))
            messages.success(request, _("Returned: the organisation sees your comment."))
    except (RoundError, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("hr:round", pk)
