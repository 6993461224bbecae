"""A counsellor logs a week of work, on a phone and at a desk: a note with a phone number is
refused with the row named and nothing saved; corrected, the whole week goes for approval."""

import re

from playwright.sync_api import expect

from certification.models import WorkloadEntry
from people import demo

from .conftest import log_in


def _fill(page, row: int, activity: str, quantity: str, note: str = "", group: str = ""):
    page.get_by_label(f"第 {row} 行：活动").select_option(label=activity)
    page.get_by_label(f"第 {row} 行：次数或小时数").fill(quantity)
    if group:
        page.get_by_label(f"第 {row} 行：班级或团体人数").fill(group)
    page.get_by_label(f"第 {row} 行：说明").fill(note)


def test_counsellor_logs_a_week_and_submits_it(page, shot, migrated_data):
    city = demo.seed(teachers=10)
    counsellor = city.accounts["counsellor"]
    log_in(page, counsellor.username)
    page.get_by_role("link", name="我的工作量").first.click()
    page.get_by_role("link", name="按周批量登记").click()
    expect(page.get_by_role("heading", name=re.compile("^按周批量登记"))).to_be_visible()
    # A few rows, not 40 empty cards: the buttons are within a couple of screens on a phone.
    assert page.locator("[data-rows] tr").count() == 3
    assert page.evaluate("document.body.scrollHeight") < 4000
    page.get_by_role("link", name="添加一行").click()
    assert page.locator("[data-rows] tr").count() == 4

    _fill(page, 1, "心理健康教育课", "2", "七年级心理课：情绪管理", group="45")
    _fill(page, 2, "个体心理辅导", "3", "学业压力咨询，家长电话 13912345678")
    _fill(page, 3, "心理辅导室值班", "2", "午间值班")
    _fill(page, 4, "心理健康筛查与建档工作", "1", "新生心理普查")
    page.get_by_role("button", name="全部提交审核").click()
    # The second row is named, with the reason, and nothing of the week is saved.
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("第 2 行")
    expect(alert).to_contain_text("手机号")
    assert not WorkloadEntry.objects.filter(teacher__user=counsellor, note__contains="午间值班").exists()
    # What was typed is still there to correct.
    assert page.get_by_label("第 3 行：说明").input_value() == "午间值班"
    assert page.get_by_label("第 4 行：说明").input_value() == "新生心理普查"
    alert.scroll_into_view_if_needed()
    shot("counsellor-week-refused", full_page=False)

    page.get_by_label("第 2 行：说明").fill("学业压力咨询")
    page.get_by_role("button", name="全部提交审核").click()
    expect(page.get_by_role("status")).to_contain_text("已保存 4 条并提交审核")
    # The week's entries come first, before the rows to log more.
    logged = page.locator("section#logged")
    expect(logged).to_contain_text("心理辅导室值班")
    expect(logged).to_contain_text("本周记录均已提交审核。")
    assert page.locator("[data-rows] tr").count() == 3
    entries = WorkloadEntry.objects.filter(teacher__user=counsellor, note__in=[
        "七年级心理课：情绪管理", "学业压力咨询", "午间值班", "新生心理普查"])
    assert entries.count() == 4 and {e.status for e in entries} == {"submitted"}
    logged.scroll_into_view_if_needed()
    shot("counsellor-week-submitted", full_page=False)

    page.get_by_role("link", name="我的工作量").first.click()
    table = page.locator("table.stack").inner_text()
    assert "个体心理辅导" in table and "已提交" in table
    shot("counsellor-my-workload")
