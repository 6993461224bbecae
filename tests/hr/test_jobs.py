"""Jobs survive the worker's life: redelivered tasks do nothing twice, lost workers end failed."""

from datetime import timedelta

from django.utils import timezone
from openpyxl import load_workbook

from hr import tasks
from hr.models import Job
from hr.services import MAX_ATTEMPTS, job_export_create, jobs_purge_expired
from tests.factories import TeacherFactory


def test_a_redelivered_export_task_does_nothing_twice(hr_x, tree, django_capture_on_commit_callbacks):
    TeacherFactory(school=tree["school_a"])
    with django_capture_on_commit_callbacks(execute=True):
        job = job_export_create(requester=hr_x, sheet="teachers")
    job.refresh_from_db()
    finished, attempts = job.finished_at, job.attempts
    tasks.job_export.delay(str(job.pk))  # the broker hands the same message out again
    job.refresh_from_db()
    assert (job.status, job.finished_at, job.attempts) == (Job.Status.DONE, finished, attempts)


def test_a_job_retried_past_its_limit_ends_failed_without_a_file(hr_x):
    job = job_export_create(requester=hr_x, sheet="teachers")  # not run: on_commit not fired
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, attempts=MAX_ATTEMPTS)
    tasks.job_export.delay(str(job.pk))
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.error == "重试 3 次后仍未完成" and not job.has_download


def test_a_job_whose_worker_vanished_is_failed_by_the_purge(hr_x):
    job = job_export_create(requester=hr_x, sheet="teachers")
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING,
                                         started_at=timezone.now() - timedelta(hours=3))
    jobs_purge_expired()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.error == "任务中断（处理进程停止）"


def test_city_hr_exports_both_districts_and_control_characters_are_dropped(tree, django_capture_on_commit_callbacks):
    from .builders import city_hr

    TeacherFactory(school=tree["school_a"], name="张\x01三")
    TeacherFactory(school=tree["school_b2"])
    user = city_hr(tree["city"])
    with django_capture_on_commit_callbacks(execute=True):
        job = job_export_create(requester=user, sheet="teachers")
    job.refresh_from_db()
    rows = list(load_workbook(job.result_file.path).active.values)
    assert len(rows) == 3
    assert {r[1] for r in rows[1:]} >= {"张三"}
    assert {r[5] for r in rows[1:]} == {"甲区", "乙区"}


def test_desk_status_json_lists_only_visible_jobs(client, hr_x, hr_y, tree):
    mine = job_export_create(requester=hr_x, sheet="teachers")
    theirs = job_export_create(requester=hr_y, sheet="teachers")
    client.force_login(hr_x)
    ids = {j["id"] for j in client.get("/hr/jobs/status/").json()["jobs"]}
    assert ids == {str(mine.pk)}
    assert str(theirs.pk) not in ids
