"""Offline events: teachers sign up, cancel and scan QR codes; organisers show the codes,
mark attendance by hand and close the event."""

import re
import secrets
from datetime import datetime, timedelta

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from people import purposes
from people.access import staff_required
from people.selectors import teacher_for_user

from . import event_services as services
from .models import EventIndexPage, EventPage, EventSignup

# A random name the phone keeps (its own cookie), so that a teacher's scans come from one phone.
SCAN_DEVICE_COOKIE = "xy_scan_device"


def _errors(error) -> str:
    return " ".join(getattr(error, "messages", [str(error)]))


@login_required
@require_POST
def event_signup(request, event_id: int):
    event = get_object_or_404(EventPage.objects.live(), pk=event_id)
    teacher = teacher_for_user(request.user)
    if teacher is None:
        raise PermissionDenied
    try:
        signup = services.event_signup(event=event, teacher=teacher)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        if signup.status == EventSignup.Status.WAITING:
            messages.info(request, _("The event is full: you are on the waiting list."))
        else:
            messages.success(request, _("You are signed up."))
    return redirect(event.url)


@login_required
@require_POST
def event_cancel(request, event_id: int):
    event = get_object_or_404(EventPage, pk=event_id)
    signup = get_object_or_404(EventSignup, event=event, teacher=teacher_for_user(request.user))
    try:
        services.event_cancel(signup=signup)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("Your sign-up is cancelled."))
    return redirect(event.url)


@login_required
def event_scan(request, event_id: int, kind: str):
    """The URL inside the QR code: opening it (logged in) records the check-in or check-out."""
    event = get_object_or_404(EventPage.objects.live(), pk=event_id)
    if kind not in (services.CHECK_IN, services.CHECK_OUT):
        raise PermissionDenied
    ok, message = False, ""
    device = request.COOKIES.get(SCAN_DEVICE_COOKIE, "")
    if not re.fullmatch(r"[A-Za-z0-9_-]{32,64}", device):
        device = secrets.token_urlsafe(32)  # this phone's first scan: it is named from now on
    try:
        attendance, recorded = services.event_scan(event=event, user=request.user, kind=kind,
                                               token=request.GET.get("t", ""), device=device)
    except ValidationError as error:
        message = _errors(error)
    else:
        ok = True
        at = timezone.localtime(attendance.checked_in_at if kind == services.CHECK_IN
                                else attendance.checked_out_at).strftime("%H:%M")
        if kind == services.CHECK_IN:
            message = (_("Checked in at %(time)s.") if recorded else
                       _("You already checked in at %(time)s; nothing more to do.")) % {"time": at}
        else:
            message = (_("Checked out at %(time)s.") if recorded else
                       _("You already checked out at %(time)s; nothing more to do.")) % {"time": at}
    response = render(request, "courses/event_scan.html",
                      {"event": event, "ok": ok, "message": message,
                       "session": attendance.session if ok else None}, status=200 if ok else 400)
    response.set_cookie(SCAN_DEVICE_COOKIE, device, max_age=365 * 24 * 3600, httponly=True,
                        samesite="Lax", secure=request.is_secure())
    return response


def _managed(request, event_id: int) -> EventPage:
    event = get_object_or_404(EventPage, pk=event_id)
    if not services.event_may_manage(user=request.user, event=event):
        raise PermissionDenied
    return event


def event_index(request):
    """The navigation's link to the events section (wherever editors placed it)."""
    section = EventIndexPage.objects.live().first()
    if section is None:
        raise Http404
    return redirect(section.get_url(request))


@staff_required(purposes.EVENT_ORGANISING)
def event_manage_list(request):
    return render(request, "courses/event_manage_list.html",
                  {"events": services.event_list_for_staff(user=request.user),
                   "add_url": services.event_add_url(user=request.user)})


def _chosen_session(request, event: EventPage, sessions: list):
    """The session the organiser's table shows: the one asked for, else today's, else the
    first still to come, else the last."""
    wanted = request.GET.get("session") or request.POST.get("session")
    if wanted:
        found = next((s for s in sessions if str(s.pk) == wanted), None)
        if found is None:
            raise Http404
        return found
    today = timezone.localdate()
    return (next((s for s in sessions if s.day == today), None)
            or next((s for s in sessions if s.day > today), None) or sessions[-1])


@staff_required(purposes.EVENT_ORGANISING)
def event_manage(request, event_id: int):
    event = _managed(request, event_id)
    sessions = services.event_sessions(event)
    session = _chosen_session(request, event, sessions)
    rows = services.event_credit_rows(event=event, sessions=sessions)
    for row in rows:
        here = next(c for c in row.session_credits if c.session.pk == session.pk)
        row.here, row.here_status = here, services.attendance_status(row, here.attendance)
    return render(request, "courses/event_manage.html", {
        "event": event, "rows": rows, "sessions": sessions, "session": session,
        "several": len(sessions) > 1,
        "presence_percent": services.presence_percent_for(event),
        "closed": services.event_is_closed(event),
    })


def _qr_url(request, event: EventPage, kind: str) -> str:
    return request.build_absolute_uri(
        reverse("courses:event_scan", args=[event.pk, kind])
        + "?t=" + services.event_qr_token(event=event, kind=kind))


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=6, dark="#000", light="#fff")


@staff_required(purposes.EVENT_ORGANISING)
def event_qr(request, event_id: int):
    """The codes for the room's screen; the page reloads itself before a code expires."""
    event = _managed(request, event_id)
    check_in_url = _qr_url(request, event, services.CHECK_IN)
    check_out_url = _qr_url(request, event, services.CHECK_OUT)
    return render(request, "courses/event_qr.html", {
        "event": event, "refresh": services.QR_REFRESH_SECONDS,
        "check_in_url": check_in_url, "check_out_url": check_out_url,
        "check_in_svg": _qr_svg(check_in_url), "check_out_svg": _qr_svg(check_out_url),
    })


def _parse_time(session, value: str):
    """A time of day typed for a session: on its day, or on the next one when the session runs
    past midnight and the time is before it started."""
    if not value:
        return None
    starts = timezone.localtime(session.starts_at)
    moment = timezone.make_aware(datetime.combine(starts.date(), datetime.strptime(value, "%H:%M").time()))
    if moment < starts.replace(second=0, microsecond=0) and \
            timezone.localtime(session.ends_at).date() > starts.date():
        moment += timedelta(days=1)
    return moment


@staff_required(purposes.EVENT_ORGANISING)
@require_POST
def event_mark(request, event_id: int, signup_id: int):
    event = _managed(request, event_id)
    signup = get_object_or_404(EventSignup, event=event, pk=signup_id)
    session = _chosen_session(request, event, services.event_sessions(event))
    try:
        checked_in = _parse_time(session, request.POST.get("checked_in", "").strip())
        checked_out = _parse_time(session, request.POST.get("checked_out", "").strip())
        services.event_attendance_mark(signup=signup, marked_by=request.user, session=session,
                                       checked_in_at=checked_in, checked_out_at=checked_out)
    except ValueError:
        messages.error(request, _("Enter times as HH:MM."))
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("Attendance saved."))
    return redirect(reverse("courses:event_manage", args=[event.pk]) + f"?session={session.pk}")


@staff_required(purposes.EVENT_ORGANISING)
@require_POST
def event_close(request, event_id: int):
    event = _managed(request, event_id)
    try:
        closure = services.event_close(event=event, closed_by=request.user)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        # Hours differ per teacher (time present, sessions attended): the count is what is shared.
        messages.success(request, _("Event closed: %(count)s teachers credited.") % {
            "count": closure.attended})
    return redirect("courses:event_manage", event.pk)
