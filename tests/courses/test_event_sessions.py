"""Multi-day events (issue 26 §6): an event is held in sessions, one a day, each checked in and
credited on its own date for time present; figures as of a day between sessions count only the
sessions held by then; crediting twice counts once per teacher and session."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from certification.models import TrainingEntry
from certification.selectors.cycle import cycle_status
from courses import event_services as services
from courses.models import EventAttendance, EventPage, EventSession, EventSignup
from courses.signals import event_attended
from tests import factories
from tests.courses.builders import _child
from tests.html_text import visible_text

from .test_events import event_index, signed_up

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAYS = (date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4))
AFTER = datetime(2026, 3, 5, 9, 0, tzinfo=SHANGHAI)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def multi_day_event(organiser, days=DAYS, hours="3.0") -> EventPage:
    """A training of district X held 09:00–12:00 on each of `days`, each session `hours` hours."""
    ev = EventPage(title="2026年心理危机干预骨干教师三日研修班", organiser=organiser,
                   organisation=organiser, place="区教师发展中心")
    ev.sessions = [EventSession(starts_at=at(d, 9), ends_at=at(d, 12), credit_hours=Decimal(hours))
                   for d in days]
    return _child(event_index(), ev)


@pytest.fixture
def three_days(tree):
    ev = multi_day_event(tree["district_x"])
    return ev, factories.district_hr(tree["district_x"]), list(ev.sessions.order_by("starts_at"))


def mark(ev, organiser, teacher, session, start, end):
    signup = EventSignup.objects.get(event=ev, teacher=teacher)
    return services.event_attendance_mark(signup=signup, marked_by=organiser, session=session,
                                          checked_in_at=start, checked_out_at=end)


def test_the_event_spans_its_sessions_and_adds_up_their_hours(three_days):
    ev, _organiser, sessions = three_days
    ev.refresh_from_db()
    assert (ev.starts_at, ev.ends_at, ev.credit_hours) == (at(DAYS[0], 9), at(DAYS[2], 12),
                                                           Decimal("9.0"))
    assert [s.day for s in sessions] == list(DAYS)


def test_each_session_is_credited_on_its_own_date_by_hand_count(
        tree, three_days, django_capture_on_commit_callbacks):
    ev, organiser, (first, second, third) = three_days
    days_1_and_3, partial, absent = (signed_up(ev, tree["school_a"]) for _ in range(3))
    # Days 1 and 3 in full, day 2 missed.
    mark(ev, organiser, days_1_and_3, first, at(DAYS[0], 8, 50), at(DAYS[0], 12))
    mark(ev, organiser, days_1_and_3, third, at(DAYS[2], 9, 30), at(DAYS[2], 12))  # 150/180 ≥ 80 %
    # Day 1 for 90 of 180 minutes: 3 × 0.5 = 1.5 h; day 2 in full.
    mark(ev, organiser, partial, first, at(DAYS[0], 9), at(DAYS[0], 10, 30))
    mark(ev, organiser, partial, second, at(DAYS[1], 9), at(DAYS[1], 12))
    with django_capture_on_commit_callbacks(execute=True):
        closure = services.event_close(event=ev, closed_by=organiser, now=AFTER)
    assert closure.attended == 2

    def ledger(teacher):
        return sorted((e.date, e.hours) for e in TrainingEntry.objects.filter(teacher=teacher))

    assert ledger(days_1_and_3) == [(DAYS[0], Decimal("3.0")), (DAYS[2], Decimal("3.0"))]
    assert ledger(partial) == [(DAYS[0], Decimal("1.5")), (DAYS[1], Decimal("3.0"))]
    assert ledger(absent) == []
    # As of day 2 only day 1 counts; as of day 3 both.
    assert cycle_status(days_1_and_3, on=DAYS[1]).earned == Decimal("3.0")
    assert cycle_status(days_1_and_3, on=DAYS[2]).earned == Decimal("6.0")
    assert cycle_status(partial, on=DAYS[0]).earned == Decimal("1.5")

    # Crediting again counts nothing more: once per teacher and session.
    signup = EventSignup.objects.get(event=ev, teacher=days_1_and_3)
    for session in (first, third):
        event_attended.send(sender=EventSignup, teacher=days_1_and_3, event=ev,
                            hours=session.credit_hours, attended_on=session.day, signup=signup,
                            session=session)
    assert ledger(days_1_and_3) == [(DAYS[0], Decimal("3.0")), (DAYS[2], Decimal("3.0"))]
    with pytest.raises(ValidationError, match="已经结束"):
        services.event_close(event=ev, closed_by=organiser, now=AFTER)
    assert TrainingEntry.objects.count() == 4


def test_the_scan_takes_the_session_of_the_day_and_refuses_a_day_without_one(tree, three_days):
    ev, _organiser, (first, second, third) = three_days
    teacher = signed_up(ev, tree["school_a"])

    def scan(kind, now):
        return services.event_scan(event=ev, user=teacher.user, kind=kind, now=now,
                                   token=services.event_qr_token(event=ev, kind=kind))

    attendance, recorded = scan("in", at(DAYS[0], 8, 55))
    assert recorded and attendance.session == first
    assert scan("out", at(DAYS[0], 12, 10))[0].session == first
    # Day 3 starts afresh: a check-in there is that session's own.
    attendance, recorded = scan("in", at(DAYS[2], 9, 5))
    assert recorded and attendance.session == third and attendance.checked_out_at is None
    assert set(EventAttendance.objects.values_list("session", flat=True)) == {first.pk, third.pk}
    with pytest.raises(ValidationError) as refused:
        scan("in", at(date(2026, 3, 5), 9))
    assert refused.value.messages == [
        "本活动今天（2026-03-05）没有场次，场次日期为 2026-03-02、2026-03-03、2026-03-04。"]
    # On a session's day but outside its hours: the window's own message.
    with pytest.raises(ValidationError, match="不在签到时间内"):
        scan("in", at(DAYS[1], 14))
    assert not EventAttendance.objects.filter(session=second).exists()


def test_the_organiser_picks_a_session_and_marks_it_in_the_table(client, tree, three_days):
    import re

    ev, organiser, (first, second, third) = three_days
    teacher = signed_up(ev, tree["school_a"])
    signup = EventSignup.objects.get(teacher=teacher)
    client.force_login(organiser)
    url = reverse("courses:event_manage", args=[ev.pk])
    page = visible_text(client.get(url, {"session": second.pk}).content.decode())
    assert "第 1 场（03-02）" in page and "第 3 场（03-04）" in page
    assert "2026-03-03 考勤 · 09:00 – 12:00 · 3.0 学时" in page
    response = client.post(reverse("courses:event_mark", args=[ev.pk, signup.pk]),
                           {"session": second.pk, "checked_in": "09:10", "checked_out": "12:00"})
    assert response["Location"] == f"{url}?session={second.pk}"
    attendance = EventAttendance.objects.get(signup=signup)
    assert attendance.session == second and attendance.checked_in_at == at(DAYS[1], 9, 10)

    def cells(session):
        html = client.get(url, {"session": session.pk}).content.decode()
        row = next(r for r in html.split("<tr>") if teacher.employee_no in r)
        return {k: visible_text(v).strip()
                for k, v in re.findall(r'<td data-label="([^"]+)"[^>]*>(.*?)</td>', row, re.S)}

    assert cells(second)["状态"] == "已签到、已签退" and cells(second)["学时"] == "3.0"
    assert cells(first)["状态"] == "已报名" and cells(first)["学时"] == ""
    assert cells(first)["各场次"] == "03-02 — · 03-03 3.0 · 03-04 — · 合计 3.0 学时"


def test_the_teacher_page_lists_each_session_and_what_it_credited(
        client, tree, three_days, django_capture_on_commit_callbacks):
    ev, organiser, (first, second, third) = three_days
    ev.save_revision().publish()
    teacher = signed_up(ev, tree["school_a"])
    mark(ev, organiser, teacher, first, at(DAYS[0], 9), at(DAYS[0], 12))
    mark(ev, organiser, teacher, third, at(DAYS[2], 9), at(DAYS[2], 10, 30))
    with django_capture_on_commit_callbacks(execute=True):
        services.event_close(event=ev, closed_by=organiser, now=AFTER)
    client.force_login(teacher.user)
    page = visible_text(client.get(ev.url).content.decode())
    assert "2026-03-02 09:00 – 12:00 09:00 12:00 已计入 3.0 学时\n" in page
    assert "2026-03-03 09:00 – 12:00 未签到：不计学时。\n" in page
    assert ("2026-03-04 09:00 – 12:00 09:00 10:30 已计入 1.5 学时 在场 90 分钟，计划 180 分钟（全额学时须"
            "在场 80%）：按在场时间计 1.5 学时。") in page
    assert "共计入 4.5 学时，各场次按其日期计入。" in page


def test_the_event_form_takes_sessions_and_refuses_two_on_one_day(client, tree):
    from wagtail.test.utils.form_data import inline_formset

    from courses.services import learning_publishing_setup

    from .test_event_creation import event_form

    index = event_index()
    learning_publishing_setup()
    client.force_login(factories.district_hr(tree["district_x"]))
    add = reverse("wagtailadmin_pages:add", args=("courses", "eventpage", index.pk))

    def sessions(*rows):
        return inline_formset([{"starts_at": s, "ends_at": e, "credit_hours": h} for s, e, h in rows],
                              min=1)

    same_day = client.post(add, event_form(tree["district_x"], sessions=sessions(
        ("2026-03-02 09:00", "2026-03-02 12:00", "3"), ("2026-03-02 14:00", "2026-03-02 17:00", "3"))))
    assert same_day.status_code == 200 and not EventPage.objects.exists()
    assert "有两个场次在同一天：每天只设一个场次。" in visible_text(same_day.content.decode())
    created = client.post(add, event_form(tree["district_x"], sessions=sessions(
        ("2026-03-02 09:00", "2026-03-02 12:00", "3"), ("2026-03-03 09:00", "2026-03-03 11:00", "2"))))
    assert created.status_code == 302
    ev = EventPage.objects.get()
    assert (ev.starts_at, ev.ends_at, ev.credit_hours) == (at(DAYS[0], 9), at(DAYS[1], 11),
                                                           Decimal("5.0"))
    assert [(s.day, s.credit_hours) for s in ev.sessions.order_by("starts_at")] == [
        (DAYS[0], Decimal("3.0")), (DAYS[1], Decimal("2.0"))]


def test_an_event_of_one_session_needs_no_session_named(tree):
    from .test_events import event

    ev = event(tree["district_x"], starts_at=at(DAYS[0], 9))
    session = ev.sessions.get()
    assert (session.starts_at, session.ends_at, session.credit_hours) == (
        ev.starts_at, ev.ends_at, ev.credit_hours)
    teacher = signed_up(ev, tree["school_a"])
    attendance = services.event_attendance_mark(
        signup=EventSignup.objects.get(teacher=teacher), marked_by=factories.district_hr(
            tree["district_x"]), checked_in_at=ev.starts_at, checked_out_at=ev.ends_at)
    assert attendance.session == session
    # A multi-day event must be told which session.
    three = multi_day_event(tree["district_x"], days=DAYS[:2])
    other = signed_up(three, tree["school_a"])
    with pytest.raises(ValidationError, match="本活动有多个场次"):
        services.event_attendance_mark(
            signup=EventSignup.objects.get(teacher=other),
            marked_by=factories.district_hr(tree["district_x"]),
            checked_in_at=at(DAYS[0], 9), checked_out_at=at(DAYS[0], 12) + timedelta(0))


def test_the_demo_has_a_three_day_event_credited_day_by_day(client, django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--teachers", "40", stdout=StringIO())
    ev = EventPage.objects.get(slug="crisis-intervention-three-days")
    days = [s.day for s in ev.sessions.order_by("starts_at")]
    assert len(days) == 3 and days[0] < timezone.localdate() and services.event_is_closed(ev)
    entries = TrainingEntry.objects.filter(reference__startswith="event-attendance:")
    counts = entries.count(), EventAttendance.objects.count()
    hours = {e.hours for e in entries}
    assert Decimal("6.0") in hours and Decimal("2.5") in hours  # full days and a morning only
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--teachers", "40", stdout=StringIO())
    assert (entries.count(), EventAttendance.objects.count()) == counts
    # The demo counsellor came on days 1 and 3: two entries, on those dates, and her page says so;
    # the demo teacher was not there (her journey starts from her own hours).
    from people.demo import DEMO_PASSWORD

    assert client.login(username="D0002", password=DEMO_PASSWORD)
    me = client.get(ev.url)
    teacher = me.context["teacher"]
    assert sorted(TrainingEntry.objects.filter(
        teacher=teacher, reference__startswith="event-attendance:").values_list("date", flat=True)) == [
        days[0], days[2]]
    page = visible_text(me.content.decode())
    assert "共计入 12.0 学时，各场次按其日期计入。" in page and "未签到：不计学时。" in page
    assert not TrainingEntry.objects.filter(teacher__employee_no="D0001",
                                            reference__startswith="event-attendance:").exists()


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_each_event_one_session_and_moves_its_attendance():
    """Events from before sessions: one session each from the event's own times and hours, the
    sign-ups' check-ins and check-outs become attendance at it."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("courses", "0012_merge_presence_and_courseware")], [("courses", "0013_event_sessions")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Organisation = old.get_model("people", "Organisation")
    district = Organisation.objects.create(code="D1", name="甲区", kind="district", path="0001",
                                           depth=1, numchild=0)
    ContentType = old.get_model("contenttypes", "ContentType")
    kind, _ = ContentType.objects.get_or_create(app_label="courses", model="eventpage")
    Page = old.get_model("wagtailcore", "Page")
    root = Page.objects.filter(depth=1).first() or Page.objects.create(
        title="Root", slug="root", path="0009", depth=1, numchild=0, content_type=kind)
    EventPage = old.get_model("courses", "EventPage")
    starts = at(DAYS[0], 9)
    ev = EventPage.objects.create(
        title="旧活动", slug="old-event", path=root.path + "0099", depth=root.depth + 1, numchild=0,
        content_type=kind, organiser=district, organisation=district, place="区教师发展中心",
        starts_at=starts, ends_at=starts + timedelta(hours=2), credit_hours=Decimal("2.5"),
        locale_id=root.locale_id, draft_title="旧活动", url_path="/old-event/")
    User = old.get_model("auth", "User")
    Teacher = old.get_model("people", "Teacher")
    teacher = Teacher.objects.create(user=User.objects.create(username="t1"), employee_no="E1",
                                     name="教师", school=district)
    EventSignup = old.get_model("courses", "EventSignup")
    here = EventSignup.objects.create(event=ev, teacher=teacher, status="confirmed",
                                      checked_in_at=starts, checked_out_at=starts + timedelta(hours=2))
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    session = new.get_model("courses", "EventSession").objects.get(page_id=ev.pk)
    assert (session.starts_at, session.ends_at, session.credit_hours) == (
        starts, starts + timedelta(hours=2), Decimal("2.5"))
    attendance = new.get_model("courses", "EventAttendance").objects.get(signup_id=here.pk)
    assert attendance.session_id == session.pk and attendance.checked_in_at == starts
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_a_session_with_attendance_cannot_be_removed_from_the_form(client, tree, three_days,
                                                                   django_user_model):
    from wagtail.test.utils.form_data import inline_formset

    from .test_event_creation import event_form

    ev, organiser, (first, second, third) = three_days
    mark(ev, organiser, signed_up(ev, tree["school_a"]), first, at(DAYS[0], 9), at(DAYS[0], 12))
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "x"))
    rows = [{"id": s.pk, "starts_at": f"{s.starts_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}",
             "ends_at": f"{s.ends_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}", "credit_hours": "3.0",
             "ORDER": str(n), **({"DELETE": "1"} if s == first else {})}
            for n, s in enumerate((first, second, third))]
    data = event_form(tree["district_x"], title=ev.title, slug=ev.slug,
                      sessions=inline_formset(rows, initial=3, min=1))
    response = client.post(reverse("wagtailadmin_pages:edit", args=[ev.pk]), data)
    assert response.status_code == 200
    assert "该场次已有考勤记录，不能删除。" in visible_text(response.content.decode())
    assert EventSession.objects.filter(pk=first.pk).exists()


def test_closing_says_how_many_teachers_were_credited_not_one_figure_for_all(
        client, tree, three_days, django_capture_on_commit_callbacks):
    ev, organiser, (first, _second, third) = three_days
    teacher = signed_up(ev, tree["school_a"])
    mark(ev, organiser, teacher, first, at(DAYS[0], 9), at(DAYS[0], 12))
    client.force_login(organiser)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("courses:event_close", args=[ev.pk]), follow=True)
    page = visible_text(response.content.decode())
    assert "活动已结束：1 位教师已计入学时（各按在场时间和所到场次）。" in page
    assert "9.0 学时" not in page.split("活动已结束")[1].split("\n")[0]
