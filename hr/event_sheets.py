"""One event's attendance as a sheet: the export, one row per teacher and session (工号, 姓名, 学校,
状态, 场次, 日期, 签到, 签退, 出席, 学时 for time present, 学时说明), and the upload (工号, 场次 or 日期,
签到, 签退) that marks attendance at each session through courses' service."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import partial
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from courses import event_services
from courses.models import EventPage, EventSession, EventSignup
from people.selectors import user_is_subject

from .imports.rows import Plan, row_readers
from .sheets.columns import EVENT_ATTENDANCE, header_label
from .sheets.errors import CellError, RowError
from .sheets.normalise import clean_code, parse_date
from .sheets.reading import open_sheet
from .sheets.writing import Column, write_table


def attendance_columns() -> tuple[Column, ...]:
    """The attendance sheet's columns in the active language; its upload reads either."""
    return (
        Column(header_label("employee_no"), 14), Column(header_label("name"), 12),
        Column(gettext("School"), 24), Column(gettext("Sign-up status"), 12),
        Column(header_label("event_session"), 6), Column(header_label("session_date"), 12),
        Column(header_label("check_in"), 16), Column(header_label("check_out"), 16),
        Column(gettext("Attended"), 8), Column(gettext("Hours"), 8, "number"),
        Column(gettext("Hours note"), 40),
    )


_PRESENT = {"是", "√", "✓", "y", "yes", "1", "true", "到", "已签到", "已签退"}
_ABSENT = {"否", "n", "no", "0", "false", "×", "缺席"}
_CLOCK = re.compile(r"^(\d{1,2})[:：](\d{2})(?::\d{2})?$")
_STAMP = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ t]+(\d{1,2})[:：](\d{2})(?::\d{2})?$")


def _stamp(value) -> str:
    # The day goes with the time: a session that runs past midnight reads back to the right day.
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def event_attendance_write(path: str | Path, *, event: EventPage) -> int:
    """Write the event's sign-ups and their attendance at each session to an .xlsx file;
    returns the row count."""
    sessions = event_services.event_sessions(event)
    numbers = {session.pk: n for n, session in enumerate(sessions, 1)}

    def rows():
        for s in event_services.event_credit_rows(event=event, sessions=sessions):
            for c in s.session_credits:
                a = c.attendance
                checked_in, checked_out = (a.checked_in_at, a.checked_out_at) if a else (None, None)
                yield (s.teacher.employee_no, s.teacher.name, s.teacher.school.name,
                       s.get_status_display(), numbers[c.session.pk], f"{c.session.day:%Y-%m-%d}",
                       _stamp(checked_in), _stamp(checked_out),
                       gettext("Yes") if a and a.attended else gettext("No"),
                       float(c.credit.hours), c.credit.reason if checked_in else "")

    return write_table(path, title=f"{gettext('Event attendance')} {event.pk}",
                       columns=attendance_columns(), rows=rows())


def _on_session_day(session: EventSession, clock: time) -> datetime:
    """A bare time of day during a session: on its day, or on the next one when the session
    runs past midnight and the time is before it started."""
    starts = timezone.localtime(session.starts_at)
    moment = timezone.make_aware(datetime.combine(starts.date(), clock))
    if moment < starts.replace(second=0, microsecond=0) and \
            timezone.localtime(session.ends_at).date() > starts.date():
        moment = timezone.make_aware(datetime.combine(starts.date() + timedelta(days=1), clock))
    return moment


def _moment(session: EventSession, value, *, default: datetime) -> datetime | None:
    """A cell of 签到/签退: a date-time ("2026-12-07 23:50"), a time ("09:05"), or a tick meaning
    "at the scheduled time"; anything else is a CellError."""
    if isinstance(value, datetime):
        return timezone.make_aware(value) if timezone.is_naive(value) else value
    if isinstance(value, time):
        return _on_session_day(session, value)
    text = str(value).strip().lower()
    if text in _ABSENT:
        return None
    if text in _PRESENT:
        return default
    if match := _STAMP.match(text):
        year, month, day, hour, minute = (int(part) for part in match.groups())
        try:
            return timezone.make_aware(datetime(year, month, day, hour, minute))
        except ValueError:
            pass
    else:
        match = _CLOCK.match(text)
        if match and int(match[1]) < 24 and int(match[2]) < 60:
            return _on_session_day(session, time(int(match[1]), int(match[2])))
    raise CellError(gettext("Check-in and check-out take a time (09:05) or yes/no"))


def _session_number(value) -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = re.fullmatch(r"(?:第)?(\d{1,3})(?:场|天)?", clean_code(value))
    if not match:
        raise CellError(gettext("Write the session's number (1, 2, …)"))
    return int(match[1])


def _column(layout, key: str) -> str:
    return layout.column_name(key) if key in layout.index else header_label(key)


def event_attendance_upload(*, event: EventPage, path: str | Path, user,
                            now: datetime | None = None) -> tuple[int, list[RowError]]:
    """Mark attendance from a sheet, each row for one session (its 场次 or 日期; an event of one
    session needs neither): every row is checked first (an unknown session, a time in the future
    or a check-out before the check-in is named by row and column) and nothing is written if
    one is wrong. Returns (rows marked, errors)."""
    now = now or timezone.now()
    signups = {s.teacher.employee_no: s for s in
               event.signups.select_related("teacher").prefetch_related("attendances")}
    sessions = event_services.event_sessions(event)
    by_day = {session.day: session for session in sessions}
    plan = Plan(kind=EVENT_ATTENDANCE.kind)
    marks: list[tuple[EventSignup, EventSession, datetime | None, datetime | None]] = []
    seen: dict[tuple[int, int], int] = {}
    with open_sheet(path, EVENT_ATTENDANCE) as (layout, rows):
        for r in row_readers(rows, layout, plan):
            number = r.get("employee_no", clean_code, required=True)
            signup = signups.get(number) if number else None
            if number and signup is None:
                r.fail("employee_no", number, gettext("Not signed up for this event"))
            elif signup and user_is_subject(user, signup.teacher):
                r.fail("employee_no", number,
                       gettext("Your own attendance is marked by another organiser"))
            session = _row_session(r, layout, sessions, by_day)
            if not r.ok or session is None:
                continue
            checked_in = r.get("check_in", partial(_moment, session, default=session.starts_at))
            checked_out = r.get("check_out", partial(_moment, session, default=session.ends_at))
            if not r.ok:
                continue
            late = next((key for key, moment in (("check_in", checked_in),
                                                  ("check_out", checked_out))
                         if moment and moment > now), None)
            if late:
                r.fail(late, r.values.get(late), gettext("This time is in the future"))
            elif checked_in and checked_out and checked_out < checked_in:
                r.fail("check_out", r.values.get("check_out"),
                       gettext("The check-out is before the check-in."))
            elif (signup.pk, session.pk) in seen:
                r.fail(_session_key(layout), "", gettext(
                    "Same teacher and session as row %(row)s") % {"row": seen[signup.pk, session.pk]})
            if not r.ok:
                continue
            seen[signup.pk, session.pk] = r.number
            marked = any(a.session_id == session.pk for a in signup.attendances.all())
            if checked_in or checked_out or marked:
                marks.append((signup, session, checked_in, checked_out))
    if plan.errors:
        return 0, list(plan.errors)
    with transaction.atomic():
        for signup, session, checked_in, checked_out in marks:
            event_services.event_attendance_mark(signup=signup, marked_by=user, session=session,
                                                 checked_in_at=checked_in, checked_out_at=checked_out)
    return len({signup.pk for signup, *_rest in marks}), []


def _session_key(layout) -> str:
    return "event_session" if "event_session" in layout.index or "session_date" not in layout.index \
        else "session_date"


def _row_session(r, layout, sessions: list[EventSession],
                 by_day: dict[date, EventSession]) -> EventSession | None:
    """The session a row is for: by its 场次 (1, 2, …), else its 日期; the only session when the
    event has one and the row names none."""
    number = r.get("event_session", _session_number)
    day = r.get("session_date", parse_date)
    if number is not None and not 1 <= number <= len(sessions):
        r.fail("event_session", r.values.get("event_session"), gettext(
            "This event has sessions 1 to %(count)s") % {"count": len(sessions)})
        return None
    session = sessions[number - 1] if number is not None else None
    if day is not None:
        on_day = by_day.get(day)
        if on_day is None or (session and on_day != session):
            r.fail("session_date", r.values.get("session_date"), gettext(
                "No session of this event on this date; its sessions are on %(days)s") % {
                "days": event_services.session_days(sessions)})
            return None
        session = on_day
    if session is None and len(sessions) == 1:
        session = sessions[0]
    if session is None and r.ok:
        key = _session_key(layout)
        r.errors.append(RowError(r.number, _column(layout, key), "", gettext(
            "This event has several sessions: give the session number or its date")))
        r.ok = False
    return session
