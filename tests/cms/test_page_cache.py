"""Pages served through the page cache: routing skipped on the next request, and never a tree
older than the database's after an editor's change."""

import re

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from cms import page_cache
from courses import services
from courses.models import LessonPage, ParentLessonPage
from tests.courses import builders


def get(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return response, [q["sql"] for q in ctx.captured_queries]


def without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_a_course_page_served_again_reads_no_page_or_site(client, teacher_a):
    course = builders.course(lessons=3)
    services.enrolment_create(user=teacher_a.user, course=course)
    client.force_login(teacher_a.user)
    first, first_sql = get(client, course.url)
    again, again_sql = get(client, course.url)
    assert first.status_code == again.status_code == 200
    routing = [sql for sql in again_sql if '"wagtailcore_' in sql]
    assert routing == []
    # Site, four pages from the root down, the ancestors' restrictions, the lessons and quiz.
    assert len(first_sql) - len(again_sql) >= 8
    html = again.content.decode()
    assert all(f"第{n}讲" in html for n in (1, 2, 3)) and "结业测验" in html
    assert without_tokens(html) == without_tokens(first.content.decode())


def test_a_published_change_shows_on_the_next_request(client, teacher_a):
    course = builders.course(lessons=1)
    client.force_login(teacher_a.user)
    assert "危机识别" in client.get(course.url).content.decode()
    course.title = "危机识别与干预（修订）"
    course.save_revision().publish()
    assert "危机识别与干预（修订）" in client.get(course.url).content.decode()
    lesson = course.add_child(instance=LessonPage(title="第2讲 新增", duration_seconds=60,
                                                  embed_url="https://player.example.invalid/2"))
    assert "第2讲 新增" in client.get(course.url).content.decode()
    lesson.unpublish()
    assert client.get(lesson.url).status_code == 404
    assert "第2讲 新增" not in client.get(course.url).content.decode()


def test_a_moved_page_answers_at_its_new_address_and_a_deleted_one_nowhere(client, teacher_a):
    first = builders.course(title="课程甲", lessons=1, quiz=False)
    second = builders.course(title="课程乙", lessons=0, quiz=False)
    client.force_login(teacher_a.user)
    lesson = LessonPage.objects.child_of(first).get()
    old_url = lesson.url
    assert client.get(old_url).status_code == 200
    lesson.move(second, pos="last-child")
    lesson.refresh_from_db()
    moved = client.get(old_url)  # Wagtail's redirect from the old address, not the cached page
    assert moved.status_code == 301 and moved["Location"] == lesson.url
    assert client.get(lesson.url).status_code == 200
    url = lesson.url
    lesson.delete()
    assert client.get(url).status_code == 404


def test_a_privacy_setting_applies_on_the_next_request(client, tree):
    parents = builders.sections()["parents"]
    lesson = parents.add_child(instance=ParentLessonPage(title="亲子沟通"))
    assert client.get(lesson.url).status_code == 200
    PageViewRestriction.objects.create(page=parents, restriction_type=PageViewRestriction.LOGIN)
    response = client.get(lesson.url)
    assert response.status_code == 302 and "login" in response["Location"]


def test_each_view_of_a_cached_parent_lesson_counts_and_shows(client, tree):
    lesson = builders.sections()["parents"].add_child(instance=ParentLessonPage(title="做好衔接教育"))
    for n in range(1, 4):
        html = client.get(lesson.url).content.decode()
        assert f"{n} 次观看" in html or f"{n} view" in html
    lesson.refresh_from_db()
    assert lesson.view_count == 3


def test_the_tree_gets_a_new_version_again_when_the_change_commits(
        teacher_a, django_capture_on_commit_callbacks):
    """A request reading the tree while the change is in flight may cache the old tree under the
    version started by the change; the version started at commit never holds it."""
    course = builders.course(lessons=1, quiz=False)
    before = page_cache.pages_version()
    with django_capture_on_commit_callbacks(execute=True):
        course.save_revision().publish()
        during = page_cache.pages_version()
    assert len({before, during, page_cache.pages_version()}) == 3


def test_a_migration_run_starts_a_new_version(tree):
    """Data migrations change pages through historical models, which send no Page signals."""
    before = page_cache.pages_version()
    call_command("migrate", verbosity=0)
    assert page_cache.pages_version() != before
