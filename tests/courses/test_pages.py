"""Teachers' pages: constant query counts, My learning, catalogue, public pages."""

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses import services, signals
from courses.models import (
    LessonPage,
    LiveAttendance,
    LivePresence,
    LiveSessionPage,
    MicroLecturePage,
    ParentLessonPage,
)
from people.models import StaffRole
from tests.factories import staff

from . import builders


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_course_page_queries_do_not_grow_with_lessons(client, teacher_a,
                                                      django_assert_max_num_queries):
    small = builders.course(title="小", lessons=1)
    big = builders.course(title="大", lessons=8)
    client.force_login(teacher_a.user)
    for course in (small, big):
        services.enrolment_create(user=teacher_a.user, course=course)
        services.lesson_progress_report(user=teacher_a.user,
                                        lesson=LessonPage.objects.child_of(course).first(), position=0)
    baseline = queries(client, small.url)
    with django_assert_max_num_queries(baseline):
        response = client.get(big.url)
    assert response.content.decode().count("第8讲") == 1


def test_my_learning_queries_do_not_grow_with_courses(client, teacher_a,
                                                      django_assert_max_num_queries):
    hr = staff(StaffRole.Role.CITY_HR, teacher_a.school.get_root())
    first = builders.course(title="课程1", lessons=2)
    services.assignment_create(course=first, organisation=teacher_a.school,
                               deadline=date(2024, 6, 30), created_by=hr)
    client.force_login(teacher_a.user)
    baseline = queries(client, reverse("courses:my_learning"))
    for n in range(2, 8):
        course = builders.course(title=f"课程{n}", lessons=n, quiz=False, duration=10)
        services.enrolment_create(user=teacher_a.user, course=course)
        if n % 2:  # some completed, some half-watched
            t = timezone.now() - timedelta(minutes=10)
            for lesson in LessonPage.objects.child_of(course):
                for s in range(0, 11, 5):
                    services.lesson_progress_report(user=teacher_a.user, lesson=lesson, position=s,
                                                    now=t + timedelta(seconds=s))
                t += timedelta(seconds=30)
    with django_assert_max_num_queries(baseline):
        response = client.get(reverse("courses:my_learning"))
    html = response.content.decode()
    assert "课程1" in html and "课程6" in html and "2024-06-30" in html
    assert "已逾期" in html or "Overdue" in html


def test_catalogue_filters_and_searches(client, teacher_a):
    builders.course(title="危机干预", category_id="crisis")
    builders.course(title="家庭教育指导", category_id="family", audience="parents", quiz=False)
    url = reverse("courses:catalogue")
    index_url = client.get(url)["Location"]
    html = client.get(index_url, {"category": "family"}).content.decode()
    assert "家庭教育指导" in html and "危机干预" not in html
    html = client.get(index_url, {"q": "危机"}).content.decode()
    assert "危机干预" in html and "家庭教育指导" not in html
    html = client.get(index_url, {"audience": "parents"}).content.decode()
    assert "家庭教育指导" in html and "危机干预" not in html


def test_parent_lessons_and_micro_lectures_are_public(client, tree):
    sections = builders.sections()
    lesson = sections["parents"].add_child(instance=ParentLessonPage(title="做好衔接教育，迎接崭新学期"))
    lecture = sections["micro"].add_child(instance=MicroLecturePage(title="和它做朋友"))
    lecture.tags.add("情绪")
    lecture.save()
    assert client.get(lecture.url).status_code == 200
    assert "和它做朋友" in client.get(sections["micro"].url, {"tag": "情绪"}).content.decode()
    for _ in range(3):
        assert client.get(lesson.url).status_code == 200
    lesson.refresh_from_db()
    assert lesson.view_count == 3
    assert "做好衔接教育" in client.get(sections["parents"].url).content.decode()


def test_live_check_in_within_window_earns_hours_once(client, teacher_a,
                                                      django_capture_on_commit_callbacks):
    """Checking in alone earns nothing (issue 26 §6); the page's heartbeats count the time
    present, and the full hours come once 80 % of the session is present (tests/courses/
    test_live_presence.py has the clock-driven cases)."""
    from courses import services as course_services

    sections = builders.sections()
    now = timezone.now()
    session = sections["live"].add_child(instance=LiveSessionPage(
        title="专题直播", starts_at=now - timedelta(minutes=5), duration_minutes=60))
    later = sections["live"].add_child(instance=LiveSessionPage(
        title="下周直播", starts_at=now + timedelta(days=7), duration_minutes=60))
    calls = []

    def receiver(sender, **kw):
        calls.append(kw)

    signals.live_attended.connect(receiver)
    try:
        client.force_login(teacher_a.user)
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(2):
                client.post(reverse("courses:live_check_in", args=[session.pk]))
            client.post(reverse("courses:live_check_in", args=[later.pk]))
        assert LiveAttendance.objects.filter(user=teacher_a.user).count() == 0
        with django_capture_on_commit_callbacks(execute=True):
            presence = LivePresence.objects.get(user=teacher_a.user, session=session)
            for minute in range(1, 50):  # a beat a minute for 49 minutes: 82 % of 60
                course_services.live_presence_beat(
                    user=teacher_a.user, session=session,
                    now=presence.checked_in_at + timedelta(minutes=minute))
    finally:
        signals.live_attended.disconnect(receiver)
    assert LiveAttendance.objects.filter(user=teacher_a.user).count() == 1
    assert len(calls) == 1 and calls[0]["hours"] == session.credit_hours
    assert calls[0]["session"].pk == session.pk and calls[0]["user"] == teacher_a.user


def test_live_session_shows_stream_before_and_replay_after(client, teacher_a, settings, tmp_path):
    from django.core.files.base import ContentFile
    from wagtailmedia.models import get_media_model

    settings.MEDIA_ROOT = tmp_path
    replay = get_media_model()(title="回放", type="video", duration=30)
    replay.file.save("replay.mp4", ContentFile(b"\x00" * 16), save=False)
    replay.save()
    sections = builders.sections()
    now = timezone.now()
    past = sections["live"].add_child(instance=LiveSessionPage(
        title="已结束", starts_at=now - timedelta(days=1), duration_minutes=60,
        stream_url="https://live.example.invalid/old", replay=replay))
    soon = sections["live"].add_child(instance=LiveSessionPage(
        title="即将开始", starts_at=now + timedelta(hours=1), duration_minutes=60,
        stream_url="https://live.example.invalid/new", replay=replay))
    client.force_login(teacher_a.user)
    html = client.get(past.url).content.decode()
    assert replay.url in html and "live.example.invalid/old" not in html
    html = client.get(soon.url).content.decode()
    assert "live.example.invalid/new" in html and replay.url not in html
