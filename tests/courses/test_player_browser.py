"""The player script in a real browser: it reports with the CSRF token and the server credits it.

Marked e2e (Debian's Chromium through Playwright against a live server).
"""

import os
import shutil

import pytest
from django.conf import settings as django_settings
from django.test import Client

from courses import services
from courses.models import LessonPage, LessonProgress

from . import builders

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM),
                       reason="needs Debian's chromium"),
]


def test_embedded_lesson_player_reports_and_is_credited(live_server, transactional_db,
                                                        django_db_serialized_rollback, teacher_a):
    from playwright.sync_api import sync_playwright

    course = builders.course(lessons=1, quiz=False, duration=30)
    lesson = LessonPage.objects.child_of(course).get()
    services.enrolment_create(user=teacher_a.user, course=course)
    client = Client()
    client.force_login(teacher_a.user)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                                          "--disable-background-networking"])
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN",
                                      base_url=live_server.url)
        context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": session,
                              "url": live_server.url}])
        page = context.new_page()
        with page.expect_response(lambda r: "/progress/" in r.url and r.status == 200,
                                  timeout=20_000):
            page.goto(lesson.url)
        with page.expect_response(lambda r: "/progress/" in r.url and r.status == 200
                                  and r.json()["credited_seconds"] > 0, timeout=20_000):
            pass
        label = page.inner_text("[data-progress-label]")
        browser.close()
    progress = LessonProgress.objects.get(user=teacher_a.user, lesson=lesson)
    assert 4 <= progress.credited_seconds <= 8
    assert label.endswith("%") and label != "0%"
