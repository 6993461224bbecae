"""Offline events: sign-up limits and waiting list, QR check-in and check-out, attendance by
hand, closing (hours once), the one review workflow, and scope for every organiser action."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from wagtail.models import WorkflowPage

from certification.models import TrainingEntry
from courses import event_services as services
from courses.models import EventAttendance, EventIndexPage, EventPage, EventSignup
from courses.services import learning_publishing_setup
from people.audiences import posts_mask
from people.models import AuditEntry, StaffRole
from tests import factories
from tests.courses.builders import _child, home

pytestmark = pytest.mark.django_db


def event_index() -> EventIndexPage:
    return EventIndexPage.objects.first() or _child(home(), EventIndexPage(title="线下活动", slug="events"))


def event(organiser, *, starts_in=timedelta(days=3), hours=2, starts_at=None, **fields) -> EventPage:
    starts = starts_at or timezone.now() + starts_in
    fields.setdefault("organisation", organiser)
    return _child(event_index(), EventPage(
        title=fields.pop("title", "心理危机识别培训"), organiser=organiser, place="区教师发展中心",
        starts_at=starts, ends_at=starts + timedelta(hours=hours),
        credit_hours=Decimal("3.0"), **fields))


def teachers(school, n):
    return [factories.TeacherFactory(school=school) for _ in range(n)]


# --- sign-up -------------------------------------------------------------------------------


def test_capacity_puts_the_rest_on_the_waiting_list_and_a_cancel_promotes_the_first(tree):
    ev = event(tree["district_x"], capacity=2)
    a, b, c, d = teachers(tree["school_a"], 4)
    now = timezone.now()
    statuses = [services.event_signup(event=ev, teacher=t, now=now + timedelta(seconds=i)).status
                for i, t in enumerate([a, b, c, d])]
    assert statuses == ["confirmed", "confirmed", "waiting", "waiting"]
    # Signing up again changes nothing.
    assert services.event_signup(event=ev, teacher=a).status == "confirmed"

    promoted = services.event_cancel(signup=EventSignup.objects.get(event=ev, teacher=a))
    assert promoted.teacher == c
    statuses = dict(EventSignup.objects.filter(event=ev).values_list("teacher", "status"))
    assert statuses == {a.pk: "cancelled", b.pk: "confirmed", c.pk: "confirmed", d.pk: "waiting"}
    # A waiting teacher who cancels frees no seat.
    assert services.event_cancel(signup=EventSignup.objects.get(event=ev, teacher=d)) is None
    assert EventSignup.objects.filter(event=ev, status="confirmed").count() == 2


def test_sign_up_and_cancel_close_at_the_deadline(tree):
    ev = event(tree["district_x"], signup_deadline=timezone.now() + timedelta(days=1))
    t = factories.TeacherFactory(school=tree["school_a"])
    signup = services.event_signup(event=ev, teacher=t)
    late = timezone.now() + timedelta(days=2)
    with pytest.raises(ValidationError, match="截止"):
        services.event_cancel(signup=signup, now=late)
    other = factories.TeacherFactory(school=tree["school_a"])
    with pytest.raises(ValidationError, match="截止"):
        services.event_signup(event=ev, teacher=other, now=late)


def test_only_the_audience_may_sign_up_by_the_shared_audience_rule(tree):
    ev = event(tree["district_x"], posts=posts_mask(["head_teacher"]))
    head = factories.TeacherFactory(school=tree["school_a"], role="head_teacher")
    subject = factories.TeacherFactory(school=tree["school_a"])
    elsewhere = factories.TeacherFactory(school=tree["school_b"], role="head_teacher")
    assert services.event_signup(event=ev, teacher=head).status == "confirmed"
    for teacher in (subject, elsewhere):
        with pytest.raises(ValidationError, match="不在该活动的参加范围"):
            services.event_signup(event=ev, teacher=teacher)
    # The same rule lists it for the teacher.
    assert list(services.event_list_for_user(user=head.user)) == [ev]
    assert list(services.event_list_for_user(user=elsewhere.user)) == []


def test_by_invitation_only_the_invited_hold_seats(tree):
    ev = event(tree["district_x"], signup_mode="invitation")
    invited, uninvited = teachers(tree["school_a"], 2)
    organiser = factories.district_hr(tree["district_x"])
    with pytest.raises(ValidationError, match="仅限受邀"):
        services.event_signup(event=ev, teacher=uninvited)
    assert services.event_invite(event=ev, teachers=[invited], invited_by=organiser) == 1
    signup = EventSignup.objects.get(event=ev, teacher=invited)
    assert signup.status == "confirmed" and signup.invited
    with pytest.raises(PermissionDenied):
        services.event_invite(event=ev, teachers=[uninvited],
                              invited_by=factories.district_hr(tree["district_y"]))


def test_the_last_seat_goes_once_in_the_page_view(client, tree):
    ev = event(tree["district_x"], capacity=1)
    first, second = teachers(tree["school_a"], 2)
    for t in (first, second):
        client.force_login(t.user)
        response = client.post(reverse("courses:event_signup", args=[ev.pk]), follow=True)
        assert response.status_code == 200
    assert "候补" in response.content.decode()
    assert EventSignup.objects.get(teacher=second).status == "waiting"


# --- QR attendance -------------------------------------------------------------------------


def running_event(tree, **fields):
    return event(tree["district_x"], starts_in=timedelta(minutes=-10), **fields)


def attendance(teacher, session=None):
    """The teacher's attendance at the session (the only one of their event when None); an
    empty one when nothing is recorded."""
    rows = EventAttendance.objects.filter(signup__teacher=teacher)
    if session is not None:
        rows = rows.filter(session=session)
    return rows.first() or EventAttendance()


def signed_up(ev, school):
    t = factories.TeacherFactory(school=school)
    services.event_signup(event=ev, teacher=t, now=ev.starts_at - timedelta(days=1))
    return t


def test_check_in_and_out_with_fresh_codes_and_a_second_scan_records_nothing(tree):
    ev = running_event(tree)
    t = signed_up(ev, tree["school_a"])
    token_in = services.event_qr_token(event=ev, kind="in")
    signup, recorded = services.event_scan(event=ev, user=t.user, kind="in", token=token_in)
    assert recorded and signup.checked_in_at
    first = signup.checked_in_at
    signup, recorded = services.event_scan(event=ev, user=t.user, kind="in", token=token_in)
    assert not recorded and signup.checked_in_at == first
    later = ev.ends_at - timedelta(minutes=1)
    signup, recorded = services.event_scan(
        event=ev, user=t.user, kind="out", token=services.event_qr_token(event=ev, kind="out"),
        now=later)
    assert recorded and signup.attended


def test_a_code_older_than_its_15_seconds_is_refused(tree):
    """Issue 27 §5: the code on the screen rotates every 15 s and is good for as long."""
    assert services.QR_REFRESH_SECONDS == services.QR_MAX_AGE_SECONDS == 15
    ev = running_event(tree)
    t = signed_up(ev, tree["school_a"])
    token = services.event_qr_token(event=ev, kind="in")
    import time
    with mock.patch("django.core.signing.time.time", return_value=time.time() + 16):
        with pytest.raises(ValidationError, match="二维码已过期"):
            services.event_scan(event=ev, user=t.user, kind="in", token=token)
    assert not attendance(t).checked_in_at


def test_a_code_for_another_direction_or_event_or_forged_is_refused(tree):
    ev = running_event(tree)
    other = running_event(tree, title="另一场")
    t = signed_up(ev, tree["school_a"])
    for token, kind in [(services.event_qr_token(event=ev, kind="out"), "in"),
                        (services.event_qr_token(event=other, kind="in"), "in"),
                        (services.event_qr_token(event=ev, kind="in")[:-2] + "xx", "in"),
                        ("", "in")]:
        with pytest.raises(ValidationError, match="二维码无效"):
            services.event_scan(event=ev, user=t.user, kind=kind, token=token)


def test_check_in_outside_the_window_and_check_out_before_check_in_are_refused(tree):
    ev = event(tree["district_x"], starts_in=timedelta(hours=2))
    t = signed_up(ev, tree["school_a"])
    with pytest.raises(ValidationError, match="不在签到时间内"):
        services.event_scan(event=ev, user=t.user, kind="in",
                            token=services.event_qr_token(event=ev, kind="in"))
    with pytest.raises(ValidationError, match="不在签到时间内"):
        services.event_scan(event=ev, user=t.user, kind="in",
                            token=services.event_qr_token(event=ev, kind="in"),
                            now=ev.ends_at + timedelta(minutes=1))
    with pytest.raises(ValidationError, match="请先签到"):
        services.event_scan(event=ev, user=t.user, kind="out",
                            token=services.event_qr_token(event=ev, kind="out"),
                            now=ev.starts_at + timedelta(minutes=5))


def test_a_teacher_not_signed_up_or_waiting_cannot_check_in(tree):
    ev = running_event(tree, capacity=1)
    signed_up(ev, tree["school_a"])
    waiting = signed_up(ev, tree["school_a"])
    stranger = factories.TeacherFactory(school=tree["school_a"])
    for t in (waiting, stranger):
        with pytest.raises(ValidationError, match="没有报名"):
            services.event_scan(event=ev, user=t.user, kind="in",
                                token=services.event_qr_token(event=ev, kind="in"))


def test_opening_the_qr_url_on_the_phone_records_and_says_so_in_chinese(client, tree):
    ev = running_event(tree)
    t = signed_up(ev, tree["school_a"])
    organiser = factories.district_hr(tree["district_x"])
    client.force_login(organiser)
    shown = client.get(reverse("courses:event_qr", args=[ev.pk]))
    page = shown.content.decode()
    assert page.count('class="qr"') == 2 and 'http-equiv="refresh"' in page
    url = shown.context["check_in_url"]
    assert url.startswith("http://testserver/learn/events/") and "?t=" in url
    client.force_login(t.user)
    response = client.get(url)
    assert response.status_code == 200 and "签到成功" in response.content.decode()
    again = client.get(url)
    assert "您已于" in again.content.decode() and "无需重复签到" in again.content.decode()
    import time
    with mock.patch("django.core.signing.time.time", return_value=time.time() + 120):
        stale = client.get(url)
    assert stale.status_code == 400 and "二维码已过期" in stale.content.decode()
    client.logout()
    assert client.get(url).status_code == 302  # to the log-in page


# --- attendance by hand and closing --------------------------------------------------------


def test_closing_credits_attended_teachers_once_and_closing_again_is_refused(
        tree, django_capture_on_commit_callbacks):
    ev = running_event(tree)
    here, absent, half = (signed_up(ev, tree["school_a"]) for _ in range(3))
    organiser = factories.district_hr(tree["district_x"])
    start, end = ev.starts_at, ev.ends_at
    services.event_attendance_mark(signup=EventSignup.objects.get(teacher=here), marked_by=organiser,
                                   checked_in_at=start, checked_out_at=end)
    services.event_attendance_mark(signup=EventSignup.objects.get(teacher=half), marked_by=organiser,
                                   checked_in_at=start, checked_out_at=None)
    with pytest.raises(ValidationError, match="签退时间早于签到时间"):
        services.event_attendance_mark(signup=EventSignup.objects.get(teacher=absent),
                                       marked_by=organiser, checked_in_at=end, checked_out_at=start)
    with django_capture_on_commit_callbacks(execute=True):
        closure = services.event_close(event=ev, closed_by=organiser)
    assert closure.attended == 1
    entries = TrainingEntry.objects.filter(reference__startswith="event-attendance:")
    assert [(e.teacher, e.hours, e.source) for e in entries] == [(here, Decimal("3.0"), "offline")]
    # Filed under the event's hour category.
    assert entries.get().category_id == ev.category_id == "knowledge"
    with pytest.raises(ValidationError, match="已经结束"):
        services.event_close(event=ev, closed_by=organiser)
    # Even a repeated signal credits nothing more: the ledger keys the credit on the sign-up.
    from courses.signals import event_attended
    signup = EventSignup.objects.get(teacher=here)
    event_attended.send(sender=EventSignup, teacher=here, event=ev, hours=ev.credit_hours,
                        attended_on=timezone.localdate(), signup=signup,
                        session=ev.sessions.get())
    assert TrainingEntry.objects.filter(teacher=here).count() == 1
    assert AuditEntry.objects.filter(action="event.close").count() == 1
    assert AuditEntry.objects.filter(action="event.attendance").count() == 2
    with pytest.raises(ValidationError, match="已结束"):
        services.event_attendance_mark(signup=signup, marked_by=organiser,
                                       checked_in_at=start, checked_out_at=end)


def test_the_teacher_sees_the_hours_on_the_event_page_after_closing(
        client, tree, django_capture_on_commit_callbacks):
    ev = running_event(tree)
    t = signed_up(ev, tree["school_a"])
    organiser = factories.school_admin(tree["school_a"])
    ev.organiser = tree["school_a"]
    ev.save_revision().publish()
    client.force_login(organiser)
    client.post(reverse("courses:event_mark", args=[ev.pk, EventSignup.objects.get(teacher=t).pk]),
                {"checked_in": "", "checked_out": ""})
    signup = EventSignup.objects.get(teacher=t)
    services.event_attendance_mark(signup=signup, marked_by=organiser,
                                   checked_in_at=ev.starts_at, checked_out_at=ev.ends_at)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("courses:event_close", args=[ev.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("courses:event_close", args=[ev.pk]))
    assert TrainingEntry.objects.filter(teacher=t).count() == 1
    client.force_login(t.user)
    assert "已计入" in client.get(ev.url).content.decode()


# --- scope of every organiser action ---------------------------------------------------------


@pytest.mark.parametrize("who, allowed", [
    ("district_hr_x", True), ("school_admin_a", False), ("district_hr_y", False),
    ("trainer_city", False), ("teacher", False), ("reviewer_x", False),
])
def test_every_organiser_action_is_limited_to_the_organisers_subtree(
        client, tree, who, allowed, django_capture_on_commit_callbacks):
    ev = running_event(tree)
    t = signed_up(ev, tree["school_a"])
    signup = EventSignup.objects.get(teacher=t)
    user = {
        "district_hr_x": lambda: factories.district_hr(tree["district_x"]),
        "school_admin_a": lambda: factories.school_admin(tree["school_a"]),
        "district_hr_y": lambda: factories.district_hr(tree["district_y"]),
        "trainer_city": lambda: factories.staff(StaffRole.Role.TRAINER, tree["city"]),
        "teacher": lambda: factories.TeacherFactory(school=tree["school_a"]).user,
        "reviewer_x": lambda: factories.staff(StaffRole.Role.REVIEWER, tree["district_x"]),
    }[who]()
    client.force_login(user)
    status = 200 if allowed else 403
    assert client.get(reverse("courses:event_manage", args=[ev.pk])).status_code == status
    assert client.get(reverse("courses:event_qr", args=[ev.pk])).status_code == status
    # Present for the whole schedule (hours are for time present).
    marked = client.post(reverse("courses:event_mark", args=[ev.pk, signup.pk]), {
        "checked_in": timezone.localtime(ev.starts_at).strftime("%H:%M"),
        "checked_out": timezone.localtime(ev.ends_at).strftime("%H:%M")})
    assert marked.status_code == (302 if allowed else 403)
    with django_capture_on_commit_callbacks(execute=True):
        closed = client.post(reverse("courses:event_close", args=[ev.pk]))
    assert closed.status_code == (302 if allowed else 403)
    assert TrainingEntry.objects.filter(teacher=t).exists() == allowed
    listed = client.get(reverse("courses:event_manage_list"))
    organiser_role = who in ("district_hr_x", "school_admin_a", "district_hr_y")
    assert listed.status_code == (200 if organiser_role else 403)
    assert (ev.title in listed.content.decode()) == allowed


def test_events_go_through_the_one_review_workflow(tree):
    index = event_index()
    workflow = learning_publishing_setup()
    assert WorkflowPage.objects.filter(page=index, workflow=workflow).exists()
    ev = event(tree["district_x"])
    assert ev.get_workflow() == workflow


def _nav(client, language="zh-hans"):
    from tests.html_text import visible_text

    html = client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    return html.split('class="site-nav"')[1].split("</nav>")[0], visible_text(html)


def test_the_site_navigation_leads_teachers_to_events_and_organisers_to_theirs(client, tree):
    index = event_index()
    teacher = factories.TeacherFactory(school=tree["school_a"])
    client.force_login(teacher.user)
    nav, _text = _nav(client)
    events_url = reverse("courses:event_index")
    assert f'href="{events_url}"' in nav and "线下活动" in nav
    assert reverse("courses:event_manage_list") not in nav
    response = client.get(events_url)
    assert response.status_code == 302 and response["Location"] == index.url
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    nav, _text = _nav(client, "en")
    assert "Offline events" in nav and "线下活动" not in nav
    client.logout()
    organiser = factories.district_hr(tree["district_x"])
    client.force_login(organiser)
    nav, _text = _nav(client)
    assert f'href="{reverse("courses:event_manage_list")}"' in nav and "我主办的活动" in nav


def test_the_event_editor_offers_the_active_hour_categories(tree):
    from courses.models import HourCategory

    HourCategory.objects.filter(code="family").update(active=False)
    HourCategory.objects.create(code="general", name="通识", name_en="General", order=1)
    form_class = EventPage.get_edit_handler().get_form_class()
    offered = list(form_class.base_fields["category"].queryset.values_list("code", flat=True))
    assert offered == ["general", "crisis", "knowledge", "counselling", "other"]


def test_a_code_used_for_the_same_teacher_from_a_second_phone_is_refused(tree):
    """Issue 27 §5: the first scan names the phone; the same teacher's scan from another phone
    (a forwarded code opened on a phone logged in as her) is refused and records nothing."""
    from django.test import Client

    ev = running_event(tree)
    t = signed_up(ev, tree["school_a"])
    hers, other = Client(), Client()
    hers.force_login(t.user)
    other.force_login(t.user)
    url = reverse("courses:event_scan", args=[ev.pk, "in"])
    token = services.event_qr_token(event=ev, kind="in")
    assert hers.get(url, {"t": token}).status_code == 200
    first = attendance(t).checked_in_at
    refused = other.get(url, {"t": token})
    assert refused.status_code == 400 and "另一部手机" in refused.content.decode()
    out = reverse("courses:event_scan", args=[ev.pk, "out"])
    refused = other.get(out, {"t": services.event_qr_token(event=ev, kind="out")})
    assert refused.status_code == 400
    assert attendance(t).checked_in_at == first and attendance(t).checked_out_at is None
    # Her own phone goes on as before.
    assert hers.get(url, {"t": token}).status_code == 200


def test_the_attendance_table_puts_each_time_under_its_own_column_and_follows_the_scan(client, tree):
    import re

    ev = running_event(tree)
    scanned, waiting = signed_up(ev, tree["school_a"]), signed_up(ev, tree["school_a"])
    services.event_scan(event=ev, user=scanned.user, kind="in",
                        token=services.event_qr_token(event=ev, kind="in"))
    client.force_login(factories.district_hr(tree["district_x"]))
    page = client.get(reverse("courses:event_manage", args=[ev.pk])).content.decode()

    def cells(teacher):
        row = next(r for r in page.split("<tr>") if teacher.employee_no in r)
        return dict(re.findall(r'<td data-label="([^"]+)">(.*?)</td>', row, re.S))

    row = cells(scanned)
    assert row["状态"] == "已签到，未签退"
    assert 'name="checked_in"' in row["签到"] and "保存" not in row["签到"]
    assert 'name="checked_out"' in row["签退"] and "保存" in row["签退"]
    assert f'form="mark-{EventSignup.objects.get(teacher=scanned).pk}"' in row["签到"]
    assert cells(waiting)["状态"] == "已报名"
    # Marked by hand, in and out: the status says so.
    services.event_attendance_mark(signup=EventSignup.objects.get(teacher=waiting),
                                   marked_by=factories.district_hr(tree["district_x"]),
                                   checked_in_at=ev.starts_at, checked_out_at=ev.ends_at)
    page = client.get(reverse("courses:event_manage", args=[ev.pk])).content.decode()
    assert cells(waiting)["状态"] == "已签到、已签退"
