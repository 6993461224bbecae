"""Hours only for time present (issue 26 §6): an offline event's full hours need presence for
a share of its scheduled time (a policy per subtree, 80 % without one); below it the hours are
for the time present, or none, and the reason is shown to the teacher, on the organiser's
attendance table and in the attendance sheet."""

from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from certification.models import TrainingEntry
from courses import event_services as services
from courses.models import EventSignup, PresencePolicy
from hr.event_sheets import event_attendance_write
from tests import factories
from tests.html_text import visible_text

from .test_events import running_event, signed_up

pytestmark = pytest.mark.django_db


def _mark(ev, organiser, teacher, minutes_in, minutes_out):
    """Check in and out so many minutes after the start (None: no mark)."""
    def at(m):
        return (None if m is None else ev.starts_at + timedelta(minutes=m))
    return services.event_attendance_mark(
        signup=EventSignup.objects.get(event=ev, teacher=teacher), marked_by=organiser,
        checked_in_at=at(minutes_in), checked_out_at=at(minutes_out))


@pytest.fixture
def day(tree):
    """A 2-hour, 3-credit-hour event of district X with five teachers signed up."""
    ev = running_event(tree)
    return ev, factories.district_hr(tree["district_x"]), [
        signed_up(ev, tree["school_a"]) for _ in range(5)]


def test_hours_follow_the_time_present_by_hand_count(day, django_capture_on_commit_callbacks):
    ev, organiser, (whole, most, half, minute, out_missing) = day
    _mark(ev, organiser, whole, -5, 125)   # the whole 120 minutes
    _mark(ev, organiser, most, 20, 120)    # 100 of 120 = 83 % ≥ 80 %: full
    _mark(ev, organiser, half, 0, 60)      # 60 of 120 = 50 %: 3 × 0.5 = 1.5 h
    _mark(ev, organiser, minute, 30, 31)   # 1 minute: 3 × 1/120 = 0.025, rounded down: none
    _mark(ev, organiser, out_missing, 0, None)
    with django_capture_on_commit_callbacks(execute=True):
        closure = services.event_close(event=ev, closed_by=organiser)
    credited = {e.teacher_id: e.hours for e in TrainingEntry.objects.filter(
        reference__startswith="event-attendance:")}
    assert credited == {whole.pk: Decimal("3.0"), most.pk: Decimal("3.0"),
                        half.pk: Decimal("1.5")}
    assert closure.attended == 3
    # Every credit is dated on the event's day.
    assert {e.date for e in TrainingEntry.objects.filter(teacher=half)} == {
        timezone.localdate(ev.starts_at)}


def test_the_share_is_a_policy_of_the_organisers_subtree(tree, day):
    ev, organiser, (teacher, *_rest) = day
    _mark(ev, organiser, teacher, 20, 120)  # 83 %
    signup = EventSignup.objects.get(event=ev, teacher=teacher)
    assert services.event_credit(signup).hours == Decimal("3.0")
    PresencePolicy.objects.create(organisation=tree["city"], percent=90)
    credit = services.event_credit(signup)
    assert (credit.hours, credit.required_percent) == (Decimal("2.5"), 90)
    assert credit.reason == "在场 100 分钟，计划 120 分钟（全额学时须在场 90%）：按在场时间计 2.5 学时。"
    # The district's own rule is nearer than the city's.
    PresencePolicy.objects.create(organisation=tree["district_x"], percent=75)
    assert services.event_credit(signup).hours == Decimal("3.0")


def test_the_organiser_and_the_teacher_read_the_reason(client, tree, day,
                                                       django_capture_on_commit_callbacks):
    ev, organiser, (whole, half, minute, *_rest) = day
    ev.save_revision().publish()
    _mark(ev, organiser, whole, 0, 120)
    _mark(ev, organiser, half, 0, 60)
    _mark(ev, organiser, minute, 30, 31)
    client.force_login(organiser)
    table = visible_text(client.get(reverse("courses:event_manage", args=[ev.pk])).content.decode())
    assert "全额学时须在场计划时长的 80%，不足时按在场时间计学时。" in table
    assert "在场 60 分钟，计划 120 分钟（全额学时须在场 80%）：按在场时间计 1.5 学时。" in table
    assert "在场 1 分钟，计划 120 分钟（全额学时须在场 80%）：不计学时。" in table
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("courses:event_close", args=[ev.pk]))
    client.force_login(half.user)
    page = visible_text(client.get(ev.url).content.decode())
    assert "已计入 1.5 学时" in page and "按在场时间计 1.5 学时" in page
    client.force_login(minute.user)
    page = visible_text(client.get(ev.url).content.decode())
    assert "不计学时" in page and "已计入" not in page


def test_the_attendance_sheet_gives_the_hours_for_time_present_and_why(tmp_path, day):
    ev, organiser, (whole, half, *_rest) = day
    _mark(ev, organiser, whole, 0, 120)
    _mark(ev, organiser, half, 0, 60)
    path = tmp_path / "attendance.xlsx"
    event_attendance_write(path, event=ev)
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    header = rows[0]
    assert header[-2:] == ("学时", "学时说明")
    by_no = {r[0]: r for r in rows[1:]}
    assert by_no[whole.employee_no][-2] == 3 and not by_no[whole.employee_no][-1]
    assert by_no[half.employee_no][-2] == 1.5
    assert "按在场时间计 1.5 学时" in by_no[half.employee_no][-1]
