"""A teacher plays the demo's SCORM package in the browser: she leaves half way on one device,
resumes on the other where she left off, finishes, and the ledger shows the course's hour once.

Each run starts on the viewport of its parameter (phone or desktop) and resumes on the other.
The package (courses.demo_packages.scorm12) runs in the sandboxed frame against scorm-again's
SCORM 1.2 API on the lesson page; every page turn commits to the server.
"""

import io
import re
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from certification.models import TrainingEntry
from courses import demo as courses_demo
from courses.models import CourseCompletion, CoursewareAttempt, CoursewareLessonPage
from people import demo

from .conftest import DESKTOP, PHONE, log_in, screenshot


def _seed():
    city = demo.seed(teachers=20)
    courses_demo.seed(city=city, stdout=io.StringIO())
    return city.accounts["teacher"]


def _open_lesson(page, lesson):
    page.goto(lesson.url)
    frame = page.frame_locator("div.courseware iframe")
    frame.locator("#page[data-page]").wait_for()
    return frame


def test_teacher_plays_a_scorm_package_leaves_half_way_and_resumes_on_another_device(
        page, browser, live_server, migrated_data, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None}}}
    user = _seed()
    attempt_started = timezone.now()
    lesson = CoursewareLessonPage.objects.live().get(slug="scorm-lesson")
    course = lesson.get_parent().specific
    log_in(page, user.username)

    # From the catalogue to the course, enrol, and into the lesson.
    page.goto(course.url)
    page.get_by_role("button", name="报名学习").click()
    page.get_by_role("link", name=lesson.title).first.click()
    frame = page.frame_locator("div.courseware iframe")
    assert "第1页" in frame.locator("#page").inner_text()
    assert page.locator("div.courseware iframe").get_attribute("sandbox") == "allow-scripts allow-same-origin"
    page.wait_for_timeout(2500)  # she reads the page: the package's session time runs
    frame.get_by_role("button", name="下一页").click()
    frame.locator("body[data-committed='2']").wait_for()
    assert "第2页" in frame.locator("#page").inner_text()
    screenshot(page, "courseware-lesson", full_page=False)
    attempt = CoursewareAttempt.objects.get(user=user, lesson=lesson)
    assert (attempt.location, attempt.suspend_data, attempt.lesson_status) == ("2", "seen=2", "incomplete")
    # She leaves half way.
    page.goto("/")
    assert not CourseCompletion.objects.filter(user=user).exists()

    # The other device: she logs in there and the package opens on page 2.
    other_name = "desktop" if page.viewport_name == "phone" else "phone"
    context = browser.new_context(viewport=DESKTOP if other_name == "desktop" else PHONE,
                                  locale="zh-CN", base_url=live_server.url,
                                  is_mobile=other_name == "phone", has_touch=other_name == "phone")
    try:
        other = context.new_page()
        other.set_default_timeout(15_000)
        other.viewport_name = other_name
        log_in(other, user.username)
        frame = _open_lesson(other, lesson)
        assert "第2页" in frame.locator("#page").inner_text()
        other.wait_for_timeout(2500)
        frame.get_by_role("button", name="下一页").click()
        frame.locator("body[data-committed='3']").wait_for()
        other.locator("[data-courseware-status]", has_text="已完成").wait_for()
        screenshot(other, "courseware-completed", full_page=False)
        # Opening it again and playing on changes nothing in the ledger.
        frame = _open_lesson(other, lesson)
        assert "第3页" in frame.locator("#page").inner_text()
    finally:
        context.close()

    completion = CourseCompletion.objects.get(user=user, course=course)
    assert completion.hours == Decimal("1.0")
    entries = TrainingEntry.objects.filter(teacher=user.teacher, reference=f"course-completion:{completion.pk}")
    assert entries.count() == 1
    # Her ledger page shows the course's hour, once.
    page.goto("/")
    page.get_by_role("link", name="我的学习").first.click()
    assert page.get_by_text(course.title).count() >= 1
    # The time credited is what the package reported, no more than the time that passed.
    attempt.refresh_from_db()
    assert 4 <= attempt.time_credited <= (completion.completed_at - attempt_started).total_seconds() + 10


def test_an_h5p_lesson_completes_from_its_xapi_statement(page, live_server, migrated_data,
                                                          settings, tmp_path):
    if page.viewport_name != "desktop":
        return  # one viewport is enough for the H5P bridge; the SCORM journey covers both
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None}}}
    from django.core.files.uploadedfile import SimpleUploadedFile

    from courses import demo_packages, services

    user = _seed()
    course = CoursewareLessonPage.objects.get(slug="scorm-lesson").get_parent().specific
    upload = SimpleUploadedFile("check.h5p", demo_packages.h5p())
    package = services.courseware_package_store(
        checked=services.courseware_package_check(upload=upload))
    course.refresh_from_db()
    lesson = course.add_child(instance=CoursewareLessonPage(title="H5P 自查", slug="h5p-check",
                                                            package=package, duration_seconds=60))
    services.enrolment_create(user=user, course=course)
    log_in(page, user.username)
    page.goto(lesson.url)
    # h5p-standalone plays the content in a frame of its own, inside the lesson's sandboxed frame.
    button = (page.frame_locator("div.courseware iframe").frame_locator("iframe.h5p-iframe")
              .locator("button.crisis-check-done"))
    button.click()
    page.locator("[data-courseware-status]", has_text="已完成").wait_for()
    attempt = CoursewareAttempt.objects.get(user=user, lesson=lesson)
    assert attempt.completion_status == "completed"


def test_a_scorm_2004_lesson_resumes_and_needs_a_pass(page, live_server, migrated_data,
                                                      settings, tmp_path):
    if page.viewport_name != "desktop":
        return  # the run-time is the same on a phone; the SCORM 1.2 journey covers both
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None}}}
    from django.core.files.uploadedfile import SimpleUploadedFile

    from courses import demo_packages, services

    user = _seed()
    course = CoursewareLessonPage.objects.get(slug="scorm-lesson").get_parent().specific
    upload = SimpleUploadedFile("crisis-2004.zip", demo_packages.scorm2004(passed=True))
    package = services.courseware_package_store(
        checked=services.courseware_package_check(upload=upload))
    course.refresh_from_db()
    lesson = course.add_child(instance=CoursewareLessonPage(
        title="SCORM 2004 课件", slug="scorm-2004", package=package, passed_required=True,
        duration_seconds=60))
    services.enrolment_create(user=user, course=course)
    log_in(page, user.username)
    frame = _open_lesson(page, lesson)
    frame.get_by_role("button", name="下一页").click()
    frame.locator("body[data-committed='2']").wait_for()
    frame = _open_lesson(page, lesson)  # leaves and comes back: page 2
    assert "第2页" in frame.locator("#page").inner_text()
    frame.get_by_role("button", name="下一页").click()
    page.locator("[data-courseware-status]", has_text="已完成").wait_for()
    attempt = CoursewareAttempt.objects.get(user=user, lesson=lesson)
    assert (attempt.completion_status, attempt.success_status, attempt.score_scaled) == (
        "completed", "passed", 0.9)


def test_trainer_uploads_a_package_a_bad_one_is_refused_in_chinese(page, migrated_data, settings,
                                                                   tmp_path):
    if page.viewport_name != "desktop":
        return  # trainers edit on a computer; the admin's phone layout is the trainer journey's
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None}}}
    from courses import demo_packages
    from courses.models import CoursewarePackage

    city = demo.seed(teachers=5)
    courses_demo.seed(city=city, stdout=io.StringIO())
    course = CoursewareLessonPage.objects.get(slug="scorm-lesson").get_parent().specific
    bad = tmp_path / "没有清单.zip"
    bad.write_bytes(demo_packages.zipped({"课件/index.html": "<p>少了一层</p>"}))
    good = tmp_path / "危机识别2004.zip"
    good.write_bytes(demo_packages.scorm2004())
    packages_before = CoursewarePackage.objects.count()

    log_in(page, city.accounts["trainer"].username)
    page.goto(f"/admin/pages/{course.pk}/add_subpage/")
    page.get_by_role("link", name="课件课时", exact=True).click()
    page.get_by_role("textbox", name="标题").fill("第2讲 互动练习")
    page.get_by_role("textbox", name="标题").press("Tab")  # the web name is made from the title
    expect(page.locator("input[name=slug]")).not_to_have_value("")
    page.locator("input[name=package_file]").set_input_files(str(bad))
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("课件包顶层没有 imsmanifest.xml").first).to_be_visible()
    assert CoursewarePackage.objects.count() == packages_before
    screenshot(page, "trainer-courseware-refused", full_page=False)

    page.locator("input[name=package_file]").set_input_files(str(good))
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_url(re.compile(r"/admin/pages/\d+/edit/"))
    lesson = CoursewareLessonPage.objects.get(title="第2讲 互动练习")
    assert lesson.package.version == "SCORM 2004 4th Edition" and not lesson.live
    expect(page.get_by_text("当前：").first).to_be_visible()
    screenshot(page, "trainer-courseware-editor", full_page=False)
