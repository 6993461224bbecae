"""A school admin, on a phone and at a desk, reads the school's charts on the dashboard and
approves a counsellor's week of workload."""

import re

from certification import demo as certification_demo
from certification.models import WorkloadEntry
from people import demo


def test_school_admin_reads_the_charts_and_approves_a_week(page, shot):
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
    weeks = page.get_by_role("button", name=re.compile("通过本周全部"))
    before_weeks, before_pending = weeks.count(), pending.count()
    weeks.first.click()
    page.wait_for_load_state()
    shot("workload-week-approved")
    # The week's entries are approved and locked; after a reload the week is gone from the queue.
    assert pending.count() < before_pending
    assert WorkloadEntry.objects.filter(teacher__user=counsellor, status="approved").exists()
    page.reload()
    assert page.get_by_role("button", name=re.compile("通过本周全部")).count() == before_weeks - 1
