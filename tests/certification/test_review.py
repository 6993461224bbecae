"""What HR reads on the application review page and the admin's inspect page, what a teacher
is offered to apply for, and the menu entries that lead HR there."""

import re
from datetime import UTC, date, datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override as translation_override

from certification.models import Application, CertificateLevel
from certification.services import application_reject, application_submit
from tests.factories import district_hr, staff
from tests.html_text import visible_text

from .builders import certificate, course, hours, level


def _rows(text: str) -> list[str]:
    return [line for line in text.splitlines()
            if line.endswith((" 已符合", " 未符合"))]


def test_review_page_shows_each_requirement_with_have_need_met_and_the_evidence(
        client, tree, teacher_a):
    b = CertificateLevel.objects.get(code="B")
    group = course("团体心理辅导")
    b.required_courses.add(group)
    certificate(teacher_a, "C", issued_on=date(2024, 1, 10))
    today = timezone.localdate()
    hours(teacher_a, 80, today)
    hours(teacher_a, 6, today, source="import")
    app = application_submit(teacher=teacher_a, level=b, submitted_by=teacher_a.user)
    client.force_login(district_hr(tree["district_x"]))
    page = client.get(reverse("certification:application_review", args=[app.pk]))
    text = visible_text(page.content.decode())
    rows = _rows(text.split("依据")[0])
    assert len(rows) == 3, text
    assert "前置证书 C C 证或更高 已符合" in rows[0]
    assert "近 5 年培训学时 86 学时 120 学时 未符合" in rows[1]
    assert "必修课程：团体心理辅导 未完成 完成 未符合" in rows[2]
    assert "尚未符合条件" in text
    # The evidence: hours by source add up to what the row says, the lower certificate.
    evidence = text.split("依据")[1].split("审核记录")[0]
    assert "线下培训 80" in evidence and "导入 6" in evidence and "合计 86" in evidence
    assert re.search(r"C · T-C-\d+ · 2024-01-10", evidence)
    assert "团体心理辅导 · 未完成" in evidence
    history = text.split("审核记录")[1]
    assert "B · 申请于" in history and "待审核" in history


def test_an_eligible_applicant_reads_every_row_met_and_the_earlier_decision(
        client, tree, teacher_a):
    hr = district_hr(tree["district_x"], first_name="", last_name="", username="hr-x")
    hours(teacher_a, 24, timezone.localdate())
    first = application_submit(teacher=teacher_a, level=level("C"), submitted_by=teacher_a.user)
    application_reject(application=first, decided_by=hr, reason="材料不全")
    app = application_submit(teacher=teacher_a, level=level("C"), submitted_by=teacher_a.user)
    client.force_login(hr)
    text = visible_text(client.get(
        reverse("certification:application_review", args=[app.pk])).content.decode())
    rows = _rows(text.split("依据")[0])
    assert rows and all("已符合" in r for r in rows), text
    assert "尚未符合" not in text and "符合条件" in text
    history = text.split("审核记录")[1]
    assert "已驳回" in history and "材料不全" in history and "hr-x" in history


def test_review_page_times_are_local(client, tree, teacher_a):
    app = application_submit(teacher=teacher_a, level=level("C"), submitted_by=teacher_a.user)
    # 19:30 UTC is 03:30 the next morning in Shanghai.
    Application.objects.filter(pk=app.pk).update(
        created_at=datetime(2026, 3, 1, 19, 30, tzinfo=UTC))
    client.force_login(district_hr(tree["district_x"]))
    text = visible_text(client.get(
        reverse("certification:application_review", args=[app.pk])).content.decode())
    assert "2026-03-02 03:30" in text and "19:30" not in text


def test_admin_inspect_renders_the_snapshot_as_the_requirement_list(client, tree, teacher_a):
    hours(teacher_a, 10, timezone.localdate())
    app = application_submit(teacher=teacher_a, level=level("C"), submitted_by=teacher_a.user)
    Application.objects.filter(pk=app.pk).update(
        created_at=datetime(2026, 3, 1, 19, 30, tzinfo=UTC))
    client.force_login(district_hr(tree["district_x"]))
    html = client.get(reverse("certificate_applications:inspect", args=[app.pk])).content.decode()
    text = visible_text(html)
    assert "近 5 年培训学时 10 学时 24 学时 未符合" in text
    assert "None" not in text and "{'" not in text and "pending" not in text
    assert f"{teacher_a.name} 申请 C 证（待审核）" in text
    assert "2026-03-02 03:30" in text
    assert reverse("certification:application_review", args=[app.pk]) in html
    assert "审核并决定" in text


def test_teacher_holding_c_is_offered_b_not_a_and_told_what_a_lacks(client, tree, teacher_a):
    certificate(teacher_a, "C", issued_on=date(2024, 1, 10))
    hours(teacher_a, 114, timezone.localdate())
    client.force_login(teacher_a.user)
    # 6 hours short of B: no button yet, the reason instead.
    html = client.get(reverse("certification:my_certificates")).content.decode()
    assert "申请 B 证" not in re.findall(r"<button[^>]*>([^<]*)</button>", html)
    assert "满足以上全部条件后即可申请 B 证。" in visible_text(html)
    hours(teacher_a, 6, timezone.localdate())
    html = client.get(reverse("certification:my_certificates")).content.decode()
    text = visible_text(html)
    buttons = re.findall(r"<button[^>]*>([^<]*)</button>", html)
    assert "申请 B 证" in buttons and "申请 A 证" not in buttons and "申请 C 证" not in buttons
    assert "持有 B 证后方可申请 A 证。" in text
    # The level line says what A lacks: B first, and the hours.
    a_line = next(line for line in text.splitlines() if line.startswith("A "))
    assert "B" in a_line and "120" in a_line, a_line
    # Posting A anyway is refused by the service, with the reason.
    response = client.post(reverse("certification:apply"), {"level": "A"}, follow=True)
    assert "申请 A 证须先持有 B 证。" in visible_text(response.content.decode())
    assert not Application.objects.filter(teacher=teacher_a, level__code="A").exists()


def test_hr_menu_has_the_desk_and_the_review_queue_with_its_count(client, tree, teacher_a,
                                                                  teacher_b):
    application_submit(teacher=teacher_a, level=level("C"), submitted_by=teacher_a.user)
    application_submit(teacher=teacher_b, level=level("C"), submitted_by=teacher_b.user)
    client.force_login(district_hr(tree["district_x"]))
    nav = client.get("/").content.decode().split('class="site-nav"')[1].split("</nav>")[0]
    assert 'href="/hr/"' in nav and "人事工作台" in nav
    assert "证书审核" in nav and ">1</span>" in nav  # school B is in district Y
    client.force_login(staff("city_hr", tree["city"]))
    nav = client.get("/").content.decode().split('class="site-nav"')[1].split("</nav>")[0]
    assert "证书审核" in nav and ">2</span>" in nav
    client.force_login(teacher_a.user)
    nav = client.get("/").content.decode().split('class="site-nav"')[1].split("</nav>")[0]
    assert "人事工作台" not in nav and "证书审核" not in nav


def test_site_screens_have_a_favicon_no_userbar_and_an_iso_correction_date(client, tree, teacher_a):
    from django.contrib.staticfiles import finders

    hr = district_hr(tree["district_x"])
    client.force_login(hr)
    with translation_override("zh-hans"):
        page = client.get(reverse("certification:teacher_record", args=[teacher_a.pk]))
    html = page.content.decode()
    assert 'rel="icon"' in html and finders.find("favicon.svg")
    assert "wagtail-userbar" not in html and "w-userbar" not in html
    today = timezone.localdate().isoformat()
    assert re.search(rf'type="date"[^>]*value="{today}"|value="{today}"[^>]*type="date"', html)


def test_a_teacher_holding_b_without_the_hours_for_a_sees_no_apply_button(client, tree, teacher_a):
    certificate(teacher_a, "C", issued_on=date(2022, 1, 10))
    certificate(teacher_a, "B", issued_on=date(2024, 1, 10))
    hours(teacher_a, 10, timezone.localdate())
    client.force_login(teacher_a.user)
    html = client.get(reverse("certification:my_certificates")).content.decode()
    buttons = re.findall(r"<button[^>]*>([^<]*)</button>", html)
    assert "申请 A 证" not in buttons
    assert "满足以上全部条件后即可申请 A 证。" in visible_text(html)


def test_the_header_names_the_hr_desk_and_the_admin_apart(client, tree):
    """人事工作台 is the HR desk; the admin is 管理后台 (no second "工作台")."""
    client.force_login(district_hr(tree["district_x"]))
    nav = client.get("/").content.decode().split('class="site-nav"')[1].split("</nav>")[0]
    assert '<a href="/hr/">人事工作台</a>' in nav
    assert '<a href="/admin/">管理后台</a>' in nav
    assert nav.count("工作台") == 1
