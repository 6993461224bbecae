"""The demo seed adds published learning content and a half-done assignment, and is idempotent."""

import io

from courses import demo
from courses.models import (
    Assignment, CourseCompletion, CoursePage, Enrolment, LessonPage, LessonProgress,
    MicroLecturePage, ParentLessonPage, QuizPage,
)
from people import demo as people_demo


def counts():
    return (CoursePage.objects.live().count(), LessonPage.objects.count(), Enrolment.objects.count(),
            LessonProgress.objects.count(), CourseCompletion.objects.count(), Assignment.objects.count())


def test_seed_builds_content_and_is_idempotent(db, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
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
    # The demo teacher is part way through and sees it on My learning.
    client.force_login(city.accounts["teacher"])
    assert crisis.title in client.get("/learn/mine/").content.decode()
