"""Roster imports through jobs: preview first, then everything or nothing, and again a no-op."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hr.imports.certificates import certificates_plan
from hr.imports.hours import training_plan
from hr.imports.roster import teachers_commit, teachers_plan
from hr.imports.rows import ImportHasErrors
from hr.models import Job
from hr.services import JobError, job_commit_request, job_import_create
from people.models import Teacher
from tests.factories import TeacherFactory

from .builders import encrypted_xlsx, roster, xlsx


def upload(path, name=None):
    return SimpleUploadedFile(name or path.name, path.read_bytes())


@pytest.fixture
def run_import(django_capture_on_commit_callbacks):
    """Upload and preview, as the desk does: the task is queued on commit and runs eagerly."""
    def run(user, path, sheet="teachers"):
        with django_capture_on_commit_callbacks(execute=True):
            job = job_import_create(requester=user, sheet=sheet, upload=upload(path))
        job.refresh_from_db()
        return job
    return run


@pytest.fixture
def confirm(django_capture_on_commit_callbacks):
    """Confirm a previewed import and let its commit task run."""
    def run(job, user):
        with django_capture_on_commit_callbacks(execute=True):
            job_commit_request(job=job, user=user)
        job.refresh_from_db()
        return job
    return run


@pytest.fixture
def messy_roster(tmp_path, tree):
    a, a2 = tree["school_a"], tree["school_a2"]
    # Title rows above the header, Chinese headers in shuffled order, mixed date styles,
    # full-width digits and letters, stray spaces and role labels as schools write them.
    return xlsx(tmp_path / "名册.xlsx", title_rows=[["甲区2024年教师花名册"], ["填报单位：甲区教育局", None, "日期：2024-03-01"], []], rows=[
        ["序号", "入职日期", "姓名", "学校代码", "性别", "岗位", "工号"],
        [1, date(2019, 9, 1), " 李 梅 ", a.code, "女", "班主任", "Ｅ１００１"],
        [2, "2021/9/1", "王强", f" {a.code} ", "男", "专职心理教师", "E1002"],
        [3, "2018年8月30日", "赵敏", a2.code, "F", "分管校长", " E1003 "],
        [4, "2020-09-01", "钱程", a2.code, "m", "任课教师", "E1004"],
        [5, None, "孙悦", a2.code, None, None, "E1005"],
    ])


def test_messy_roster_previews_then_imports_correctly(run_import, confirm, hr_x, messy_roster, tree):
    job = run_import(hr_x, messy_roster)
    assert job.status == Job.Status.PREVIEW_READY, job.error
    assert job.preview["counts"] == {"rows": 5, "create": 5, "update": 0, "unchanged": 0,
                                     "errors": 0, "error_rows": 0}
    assert job.preview["header_row"] == 4
    assert Teacher.objects.count() == 0  # the preview writes nothing

    confirm(job, hr_x)
    assert job.status == Job.Status.DONE and job.preview["result"]["created"] == 5
    li = Teacher.objects.get(employee_no="E1001")
    assert (li.name, li.gender, li.role, li.hire_date, li.school) == (
        "李 梅", "F", "head_teacher", date(2019, 9, 1), tree["school_a"])
    assert li.user.username == "E1001" and not li.user.has_usable_password()
    assert Teacher.objects.get(employee_no="E1002").hire_date == date(2021, 9, 1)
    zhao = Teacher.objects.get(employee_no="E1003")
    assert (zhao.hire_date, zhao.role, zhao.school) == (date(2018, 8, 30), "school_leader", tree["school_a2"])
    assert Teacher.objects.get(employee_no="E1004").gender == "M"
    sun = Teacher.objects.get(employee_no="E1005")
    assert (sun.role, sun.gender, sun.hire_date) == ("subject_teacher", "", None)


def test_reimporting_the_same_file_is_a_no_op(run_import, confirm, hr_x, messy_roster):
    first = run_import(hr_x, messy_roster)
    confirm(first, hr_x)
    before = list(Teacher.objects.values_list("pk", "employee_no", "name", "gender", "school", "role",
                                              "hire_date").order_by("pk"))
    again = run_import(hr_x, messy_roster)
    assert again.preview["counts"]["unchanged"] == 5
    assert again.preview["counts"]["create"] == again.preview["counts"]["update"] == 0
    confirm(again, hr_x)
    assert again.preview["result"] == {"invited": 0, "created": 0, "updated": 0, "unchanged": 5, "rows": 5}
    after = list(Teacher.objects.values_list("pk", "employee_no", "name", "gender", "school", "role",
                                             "hire_date").order_by("pk"))
    assert after == before


def test_one_bad_row_names_row_and_reason_and_nothing_is_written(run_import, hr_x, tree, tmp_path):
    code = tree["school_a"].code
    path = roster(tmp_path / "r.xlsx", [
        {"employee_no": "E1", "name": "甲", "school_code": code, "hire_date": "2020-01-01"},
        {"employee_no": "E2", "name": "乙", "school_code": code, "hire_date": "2020-13-45"},
        {"employee_no": "E3", "name": "丙", "school_code": code},
    ])
    job = run_import(hr_x, path)
    assert job.preview["counts"]["errors"] == 1
    [error] = job.preview["errors"]
    assert error["row"] == 3 and error["column"].startswith("hire_date") and error["value"] == "2020-13-45"
    assert error["reason"] == "日期不存在"
    with pytest.raises(JobError):
        job_commit_request(job=job, user=hr_x)
    # The service behind the commit refuses too, whoever calls it.
    with pytest.raises(ImportHasErrors):
        teachers_commit(path=path, user=hr_x)
    assert Teacher.objects.count() == 0


def test_changed_rows_preview_what_changes_and_commit_updates(run_import, confirm, hr_x, tree, tmp_path):
    teacher = TeacherFactory(school=tree["school_a"], employee_no="E9", name="旧名", role="subject_teacher")
    path = roster(tmp_path / "r.xlsx", [
        {"employee_no": "E9", "name": "新名", "school_code": tree["school_a2"].code, "role": "班主任"}])
    job = run_import(hr_x, path)
    assert job.preview["counts"]["update"] == 1
    changes = job.preview["updates"][0]["changes"]
    # Shown with the sheet's own headers and words, not field names or stored codes.
    assert changes["姓名"] == ["旧名", "新名"]
    assert changes["学校代码"] == [tree["school_a"].code, tree["school_a2"].code]
    assert changes["岗位"] == ["任课教师", "班主任"]
    assert "入职日期" not in changes  # a column left out keeps its value
    confirm(job, hr_x)
    teacher.refresh_from_db()
    assert (teacher.name, teacher.school, teacher.role, teacher.hire_date) == (
        "新名", tree["school_a2"], "head_teacher", date(2015, 9, 1))


def test_schools_and_teachers_outside_scope_are_row_errors(hr_x, tree, tmp_path):
    TeacherFactory(school=tree["school_b"], employee_no="EY1")
    path = roster(tmp_path / "r.xlsx", [
        {"employee_no": "E1", "name": "甲", "school_code": tree["school_b"].code},
        {"employee_no": "EY1", "name": "乙", "school_code": tree["school_a"].code},
        {"employee_no": "E3", "name": "丙", "school_code": "NOPE"},
        {"employee_no": "E1", "name": "丁", "school_code": tree["school_a"].code},
    ])
    plan = teachers_plan(path=path, user=hr_x)
    reasons = {e.row: e.reason for e in plan.errors}
    assert reasons[2] == "该学校不在您的管理范围内"
    assert reasons[3] == "该工号的教师属于您管理范围以外的学校"
    assert reasons[4] == "学校代码不存在"
    assert reasons[5] == "工号与第 2 行重复"
    assert not plan.creates


@pytest.mark.parametrize("make", ["csv", "empty", "locked", "oversized"])
def test_bad_files_fail_the_job_with_a_clear_reason_and_write_nothing(run_import, hr_x, tree, tmp_path, settings, make):
    path = tmp_path / "bad.xlsx"
    expected = {"csv": "不是 Excel .xlsx 文件", "empty": "文件是空的", "locked": "文件设有密码",
                "oversized": "MB 上限"}[make]
    if make == "csv":
        path.write_text(f"工号,姓名,学校代码\nE1,甲,{tree['school_a'].code}\n")
    elif make == "empty":
        path.write_bytes(b"")
    elif make == "locked":
        encrypted_xlsx(path)
    else:
        settings.HR_IMPORT_MAX_BYTES = 2048
        roster(path, [{"employee_no": f"E{i}", "name": "名字" * 5, "school_code": tree["school_a"].code}
                      for i in range(300)])
    job = run_import(hr_x, path)
    assert job.status == Job.Status.FAILED
    assert expected in job.error
    assert not job.has_download
    assert Teacher.objects.count() == 0


def test_certificate_and_training_rows_are_parsed_and_checked(hr_x, tree, tmp_path):
    TeacherFactory(school=tree["school_a"], employee_no="E1", name="李梅")
    TeacherFactory(school=tree["school_b"], employee_no="EY", name="外区")
    certs = xlsx(tmp_path / "c.xlsx", [
        ["工号", "姓名", "证书等级", "证书编号", "发证日期", "有效期至"],
        ["E1", "李梅", "C证", "ＸＹ-2023-001", "2023年6月19日", "2028/6/18"],
        ["EY", "外区", "b", "XY-2023-002", "2023-06-19", None],
        ["E1", "李梅", "D", "XY-2023-003", "2023-06-19", "2022-01-01"],
        ["E1", "李梅", "C", "XY-2023-001", "2023-06-19", None],
    ])
    plan = certificates_plan(path=certs, user=hr_x)
    assert [(c["level_code"], c["number"], c["issued_on"], c["expires_on"]) for c in plan.creates] == [
        ("C", "XY-2023-001", date(2023, 6, 19), date(2028, 6, 18))]
    assert {e.row for e in plan.errors} == {3, 4, 5}
    training = xlsx(tmp_path / "t.xlsx", [
        ["培训日期", "学时", "培训名称", "工号"],
        ["2024-03-02", "６", "心理危机识别与干预", "E1"],
        ["2024-03-02", 6, "心理危机识别与干预", "E1"],
        ["2024-03-09", 0, "个案督导", "E1"],
    ])
    plan = training_plan(path=training, user=hr_x)
    assert len(plan.creates) == 1 and plan.creates[0]["reference"].startswith("sheet:")
    assert {e.row: e.reason for e in plan.errors}.keys() == {3, 4}


def test_a_100_row_roster_previews_with_few_queries(hr_x, tree, tmp_path, django_assert_max_num_queries):
    path = roster(tmp_path / "r.xlsx", [
        {"employee_no": f"E{i:04d}", "name": f"教师{i}", "school_code": tree["school_a"].code}
        for i in range(100)])
    with django_assert_max_num_queries(6):
        plan = teachers_plan(path=path, user=hr_x)
    assert len(plan.creates) == 100
    # One more than the rows' own writes: looking for pending assignments whose audience the
    # new teachers join (none here).
    # 14: the stored staff figures are dropped once (one delete) when the roster is written.
    # 17: the employment history: the new teachers' ids, their open periods (none), one insert.
    # 19: the importer's own staff roles and rank, read once, for the log-in phone refusals.
    with django_assert_max_num_queries(19):
        teachers_commit(path=path, user=hr_x)
    assert Teacher.objects.count() == 100


def test_new_teachers_with_an_email_are_invited_once_the_roster_is_written(
        run_import, confirm, hr_x, tree, tmp_path, django_capture_on_commit_callbacks):
    from django.core import mail

    TeacherFactory(school=tree["school_a"], employee_no="E0", name="老教师")
    path = xlsx(tmp_path / "r.xlsx", [
        ["工号", "姓名", "学校代码", "邮箱"],
        ["E0", "老教师", tree["school_a"].code, "old@example.com"],   # existing: not invited
        ["E1", "李梅", tree["school_a"].code, " LiMei@Example.com "],
        ["E2", "王强", tree["school_a"].code, None],                 # no address: no mail
    ])
    job = run_import(hr_x, path)
    assert job.preview["counts"]["create"] == 2 and not job.preview["errors"]
    # The commit's own transaction decides: nothing is sent until it has committed.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = teachers_commit(path=path, user=hr_x)
    assert result["invited"] == 1 and mail.outbox == []
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [["limei@example.com"]]
    assert "/password/reset/key/" in mail.outbox[0].body
    assert Teacher.objects.get(employee_no="E1").user.email == "limei@example.com"
    assert Teacher.objects.get(employee_no="E2").user.email == ""


def test_a_bad_email_is_a_row_error_and_nobody_is_invited(run_import, hr_x, tree, tmp_path):
    from django.core import mail

    path = xlsx(tmp_path / "r.xlsx", [
        ["employee_no", "name", "school_code", "email"],
        ["E1", "李梅", tree["school_a"].code, "limei@example.com"],
        ["E2", "王强", tree["school_a"].code, "not-an-address"],
    ])
    job = run_import(hr_x, path)
    assert [(e["row"], e["reason"]) for e in job.preview["errors"]] == [
        (3, "邮箱格式不正确")]
    with pytest.raises(ImportHasErrors):
        teachers_commit(path=path, user=hr_x)
    assert mail.outbox == [] and not Teacher.objects.exists()


def test_a_confirmed_job_invites_through_the_task(run_import, confirm, hr_x, tree, tmp_path, client):
    from django.core import mail

    path = xlsx(tmp_path / "r.xlsx", [["工号", "姓名", "学校代码", "电子邮箱"],
                                      ["E1", "李梅", tree["school_a"].code, "limei@example.com"]])
    job = confirm(run_import(hr_x, path), hr_x)
    assert job.status == Job.Status.DONE and job.preview["result"]["invited"] == 1
    assert [m.to for m in mail.outbox] == [["limei@example.com"]]
    client.force_login(hr_x)
    page = client.get(f"/hr/jobs/{job.pk}/").content.decode()
    assert "正在向 1 位新教师发送设置密码的邀请邮件" in page


def test_a_file_of_many_bad_rows_counts_every_error_and_keeps_only_the_first(
        run_import, client, hr_x, tmp_path, tree):
    # 1,500 rows with an unknown school code: 1,500 errors, more than the preview shows.
    path = roster(tmp_path / "bad.xlsx", [
        {"employee_no": f"B{n:05d}", "name": f"教师{n}", "school_code": "NO-SUCH-SCHOOL"}
        for n in range(1500)])
    plan = teachers_plan(path=path, user=hr_x)
    assert plan.counts()["errors"] == 1500 and plan.counts()["error_rows"] == 1500
    assert len(plan.errors) == 1000  # kept in memory: the first thousand
    job = run_import(hr_x, path)
    assert job.preview["counts"]["errors"] == 1500 and len(job.preview["errors"]) == 500
    assert [e["row"] for e in job.preview["errors"][:2]] == [2, 3]
    client.force_login(hr_x)
    page = client.get(f"/hr/jobs/{job.pk}/").content.decode()
    assert "1500" in page and "前 500 条" in page
    assert not Teacher.objects.filter(employee_no__startswith="B0").exists()
