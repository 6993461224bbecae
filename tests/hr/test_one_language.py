"""Every message of the HR desk in one language: the request's for a file refused at once, the
job's own (the language it was asked in) for what its task finds, never "中文 (English)"."""

import ast
import re
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from hr.models import Job
from hr.services import job_import_create
from hr.sheets.errors import CellError, SheetRefused
from hr.sheets.normalise import parse_date, parse_gender, parse_posts
from hr.sheets.reading import check_file
from tests.factories import TeacherFactory
from tests.html_text import CJK, visible_text

from .builders import encrypted_xlsx, roster

HR = Path(settings.BASE_DIR) / "hr"


def _english(text: str) -> bool:
    return bool(text) and not CJK.search(text)


@pytest.fixture
def english_client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _bad_roster(tmp_path, tree):
    TeacherFactory(school=tree["school_b"], employee_no="EY1")
    return roster(tmp_path / "r.xlsx", [
        {"employee_no": "E1", "name": "甲", "school_code": tree["school_a"].code, "hire_date": "2020-13-45"},
        {"employee_no": "E2", "name": "", "school_code": tree["school_b"].code, "gender": "X"},
        {"employee_no": "EY1", "name": "乙", "school_code": tree["school_a"].code},
        {"employee_no": "E1", "name": "丙", "school_code": "NOPE"},
    ])


def _preview(user, path, language, django_capture_on_commit_callbacks):
    with translation.override(language), django_capture_on_commit_callbacks(execute=True):
        job = job_import_create(requester=user, sheet="teachers",
                                upload=SimpleUploadedFile(path.name, path.read_bytes()))
    job.refresh_from_db()
    return job


def test_row_errors_read_in_chinese_for_a_job_asked_in_chinese(hr_x, tree, tmp_path,
                                                                django_capture_on_commit_callbacks):
    job = _preview(hr_x, _bad_roster(tmp_path, tree), "zh-hans", django_capture_on_commit_callbacks)
    assert job.language == "zh-hans"
    reasons = [(e["row"], e["reason"]) for e in job.preview["errors"]]
    assert reasons == [
        (2, "日期不存在"), (3, "必填项为空"), (3, "性别应为 男 或 女"), (3, "该学校不在您的管理范围内"),
        (4, "该工号的教师属于您管理范围以外的学校"), (5, "学校代码不存在"), (5, "工号与第 2 行重复")]
    assert not any(re.search(r"[A-Za-z]{3,}", reason) for _row, reason in reasons)


def test_the_same_row_errors_read_in_english_for_a_job_asked_in_english(hr_x, tree, tmp_path,
                                                                         django_capture_on_commit_callbacks):
    # Asked under English; the task runs later under whatever is active, and reads the job's.
    job = _preview(hr_x, _bad_roster(tmp_path, tree), "en", django_capture_on_commit_callbacks)
    assert job.language == "en"
    reasons = [(e["row"], e["reason"]) for e in job.preview["errors"]]
    assert reasons == [
        (2, "No such date"), (3, "Required value is empty"),
        (3, "Gender must be male or female (M or F)"), (3, "School outside your scope"),
        (4, "This teacher belongs to a school outside your scope"), (5, "No school has this code"),
        (5, "Same employee number as row 2")]
    assert all(_english(reason) for _row, reason in reasons)


def test_a_job_refused_in_its_task_says_why_in_the_job_language(hr_x, tree, tmp_path,
                                                                 django_capture_on_commit_callbacks):
    locked = encrypted_xlsx(tmp_path / "locked.xlsx")
    chinese = _preview(hr_x, locked, "zh-hans", django_capture_on_commit_callbacks)
    english = _preview(hr_x, locked, "en", django_capture_on_commit_callbacks)
    assert chinese.status == english.status == Job.Status.FAILED
    assert chinese.error == "文件设有密码，请取消密码后另存为 .xlsx 再上传"
    assert english.error == "The file is password-protected: remove the password and save as .xlsx"


def test_a_file_refused_on_the_form_reads_in_the_request_language(english_client, hr_x, tmp_path):
    english_client.force_login(hr_x)
    bad = tmp_path / "r.xlsx"
    bad.write_text("工号,姓名\n")
    with bad.open("rb") as handle:
        response = english_client.post(reverse("hr:import_new"), {"sheet": "teachers", "file": handle})
    text = visible_text(response.content.decode())
    assert "Not an Excel .xlsx file (for example a CSV renamed .xlsx)" in text
    assert not CJK.search(text.replace("简体中文", ""))
    assert not Job.objects.exists()


def test_the_preview_page_in_english_names_columns_and_reasons_in_english(
        english_client, hr_x, tree, tmp_path, django_capture_on_commit_callbacks):
    TeacherFactory(school=tree["school_a"], employee_no="E1", name="旧", role="subject_teacher")
    path = roster(tmp_path / "r.xlsx", [
        {"employee_no": "E1", "name": "新", "school_code": tree["school_a"].code, "role": "班主任"},
        {"employee_no": "E2", "name": "乙", "school_code": tree["school_a"].code, "gender": "X"}])
    english_client.force_login(hr_x)
    with django_capture_on_commit_callbacks(execute=True), path.open("rb") as handle:
        response = english_client.post(reverse("hr:import_new"), {"sheet": "teachers", "file": handle})
    text = visible_text(english_client.get(response.url).content.decode())
    assert "Gender must be male or female (M or F)" in text
    # A change reads in the page's words: the column's English header and the posts' names.
    assert "role: Subject teacher → Head teacher" in text and "name: 旧 → 新" in text
    # Only the file's own words (its names, its headers as written) are Chinese here.
    assert not CJK.search(re.sub(r"旧|新|乙|甲|简体中文", "", text))


@pytest.mark.parametrize(("make", "chinese", "english"), [
    (lambda p: p.write_bytes(b""), "文件是空的", "The file is empty"),
    (lambda p: encrypted_xlsx(p), "文件设有密码", "The file is password-protected"),
    (lambda p: p.write_text("a,b\n"), "不是 Excel .xlsx 文件", "Not an Excel .xlsx file"),
])
def test_refusals_read_in_one_language(tmp_path, make, chinese, english):
    path = tmp_path / "x.xlsx"
    make(path)
    for language, expected in (("zh-hans", chinese), ("en", english)):
        with translation.override(language), pytest.raises(SheetRefused) as caught:
            check_file(path)
        assert caught.value.message.startswith(expected)
        if language == "en":
            assert _english(caught.value.message)
        else:
            assert not re.search(r"\([a-z ]+\)", caught.value.message)


@pytest.mark.parametrize(("parse", "value", "chinese", "english"), [
    (parse_date, "2023-02-30", "日期不存在", "No such date"),
    (parse_gender, "X", "性别应为 男 或 女", "Gender must be male or female (M or F)"),
    (parse_posts, "校医", "未知岗位「校医」", "Unknown post '校医'"),
])
def test_cell_errors_read_in_one_language(parse, value, chinese, english):
    for language, expected in (("zh-hans", chinese), ("en", english)):
        with translation.override(language), pytest.raises(CellError) as caught:
            parse(value)
        assert caught.value.reason.startswith(expected)
    with translation.override("en"), pytest.raises(CellError) as caught:
        parse(value)
    assert _english(caught.value.reason.replace(value, ""))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_import_template_is_in_one_language(client, hr_x, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(hr_x)
    response = client.get(reverse("hr:template", args=["teachers"]))
    workbook = load_workbook(BytesIO(response.content))
    data, notes = workbook.worksheets
    headers = [c.value for c in data[1]]
    lists = [v.formula1 for v in data.data_validations.dataValidation]
    text = " ".join(str(c.value) for row in notes.iter_rows() for c in row if c.value)
    if language == "en":
        assert headers[:3] == ["employee_no", "name", "school_code"] and notes.title == "Instructions"
        assert '"M,F"' in lists and '"active,left,transferred,retired"' in lists
        assert _english(" ".join(headers)) and _english(text) and _english(data.title)
        assert "template" in response["Content-Disposition"]
    else:
        assert headers[:3] == ["工号", "姓名", "学校代码"] and notes.title == "说明"
        assert '"男,女"' in lists
        assert not re.search(r"[A-Za-z]{4,}", " ".join(headers) + data.title)
        assert "Notes" not in text and "必填" in text


def test_no_message_is_written_in_two_languages_side_by_side():
    """The old `bilingual(zh, en)` and two-language SheetRefused/CellError calls are gone for good."""
    offenders = []
    for path in HR.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        source = path.read_text()
        assert "bilingual(" not in source, path
        for node in ast.walk(ast.parse(source)):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("SheetRefused", "CellError") and len(node.args) != 1):
                offenders.append(f"{path.relative_to(HR.parent)}:{node.lineno}")
    assert not offenders
