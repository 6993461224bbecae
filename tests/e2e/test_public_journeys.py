"""What anyone can do without an account: a parent watches a parent-school lesson, and a
stranger verifies a certificate from the QR code printed on it."""

import io
from datetime import date

from django.contrib.auth import get_user_model
from pypdf import PdfReader

from certification.models import Certificate, CertificateLevel
from certification.services import certificate_revoke
from courses import demo as courses_demo
from courses.models import ParentLessonPage
from people import demo
from tests.factories import TeacherFactory

from .conftest import log_in, screenshot

User = get_user_model()


def test_parent_opens_a_parent_school_lesson_without_an_account(page, shot, migrated_data):
    city = demo.seed(teachers=10)
    courses_demo.seed(city=city, stdout=open("/dev/null", "w"))
    lesson = ParentLessonPage.objects.get(slug="transition-new-term")
    views_before = lesson.view_count

    page.goto("/")
    page.get_by_role("link", name="家长学校").first.click()
    assert page.get_by_role("heading", name="家长学校").is_visible()
    page.get_by_role("link", name="做好衔接教育，迎接崭新学期").click()
    # No log-in page on the way: the lesson, its video and its text are there.
    assert "/accounts/login/" not in page.url
    assert page.get_by_role("heading", name="做好衔接教育，迎接崭新学期").is_visible()
    video = page.locator("video.player")
    video.wait_for()
    page.wait_for_function("() => document.querySelector('video.player').readyState >= 1")
    assert round(video.evaluate("v => v.duration")) == courses_demo.VIDEO_SECONDS
    assert page.get_by_text("开学前两周家长可以做的三件事").is_visible()
    assert page.get_by_role("link", name="退出").count() == 0
    shot("parent-lesson")
    lesson.refresh_from_db()
    assert lesson.view_count == views_before + 1


def _certificate_pdf(browser, base_url: str) -> tuple[Certificate, bytes]:
    """The holder logs in and fetches her certificate's PDF from "My certificates"."""
    city = demo.seed(teachers=5)
    teacher = TeacherFactory(name="李春梅", employee_no="V2024001", school=city.demo_school)
    teacher.user.set_password(demo.DEMO_PASSWORD)
    teacher.user.save()
    cert = Certificate.objects.create(
        number="SF-C-2024-V0001", level=CertificateLevel.objects.get(code="C"), teacher=teacher,
        issued_on=date(2024, 6, 1), expires_on=date(2029, 5, 31), authority="心育示范市教育局")
    context = browser.new_context(base_url=base_url, locale="zh-CN")
    try:
        page = context.new_page()
        log_in(page, teacher.employee_no)
        page.goto("/certificates/")
        href = page.locator("tr", has_text=cert.number).get_by_role("link", name="PDF").get_attribute("href")
        response = page.request.get(href)
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
        return cert, response.body()
    finally:
        context.close()


def _qr_link(pdf: bytes) -> str:
    """The URL under the QR code: the link annotation over the code's image."""
    links = []
    for annotation in PdfReader(io.BytesIO(pdf)).pages[0].get("/Annots", []):
        action = annotation.get_object().get("/A")
        if action and action.get("/URI"):
            links.append(str(action["/URI"]))
    assert links, "the certificate PDF links no verification URL"
    assert len(set(links)) == 1
    return links[0]


def test_anyone_verifies_a_certificate_from_its_qr_code(browser, viewport, live_server,
                                                         migrated_data):
    cert, pdf = _certificate_pdf(browser, live_server.url)
    url = _qr_link(pdf)
    assert url.startswith(live_server.url) and cert.verification_code in url
    # A stranger's phone: a fresh browser with no session.
    name, size = viewport
    context = browser.new_context(viewport=size, locale="zh-CN", is_mobile=name == "phone")
    page = context.new_page()
    page.viewport_name = name
    try:
        page.goto(url)
        card = page.locator("section.card").first
        text = card.inner_text()
        assert cert.number in text and "2024-06-01" in text and "2029-05-31" in text
        # The holder's name is masked for strangers: the family name and the last character.
        assert "李*梅" in text and "李春梅" not in page.content()
        assert card.locator(".badge.ok").inner_text() == "有效"
        screenshot(page, "verify-certificate")

        # Revoked by HR through the service, which writes the event the page reads validity from.
        certificate_revoke(certificate=cert, revoked_by=User.objects.create_superuser("revoker"),
                           reason="信息有误")
        page.reload()
        assert page.locator("section.card .badge.bad").inner_text() == "已撤销"
    finally:
        context.close()
