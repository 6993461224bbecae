"""Writes and reads of offline events: sign-up and waiting list, QR check-in and check-out,
attendance by hand, closing (which credits the ledger through `signals.event_attended`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from people import purposes
from people.access import own_record_refuse
from people.models import AuditEntry, Teacher
from people.selectors import organisation_scope, teacher_for_user, user_is_staff_in_scope
from people.services import audit_record

from . import signals
from .models import (
    DEFAULT_PRESENCE_PERCENT,
    EventAttendance,
    EventClosure,
    EventPage,
    EventSession,
    EventSignup,
    PresencePolicy,
)

# The organiser's page draws a new code every QR_REFRESH_SECONDS and a code is good only that
# long, so a photo or link sent to a friend is stale before it can be used.
QR_REFRESH_SECONDS = 15
QR_MAX_AGE_SECONDS = QR_REFRESH_SECONDS
# Check-in opens this long before the start; check-out stays open this long after the end.
CHECK_IN_EARLY = timedelta(minutes=30)
CHECK_OUT_LATE = timedelta(minutes=30)
CHECK_IN, CHECK_OUT = "in", "out"
_QR_SALT = "courses.event-qr"

Status = EventSignup.Status


# --- Reads ----------------------------------------------------------------------------------


def event_in_audience(*, event: EventPage, teacher: Teacher | None) -> bool:
    """Whether a teacher is in the event's audience (the shared audience rule)."""
    return teacher is not None and event.audience().filter(pk=teacher.pk).exists()


def event_list_for_user(*, user, index=None):
    """Live events whose audience takes this user's teacher in, soonest first."""
    events = EventPage.objects.live().order_by("starts_at")
    if index is not None:
        events = events.child_of(index)
    teacher = teacher_for_user(user)
    if teacher is None:
        return EventPage.objects.none()
    keep = [event.pk for event in events.select_related("organisation")
            if event.organisation_id and event_in_audience(event=event, teacher=teacher)]
    return EventPage.objects.filter(pk__in=keep).order_by("starts_at")


def event_context_for_user(*, event: EventPage, user) -> dict:
    """What the event's page shows this user: their sign-up, whether they may sign up, seats."""
    teacher = teacher_for_user(user)
    signup = EventSignup.objects.filter(event=event, teacher=teacher).first() if teacher else None
    now = timezone.now()
    sessions = event_sessions(event)
    credits = event_session_credits(signup, sessions=sessions) if signup else []
    return {
        "teacher": teacher,
        "signup": signup,
        "sessions": sessions,
        "session_credits": credits,
        "credit": event_credit_total(credits) if signup else None,
        "in_audience": event_in_audience(event=event, teacher=teacher),
        "signup_open": now <= event.deadline and not event_is_closed(event),
        "seats_taken": event.signups.filter(status=Status.CONFIRMED).count(),
        "may_manage": event_may_manage(user=user, event=event),
        "closed": event_is_closed(event),
    }


def event_is_closed(event: EventPage) -> bool:
    return EventClosure.objects.filter(event=event).exists()


def event_may_manage(*, user, event: EventPage) -> bool:
    """Staff of the organiser's subtree (organiser roles) manage an event's attendance."""
    return bool(event.organiser_id) and user_is_staff_in_scope(
        user, event.organiser, roles=purposes.EVENT_ORGANISING)


def event_list_for_staff(*, user):
    """Events organised within the user's organiser scope, latest first."""
    scope = organisation_scope(user, roles=purposes.EVENT_ORGANISING)
    return (EventPage.objects.filter(organiser__in=scope).select_related("organiser")
            .order_by("-starts_at"))


def event_add_url(*, user) -> str | None:
    """The admin's form for a new event in the events section, when the user may add one there
    (trainers, school admins, district and city HR, through the section's page permissions)."""
    from django.urls import reverse

    from .models import EventIndexPage

    section = EventIndexPage.objects.first()
    if section is None or not getattr(user, "is_authenticated", False) or \
            not section.permissions_for_user(user).can_add_subpage():
        return None
    return reverse("wagtailadmin_pages:add", args=("courses", "eventpage", section.pk))


def event_signup_rows(*, event: EventPage):
    """The event's sign-ups with their teachers, schools and session attendance, for the
    organiser and the export."""
    return (event.signups.select_related("teacher", "teacher__school")
            .prefetch_related("attendances").order_by("status", "queued_at", "pk"))


def event_sessions(event: EventPage) -> list[EventSession]:
    """The event's sessions in time order (one a day)."""
    return list(EventSession.objects.filter(page_id=event.pk).order_by("starts_at", "pk"))


def event_session_get(event: EventPage, session_id=None) -> EventSession:
    """One session of the event: the one named, or the only one; a multi-day event must name it."""
    sessions = event_sessions(event)
    if session_id is not None:
        found = next((s for s in sessions if str(s.pk) == str(session_id)), None)
        if found is None:
            raise ValidationError(_("This session is not one of this event's."))
        return found
    if len(sessions) != 1:
        raise ValidationError(_("This event has several sessions: choose one."))
    return sessions[0]


def event_session_for_scan(event: EventPage, now: datetime) -> EventSession:
    """The session a scan at `now` is for: the one whose check-in/out window holds `now`, else
    the one held on that day; refused when no session is held that day."""
    sessions = event_sessions(event)
    for session in sessions:
        if session.starts_at - CHECK_IN_EARLY <= now <= session.ends_at + CHECK_OUT_LATE:
            return session
    today = timezone.localdate(now)
    for session in sessions:
        if session.day == today:
            return session
    raise ValidationError(_(
        "This event has no session today (%(today)s); its sessions are on %(days)s.") % {
        "today": f"{today:%Y-%m-%d}",
        "days": session_days(sessions)})


def session_days(sessions) -> str:
    """The sessions' dates as a list a reader reads in the active language."""
    separator = "、" if (get_language() or "").startswith("zh") else ", "
    return separator.join(f"{s.day:%Y-%m-%d}" for s in sessions)


# --- Credit for time present ------------------------------------------------------------------


def presence_percent_of(organisation) -> int:
    """The share of the scheduled time (percent) needed for full hours at `organisation`: the
    presence rule of its nearest ancestor that has one, else DEFAULT_PRESENCE_PERCENT."""
    from people.selectors import ancestor_paths

    if organisation is None:
        return DEFAULT_PRESENCE_PERCENT
    policy = (PresencePolicy.objects
              .filter(organisation__path__in=ancestor_paths(organisation.path))
              .order_by("-organisation__depth").first())
    return policy.percent if policy else DEFAULT_PRESENCE_PERCENT


def presence_percent_for(event: EventPage) -> int:
    """The share needed for an event's full hours: the rule over its organiser."""
    return presence_percent_of(event.organiser if event.organiser_id else None)


@dataclass(frozen=True)
class EventCredit:
    """What a sign-up earns: hours, minutes present within the schedule, and why not all."""

    hours: Decimal
    present_minutes: int
    scheduled_minutes: int
    required_percent: int
    reason: str = ""  # empty: the full hours

    @property
    def full(self) -> bool:
        return not self.reason


@dataclass(frozen=True)
class SessionCredit:
    """One session of a sign-up: the session, the teacher's attendance there, what it earns."""

    session: EventSession
    attendance: EventAttendance | None
    credit: EventCredit


def session_credit(*, session: EventSession, attendance: EventAttendance | None,
                   confirmed: bool = True, required_percent: int) -> EventCredit:
    """The hours a teacher earns at one session for time present (the one rule for closing, the
    attendance table, the sheet and the teacher's page): the session's full hours from the
    required share of its scheduled time; below it the hours for the minutes present (to 0.1 h,
    rounded down); none without a check-in and a check-out, or for no time within the schedule."""
    required = required_percent
    scheduled = max(int((session.ends_at - session.starts_at).total_seconds() // 60), 1)
    if not confirmed or attendance is None or not attendance.checked_in_at:
        return EventCredit(Decimal("0"), 0, scheduled, required,
                           _("No check-in: no hours."))
    if not attendance.checked_out_at:
        return EventCredit(Decimal("0"), 0, scheduled, required,
                           _("No check-out: no hours."))
    start = max(attendance.checked_in_at, session.starts_at)
    end = min(attendance.checked_out_at, session.ends_at)
    present = max(int((end - start).total_seconds() // 60), 0)
    if present * 100 >= scheduled * required:
        return EventCredit(session.credit_hours, present, scheduled, required)
    hours = (session.credit_hours * present / scheduled).quantize(Decimal("0.1"), ROUND_DOWN)
    words = {"present": present, "scheduled": scheduled, "required": required,
             "hours": f"{hours.normalize():f}"}
    if hours <= 0:
        return EventCredit(Decimal("0"), present, scheduled, required, _(
            "Present %(present)s of %(scheduled)s scheduled minutes (%(required)s %% needed for "
            "the full hours): no hours.") % words)
    return EventCredit(hours, present, scheduled, required, _(
        "Present %(present)s of %(scheduled)s scheduled minutes (%(required)s %% needed for the "
        "full hours): %(hours)s hours for the time present.") % words)


def event_session_credits(signup: EventSignup, *, sessions: list[EventSession] | None = None,
                          required_percent: int | None = None) -> list[SessionCredit]:
    """Each session of the sign-up's event with the teacher's attendance and its credit."""
    event = signup.event
    sessions = event_sessions(event) if sessions is None else sessions
    required = presence_percent_for(event) if required_percent is None else required_percent
    attendance = {a.session_id: a for a in signup.attendances.all()}
    confirmed = signup.status == Status.CONFIRMED
    return [SessionCredit(session, attendance.get(session.pk), session_credit(
        session=session, attendance=attendance.get(session.pk), confirmed=confirmed,
        required_percent=required)) for session in sessions]


def event_credit_total(credits: list[SessionCredit]) -> EventCredit:
    """A sign-up's credit over all its sessions: the hours added up; the reason is the one
    session's, or each short session's reason after its date."""
    if len(credits) == 1:
        return credits[0].credit
    required = credits[0].credit.required_percent if credits else DEFAULT_PRESENCE_PERCENT
    reasons = [f"{c.session.day:%m-%d} {c.credit.reason}" for c in credits if c.credit.reason]
    return EventCredit(sum((c.credit.hours for c in credits), Decimal("0")),
                       sum(c.credit.present_minutes for c in credits),
                       sum(c.credit.scheduled_minutes for c in credits), required,
                       " ".join(reasons))


def event_credit(signup: EventSignup, *, required_percent: int | None = None,
                 session: EventSession | None = None) -> EventCredit:
    """What a sign-up earns at one session (`session_credit`), or over all of them."""
    credits = event_session_credits(signup, required_percent=required_percent)
    if session is not None:
        return next(c.credit for c in credits if c.session.pk == session.pk)
    return event_credit_total(credits)


def event_credit_rows(*, event: EventPage, sessions: list[EventSession] | None = None):
    """The event's sign-ups (`event_signup_rows`), each with `session_credits` (one per session)
    and their total `credit`."""
    required = presence_percent_for(event)
    sessions = event_sessions(event) if sessions is None else sessions
    rows = list(event_signup_rows(event=event))
    for row in rows:
        row.session_credits = event_session_credits(row, sessions=sessions,
                                                    required_percent=required)
        row.credit = event_credit_total(row.session_credits)
    return rows


def attendance_status(signup: EventSignup, attendance: EventAttendance | None) -> str:
    """Where a teacher stands at a session, as the organiser reads it: the sign-up status until
    a scan or a mark, then checked in, then checked in and out."""
    if signup.status != Status.CONFIRMED or attendance is None or not attendance.checked_in_at:
        return signup.get_status_display()
    return attendance.display()


# --- Sign-up --------------------------------------------------------------------------------


def _lock(event: EventPage) -> EventPage:
    # Seats are counted under a lock on the event row so two last-seat sign-ups cannot both win.
    return EventPage.objects.select_for_update().get(pk=event.pk)


def _seats_left(event: EventPage) -> bool:
    if not event.capacity:
        return True
    return event.signups.filter(status=Status.CONFIRMED).count() < event.capacity


@transaction.atomic
def event_signup(*, event: EventPage, teacher: Teacher, now: datetime | None = None) -> EventSignup:
    """Sign a teacher of the audience up, or put them on the waiting list when it is full."""
    now = now or timezone.now()
    event = _lock(event)
    if not event.live:
        raise ValidationError(_("This event is not published."))
    if event_is_closed(event):
        raise ValidationError(_("This event is closed."))
    if now > event.deadline:
        raise ValidationError(_("The sign-up deadline has passed."))
    if not event_in_audience(event=event, teacher=teacher):
        raise ValidationError(_("This event is not open to you."))
    signup = EventSignup.objects.filter(event=event, teacher=teacher).first()
    if signup and signup.status != Status.CANCELLED:
        return signup
    if event.signup_mode == EventPage.SignupMode.INVITATION and not (signup and signup.invited):
        raise ValidationError(_("This event is by invitation only."))
    status = Status.CONFIRMED if _seats_left(event) else Status.WAITING
    if signup is None:
        signup = EventSignup.objects.create(event=event, teacher=teacher, status=status,
                                            queued_at=now)
    else:
        signup.status, signup.queued_at = status, now
        signup.save(update_fields=["status", "queued_at"])
    return signup


@transaction.atomic
def event_cancel(*, signup: EventSignup, now: datetime | None = None) -> EventSignup | None:
    """Cancel a place before the deadline; the first on the waiting list takes a freed seat.
    Returns the promoted sign-up, if any."""
    now = now or timezone.now()
    event = _lock(signup.event)
    signup.refresh_from_db()
    if now > event.deadline:
        raise ValidationError(_("The deadline has passed; ask the organiser to cancel."))
    if signup.status == Status.CANCELLED:
        return None
    freed = signup.status == Status.CONFIRMED
    signup.status = Status.CANCELLED
    signup.save(update_fields=["status"])
    if not freed or not _seats_left(event):
        return None
    promoted = (event.signups.filter(status=Status.WAITING).order_by("queued_at", "pk").first())
    if promoted:
        promoted.status = Status.CONFIRMED
        promoted.save(update_fields=["status"])
    return promoted


@transaction.atomic
def event_invite(*, event: EventPage, teachers, invited_by) -> int:
    """Invite teachers of the audience (organiser only); invited teachers hold a seat."""
    if not event_may_manage(user=invited_by, event=event):
        raise PermissionDenied
    count = 0
    for teacher in teachers:
        if not event_in_audience(event=event, teacher=teacher):
            continue
        signup, created = EventSignup.objects.get_or_create(
            event=event, teacher=teacher, defaults={"status": Status.CONFIRMED, "invited": True})
        if not created:
            signup.invited, signup.status = True, Status.CONFIRMED
            signup.save(update_fields=["invited", "status"])
        count += 1
    return count


# --- QR attendance --------------------------------------------------------------------------


def event_qr_token(*, event: EventPage, kind: str) -> str:
    """A signed token for one event and direction (in/out), good for QR_MAX_AGE_SECONDS."""
    return signing.TimestampSigner(salt=_QR_SALT).sign(f"{event.pk}:{kind}")


def _check_token(*, event: EventPage, kind: str, token: str) -> None:
    try:
        value = signing.TimestampSigner(salt=_QR_SALT).unsign(token, max_age=QR_MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        raise ValidationError(_("This QR code has expired. Scan the code on the screen again.")) from None
    except signing.BadSignature:
        raise ValidationError(_("This QR code is not valid. Scan the code on the screen.")) from None
    if value != f"{event.pk}:{kind}":
        raise ValidationError(_("This QR code is not valid. Scan the code on the screen."))


def scan_device_hash(device: str) -> str:
    """What a sign-up keeps of the scanning device's cookie."""
    import hashlib

    return hashlib.sha256(f"{_QR_SALT}:{device}".encode()).hexdigest() if device else ""


@transaction.atomic
def event_scan(*, event: EventPage, user, kind: str, token: str, device: str = "",
               now: datetime | None = None) -> tuple[EventAttendance, bool]:
    """Record a check-in or check-out at the session held at `now` from a scanned QR code on
    `device` (the phone's own cookie). Returns (attendance, recorded now); a second scan of the
    same direction records nothing and says when the first one was; a scan for the same
    teacher from a second device is refused, and so is a scan on a day without a session."""
    now = now or timezone.now()
    _check_token(event=event, kind=kind, token=token)
    if event_is_closed(event):
        raise ValidationError(_("This event is closed."))
    teacher = teacher_for_user(user)
    signup = (EventSignup.objects.select_for_update()
              .filter(event=event, teacher=teacher, status=Status.CONFIRMED).first()
              if teacher else None)
    if signup is None:
        raise ValidationError(_("You are not signed up for this event."))
    session = event_session_for_scan(event, now)
    device = scan_device_hash(device)
    if signup.scan_device and device != signup.scan_device:
        raise ValidationError(_("Your attendance at this event is recorded from another phone. "
                                "Scan with that phone, or ask the organiser."))
    if not signup.scan_device and device:
        signup.scan_device = device
        signup.save(update_fields=["scan_device"])
    attendance = EventAttendance.objects.filter(signup=signup, session=session).first()
    if kind == CHECK_IN:
        if not session.starts_at - CHECK_IN_EARLY <= now <= session.ends_at:
            raise ValidationError(_("Check-in is open from 30 minutes before the start to the end."))
        if attendance and attendance.checked_in_at:
            return attendance, False
        attendance = attendance or EventAttendance(signup=signup, session=session)
        attendance.checked_in_at = now
        attendance.save()
        return attendance, True
    if not session.starts_at <= now <= session.ends_at + CHECK_OUT_LATE:
        raise ValidationError(_("Check-out is open from the start to 30 minutes after the end."))
    if not (attendance and attendance.checked_in_at):
        raise ValidationError(_("Check in first: you have no check-in for this event."))
    if attendance.checked_out_at:
        return attendance, False
    attendance.checked_out_at = now
    attendance.save(update_fields=["checked_out_at"])
    return attendance, True


@transaction.atomic
def event_attendance_mark(*, signup: EventSignup, marked_by, checked_in_at: datetime | None,
                          checked_out_at: datetime | None,
                          session: EventSession | None = None) -> EventAttendance:
    """The organiser sets a teacher's check-in and check-out at a session by hand (or from a
    sheet); an event of one session needs no session named."""
    event = signup.event
    if not event_may_manage(user=marked_by, event=event):
        raise PermissionDenied
    own_record_refuse(marked_by, signup.teacher)
    if event_is_closed(event):
        raise ValidationError(_("This event is closed."))
    session = event_session_get(event, session.pk if session else None)
    if checked_in_at and checked_out_at and checked_out_at < checked_in_at:
        raise ValidationError(_("The check-out is before the check-in."))
    attendance, _created = EventAttendance.objects.update_or_create(
        signup=signup, session=session, defaults={
            "checked_in_at": checked_in_at, "checked_out_at": checked_out_at,
            "marked_by": marked_by})
    if signup.status != Status.CONFIRMED:
        signup.status = Status.CONFIRMED
        signup.save(update_fields=["status"])
    audit_record(actor=marked_by, action=AuditEntry.Action.EVENT_ATTENDANCE,
                 organisation=event.organiser, target=signup.teacher.employee_no,
                 detail=f"{event.pk} · {event.title} · {session.day:%Y-%m-%d}")
    return attendance


# --- Closing --------------------------------------------------------------------------------


@transaction.atomic
def event_close(*, event: EventPage, closed_by, now: datetime | None = None) -> EventClosure:
    """Close an event: attendance becomes final and each teacher is credited once per session
    attended, on that session's own day, for time present (`session_credit`: the session's full
    hours from the policy's share of its scheduled time, else the hours for the minutes present;
    the ledger keys each credit on the sign-up and the session). Closing again is refused."""
    if not event_may_manage(user=closed_by, event=event):
        raise PermissionDenied
    event = _lock(event)
    now = now or timezone.now()
    if now < event.starts_at:
        raise ValidationError(_("An event can be closed once it has started."))
    required = presence_percent_for(event)
    sessions = event_sessions(event)
    credited = [(signup, c) for signup in event.signups.select_related("teacher")
                .prefetch_related("attendances").filter(status=Status.CONFIRMED)
                for c in event_session_credits(signup, sessions=sessions,
                                               required_percent=required)
                if c.credit.hours > 0]
    teachers = len({signup.pk for signup, _c in credited})
    try:
        with transaction.atomic():
            closure = EventClosure.objects.create(event=event, closed_by=closed_by,
                                                  closed_at=now, attended=teachers)
    except IntegrityError:
        raise ValidationError(_("This event is already closed; its hours were credited then.")) from None
    audit_record(actor=closed_by, action=AuditEntry.Action.EVENT_CLOSE,
                 organisation=event.organiser, target=str(event.pk),
                 detail=f"{event.title} · {teachers}")

    def send():
        for signup, c in credited:
            signals.event_attended.send(sender=EventSignup, teacher=signup.teacher, event=event,
                                        hours=c.credit.hours, attended_on=c.session.day,
                                        signup=signup, session=c.session)

    transaction.on_commit(send)
    return closure
