"""A teacher's path through a course: enrol, watch, pass the quiz, complete — and the cheats that fail."""

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from courses import services, signals
from courses.models import CourseCompletion, LessonPage, LessonProgress, QuizPage

from . import builders

T0 = datetime(2024, 5, 6, 9, 0).astimezone()


class Receiver:
    """Collects what a signal carried."""

    def __init__(self, signal):
        self.calls = []
        signal.connect(self, weak=False)
        self.signal = signal

    def __call__(self, sender, **kwargs):
        self.calls.append(kwargs)

    def close(self):
        self.signal.disconnect(self)


@pytest.fixture
def completed_signal():
    receiver = Receiver(signals.course_completed)
    yield receiver
    receiver.close()


@pytest.fixture
def quiz_signal():
    receiver = Receiver(signals.quiz_passed)
    yield receiver
    receiver.close()


def watch(user, lesson, *, start=0.0, until=None, step=5, t=T0):
    """Play a lesson as the player does: a report every `step` seconds of real time."""
    until = lesson.duration_seconds if until is None else until
    position = start
    services.lesson_progress_report(user=user, lesson=lesson, position=position, now=t)
    while position < until:
        position = min(until, position + step)
        t += timedelta(seconds=step)
        services.lesson_progress_report(user=user, lesson=lesson, position=position, now=t)
    return t


def test_teacher_completes_course_and_signal_fires_once(teacher_a, completed_signal, quiz_signal,
                                                        django_capture_on_commit_callbacks):
    course = builders.course(lessons=3, duration=60)
    user = teacher_a.user
    services.enrolment_create(user=user, course=course)
    t = T0
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in LessonPage.objects.child_of(course):
            t = watch(user, lesson, t=t) + timedelta(minutes=1)
    assert LessonProgress.objects.filter(user=user, completed_at__isnull=False).count() == 3
    assert not CourseCompletion.objects.exists()  # the quiz is still to pass
    assert completed_signal.calls == []

    quiz = QuizPage.objects.child_of(course).get()
    with django_capture_on_commit_callbacks(execute=True):
        attempt = services.quiz_attempt_submit(user=user, quiz=quiz, answers=builders.RIGHT, now=t)
    assert attempt.passed and attempt.score == 100
    assert len(quiz_signal.calls) == 1 and quiz_signal.calls[0]["score"] == 100

    assert len(completed_signal.calls) == 1
    call = completed_signal.calls[0]
    assert call["user"] == user
    assert call["course"].pk == course.pk
    assert call["hours"] == Decimal("6.0")
    assert call["completed_at"] == t
    assert call["completion"] == CourseCompletion.objects.get(user=user, course=course)

    # Repeats change nothing: no second completion, no second signal.
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in LessonPage.objects.child_of(course):
            watch(user, lesson, t=t + timedelta(hours=1))
        services.course_completion_check(user=user, course=course)
    assert len(completed_signal.calls) == 1
    assert CourseCompletion.objects.count() == 1


def test_progress_is_credited_through_the_http_endpoint(client, teacher_a):
    course = builders.course(lessons=1, quiz=False, duration=600)
    lesson = LessonPage.objects.child_of(course).get()
    client.force_login(teacher_a.user)
    url = reverse("courses:lesson_progress", args=[lesson.pk])
    assert client.post(url, {"position": 0}, content_type="application/json").status_code == 403
    client.post(reverse("courses:enrol", args=[course.pk]))
    first = client.post(url, {"position": 0}, content_type="application/json")
    assert first.json()["credited_seconds"] == 0
    # Ten minutes of video claimed a moment later: not credited.
    jump = client.post(url, {"position": 600}, content_type="application/json").json()
    assert jump["credited_seconds"] == 0 and not jump["completed"]


def test_jump_to_end_is_not_credited(teacher_a):
    course = builders.course(lessons=1, quiz=False, duration=600)
    lesson = LessonPage.objects.child_of(course).get()
    user = teacher_a.user
    services.enrolment_create(user=user, course=course)
    t = watch(user, lesson, until=30)
    # Drag to the end and wait long enough for wall-clock to "cover" it: still nothing.
    p = services.lesson_progress_report(user=user, lesson=lesson, position=590,
                                        now=t + timedelta(minutes=15))
    p = services.lesson_progress_report(user=user, lesson=lesson, position=600,
                                        now=t + timedelta(minutes=15, seconds=10))
    assert p.credited_seconds == 30
    assert p.completed_at is None
    assert p.furthest_position == 30


def test_ten_minutes_reported_in_ten_seconds_is_not_credited(teacher_a):
    course = builders.course(lessons=1, quiz=False, duration=900)
    lesson = LessonPage.objects.child_of(course).get()
    user = teacher_a.user
    services.enrolment_create(user=user, course=course)
    services.lesson_progress_report(user=user, lesson=lesson, position=0, now=T0)
    p = services.lesson_progress_report(user=user, lesson=lesson, position=600,
                                        now=T0 + timedelta(seconds=10))
    assert p.credited_seconds == 0


def test_speeding_earns_only_real_time(teacher_a):
    """Reports every 5 s claiming 10 s of video (2x speed) earn nothing."""
    course = builders.course(lessons=1, quiz=False, duration=120)
    lesson = LessonPage.objects.child_of(course).get()
    user = teacher_a.user
    services.enrolment_create(user=user, course=course)
    t, position = T0, 0
    for _ in range(12):
        p = services.lesson_progress_report(user=user, lesson=lesson, position=position, now=t)
        t += timedelta(seconds=5)
        position += 10
    assert p.credited_seconds == 0


def test_rewatching_earns_nothing_twice(teacher_a):
    course = builders.course(lessons=1, quiz=False, duration=100)
    lesson = LessonPage.objects.child_of(course).get()
    user = teacher_a.user
    services.enrolment_create(user=user, course=course)
    t = watch(user, lesson, until=50)
    t = watch(user, lesson, start=0, until=50, t=t + timedelta(seconds=5))
    p = LessonProgress.objects.get(user=user, lesson=lesson)
    assert p.credited_seconds == 50 and p.intervals == [[0, 50]]
    # Going back to 40 and on to 60 adds only the 10 new seconds.
    watch(user, lesson, start=40, until=60, t=t + timedelta(seconds=5))
    p.refresh_from_db()
    assert p.credited_seconds == 60 and p.intervals == [[0, 60]]


def test_lesson_completes_at_required_share(teacher_a):
    course = builders.course(lessons=1, quiz=False, duration=100)
    lesson = LessonPage.objects.child_of(course).get()
    services.enrolment_create(user=teacher_a.user, course=course)
    watch(teacher_a.user, lesson, until=85)
    assert LessonProgress.objects.get().completed_at is None
    watch(teacher_a.user, lesson, start=85, until=90, t=T0 + timedelta(seconds=90))
    assert LessonProgress.objects.get().completed_at is not None
    # No quiz and one lesson: the course is complete.
    assert CourseCompletion.objects.filter(user=teacher_a.user).count() == 1


def test_failed_quiz_with_attempts_exhausted_blocks_completion(teacher_a, completed_signal,
                                                               django_capture_on_commit_callbacks):
    course = builders.course(lessons=1, duration=30, attempt_limit=2)
    user = teacher_a.user
    services.enrolment_create(user=user, course=course)
    quiz = QuizPage.objects.child_of(course).get()
    with django_capture_on_commit_callbacks(execute=True):
        watch(user, LessonPage.objects.child_of(course).get())
        for _ in range(2):
            assert not services.quiz_attempt_submit(user=user, quiz=quiz, answers=builders.WRONG).passed
        with pytest.raises(ValidationError):
            services.quiz_attempt_submit(user=user, quiz=quiz, answers=builders.RIGHT)
        services.course_completion_check(user=user, course=course)
    assert not CourseCompletion.objects.exists()
    assert completed_signal.calls == []


def test_partial_multiple_choice_is_wrong(teacher_a):
    course = builders.course(lessons=0, attempt_limit=5)
    quiz = QuizPage.objects.child_of(course).get()
    services.enrolment_create(user=teacher_a.user, course=course)
    attempt = services.quiz_attempt_submit(user=teacher_a.user, quiz=quiz, answers={0: [1], 1: [0]})
    assert attempt.score == 50 and not attempt.passed


def test_answers_are_not_in_lesson_or_quiz_html(client, teacher_a):
    course = builders.course(lessons=1)
    client.force_login(teacher_a.user)
    services.enrolment_create(user=teacher_a.user, course=course)
    quiz = QuizPage.objects.child_of(course).get()
    lesson = LessonPage.objects.child_of(course).get()
    quiz_html = client.get(quiz.url).content.decode()
    lesson_html = client.get(lesson.url).content.decode()
    assert "预警信号" in quiz_html and "赠送心爱物品" in quiz_html
    for html in (quiz_html, lesson_html):
        assert "correct" not in html.lower()
    # The right option's input looks exactly like the wrong ones, bar its number.
    inputs = re.findall(r'<input[^>]*name="q0"[^>]*>', quiz_html)
    assert len(inputs) == 3
    assert len({re.sub(r'value="\d+"', "", tag) for tag in inputs}) == 1


def test_quiz_submitted_through_the_form_is_scored_on_server(client, teacher_a):
    course = builders.course(lessons=0)
    quiz = QuizPage.objects.child_of(course).get()
    client.force_login(teacher_a.user)
    client.post(reverse("courses:enrol", args=[course.pk]))
    response = client.post(reverse("courses:quiz_submit", args=[quiz.pk]),
                           {"q0": "1", "q1": ["0", "1"]})
    assert response.status_code == 200
    assert "100%" in response.content.decode()
    assert CourseCompletion.objects.filter(user=teacher_a.user).exists()


def test_learning_pages_need_login_but_public_ones_do_not(client, tree):
    course = builders.course(lessons=1)
    lesson = LessonPage.objects.child_of(course).get()
    for page in (course, lesson):
        response = client.get(page.url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_network_jitter_does_not_lose_honest_watching(teacher_a):
    """Reports arrive up to 2.5 s late or early around the 5 s beat; all of it is credited."""
    course = builders.course(lessons=1, quiz=False, duration=100)
    lesson = LessonPage.objects.child_of(course).get()
    services.enrolment_create(user=teacher_a.user, course=course)
    jitter = [0, 2.5, -1, 2, 0.5, -0.5, 2.4, 0, 1, -1] * 2
    for n in range(21):
        p = services.lesson_progress_report(
            user=teacher_a.user, lesson=lesson, position=min(100, 5 * n),
            now=T0 + timedelta(seconds=5 * n + jitter[n % len(jitter)] + 2.5))
    assert p.credited_seconds == 100 and p.completed_at is not None


def test_slightly_sped_up_player_earns_at_most_the_tolerance(teacher_a):
    """1.3x speed (6.5 s of video every 5 s) stops earning after a few seconds."""
    course = builders.course(lessons=1, quiz=False, duration=300)
    lesson = LessonPage.objects.child_of(course).get()
    services.enrolment_create(user=teacher_a.user, course=course)
    for n in range(40):
        p = services.lesson_progress_report(user=teacher_a.user, lesson=lesson,
                                            position=6.5 * n, now=T0 + timedelta(seconds=5 * n))
    assert p.credited_seconds <= 15


def test_pause_then_resume_keeps_earning(teacher_a):
    course = builders.course(lessons=1, quiz=False, duration=60)
    lesson = LessonPage.objects.child_of(course).get()
    services.enrolment_create(user=teacher_a.user, course=course)
    t = watch(teacher_a.user, lesson, until=20)
    t = watch(teacher_a.user, lesson, start=20, until=60, t=t + timedelta(minutes=20))
    assert LessonProgress.objects.get().credited_seconds == 60


def test_embedded_lesson_reports_through_the_same_endpoint(client, teacher_a):
    course = builders.course(lessons=0, quiz=False)
    lesson = course.add_child(instance=LessonPage(title="外链课时", embed_url="https://player.example.invalid/v/1",
                                                  duration_seconds=60))
    client.force_login(teacher_a.user)
    services.enrolment_create(user=teacher_a.user, course=course)
    html = client.get(lesson.url).content.decode()
    assert 'src="https://player.example.invalid/v/1"' in html
    assert f'data-progress-url="{reverse("courses:lesson_progress", args=[lesson.pk])}"' in html
