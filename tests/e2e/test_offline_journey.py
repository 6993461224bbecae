"""On a phone, every page reached by clicking from the home page (the QR codes are opened as a
phone's camera opens them): a teacher signs up for an event, checks in and out, and
sees the hours; a teacher declares outside hours with a photo and district HR approves them."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from certification.models import TrainingEntry
from courses import event_services
from tests import factories
from tests.courses.test_events import event

from .conftest import log_in


@pytest.fixture
def phone_only(page):
    if page.viewport_name != "phone":
        pytest.skip("a phone journey")


def test_teacher_signs_up_checks_in_and_out_by_qr_and_sees_the_hours(
        page, live_server, migrated_data, tree, phone_only, shot):
    """A two-day event: today's session is scanned and credited on its day; tomorrow's is not
    held yet and credits nothing. The clock is fixed at 10:00 Shanghai time (ticking, for the
    live server too), so no run crosses midnight between the sessions and the scans."""
    import time_machine

    with time_machine.travel(CLOCK, tick=True):
        _two_day_event_journey(page, live_server, tree, shot)


# 10:00 on a school day, Shanghai time: the journey's sessions and scans all fall on this day.
CLOCK = datetime(2027, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _two_day_event_journey(page, live_server, tree, shot):
    from courses.models import EventPage, EventSession, EventSignup

    ev = event(tree["district_x"], starts_in=timedelta(minutes=-20), hours=1)
    ev.signup_deadline = None
    teacher = factories.TeacherFactory(school=tree["school_a"])
    organiser = factories.district_hr(tree["district_x"])
    # Sign-up closes at the start: open it a little longer for this running event.
    start = CLOCK + timedelta(minutes=1)
    ev.sessions = [EventSession(starts_at=day, ends_at=day + timedelta(minutes=59),
                                credit_hours=Decimal("3.0"))
                   for day in (start, start + timedelta(days=1))]
    ev.save_revision().publish()
    first, second = EventSession.objects.filter(page=ev).order_by("starts_at")
    log_in(page, teacher.employee_no, "pass-1234")
    # From the home page: the header's 线下活动, then the event.
    page.locator(".site-nav").get_by_role("link", name="线下活动").click()
    page.get_by_role("link", name=ev.title).first.click()
    page.get_by_role("button", name="报名").click()
    page.get_by_text("报名成功").wait_for()
    shot("offline-event-signed-up")
    for kind, said in (("in", "签到成功"), ("out", "签退成功")):
        if kind == "out":
            # Check-out opens at the session's start.
            started = CLOCK - timedelta(minutes=5)
            EventSession.objects.filter(pk=first.pk).update(starts_at=started)
            EventPage.objects.filter(pk=ev.pk).update(starts_at=started)
        url = (f"{live_server.url}/learn/events/{ev.pk}/scan/{kind}/?t="
               + event_services.event_qr_token(event=ev, kind=kind))
        page.goto(url)
        page.get_by_text(said).wait_for()
        page.get_by_text(f"{timezone.localdate(first.starts_at):%Y-%m-%d} 场次").wait_for()
        shot(f"offline-event-check-{kind}")
    first.refresh_from_db()
    # Scans a moment apart earn no hours now (hours only for time present, issue 26 §6): the
    # organiser records her present for the session on the attendance table before closing.
    signup = EventSignup.objects.get(event=ev, teacher=teacher)
    assert event_services.event_credit(signup, session=first).hours == 0
    event_services.event_attendance_mark(signup=signup, marked_by=organiser, session=first,
                                         checked_in_at=first.starts_at, checked_out_at=first.ends_at)
    event_services.event_close(event=ev, closed_by=organiser)
    page.goto("/")
    page.locator(".site-nav").get_by_role("link", name="线下活动").click()
    page.get_by_role("link", name=ev.title).first.click()
    page.get_by_text("已计入 3.0 学时").first.wait_for()
    page.get_by_text("共计入 3.0 学时，各场次按其日期计入。").wait_for()
    shot("offline-event-sessions-credited")
    assert list(TrainingEntry.objects.filter(teacher=teacher).values_list("date", flat=True)) == [
        timezone.localdate(first.starts_at)]
    assert second.attendances.count() == 0
    # The hours page (the header's 我的证书) files them under the event's category.
    page.locator(".site-nav").get_by_role("link", name="我的证书").click()
    row = page.locator("tr.hour-category", has_text="心理健康知识")
    row.get_by_text("3 学时").wait_for()
    shot("offline-hours-by-category")


def test_teacher_declares_with_a_photo_and_district_hr_approves(
        page, live_server, migrated_data, tree, phone_only, shot, tmp_path, settings):
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path), "base_url": None}}}
    teacher = factories.TeacherFactory(school=tree["school_a"])
    admin = factories.school_admin(tree["school_a"])
    hr = factories.district_hr(tree["district_x"])
    photo = tmp_path / "证书.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 200)
    log_in(page, teacher.employee_no, "pass-1234")
    page.locator(".site-nav").get_by_role("link", name="我的证书").click()
    page.get_by_role("link", name="申报外部培训学时").click()
    page.get_by_label("培训名称").fill("省级心理健康骨干教师培训")
    page.get_by_label("主办单位").fill("省教育厅")
    page.get_by_label("开始日期").fill("2024-07-01")
    page.get_by_label("结束日期").fill("2024-07-05")
    page.get_by_label("学时").fill("24")
    page.locator("#id_evidence").set_input_files(str(photo))
    page.get_by_role("button", name="提交").click()
    page.get_by_text("待学校审核").wait_for()
    shot("offline-declared")
    for user, button in ((admin, "审核通过，报区人事"), (hr, "批准学时")):
        page.context.clear_cookies()
        log_in(page, user.username, "pass-1234")
        # The header's 学时申报 link, with the count waiting for this reviewer.
        page.locator(".site-nav").get_by_role("link", name="学时申报").click()
        page.get_by_role("button", name=button).click()
        page.get_by_text("已保存").wait_for()
    shot("offline-declaration-approved")
    entry = TrainingEntry.objects.get(teacher=teacher)
    assert entry.hours == 24 and entry.category_id == "crisis"  # the form's first category
    page.context.clear_cookies()
    log_in(page, teacher.employee_no, "pass-1234")
    page.locator(".site-nav").get_by_role("link", name="我的证书").click()
    page.locator("tr", has_text="省级心理健康骨干教师培训").get_by_text("心理危机识别与干预").wait_for()
