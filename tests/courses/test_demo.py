"""The demo seed adds published learning content and a half-done assignment, and is idempotent."""

import io

from courses import demo
from courses.models import (
    Assignment,
    CourseCompletion,
    CoursePage,
    CoursewareLessonPage,
    Enrolment,
    LessonPage,
    LessonProgress,
    MicroLecturePage,
    ParentLessonPage,
    QuizPage,
)
from people import demo as people_demo


def counts():
    return (CoursePage.objects.live().count(), LessonPage.objects.count(), Enrolment.objects.count(),
            LessonProgress.objects.count(), CourseCompletion.objects.count(), Assignment.objects.count())


def test_seed_builds_content_and_is_idempotent(db, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None}}}
    city = people_demo.seed(teachers=60, stdout=io.StringIO())
    demo.seed(city=city, stdout=io.StringIO())
    first = counts()
    demo.seed(city=city, stdout=io.StringIO())
    assert counts() == first
    crisis = CoursePage.objects.get(title="中小学教师心理危机识别与干预")
    assert LessonPage.objects.child_of(crisis).live().count() >= 3
    assert QuizPage.objects.child_of(crisis).live().exists()
    assert MicroLecturePage.objects.live().filter(title="和它做朋友").exists()
    assert ParentLessonPage.objects.live().filter(title="做好衔接教育，迎接崭新学期").exists()
    assignment = Assignment.objects.get(course=crisis)
    assigned = assignment.enrolments.count()
    done = assignment.enrolments.filter(completed_at__isnull=False).count()
    assert 0 < done < assigned  # some teachers finished, the others are overdue
    lesson = LessonPage.objects.child_of(crisis).first()
    assert lesson.video.file.size < 400_000
    # One course is a SCORM package, unpacked once in private storage however often the seed runs.
    courseware = CoursewareLessonPage.objects.live().get(slug="scorm-lesson")
    assert courseware.package.kind == "scorm12"
    assert (tmp_path / "private" / "courseware" / courseware.package.sha256 / "index.html").is_file()
    # The demo teacher is part way through and sees it on My learning.
    client.force_login(city.accounts["teacher"])
    assert crisis.title in client.get("/learn/mine/").content.decode()


def test_demo_dates_follow_the_seed_day(db, client, settings, tmp_path):
    from datetime import date, timedelta

    from django.utils import timezone

    from people.models import Notice

    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None}}}
    today = date(2031, 3, 10)
    city = people_demo.seed(teachers=40, stdout=io.StringIO(), today=today)
    demo.seed(city=city, stdout=io.StringIO(), today=today)
    assignment = Assignment.objects.get()
    assert assignment.deadline == today - timedelta(days=14)
    days = {timezone.localtime(c.completed_at).date() for c in CourseCompletion.objects.all()}
    assert days and min(days) >= assignment.deadline - timedelta(days=60)
    assert max(days) <= assignment.deadline
    finished = CourseCompletion.objects.first().user
    client.force_login(finished)
    from django.urls import reverse

    page = client.get(reverse("people:notices")).content.decode()
    assert f"请于 {assignment.deadline:%Y-%m-%d} 前" in page and "已完成" in page and ">新<" not in page
    # The demo teacher is still overdue: her notice stays open.
    assert Notice.objects.get(user=city.accounts["teacher"]).done_at is None
