"""Workload pages: a counsellor's entries, one entry, the week grid, the school admin's queue
and the term report. Every write goes through services; every staff read through the scope."""

from datetime import date, timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from certification.models import WorkloadEntry
from people import purposes
from people.access import staff_required
from people.models import Teacher
from people.selectors import organisation_scope, teacher_for_user, user_has_staff_role

from ..policies import policies_unconfirmed
from . import selectors, services
from .forms import WEEK_GRID_FIRST_ROWS, WEEK_GRID_ROWS, ReturnForm, WeekFormSet, WorkloadEntryForm


def counsellor_required(view):
    """Only active full- or part-time counsellors reach the logging pages."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        teacher = teacher_for_user(request.user)
        if teacher is None or not teacher.is_active or not teacher.is_counsellor:
            raise PermissionDenied
        request.counsellor = teacher
        return view(request, *args, **kwargs)

    return wrapped


def _say(request, exc: Exception) -> None:
    for message in getattr(exc, "messages", None) or [str(exc) or _("Not allowed.")]:
        messages.error(request, message)


def _entry_or_404(request, pk: int) -> WorkloadEntry:
    try:
        return selectors.workload_entry_get_for_user(user=request.user, pk=pk)
    except WorkloadEntry.DoesNotExist:
        raise Http404 from None


def _term_from(request, owner=None) -> selectors.WorkloadTerm:
    """The term asked for, else the current (or last) one, on the calendar `owner` follows."""
    today = timezone.localdate()
    term = selectors.workload_term_get(request.GET.get("term", ""), owner)
    return (term or selectors.workload_term_containing(today, owner)
            or selectors.workload_term_recent(today=today, organisation=owner)[0])


# --- Counsellor pages -------------------------------------------------------------------------

ENTRIES_PER_PAGE = 20


@counsellor_required
def my_entries(request):
    school = request.counsellor.school
    term = _term_from(request, school)
    entries = selectors.workload_entry_list(teacher=request.counsellor, start=term.start, end=term.end)
    # A term holds a hundred entries or more: on a phone, stacked cards run to 20,000 px.
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "certification/workload/my_entries.html", {
        "term": term, "terms": selectors.workload_term_recent(today=timezone.localdate(),
                                                              organisation=school),
        "entries": page, "page": page, "query": urlencode({"term": term.slug}),
    })


@counsellor_required
def entry_create(request):
    form = WorkloadEntryForm(request.POST or None,
                             initial={"date": timezone.localdate().isoformat()})
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.workload_entry_create(
                by=request.user, submit="submit" in request.POST,
                activity_type=form.cleaned_data["activity_type"], date=form.cleaned_data["date"],
                quantity=form.cleaned_data["quantity"], group_size=form.cleaned_data["group_size"],
                note=form.cleaned_data["note"], start_time=form.cleaned_data["start_time"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Submitted for approval.") if entry.status == WorkloadEntry.Status.SUBMITTED
                             else _("Saved as a draft."))
            return redirect("certification:workload_my_entries")
    return render(request, "certification/workload/entry_form.html", {"form": form, "entry": None})


@login_required
def entry_detail(request, pk: int):
    entry = _entry_or_404(request, pk)
    may_decide = (entry.status == WorkloadEntry.Status.SUBMITTED
                  and services.workload_user_may_approve(user=request.user, teacher=entry.teacher))
    return render(request, "certification/workload/entry_detail.html", {
        "entry": entry, "is_owner": entry.teacher.user_id == request.user.pk,
        "may_decide": may_decide, "return_form": ReturnForm(),
    })


@login_required
def entry_edit(request, pk: int):
    entry = _entry_or_404(request, pk)
    if entry.status == WorkloadEntry.Status.APPROVED:
        messages.error(request, _("This entry is approved and locked; log a correction as a new entry."))
        return redirect("certification:workload_entry", pk=entry.pk)
    if entry.teacher.user_id != request.user.pk:
        raise PermissionDenied
    initial = {"activity_type": entry.activity_type, "date": entry.date.isoformat(),
               "quantity": entry.quantity, "group_size": entry.group_size, "note": entry.note,
               "start_time": entry.start_time}
    form = WorkloadEntryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.workload_entry_update(
                entry=entry, by=request.user,
                activity_type=form.cleaned_data["activity_type"], date=form.cleaned_data["date"],
                quantity=form.cleaned_data["quantity"], group_size=form.cleaned_data["group_size"],
                note=form.cleaned_data["note"], start_time=form.cleaned_data["start_time"],
            )
            if "submit" in request.POST:
                services.workload_entry_submit(entry=entry, by=request.user)
        except (ValidationError, PermissionDenied) as exc:
            _say(request, exc)
            return redirect("certification:workload_entry", pk=entry.pk)
        messages.success(request, _("Submitted for approval.") if "submit" in request.POST
                         else _("Saved as a draft."))
        return redirect("certification:workload_my_entries")
    return render(request, "certification/workload/entry_form.html", {"form": form, "entry": entry})


def _owner_action(service, done_message):
    @require_POST
    @login_required
    def view(request, pk: int):
        entry = _entry_or_404(request, pk)
        try:
            service(entry=entry, by=request.user)
        except (ValidationError, PermissionDenied) as exc:
            _say(request, exc)
        else:
            messages.success(request, done_message())
        if service is services.workload_entry_delete and not WorkloadEntry.objects.filter(pk=pk).exists():
            return redirect("certification:workload_my_entries")
        return redirect("certification:workload_entry", pk=pk)

    return view


entry_submit = _owner_action(services.workload_entry_submit, lambda: _("Submitted for approval."))
entry_withdraw = _owner_action(services.workload_entry_withdraw, lambda: _("Withdrawn."))
entry_delete = _owner_action(services.workload_entry_delete, lambda: _("Deleted."))


def _monday(value: str | None) -> date:
    try:
        day = date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        day = timezone.localdate()
    return services.workload_week_start(day)


@counsellor_required
def week_grid(request):
    """The week's entries first, then a few rows to log more (a row is added on demand)."""
    week_start = _monday(request.GET.get("week") or request.POST.get("week"))
    days = [week_start + timedelta(days=i) for i in range(7)]
    today = timezone.localdate()
    try:
        rows = int(request.GET.get("rows", WEEK_GRID_FIRST_ROWS))
    except ValueError:
        rows = WEEK_GRID_FIRST_ROWS
    rows = min(max(rows, 1), WEEK_GRID_ROWS)
    first_day = today if week_start <= today <= days[4] else week_start
    initial = [{"date": first_day.isoformat()}] * rows
    formset = WeekFormSet(request.POST or None, initial=initial, week_days=days, prefix="rows")
    formset.extra = 0  # only the rows asked for; the page adds more on demand
    if request.method == "POST" and formset.is_valid():
        submit = "submit" in request.POST
        try:
            created = services.workload_entry_bulk_create(
                by=request.user, rows=formset.rows, submit=submit)
        except ValidationError as exc:
            _say(request, exc)
        else:
            if submit:
                messages.success(request, _(
                    "%(count)s entries saved and submitted for approval: your school admin "
                    "reviews them.") % {"count": len(created)})
            else:
                messages.warning(request, _(
                    "%(count)s entries saved as drafts: the week is not submitted for approval "
                    "yet.") % {"count": len(created)})
            return redirect(f"{request.path}?week={week_start.isoformat()}")
    logged = list(selectors.workload_entry_list(teacher=request.counsellor, start=week_start,
                                                end=days[-1]))
    drafts = sum(1 for e in logged if e.status in WorkloadEntry.EDITABLE)
    return render(request, "certification/workload/week_grid.html", {
        "formset": formset, "week_start": week_start, "week_end": days[-1],
        "previous_week": week_start - timedelta(days=7), "next_week": week_start + timedelta(days=7),
        "logged": logged, "drafts": drafts, "more_rows": min(len(formset.forms) + 3, WEEK_GRID_ROWS),
        "max_rows": WEEK_GRID_ROWS,
    })


# --- School admin -----------------------------------------------------------------------------


@staff_required(purposes.WORKLOAD_APPROVAL)
def queue(request):
    return render(request, "certification/workload/queue.html", {
        "counsellors": selectors.workload_queue_by_counsellor(user=request.user),
        "open": request.GET.get("open", ""),
        "return_form": ReturnForm(),
    })


@require_POST
@staff_required(purposes.WORKLOAD_APPROVAL)
def entry_decide(request, pk: int):
    entry = _entry_or_404(request, pk)
    try:
        if request.POST.get("action") == "approve":
            services.workload_entry_approve(entry=entry, by=request.user)
            messages.success(request, _("Approved."))
        else:
            services.workload_entry_return(entry=entry, by=request.user,
                                           reason=request.POST.get("reason", ""))
            messages.success(request, _("Returned to the counsellor."))
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        _say(request, exc)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "certification:workload_queue"
    return redirect(target or "certification:workload_queue")


@require_POST
@staff_required(purposes.WORKLOAD_APPROVAL)
def week_approve(request):
    teacher = get_object_or_404(
        Teacher, pk=request.POST.get("teacher"),
        school__in=organisation_scope(request.user, roles=purposes.WORKLOAD_APPROVAL),
    )
    try:
        count = services.workload_week_approve(teacher=teacher, week_start=_monday(request.POST.get("week")),
                                               by=request.user)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("%(count)s entries approved.") % {"count": count})
    # Back to the queue with this counsellor's block open at the next week.
    return redirect(f"{reverse('certification:workload_queue')}?open={teacher.pk}#counsellor-{teacher.pk}")


# --- Reports ----------------------------------------------------------------------------------


@login_required
def report(request):
    user = request.user
    own = teacher_for_user(user)
    is_counsellor = own is not None and own.is_counsellor
    is_staff = user_has_staff_role(user, roles=purposes.WORKLOAD_REPORT)
    if not (is_counsellor or is_staff):
        raise PermissionDenied
    organisation = None
    if request.GET.get("organisation"):
        organisation = get_object_or_404(
            organisation_scope(user, roles=purposes.WORKLOAD_REPORT), pk=request.GET["organisation"])
    owner = selectors.workload_calendar_owner(user, organisation)
    term = _term_from(request, owner)
    data = selectors.workload_term_report(user=user, term_start=term.start, term_end=term.end,
                                          organisation=organisation)
    types = [t for t in data.activity_types
             if t.active or any(t.code in row.by_type for row in data.counsellors)]
    rows = [
        {"row": row, "cells": [(t.name, row.by_type.get(t.code)) for t in types]} for row in data.counsellors
    ]
    return render(request, "certification/workload/report.html", {
        "term": term, "terms": selectors.workload_term_recent(today=timezone.localdate(),
                                                              organisation=owner),
        "report": data, "types": types, "rows": rows, "organisation": organisation,
        "unconfirmed_policies": (policies_unconfirmed(organisation=owner)
                                 if is_staff and owner is not None else []),
        "is_staff": is_staff,
    })
