"""A trainer, on a phone and at a desk, all by clicking from the home page: uploads a video in
the Wagtail admin, adds a lesson to a course from the course page's editing bar and submits it
for review; she has no way to publish it. A reviewer approves it from the admin's dashboard and
a teacher finds it live in the course."""

import re
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import expect

from courses import demo as courses_demo
from courses.models import CoursePage, LessonPage
from people import demo

from .conftest import log_in

VIDEO = Path(courses_demo.__file__).parent / "demo_media" / "lesson.mp4"
TITLE = "第5讲 危机后的班级心理辅导"



def _admin_menu(page, link: str):
    """Click a link of the admin's sidebar (folded away on a phone)."""
    toggle = page.get_by_role("button", name=re.compile("侧边栏|sidebar", re.I)).first
    toggle.wait_for(state="attached")  # the sidebar is drawn by a script after the page loads
    target = page.get_by_role("link", name=link).first
    if not target.is_visible():
        toggle.click()
    target.click()


def _to_admin(page):
    page.get_by_role("link", name="管理后台").first.click()
    page.wait_for_url(re.compile(r"/admin/$"))


def test_trainer_submits_a_lesson_a_reviewer_puts_it_live(page, shot, migrated_data):
    city = demo.seed(teachers=5)
    courses_demo.seed(city=city, stdout=open("/dev/null", "w"))
    course = CoursePage.objects.get(slug="crisis-intervention")

    # The trainer uploads the lecture's video in the admin.
    log_in(page, city.accounts["trainer"].username)
    _to_admin(page)
    _admin_menu(page, "媒体")
    page.get_by_role("link", name="添加视频").click()
    page.get_by_role("textbox", name="标题").fill("危机识别第5讲")
    page.get_by_label("文件").set_input_files(str(VIDEO))
    page.get_by_role("spinbutton", name="持续时间").fill("30")
    page.get_by_role("button", name="上传").click()
    expect(page.locator("#media-results, .listing").get_by_text("危机识别第5讲").first).to_be_visible()
    # The browser's back button to the site's home page.
    for _ in range(8):
        if urlsplit(page.url).path == "/":
            break
        page.go_back()
    assert urlsplit(page.url).path == "/"

    # Back on the site, the course; its editing bar adds a lesson.
    page.get_by_role("link", name="课程", exact=True).first.click()
    page.get_by_role("link", name=course.title).first.click()
    page.get_by_role("heading", name=course.title).wait_for()
    page.locator("wagtail-userbar").get_by_role("button", name=re.compile("快捷动作")).click()
    page.get_by_role("menuitem", name="添加子页面").click()
    page.get_by_role("link", name="课时", exact=True).click()
    page.get_by_role("textbox", name="标题").fill(TITLE)
    page.get_by_role("button", name="选择视频").click()
    page.get_by_role("link", name="危机识别第5讲").click()
    page.get_by_role("spinbutton", name="时长（秒）").fill("30")
    page.get_by_role("button", name="更多动作").click()
    footer = page.locator("footer").inner_text()
    # Trainers save drafts and submit; there is no publish action for them.
    assert "发布" not in footer and "提交给学习内容审核" in footer, footer
    expect(page.get_by_role("button", name=re.compile("^提交给学习内容审核"))).to_be_visible()
    page.wait_for_timeout(400)  # let the menu finish opening before the picture
    shot("trainer-lesson-editor", full_page=False)
    page.get_by_role("button", name=re.compile("^提交给学习内容审核")).click()
    page.wait_for_url(re.compile(r"/admin/pages/\d+/"))
    lesson = LessonPage.objects.get(title=TITLE)
    assert not lesson.live and lesson.video.title == "危机识别第5讲"
    assert lesson.current_workflow_state.status == "in_progress"
    # Not live: the public URL is a 404 and the course page does not list it.
    assert page.request.get(lesson.url).status == 404
    assert TITLE not in page.request.get(course.url).text()

    # The reviewer finds it waiting on the admin dashboard and approves it.
    page.context.clear_cookies()
    log_in(page, city.accounts["reviewer"].username)
    _to_admin(page)
    waiting = page.locator("tr", has_text=TITLE)
    expect(waiting).to_be_visible()
    shot("reviewer-dashboard")
    waiting.get_by_role("button", name="动作").click()
    page.get_by_role("button", name="通过", exact=True).click()
    page.wait_for_load_state()
    lesson.refresh_from_db()
    for _ in range(50):
        if lesson.live:
            break
        page.wait_for_timeout(100)
        lesson.refresh_from_db()
    assert lesson.live and lesson.current_workflow_state is None

    # A teacher sees the new lesson in the course, with its video.
    page.context.clear_cookies()
    log_in(page, city.accounts["teacher"].username)
    page.get_by_role("link", name="课程", exact=True).first.click()
    page.get_by_role("link", name=course.title).first.click()
    page.get_by_role("link", name=TITLE).click()
    assert page.get_by_role("heading", name=TITLE).is_visible()
    page.wait_for_function("() => document.querySelector('video.player').readyState >= 1")
    assert round(page.locator("video.player").evaluate("v => v.duration")) == 30
    shot("trainer-lesson-live")
