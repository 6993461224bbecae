"""The HR desk pages: who gets in, uploading, previewing, confirming, templates."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext
from openpyxl import load_workbook

from hr.models import Job
from hr.sheets.columns import SPECS
from people.models import Teacher
from tests.factories import TeacherFactory, school_admin

from .builders import roster


def test_desk_needs_an_admin_role(client, tree, teacher_a, hr_x):
    assert client.get(reverse("hr:desk")).status_code == 302  # to the login page
    client.force_login(teacher_a.user)
    assert client.get(reverse("hr:desk")).status_code == 403
    client.force_login(school_admin(tree["school_a"]))
    assert client.get(reverse("hr:desk")).status_code == 200
    assert client.get(reverse("hr:import_new")).status_code == 403  # imports are HR's
    client.force_login(hr_x)
    assert client.get(reverse("hr:desk")).status_code == 200


def test_upload_preview_confirm_through_the_pages(client, hr_x, tree, tmp_path,
                                                  django_capture_on_commit_callbacks):
    path = roster(tmp_path / "r.xlsx", [
        {"employee_no": "E1", "name": "甲", "school_code": tree["school_a"].code, "role": "班主任"}])
    client.force_login(hr_x)
    with django_capture_on_commit_callbacks(execute=True), path.open("rb") as handle:
        response = client.post(reverse("hr:import_new"), {"sheet": "teachers", "file": handle})
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == reverse("hr:job", args=[job.pk])
    page = client.get(response.url).content.decode()
    assert reverse("hr:job_confirm", args=[job.pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("hr:job_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert Teacher.objects.get(employee_no="E1").role == "head_teacher"
    status = client.get(reverse("hr:job_status", args=[job.pk])).json()
    assert status["status"] == "done" and status["active"] is False


def test_a_wrong_file_is_refused_on_the_form_and_makes_no_job(client, hr_x, tmp_path):
    client.force_login(hr_x)
    bad = tmp_path / "r.xlsx"
    bad.write_text("工号,姓名\n")
    with bad.open("rb") as handle:
        response = client.post(reverse("hr:import_new"), {"sheet": "teachers", "file": handle})
    assert response.status_code == 200
    assert "不是 Excel .xlsx 文件（例如改了扩展名的 CSV）" in response.content.decode()
    assert not Job.objects.exists()


def test_preview_page_shows_row_column_value_reason(client, hr_x, tree, tmp_path,
                                                    django_capture_on_commit_callbacks):
    TeacherFactory(school=tree["school_a"], employee_no="E1", name="旧")
    path = roster(tmp_path / "r.xlsx", [
        {"employee_no": "E1", "name": "新", "school_code": tree["school_a"].code},
        {"employee_no": "E2", "name": "乙", "school_code": tree["school_a"].code, "gender": "X"}])
    client.force_login(hr_x)
    with django_capture_on_commit_callbacks(execute=True), path.open("rb") as handle:
        response = client.post(reverse("hr:import_new"), {"sheet": "teachers", "file": handle})
    page = client.get(response.url).content.decode()
    assert "性别应为 男 或 女" in page and ">3<" in page and "旧 → 新" in page
    job = Job.objects.get()
    assert reverse("hr:job_confirm", args=[job.pk]) not in page


@pytest.mark.parametrize("sheet", ["teachers", "certificates", "training"])
def test_templates_have_headers_example_lists_and_instructions(client, hr_x, sheet):
    client.force_login(hr_x)
    response = client.get(reverse("hr:template", args=[sheet]))
    assert response.status_code == 200
    from io import BytesIO
    workbook = load_workbook(BytesIO(response.content))
    data, notes = workbook.worksheets
    assert "工号" in [c.value for c in data[1]] and data.title == gettext(SPECS[sheet].title_en)
    assert data.max_row == 2 and notes.max_row > 5
    lists = [v.formula1 for v in data.data_validations.dataValidation]
    if sheet == "teachers":
        # 岗位 takes several posts in one cell (班主任、兼职心理教师), so it has no one-value list.
        assert '"男,女"' in lists and '"在职,离职,调出,退休"' in lists
        assert not any("班主任" in f for f in lists)
    if sheet == "certificates":
        assert '"C,B,A"' in lists


def test_a_template_with_its_example_row_previews_cleanly_but_for_the_example_school(hr_x, client, tmp_path):
    from hr.imports.roster import teachers_plan
    client.force_login(hr_x)
    path = tmp_path / "t.xlsx"
    path.write_bytes(client.get(reverse("hr:template", args=["teachers"])).content)
    plan = teachers_plan(path=path, user=hr_x)
    assert plan.rows == 1 and [e.row for e in plan.errors] == [2]
    assert plan.errors[0].reason == "学校代码不存在"


def test_an_upload_over_the_limit_is_refused_before_it_is_read(client, hr_x, settings):
    settings.HR_IMPORT_MAX_BYTES = 1000
    client.force_login(hr_x)
    response = client.post(reverse("hr:import_new"), data=b"x" * 200_000,
                           content_type="multipart/form-data; boundary=zzz", follow=True)
    assert "文件超过 0 MB 上限" in response.content.decode()
    assert not Job.objects.exists()


def test_the_admin_menu_links_the_desk(client, hr_x):
    client.force_login(hr_x)
    assert reverse("hr:desk") in client.get("/admin/").content.decode()


def test_the_desk_speaks_chinese_by_default(client, hr_x):
    client.force_login(hr_x)
    page = client.get(reverse("hr:desk")).content.decode()
    assert "人事工作台" in page and "从 Excel 导入" in page and "导出为 Excel" in page


def test_the_organisation_template_holds_only_the_requesters_own_subtree(client, hr_x, tree, tmp_path):
    """District HR's template lists their district as it stands (codes, names, students as
    counted by today), nothing of other districts; sent back unchanged it changes nothing."""
    from datetime import date
    from io import BytesIO

    from hr.imports.registry import IMPORTERS
    from people.models import Stage, StudentCount, flags_mask

    school_a = tree["school_a"]
    school_a.stages, school_a.is_boarding = flags_mask(Stage, ["junior", "senior"]), True
    school_a.save()
    StudentCount.objects.create(organisation=school_a, on=date(2024, 9, 1), count=1250)
    StudentCount.objects.create(organisation=tree["school_b"], on=date(2024, 9, 1), count=980)
    client.force_login(hr_x)
    response = client.get(reverse("hr:template", args=["organisations"]))
    rows = list(load_workbook(BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("上级代码", "机构代码", "机构名称", "类型", "学段", "学生数", "寄宿制", "统计日期")
    listed = {r[1]: r for r in rows[1:]}
    mine = {tree[k].code for k in ("district_x", "town_x", "school_a", "school_a2")}
    assert set(listed) == mine
    assert listed[tree["district_x"].code][:4] == (tree["city"].code, tree["district_x"].code, "甲区", "区县")
    assert listed[school_a.code][4:7] == ("初中、高中", 1250, "是")
    notes = [r[2] for r in load_workbook(BytesIO(response.content)).worksheets[1].iter_rows(values_only=True)]
    assert "上级代码：上级机构的代码（市级根机构为空）；上级可以写在下级之后" in notes
    text = " ".join(str(v) for r in rows for v in r if v is not None)
    assert "乙" not in text and "980" not in text and tree["district_y"].code not in text

    path = tmp_path / "orgs.xlsx"
    path.write_bytes(response.content)
    counts = IMPORTERS["organisations"].plan(path=path, user=hr_x).counts()
    assert counts["rows"] == 4 and counts["unchanged"] == 4
    assert not {key: n for key, n in counts.items() if n and key not in ("rows", "unchanged")}


def test_the_preview_counts_a_changed_phone_and_names_organisations_as_such(
        client, hr_x, tree, tmp_path, django_capture_on_commit_callbacks):
    from people.services import login_phones_write
    from tests.html_text import visible_text

    from .builders import xlsx

    teacher = TeacherFactory(school=tree["school_a"], name="李梅")
    from people.phones import phone_normalise

    login_phones_write(numbers={teacher.employee_no: phone_normalise("13800138000")})
    path = xlsx(tmp_path / "r.xlsx", [
        ["工号", "姓名", "学校代码", "岗位", "手机号"],
        [teacher.employee_no, "李梅", tree["school_a"].code, "任课教师", "13900139000"]])
    client.force_login(hr_x)
    with django_capture_on_commit_callbacks(execute=True), path.open("rb") as handle:
        response = client.post(reverse("hr:import_new"), {"sheet": "teachers", "file": handle})
    job = Job.objects.get()
    assert job.preview["counts"]["update"] == 1 and job.preview["counts"]["unchanged"] == 0
    page = visible_text(client.get(response.url).content.decode())
    assert "手机号: +8613800138000 → +8613900139000" in page
    # The same phone again is no change.
    login_phones_write(numbers={teacher.employee_no: phone_normalise("13900139000")})
    from hr.imports.roster import teachers_plan

    assert teachers_plan(path=path, user=hr_x).counts()["unchanged"] == 1

    orgs = xlsx(tmp_path / "o.xlsx", [
        ["上级代码", "机构代码", "机构名称", "类型"],
        [tree["town_x"].code, tree["school_a"].code, "甲一中（新名）", "学校"]])
    with django_capture_on_commit_callbacks(execute=True), orgs.open("rb") as handle:
        response = client.post(reverse("hr:import_new"), {"sheet": "organisations", "file": handle})
    html = client.get(response.url).content.decode()
    assert "<th>单位</th>" in html and "<th>教师</th>" not in html
