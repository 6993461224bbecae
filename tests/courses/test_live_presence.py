"""Live sessions credit time present (issue 26 §6): one click used to earn the full hours; now
the page's heartbeats count the minutes present (no faster than the clock, no gap over
LIVE_BEAT_MAX_GAP), the full hours come at the presence rule's share (80 % without one), and
after the end the hours for the time present are credited to those below it."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from certification.models import TrainingEntry
from courses import services
from courses.models import LiveAttendance, LivePresence, LiveSessionPage, PresencePolicy
from tests.courses import builders

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 4, 19, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def session(db):
    return builders.sections()["live"].add_child(instance=LiveSessionPage(
        title="专题直播：识别学生心理危机", starts_at=START, duration_minutes=90,
        credit_hours=Decimal("1.5")))


def beats(user, session, minutes, *, every=1, offset=0):
    for m in range(offset, offset + minutes + 1, every):
        services.live_presence_beat(user=user, session=session,
                                    now=START + timedelta(minutes=m))


def test_one_click_earns_nothing_and_beats_count_the_minutes(teacher_a, session,
                                                             django_capture_on_commit_callbacks):
    user = teacher_a.user
    services.live_attendance_check_in(user=user, session=session, now=START - timedelta(minutes=5))
    assert not LiveAttendance.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        beats(user, session, 30)           # 19:00–19:30
    presence = LivePresence.objects.get(user=user)
    assert presence.seconds_present == 30 * 60 and not LiveAttendance.objects.exists()
    # A beat after a long gap (the tab closed for 20 minutes) counts nothing for the gap.
    with django_capture_on_commit_callbacks(execute=True):
        beats(user, session, 41, offset=50)  # 19:50–20:31, past the end at 20:30
    presence.refresh_from_db()
    assert presence.seconds_present == (30 + 40) * 60  # 70 of 90 minutes = 77 %: not yet full
    assert not LiveAttendance.objects.exists()
    # After the end the job credits the time present: 1.5 × 70/90 = 1.16 → 1.1 h.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.live_sessions_credit(now=START + timedelta(hours=2)) == 1
        assert services.live_sessions_credit(now=START + timedelta(hours=3)) == 0
    assert LiveAttendance.objects.get(user=user).hours == Decimal("1.1")
    assert TrainingEntry.objects.get(teacher=teacher_a, source="live_attendance").hours == \
        Decimal("1.1")


def test_the_full_hours_come_at_the_presence_rules_share(teacher_a, session, tree,
                                                         django_capture_on_commit_callbacks):
    user = teacher_a.user
    services.live_attendance_check_in(user=user, session=session, now=START)
    PresencePolicy.objects.create(organisation=tree["city"], percent=50)
    with django_capture_on_commit_callbacks(execute=True):
        beats(user, session, 44)
    assert not LiveAttendance.objects.exists()  # 44 of 90 minutes < 50 %
    with django_capture_on_commit_callbacks(execute=True):
        beats(user, session, 1, offset=45)
    assert LiveAttendance.objects.get(user=user).hours == Decimal("1.5")
    assert TrainingEntry.objects.filter(teacher=teacher_a).count() == 1


def test_beats_faster_than_the_clock_or_without_check_in_count_nothing_extra(teacher_a, session):
    user = teacher_a.user
    with pytest.raises(ValidationError, match="请先签到|Check in first"):
        services.live_presence_beat(user=user, session=session, now=START)
    services.live_attendance_check_in(user=user, session=session, now=START)
    for _ in range(50):  # a forged burst at one instant
        services.live_presence_beat(user=user, session=session, now=START + timedelta(minutes=1))
    assert LivePresence.objects.get(user=user).seconds_present == 60


def test_the_page_beats_and_says_what_counts(client, teacher_a, session):
    client.force_login(teacher_a.user)
    services.live_attendance_check_in(user=teacher_a.user, session=session, now=START)
    response = client.post(reverse("courses:live_beat", args=[session.pk]))
    assert response.status_code == 200 and "seconds_present" in response.json()
