"""Builders for learning content and records in tests."""

from decimal import Decimal

from wagtail.models import Page, Site

from courses.models import (
    CourseIndexPage,
    CoursePage,
    LessonPage,
    LiveSessionIndexPage,
    MicroLectureIndexPage,
    ParentSchoolIndexPage,
    QuizPage,
)

QUESTIONS = [
    ("question", {"text": "学生流露轻生念头时，班主任首先应当？", "multiple": False, "options": [
        {"text": "保密，不告诉任何人", "correct": False},
        {"text": "保持陪伴并立即报告学校心理危机干预小组", "correct": True},
        {"text": "批评教育", "correct": False}]}),
    ("question", {"text": "以下哪些是心理危机的预警信号？", "multiple": True, "options": [
        {"text": "赠送心爱物品", "correct": True},
        {"text": "情绪突然平静", "correct": True},
        {"text": "按时完成作业", "correct": False}]}),
]
RIGHT = {0: [1], 1: [0, 1]}
WRONG = {0: [0], 1: [0]}


def home() -> Page:
    return Site.objects.get(is_default_site=True).root_page


def _child(parent: Page, page: Page) -> Page:
    parent.refresh_from_db()
    return parent.add_child(instance=page)


def course_index() -> CourseIndexPage:
    return CourseIndexPage.objects.first() or _child(home(), CourseIndexPage(title="课程", slug="courses"))


def sections() -> dict:
    """Every learning section page under the home page."""
    return {
        "courses": course_index(),
        "micro": MicroLectureIndexPage.objects.first()
        or _child(home(), MicroLectureIndexPage(title="公益微课", slug="micro")),
        "parents": ParentSchoolIndexPage.objects.first()
        or _child(home(), ParentSchoolIndexPage(title="家长学校", slug="parents")),
        "live": LiveSessionIndexPage.objects.first()
        or _child(home(), LiveSessionIndexPage(title="专题直播", slug="live")),
    }


def course(*, lessons: int = 2, quiz: bool = True, duration: int = 60, title: str = "危机识别",
           attempt_limit: int = 2, **fields) -> CoursePage:
    """A live course with `lessons` lessons of `duration` seconds and optionally a two-question quiz."""
    fields.setdefault("credit_hours", Decimal("6.0"))
    if "category" not in fields:
        fields.setdefault("category_id", "crisis")
    page = _child(course_index(), CoursePage(title=title, **fields))
    for n in range(1, lessons + 1):
        _child(page, LessonPage(title=f"第{n}讲", duration_seconds=duration,
                                embed_url=f"https://player.example.invalid/{n}"))
    if quiz:
        _child(page, QuizPage(title="结业测验", questions=QUESTIONS, pass_mark=100,
                              attempt_limit=attempt_limit))
    page.refresh_from_db()
    return page
