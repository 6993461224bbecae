"""One event's attendance as a sheet: the export (工号, 姓名, 学校, 状态, 签到, 签退, 出席, 学时 for time
present, 学时说明)
and the upload (工号, 签到, 签退) that marks attendance through courses' service."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from courses import event_services
from courses.models import EventPage, EventSignup
from people.selectors import user_is_subject

from .sheets.columns import EVENT_ATTENDANCE, header_label
from .sheets.errors import RowError
from .sheets.normalise import clean_code
from .sheets.reading import open_sheet
from .sheets.writing import Column, write_table


def attendance_columns() -> tuple[Column, ...]:
    """The attendance sheet's columns in the active language; its upload reads either."""
    return (
        Column(header_label("employee_no"), 14), Column(header_label("name"), 12),
        Column(gettext("School"), 24), Column(gettext("Sign-up status"), 12),
        Column(header_label("check_in"), 16), Column(header_label("check_out"), 16),
        Column(gettext("Attended"), 8), Column(gettext("Hours"), 8, "number"),
        Column(gettext("Hours note"), 40),
    )


_PRESENT = {"是", "√", "✓", "y", "yes", "1", "true", "到", "已签到", "已签退"}
_CLOCK = re.compile(r"^(\d{1,2})[:：](\d{2})(?::\d{2})?$")
_STAMP = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ t]+(\d{1,2})[:：](\d{2})(?::\d{2})?$")


def _stamp(value) -> str:
    # The day goes with the time: an event that runs past midnight reads back to the right day.
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def event_attendance_write(path: str | Path, *, event: EventPage) -> int:
    """Write the event's sign-ups and attendance to an .xlsx file; returns the row count."""
    def rows():
        for s in event_services.event_credit_rows(event=event):
            yield (s.teacher.employee_no, s.teacher.name, s.teacher.school.name,
                   s.get_status_display(), _stamp(s.checked_in_at),
                   _stamp(s.checked_out_at), gettext("Yes") if s.attended else gettext("No"),
                   float(s.credit.hours), s.credit.reason if s.checked_in_at else "")

    return write_table(path, title=f"{gettext('Event attendance')} {event.pk}",
                       columns=attendance_columns(), rows=rows())


def _on_event_day(event: EventPage, clock: time) -> datetime:
    """A bare time of day during the event: on its first day, or on the next one when the event
    runs past midnight and the time is before it started."""
    starts = timezone.localtime(event.starts_at)
    moment = timezone.make_aware(datetime.combine(starts.date(), clock))
    if moment < starts.replace(second=0, microsecond=0) and \
            timezone.localtime(event.ends_at).date() > starts.date():
        moment = timezone.make_aware(datetime.combine(starts.date() + timedelta(days=1), clock))
    return moment


def _moment(event: EventPage, value, *, default: datetime) -> datetime | None:
    """A cell of 签到/签退: a date-time ("2026-12-07 23:50"), a time ("09:05"), or a tick meaning
    "at the scheduled time"."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.make_aware(value) if timezone.is_naive(value) else value
    if isinstance(value, time):
        return _on_event_day(event, value)
    text = str(value).strip().lower()
    if text in ("否", "n", "no", "0", "false", "×", "缺席"):
        return None
    if text in _PRESENT:
        return default
    if match := _STAMP.match(text):
        year, month, day, hour, minute = (int(part) for part in match.groups())
        try:
            return timezone.make_aware(datetime(year, month, day, hour, minute))
        except ValueError:
            raise ValueError(value) from None
    match = _CLOCK.match(text)
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return _on_event_day(event, time(int(match[1]), int(match[2])))
    raise ValueError(value)


def event_attendance_upload(*, event: EventPage, path: str | Path, user,
                            now: datetime | None = None) -> tuple[int, list[RowError]]:
    """Mark attendance from a sheet: every row is checked first (a time in the future or a
    check-out before the check-in is named by row and column) and nothing is written if one
    is wrong. Returns (rows marked, errors)."""
    now = now or timezone.now()
    signups = {s.teacher.employee_no: s for s in event.signups.select_related("teacher")}
    errors: list[RowError] = []
    marks: list[tuple[EventSignup, datetime | None, datetime | None]] = []
    with open_sheet(path, EVENT_ATTENDANCE) as (layout, rows):
        for row in rows:
            errors.extend(row.formula_errors)
            number = clean_code(row.values.get("employee_no"))
            signup = signups.get(number)
            if signup is None:
                errors.append(RowError(row.number, layout.column_name("employee_no"), number,
                                       gettext("Not signed up for this event")))
                continue
            if user_is_subject(user, signup.teacher):
                errors.append(RowError(row.number, layout.column_name("employee_no"), number,
                                       gettext("Your own attendance is marked by another organiser")))
                continue
            try:
                checked_in = _moment(event, row.values.get("check_in"), default=event.starts_at)
                checked_out = _moment(event, row.values.get("check_out"), default=event.ends_at)
            except ValueError as bad:
                errors.append(RowError(row.number, layout.column_name("check_in"), str(bad)[:60],
                                       gettext("Check-in and check-out take a time (09:05) or yes/no")))
                continue
            late = next((key for key, moment in (("check_in", checked_in),
                                                  ("check_out", checked_out))
                         if moment and moment > now), None)
            if late:
                errors.append(RowError(row.number, layout.column_name(late),
                                       str(row.values.get(late))[:60],
                                       gettext("This time is in the future")))
                continue
            if checked_in and checked_out and checked_out < checked_in:
                errors.append(RowError(row.number, layout.column_name("check_out"),
                                       str(row.values.get("check_out"))[:60],
                                       gettext("The check-out is before the check-in.")))
                continue
            marks.append((signup, checked_in, checked_out))
    if errors:
        return 0, errors
    with transaction.atomic():
        for signup, checked_in, checked_out in marks:
            event_services.event_attendance_mark(signup=signup, marked_by=user,
                                                 checked_in_at=checked_in, checked_out_at=checked_out)
    return len(marks), []
