"""A school admin, on a phone and at a desk, reads the school's charts on the dashboard,
approves a counsellor's week of workload, and prints the activation slips of the teachers who
have never logged in, all by clicking from the home page."""

import io
import re
from urllib.parse import parse_qs, urlsplit

from openpyxl import load_workbook
from pypdf import PdfReader

from certification import demo as certification_demo
from certification.models import WorkloadEntry
from people import demo
from people.models import Teacher


def test_school_admin_reads_the_charts_approves_a_week_and_prints_slips(page, shot, live_server):
    from certification.defaults import seed_defaults
    from certification.workload.defaults import ensure_default_activity_types

    # What the data migrations wrote: an earlier browser test's flush may have taken it.
    seed_defaults()
    ensure_default_activity_types()
    city = demo.seed(teachers=40)
    certification_demo.seed(city=city)
    admin = city.accounts["school_admin"]
    counsellor = city.accounts["counsellor"]
    pending = WorkloadEntry.objects.filter(teacher__user=counsellor, status="submitted")
    assert pending.exists()

    page.goto("/accounts/login/")
    page.get_by_label("工号或邮箱").fill(admin.username)
    page.get_by_label("密码").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/")
    page.get_by_role("link", name="数据看板").click()
    assert page.get_by_role("heading", name="数据看板").is_visible()
    chart = page.get_by_role("img", name="各校 C 证持证率")
    assert chart.is_visible()
    school = admin.staff_roles.first().organisation.name
    # The table behind the chart names the school and its rate, readable without colour.
    page.locator("#holding-C summary").click()
    row = page.locator("#holding-table-C tbody tr").first
    assert school in row.inner_text() and re.search(r"\d+(\.\d)?%|—", row.inner_text())
    shot("dashboard-school-admin")

    page.get_by_role("link", name="待审核工作量").first.click()
    # One closed block per counsellor, its totals on the summary line.
    block = page.locator("details.workload-counsellor", has_text=counsellor.teacher.name)
    summary = block.locator("summary").inner_text()
    waiting = pending.count()
    assert f"待审核 {waiting} 条" in summary and "工作量单位" in summary, summary
    if block.get_attribute("open") is None:
        block.locator("summary").click()
    shot("workload-queue")
    weeks = block.get_by_role("button", name=re.compile("通过本周全部"))
    before_weeks, before_pending = weeks.count(), pending.count()
    weeks.first.click()
    page.wait_for_load_state()
    expect_block = page.locator("details.workload-counsellor", has_text=counsellor.teacher.name)
    # Back at the queue with her block open at the next week, if one is left.
    if before_weeks > 1:
        assert expect_block.get_attribute("open") is not None
    shot("workload-week-approved")
    # The week's entries are approved and locked; after a reload the week is gone from the queue.
    assert pending.count() < before_pending
    assert WorkloadEntry.objects.filter(teacher__user=counsellor, status="approved").exists()
    page.reload()
    assert expect_block.get_by_role("button", name=re.compile("通过本周全部")).count() == before_weeks - 1

    # The activation slips: from home to the desk, an export of the school's never-logged-in
    # teachers, the sheet and the PDF of slips to print.
    # (Staff accounts get no slip: a code would log in as a school admin.)
    never = set(Teacher.objects.filter(school=city.demo_school, is_active=True, user__last_login=None)
                .exclude(user__staff_roles__isnull=False).values_list("employee_no", flat=True))
    assert never
    page.get_by_role("link", name="心育研修").first.click()
    page.get_by_role("link", name="人事工作台").first.click()
    page.get_by_role("combobox", name=re.compile(r"^导出")).select_option(
        label="激活通知单（从未登录的教师；新激活码使旧激活码作废）")
    page.get_by_role("button", name="开始导出").click()
    page.wait_for_url(re.compile(r"/hr/jobs/"))
    page.get_by_role("link", name="下载").wait_for(timeout=60_000)
    shot("school-admin-slips-ready")
    with page.expect_download() as info:
        page.get_by_role("link", name="下载").click()
    book = io.BytesIO(open(info.value.path(), "rb").read())
    rows = list(load_workbook(book, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[0][:4] == ("工号", "姓名", "学校", "激活码"), rows[0]
    assert {r[0] for r in rows[1:]} == never
    assert {r[2] for r in rows[1:]} == {city.demo_school.name}
    href = page.get_by_role("link", name="打印激活通知单（PDF）").get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200
    # Every slip links its teacher's activation page on the site's own address (the link under
    # the printed address), never 127.0.0.1:8000.
    links = {str(a.get_object()["/A"]["/URI"]) for page_ in PdfReader(io.BytesIO(response.body())).pages
             for a in page_.get("/Annots", []) if a.get_object().get("/A", {}).get("/URI")}
    assert {parse_qs(urlsplit(link).query)["no"][0] for link in links} == never
    assert all(link.startswith(f"{live_server.url}/accounts/") for link in links), sorted(links)[:3]
