"""A district brings itself in: district HR imports a school into the organisation tree and a
roster with leavers (named in the preview before anything is written), grants the new school's
admin in the Wagtail admin, and the dashboard's staffing and holding figures follow."""

import re
from datetime import date

from openpyxl import Workbook

from certification import demo as certification_demo
from people import demo
from people.models import Organisation, StaffRole, Teacher
from tests.factories import TeacherFactory

from .conftest import log_in

NEW_SCHOOL = ("SF-NS-01-901", "南沙第一新建初级中学")


def _sheet(path, rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def _dashboard_row(page, table: str, school: str, *, township) -> list[str] | None:
    # From the home page: the header's 数据看板, then one level down to the township, whose
    # page lists each of its schools.
    page.goto("/")
    page.locator(".site-nav").get_by_role("link", name="数据看板").click()
    page.locator("#drill-down").get_by_role("link", name=township.name).click()
    page.wait_for_url(re.compile(rf"org={township.pk}\b"))
    row = page.locator(f"#{table} tbody tr", has_text=school)
    if row.count() == 0:
        return None
    return [c.strip() for c in row.first.locator("td").all_text_contents()]


def _upload(page, kind_label: str, path, *, mark_left: bool = False):
    # From the home page: the header's 人事工作台, then its upload link.
    page.goto("/")
    page.locator(".site-nav").get_by_role("link", name="人事工作台").click()
    page.get_by_role("link", name="上传表格").first.click()
    page.get_by_label("表格内容").select_option(label=kind_label)
    page.get_by_label("Excel 或 CSV 文件（.xlsx、.xls、.xlsb、.ods、.et、.csv）").set_input_files(str(path))
    if mark_left:
        page.get_by_label("将这些学校中不在本文件里的教师标记为离职").check()
    page.get_by_role("button", name="上传并预览").click()
    page.wait_for_selector("text=预览")


def test_district_hr_brings_a_school_a_roster_with_leavers_and_its_admin(page, shot, migrated_data, tmp_path):
    city = demo.seed(teachers=30)
    certification_demo.seed(city=city)
    hr = city.accounts["district_hr"]
    school = city.demo_school
    for name in ("何志强", "罗晓燕"):  # two teachers who have since left the school
        TeacherFactory(school=school, name=name, hire_date=date(2012, 9, 1))
    township = school.get_parent()
    log_in(page, hr.username)
    holding_before = _dashboard_row(page, "holding-table-C", school.name, township=township)
    assert _dashboard_row(page, "staffing-table", NEW_SCHOOL[1], township=township) is None

    # 1. The organisation sheet: a new junior secondary school of 1,500 students.
    orgs = _sheet(tmp_path / "机构.xlsx", [
        ["上级代码", "学校代码", "学校名称", "类型", "学段", "学生数", "寄宿制", "统计日期"],
        [township.code, *NEW_SCHOOL, "学校", "初中", 1500, "否", date(2026, 9, 1)],
    ])
    _upload(page, "组织机构", orgs)
    assert NEW_SCHOOL[1] in page.inner_text("main")
    shot("district-org-preview")
    page.get_by_role("button", name="确认写入").click()
    page.get_by_text(re.compile(r"已写入：新增 1")).wait_for()
    new_school = Organisation.objects.get(code=NEW_SCHOOL[0])
    assert new_school.get_parent() == township
    staffing = _dashboard_row(page, "staffing-table", NEW_SCHOOL[1], township=township)
    # 专职 0, 兼职 0, required 1, short 1.
    assert staffing == [NEW_SCHOOL[1], "初中", "1500", "0", "0", "1", "1"], staffing

    # 2. The roster: the demo school's teachers but two, plus the new school's counsellor.
    staying = list(Teacher.objects.filter(school=school, is_active=True).order_by("employee_no"))
    leaving = [t for t in staying if t.name in ("何志强", "罗晓燕")]
    rows = [["工号", "姓名", "学校代码", "岗位", "在职状态"]]
    rows += [[t.employee_no, t.name, school.code, None, "在职"] for t in staying if t not in leaving]
    rows.append(["N2026901", "陈静怡", NEW_SCHOOL[0], "专职心理教师、班主任", "在职"])
    roster = _sheet(tmp_path / "花名册.xlsx", rows)
    _upload(page, "教师名册", roster, mark_left=True)
    leavers = page.locator("#leavers")
    assert leavers.get_by_role("heading").inner_text() == "将有 2 名教师被标记为离职"
    for teacher in leaving:
        assert teacher.name in leavers.inner_text() and teacher.employee_no in leavers.inner_text()
    assert Teacher.objects.filter(pk__in=[t.pk for t in leaving], is_active=True).count() == 2
    shot("district-roster-leavers")
    page.get_by_role("button", name="确认写入").click()
    page.get_by_text("已将 2 名教师标记为离职。").wait_for()
    for teacher in leaving:
        teacher.refresh_from_db()
        assert not teacher.is_active and not teacher.user.is_active

    # 3. The new teacher becomes the new school's admin, granted in the admin by district HR.
    # From the home page: the header's 管理后台, the sidebar's 人员 › 管理角色, then 添加.
    page.goto("/")
    page.locator(".site-nav").get_by_role("link", name="管理后台").click()
    if page.viewport_name == "phone":  # the sidebar folds away on a phone
        page.get_by_role("button", name="切换侧边栏").first.click()
    page.get_by_role("button", name="人员").click()
    page.get_by_role("link", name="管理角色").click()
    page.wait_for_url(re.compile(r"/admin/staff_roles/$"))
    page.locator("a[href$='/admin/staff_roles/new/']").first.click()
    page.wait_for_url(re.compile(r"/admin/staff_roles/new/$"))
    page.locator("#id_person").fill("N2026901")
    page.locator("#id_role").select_option("school_admin")
    page.locator("#id_organisation").select_option(label=NEW_SCHOOL[1])
    shot("district-grant-school-admin")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/admin/staff_roles/$"))
    assert StaffRole.objects.filter(user__username="N2026901", role="school_admin",
                                    organisation=new_school).exists()

    # 4. The dashboard follows: the new school is staffed, and the leavers left the rate's count.
    staffing = _dashboard_row(page, "staffing-table", NEW_SCHOOL[1], township=township)
    assert staffing[3:] == ["1", "0", "1", "0"], staffing
    holding_after = _dashboard_row(page, "holding-table-C", school.name, township=township)
    assert int(holding_after[1]) < int(holding_before[1]), (holding_before, holding_after)
    shot("district-dashboard")
