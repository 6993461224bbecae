"""An event's attendance sheet: export read back with openpyxl, and an upload of 工号, 签到,
签退 that is checked whole before anything is written; only the event's organisers may."""

from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import EventAttendance
from tests import factories
from tests.courses.test_events import attendance, event, signed_up

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A fixed clock: the sheets are about the event's own day, never about today.
MORNING = datetime(2026, 3, 2, 8, 30, tzinfo=SHANGHAI)
LATE_EVENING = datetime(2026, 3, 2, 23, 20, tzinfo=SHANGHAI)


def sheet(tmp_path, rows, name="att.xlsx"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["工号", "姓名", "签到", "签退"])
    for row in rows:
        ws.append(row)
    path = tmp_path / name
    wb.save(path)
    return path


def test_upload_marks_attendance_and_the_export_reads_back(client, tree, tmp_path):
    ev = event(tree["district_x"], starts_at=MORNING)
    a, b, c = (signed_up(ev, tree["school_a"]) for _ in range(3))
    client.force_login(factories.district_hr(tree["district_x"]))
    path = sheet(tmp_path, [[a.employee_no, a.name, "09:05", "11:30"], [b.employee_no, b.name, "是", "是"],
                            [c.employee_no, c.name, "是", None]])
    with open(path, "rb") as f:
        response = client.post(reverse("hr:event_attendance_import", args=[ev.pk]), {"file": f})
    assert response.status_code == 302
    got = {t.pk: attendance(t) for t in (a, b, c)}
    assert timezone.localtime(got[a.pk].checked_in_at).strftime("%H:%M") == "09:05"
    assert got[a.pk].attended and got[b.pk].attended and not got[c.pk].attended
    assert got[b.pk].checked_in_at == ev.starts_at

    export = client.get(reverse("hr:event_attendance_export", args=[ev.pk]))
    assert export.status_code == 200
    out = tmp_path / "out.xlsx"
    out.write_bytes(export.content)
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0] == ("工号", "姓名", "学校", "报名状态", "场次", "日期", "签到", "签退", "出席", "学时",
                       "学时说明")
    by_no = {r[0]: r for r in rows[1:]}
    # 09:05–11:30 of an 08:30–10:30 event: 85 of 120 minutes, under 80 %: 3 × 85/120 = 2.1 h.
    assert by_no[a.employee_no][3:10] == ("已报名", 1, "2026-03-02", "2026-03-02 09:05",
                                          "2026-03-02 11:30", "是", 2.1)
    assert by_no[a.employee_no][10] == (
        "在场 85 分钟，计划 120 分钟（全额学时须在场 80%）：按在场时间计 2.1 学时。")
    assert by_no[b.employee_no][9:11] in ((3.0, None), (3.0, ""))
    assert by_no[c.employee_no][8:10] == ("否", 0.0)

    # Asked for in English, the sheet reads in English only, and uploads back unchanged.
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    export = client.get(reverse("hr:event_attendance_export", args=[ev.pk]))
    out.write_bytes(export.content)
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0] == ("employee_no", "name", "School", "Sign-up status", "session",
                       "session_date", "check_in", "check_out", "Attended", "Hours", "Hours note")
    by_no = {r[0]: r for r in rows[1:]}
    assert by_no[a.employee_no][3:10] == ("Signed up", 1, "2026-03-02", "2026-03-02 09:05",
                                          "2026-03-02 11:30", "Yes", 2.1)
    assert by_no[a.employee_no][10].startswith("Present 85 of 120 scheduled minutes")
    assert not any("\u4e00" <= ch <= "\u9fff" for r in rows for v in r[2:7] if isinstance(v, str)
                   for ch in v if r[0] is not None and v not in (r[2],))
    with open(out, "rb") as f:
        assert client.post(reverse("hr:event_attendance_import", args=[ev.pk]),
                           {"file": f}).status_code == 302
    again = {t.pk: attendance(t) for t in (a, b, c)}
    assert again[a.pk].attended and not again[c.pk].attended
    assert timezone.localtime(again[a.pk].checked_in_at).strftime("%H:%M") == "09:05"


def test_an_event_past_midnight_round_trips_its_sheet(client, tree, tmp_path):
    """23:20 to 01:20: times after midnight belong to the next day, in the upload and the export."""
    ev = event(tree["district_x"], starts_at=LATE_EVENING)
    a, b, c = (signed_up(ev, tree["school_a"]) for _ in range(3))
    client.force_login(factories.district_hr(tree["district_x"]))
    path = sheet(tmp_path, [[a.employee_no, a.name, "23:50", "00:40"], [b.employee_no, b.name, "是", "是"],
                            [c.employee_no, c.name, "2026-03-02 23:30", "2026-03-03 01:05"]])
    with open(path, "rb") as f:
        assert client.post(reverse("hr:event_attendance_import", args=[ev.pk]),
                           {"file": f}).status_code == 302

    def exported():
        out = tmp_path / "night.xlsx"
        out.write_bytes(client.get(reverse("hr:event_attendance_export", args=[ev.pk])).content)
        return out, {r[0]: r[6:9] for r in
                     list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))[1:]}

    out, by_no = exported()
    assert by_no[a.employee_no] == ("2026-03-02 23:50", "2026-03-03 00:40", "是")
    assert by_no[b.employee_no] == ("2026-03-02 23:20", "2026-03-03 01:20", "是")
    assert by_no[c.employee_no] == ("2026-03-02 23:30", "2026-03-03 01:05", "是")
    # The export uploads back unchanged.
    with open(out, "rb") as f:
        assert client.post(reverse("hr:event_attendance_import", args=[ev.pk]),
                           {"file": f}).status_code == 302
    assert exported()[1] == by_no


def test_an_upload_with_one_bad_row_writes_nothing(client, tree, tmp_path):
    ev = event(tree["district_x"], starts_at=MORNING)
    a = signed_up(ev, tree["school_a"])
    stranger = factories.TeacherFactory(school=tree["school_a"])
    client.force_login(factories.district_hr(tree["district_x"]))
    path = sheet(tmp_path, [[a.employee_no, a.name, "09:00", "11:00"],
                            [stranger.employee_no, stranger.name, "09:00", "11:00"],
                            [a.employee_no, a.name, "九点", "11:00"]])
    with open(path, "rb") as f:
        response = client.post(reverse("hr:event_attendance_import", args=[ev.pk]), {"file": f})
    page = response.content.decode()
    assert response.status_code == 400 and "该工号没有报名本活动" in page and "签到、签退请填写时间" in page
    assert not attendance(a).checked_in_at


def test_a_time_in_the_future_or_an_out_before_the_in_is_named_and_nothing_written(tree, tmp_path):
    from hr.event_sheets import event_attendance_upload

    ev = event(tree["district_x"], starts_at=MORNING, hours=48)  # a two-day event
    a, b, c = (signed_up(ev, tree["school_a"]) for _ in range(3))
    path = sheet(tmp_path, [[a.employee_no, a.name, "09:00", "2026-03-03 17:00"],
                            [b.employee_no, b.name, "2026-03-02 09:00", "2026-03-04 08:00"],
                            [c.employee_no, c.name, "11:00", "10:00"]])
    organiser = factories.district_hr(tree["district_x"])
    # On the first evening the second day has not come yet.
    marked, errors = event_attendance_upload(event=ev, path=path, user=organiser,
                                             now=datetime(2026, 3, 2, 20, 0, tzinfo=SHANGHAI))
    named = {(e.row, e.column): e.reason for e in errors}
    assert marked == 0 and list(named) == [(2, "签退 (D)"), (3, "签退 (D)"), (4, "签退 (D)")]
    assert named[(2, "签退 (D)")] == "该时间尚未到来"
    assert named[(4, "签退 (D)")] == "签退时间早于签到时间。"
    assert not EventAttendance.objects.filter(signup__event=ev).exists()


@pytest.mark.parametrize("who", ["district_hr_y", "school_admin_a", "teacher"])
def test_only_the_organisers_scope_exports_or_uploads(client, tree, tmp_path, who):
    ev = event(tree["district_x"], starts_at=MORNING)
    a = signed_up(ev, tree["school_a"])
    user = {"district_hr_y": lambda: factories.district_hr(tree["district_y"]),
            "school_admin_a": lambda: factories.school_admin(tree["school_a"]),
            "teacher": lambda: a.user}[who]()
    client.force_login(user)
    assert client.get(reverse("hr:event_attendance_export", args=[ev.pk])).status_code == 403
    with open(sheet(tmp_path, [[a.employee_no, a.name, "是", "是"]]), "rb") as f:
        assert client.post(reverse("hr:event_attendance_import", args=[ev.pk]),
                           {"file": f}).status_code == 403
    assert not attendance(a).checked_in_at


# --- multi-day events: a row per teacher and session -------------------------------------------


def _two_days(tree):
    from tests.courses.test_event_sessions import DAYS, multi_day_event

    ev = multi_day_event(tree["district_x"], days=DAYS[:2])
    return ev, list(ev.sessions.order_by("starts_at"))


AFTER = datetime(2026, 3, 5, 9, 0, tzinfo=SHANGHAI)


def test_a_two_session_sheet_round_trips_each_session_on_its_date(tree, tmp_path):
    from hr.event_sheets import event_attendance_upload, event_attendance_write

    ev, (first, second) = _two_days(tree)
    a, b = (signed_up(ev, tree["school_a"]) for _ in range(2))
    organiser = factories.district_hr(tree["district_x"])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["工号", "姓名", "场次", "日期", "签到", "签退"])
    ws.append([a.employee_no, a.name, 1, None, "09:00", "12:00"])
    ws.append([a.employee_no, a.name, None, "2026-03-03", "09:30", "12:00"])  # by its date
    ws.append([b.employee_no, b.name, 2, "2026-03-03", "是", "是"])
    path = tmp_path / "two.xlsx"
    wb.save(path)
    assert event_attendance_upload(event=ev, path=path, user=organiser, now=AFTER) == (2, [])

    def state():
        return {(r.signup.teacher_id, r.session_id): (timezone.localtime(r.checked_in_at).strftime(
            "%Y-%m-%d %H:%M"), timezone.localtime(r.checked_out_at).strftime("%Y-%m-%d %H:%M"))
            for r in EventAttendance.objects.select_related("signup")}

    marked = state()
    # A bare time is on its own session's day.
    assert marked == {(a.pk, first.pk): ("2026-03-02 09:00", "2026-03-02 12:00"),
                      (a.pk, second.pk): ("2026-03-03 09:30", "2026-03-03 12:00"),
                      (b.pk, second.pk): ("2026-03-03 09:00", "2026-03-03 12:00")}
    out = tmp_path / "out.xlsx"
    assert event_attendance_write(out, event=ev) == 4
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][4:8] == ("场次", "日期", "签到", "签退")
    by_row = {(r[0], r[4]): r[5:10] for r in rows[1:]}
    assert by_row[a.employee_no, 1] == ("2026-03-02", "2026-03-02 09:00", "2026-03-02 12:00", "是", 3)
    assert by_row[a.employee_no, 2] == ("2026-03-03", "2026-03-03 09:30", "2026-03-03 12:00", "是", 3)
    assert by_row[b.employee_no, 1][1:4] in ((None, None, "否"), ("", "", "否"))
    # The export uploads back unchanged, and its empty rows write nothing.
    assert event_attendance_upload(event=ev, path=out, user=organiser, now=AFTER)[1] == []
    assert state() == marked


def test_a_bad_session_row_is_named_by_row_and_column_and_nothing_is_written(tree, tmp_path):
    from hr.event_sheets import event_attendance_upload

    ev, _sessions = _two_days(tree)
    a, b = (signed_up(ev, tree["school_a"]) for _ in range(2))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["工号", "姓名", "场次", "日期", "签到", "签退"])
    ws.append([a.employee_no, a.name, 1, None, "09:00", "12:00"])        # good
    ws.append([a.employee_no, a.name, 3, None, "09:00", "12:00"])        # no session 3
    ws.append([b.employee_no, b.name, None, None, "09:00", "12:00"])     # which session?
    ws.append([b.employee_no, b.name, None, "2026-03-05", "09:00", "12:00"])  # no session that day
    ws.append([b.employee_no, b.name, "第二场", None, "09:00", "12:00"])  # not a number
    ws.append([a.employee_no, a.name, 1, None, "09:00", "12:00"])        # row 2 again
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    marked, errors = event_attendance_upload(event=ev, path=path, user=factories.district_hr(
        tree["district_x"]), now=AFTER)
    named = {(e.row, e.column): e.reason for e in errors}
    assert marked == 0 and named == {
        (3, "场次 (C)"): "本活动的场次为 1 至 2",
        (4, "场次 (C)"): "本活动有多个场次：请填写场次或日期",
        (5, "日期 (D)"): "本活动在该日期没有场次，场次日期为 2026-03-02、2026-03-03",
        (6, "场次 (C)"): "场次请填写序号（1、2……）",
        (7, "场次 (C)"): "与第 2 行的教师和场次相同",
    }
    assert not EventAttendance.objects.exists()
