"""Exports through jobs: the file HR opens, who may fetch it, and what a crash leaves behind."""

from datetime import UTC, date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from hr import exports
from hr.exports import TEACHER_COLUMNS, ExportKind
from hr.models import Job
from hr.services import job_export_create, jobs_purge_expired
from hr.sheets.writing import Column
from people.models import Teacher
from tests.factories import TeacherFactory


@pytest.fixture
def run_export(django_capture_on_commit_callbacks):
    def run(user, sheet="teachers", organisation=None):
        with django_capture_on_commit_callbacks(execute=True):
            job = job_export_create(requester=user, sheet=sheet, organisation=organisation)
        job.refresh_from_db()
        return job
    return run


def test_roster_export_opens_with_header_rows_dates_and_inert_text(hr_x, tree, run_export):
    TeacherFactory(school=tree["school_a"], name='=HYPERLINK("http://x")', hire_date=date(2019, 9, 1))
    for _ in range(4):
        TeacherFactory(school=tree["school_a2"], gender="M", role="head_teacher")
    TeacherFactory(school=tree["school_b"])  # district Y: not in the export
    job = run_export(hr_x)
    assert job.status == Job.Status.DONE and job.has_download
    sheet = load_workbook(job.result_file.path).active
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]] == [c.title for c in TEACHER_COLUMNS]
    in_scope = Teacher.objects.filter(school__path__startswith=tree["district_x"].path).count()
    assert len(rows) - 1 == in_scope == 5 == job.progress_done
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:I{in_scope + 1}"
    by_name = {row[1].value: row for row in rows[1:]}
    hyperlink = by_name['=HYPERLINK("http://x")']
    assert hyperlink[1].data_type == "s"  # stored as text, not a formula
    hired = hyperlink[7]
    assert hired.is_date and hired.value.date() == date(2019, 9, 1)
    assert hyperlink[5].value == "甲区" and hyperlink[3].value == "甲一中"
    assert {row[6].value for row in rows[1:]} == {"任课教师", "班主任"}
    assert {row[8].value for row in rows[1:]} == {"在职"}  # the import preview's words


def test_hr_of_another_district_cannot_see_or_download_the_job(client, hr_x, hr_y, tree, run_export):
    TeacherFactory(school=tree["school_a"])
    job = run_export(hr_x)
    client.force_login(hr_y)
    for name in ("hr:job", "hr:job_download", "hr:job_status"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert str(job.pk) not in client.get(reverse("hr:desk")).content.decode()
    assert str(job.pk) not in client.get(reverse("hr:jobs_status")).content.decode()
    client.force_login(hr_x)
    response = client.get(reverse("hr:job_download", args=[job.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"
    assert str(job.pk) in client.get(reverse("hr:desk")).content.decode()


def test_city_hr_sees_a_district_job_but_a_school_admin_does_not(client, hr_x, tree, run_export):
    from tests.factories import school_admin

    from .builders import city_hr

    job = run_export(hr_x)
    client.force_login(city_hr(tree["city"]))
    assert client.get(reverse("hr:job_download", args=[job.pk])).status_code == 200
    client.force_login(school_admin(tree["school_a"]))
    assert client.get(reverse("hr:job", args=[job.pk])).status_code == 404


def test_a_job_whose_task_raises_midway_fails_with_its_reason_and_offers_nothing(
        client, hr_x, tree, run_export, private_root, monkeypatch):
    def rows(**_kwargs):
        def stream():
            yield ("E1",)
            raise RuntimeError("disk vanished")
        return 2, stream()

    monkeypatch.setitem(exports.EXPORTS, "broken",
                        ExportKind("broken", "Broken", (Column("x"),), rows))
    job = run_export(hr_x, sheet="broken")
    assert job.status == Job.Status.FAILED
    assert "disk vanished" in job.error
    assert not job.has_download and not job.result_file
    assert not any(p.is_file() for p in private_root.rglob("*"))  # no half-written file anywhere
    client.force_login(hr_x)
    assert client.get(reverse("hr:job_download", args=[job.pk])).status_code == 404
    page = client.get(reverse("hr:job", args=[job.pk])).content.decode()
    assert "disk vanished" in page and reverse("hr:job_download", args=[job.pk]) not in page


def test_files_past_retention_are_deleted(hr_x, tree, run_export):
    from datetime import timedelta

    from django.utils import timezone

    job = run_export(hr_x)
    path = job.result_file.path
    assert jobs_purge_expired(now=timezone.now()) == 0
    assert jobs_purge_expired(now=timezone.now() + timedelta(days=8)) == 1
    job.refresh_from_db()
    assert not job.result_file and not job.has_download
    import os
    assert not os.path.exists(path)


def test_an_export_outside_the_scope_is_refused(hr_x, tree):
    from hr.services import JobError

    with pytest.raises(JobError):
        job_export_create(requester=hr_x, sheet="teachers", organisation=tree["school_b"])


@pytest.mark.parametrize(("language", "header", "values"), [
    ("zh-hans", ["工号", "姓名", "性别", "学校", "学校代码", "区（县）", "岗位", "入职日期", "在职状态"],
     {"女", "班主任", "在职"}),
    ("en", ["Employee number", "Name", "Gender", "School", "School code", "District", "Role", "Hire date",
            "Employment status"], {"Female", "Head teacher", "In post"}),
])
def test_an_export_speaks_only_the_language_it_was_asked_in(
        client, hr_x, tree, django_capture_on_commit_callbacks, language, header, values, settings):
    """Asked for from the desk in zh-hans (or en), the file's headers and labels are in that
    language alone: no "姓名/name" pairs. The job keeps the language, the task writes under it."""
    TeacherFactory(school=tree["school_a"], name="李梅", gender="F", role="head_teacher",
                   hire_date=date(2019, 9, 1))
    client.force_login(hr_x)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("hr:export_new"), {"sheet": "teachers"})
    assert response.status_code == 302
    job = Job.objects.get(kind=Job.Kind.EXPORT)
    assert job.language == language and job.status == Job.Status.DONE, job.error
    sheet = load_workbook(job.result_file.path).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == header
    assert not any("/" in str(v) for v in rows[0])
    assert values <= set(rows[1])
    assert sheet.title == {"zh-hans": "教师名册", "en": "Teachers roster"}[language]
    # Each column is at least as wide as its header (CJK characters count twice).
    from hr.sheets.writing import display_width
    for position, title in enumerate(header, start=1):
        width = sheet.column_dimensions[sheet.cell(1, position).column_letter].width
        assert width >= display_width(title)


def test_the_download_is_named_in_local_time_and_the_files_language(
        client, hr_x, tree, django_capture_on_commit_callbacks):
    from datetime import datetime

    TeacherFactory(school=tree["school_a"])
    with django_capture_on_commit_callbacks(execute=True):
        job = job_export_create(requester=hr_x, sheet="teachers", language="zh-hans")
    Job.objects.filter(pk=job.pk).update(finished_at=datetime(2024, 6, 30, 17, 30, tzinfo=UTC))
    client.force_login(hr_x)
    response = client.get(reverse("hr:job_download", args=[job.pk]))
    disposition = response["Content-Disposition"]
    # 17:30 UTC is 01:30 the next day in Asia/Shanghai.
    assert "20240701-0130" in disposition
    assert "%E6%95%99%E5%B8%88%E5%90%8D%E5%86%8C" in disposition or "教师名册" in disposition
