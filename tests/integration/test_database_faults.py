"""The database server goes away mid-work, for real, on PostgreSQL: its connection is cut by the
server (pg_terminate_backend, what a restart does to every client). An import cut off in its
commit writes nothing, says so on its page, and its retry writes it once; a lesson's progress
report cut off is answered 503, and the player's retry loses no second and credits none twice.

SQLite has no server to lose: these skip there and run in .ci/run's PostgreSQL pass."""

import shutil
import subprocess
import time
import uuid
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
from django.core.files import File
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from courses import services as learning
from courses.models import LessonPage, LessonProgress
from hr import tasks as hr_tasks
from hr.models import Job
from people.models import AuditEntry, ChainHead, Organisation, Teacher
from tests.courses import builders as course_builders
from tests.factories import district_hr
from tests.hr.builders import roster

from .test_worker import _broker, _start_worker, _stop, _wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("a database server to lose: PostgreSQL only (.ci/run)")


def _admin_connection() -> psycopg.Connection:
    """A connection of the test's own, beside Django's: it holds locks and cuts others off."""
    db = connection.settings_dict
    return psycopg.connect(host=db["HOST"] or "localhost", port=db["PORT"] or 5432,
                           user=db["USER"], password=db["PASSWORD"] or None, dbname=db["NAME"],
                           autocommit=True)


def test_an_import_cut_off_in_its_commit_writes_nothing_says_so_and_its_retry_writes_once(
        client, tree, tmp_path, settings):
    from .test_faults import _send

    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None}}}
    hr = district_hr(tree["district_x"])
    school = tree["school_a"]
    rows = [{"employee_no": f"P{n:05d}", "name": f"教师{n}", "gender": "女",
             "school_code": school.code, "role": "任课教师", "hire_date": "2020-09-01"}
            for n in range(1500)]
    path = roster(Path(tmp_path) / "roster.xlsx", rows)
    job = Job(kind=Job.Kind.IMPORT, sheet="teachers", requester=hr, scope=tree["district_x"].path,
              status=Job.Status.COMMITTING, source_name="roster.xlsx",
              expires_at=timezone.now() + timedelta(days=1))
    with path.open("rb") as handle:
        job.source_file.save("source.xlsx", File(handle), save=False)
    job.save()
    before = Teacher.objects.count()
    # Every organisation's audit chain has its head, so holding the heads holds the commit at
    # its audit line: after its rows are written, before it can end.
    for org in Organisation.objects.all():
        ChainHead.objects.get_or_create(key=f"audit:{org.pk}")

    from lms.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    queue = f"test-{uuid.uuid4().hex[:8]}"
    url, options = _broker(tmp_path)
    worker, log = _start_worker(tmp_path, queue)
    admin = _admin_connection()
    try:
        _wait_for(lambda: b"ready." in log.read_bytes(), worker, log, "worker ready")
        holder = admin.cursor()
        holder.execute("BEGIN")
        holder.execute("SELECT 1 FROM people_chainhead WHERE key LIKE 'audit:%%' FOR UPDATE")
        _send(hr_tasks.job_commit, job.pk, queue=queue, url=url, options=options)
        watcher = _admin_connection()

        def committing_backend():
            # The worker's backend waiting on the heads, having written teachers in its transaction.
            found = watcher.execute(
                "SELECT a.pid FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid "
                "JOIN pg_class c ON c.oid = l.relation WHERE a.datname = current_database() "
                "AND a.wait_event_type = 'Lock' AND c.relname = 'people_teacher' "
                "AND l.mode = 'RowExclusiveLock' AND a.pid <> pg_backend_pid()").fetchone()
            return found and found[0]

        pid = _wait_for(committing_backend, worker, log, "the commit holding written rows")
        # The server cuts the worker's connection, as a restart does, mid-commit.
        watcher.execute("SELECT pg_terminate_backend(%s)", [pid])
        holder.execute("ROLLBACK")
        watcher.close()
        _wait_for(lambda: Job.objects.filter(pk=job.pk, status=Job.Status.DONE).exists(),
                  worker, log, "the retried commit")
    finally:
        admin.close()
        _stop(worker)
        app.conf.task_always_eager = eager

    job.refresh_from_db()
    # Written once: every row, one audit line, in the second attempt.
    assert Teacher.objects.count() == before + 1500
    assert Teacher.objects.filter(employee_no__startswith="P").count() == 1500
    assert AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT, target="teachers").count() == 1
    assert job.attempts == 2
    assert [cut["attempt"] for cut in job.preview["interruptions"]] == [1]
    # The job's page says what happened to the first attempt, and what the job wrote.
    client.force_login(hr)
    page = client.get(reverse("hr:job", args=[job.pk])).content.decode()
    assert "第 1 次尝试因数据库中断而整体回滚，未写入任何内容，系统已自动重试。" in page


def test_a_progress_report_cut_off_is_answered_503_and_the_retry_credits_each_second_once(
        client, teacher_a, monkeypatch):
    course = course_builders.course(lessons=1, quiz=False, duration=120)
    lesson = LessonPage.objects.child_of(course).get()
    learning.enrolment_create(user=teacher_a.user, course=course)
    client.force_login(teacher_a.user)
    url = reverse("courses:lesson_progress", args=[lesson.pk])
    start = timezone.now()
    clock = SimpleNamespace(at=start)
    monkeypatch.setattr(learning, "timezone", SimpleNamespace(now=lambda: clock.at))

    def report(second: float, position: float):
        clock.at = start + timedelta(seconds=second)
        return client.post(url, {"position": position}, content_type="application/json")

    for second in (0, 5, 10):
        assert report(second, second).json()["credited_seconds"] == second

    # The server drops the connection (a restart): the next report cannot be taken.
    with _admin_connection() as admin:
        pid = connection.cursor().connection.info.backend_pid
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(50):
            if not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                break
            time.sleep(0.05)
    cut = report(15, 15)
    assert cut.status_code == 503
    assert cut["Retry-After"] == "5"
    assert cut.json() == {"error": "数据库暂时无法访问，本次操作未保存任何内容。请几秒钟后重试。",
                          "retry": True}

    # The player sends its newest position again a few seconds later: the seconds watched
    # during the outage are credited from the last report the server kept.
    assert report(18, 18).json()["credited_seconds"] == 18
    # A report the server kept but whose answer was lost, sent again: credited once.
    assert report(23, 23).json()["credited_seconds"] == 23
    again = report(24, 23).json()
    assert again["credited_seconds"] == 23
    progress = LessonProgress.objects.get(user=teacher_a.user, lesson=lesson)
    assert progress.intervals == [[0.0, 23.0]]


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server (CI installs it)")
def test_redis_restarting_with_jobs_queued_and_one_held_runs_each_job_exactly_once(
        tree, tmp_path, settings):
    """Redis kept on disk (appendonly, as docs/deploy.md sets it) restarts while a worker holds
    an import in its commit and two exports wait in the queue: all three finish, each run once."""
    from .test_faults import _free_port, _many_teachers, _send

    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None}}}
    port = _free_port()
    redis_dir = tmp_path / "redis"
    redis_dir.mkdir()

    def start_redis():
        subprocess.run(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--daemonize",
                        "yes", "--dir", str(redis_dir), "--pidfile", str(redis_dir / "pid"),
                        "--save", "", "--appendonly", "yes", "--appendfsync", "always"], check=True)
        for _ in range(100):
            if subprocess.run(["redis-cli", "-p", str(port), "ping"],
                              capture_output=True).stdout.strip() == b"PONG":
                return
            time.sleep(0.1)
        pytest.fail("redis did not start")

    def stop_redis():
        subprocess.run(["redis-cli", "-p", str(port), "shutdown"], capture_output=True)
        for _ in range(100):
            if subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).returncode:
                return
            time.sleep(0.1)

    hr = district_hr(tree["district_x"])
    _many_teachers(tree["school_a"], 2_000)
    path = roster(Path(tmp_path) / "roster.xlsx", [
        {"employee_no": f"Q{n:05d}", "name": f"教师{n}", "gender": "男", "school_code":
         tree["school_a"].code, "role": "任课教师", "hire_date": "2021-09-01"} for n in range(300)])
    held = Job(kind=Job.Kind.IMPORT, sheet="teachers", requester=hr, scope=tree["district_x"].path,
               status=Job.Status.COMMITTING, expires_at=timezone.now() + timedelta(days=1))
    with path.open("rb") as handle:
        held.source_file.save("source.xlsx", File(handle), save=False)
    held.save()
    queued = [Job.objects.create(kind=Job.Kind.EXPORT, sheet="teachers", requester=hr,
                                 scope=tree["district_x"].path,
                                 expires_at=timezone.now() + timedelta(days=1)) for _ in range(2)]
    for org in Organisation.objects.all():
        ChainHead.objects.get_or_create(key=f"audit:{org.pk}")

    from lms.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    url = f"redis://127.0.0.1:{port}/0"
    options = {"visibility_timeout": 3600}
    queue = f"test-{uuid.uuid4().hex[:8]}"
    start_redis()
    settings.CELERY_BROKER_URL = url
    worker, log = _start_worker(tmp_path, queue)
    admin = _admin_connection()
    try:
        _wait_for(lambda: b"ready." in log.read_bytes(), worker, log, "worker ready")
        admin.execute("BEGIN")
        admin.execute("SELECT 1 FROM people_chainhead WHERE key LIKE 'audit:%%' FOR UPDATE")
        _send(hr_tasks.job_commit, held.pk, queue=queue, url=url, options=options)
        for job in queued:
            _send(hr_tasks.job_export, job.pk, queue=queue, url=url, options=options)
        with _admin_connection() as watcher:
            _wait_for(lambda: watcher.execute(
                "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()").fetchone(),
                worker, log, "the worker holding the import")
        stop_redis()
        time.sleep(2)
        start_redis()
        admin.execute("ROLLBACK")  # the held import may finish now
        _wait_for(lambda: Job.objects.filter(pk__in=[held.pk, *[j.pk for j in queued]],
                                             status=Job.Status.DONE).count() == 3,
                  worker, log, "all three jobs after Redis came back")
    finally:
        admin.close()
        _stop(worker)  # a warm shutdown gives back any message left unacknowledged
        app.conf.task_always_eager = eager

    # A second worker takes whatever the first gave back (a redelivery): it writes nothing again.
    second, second_log = _start_worker(tmp_path, queue)
    try:
        _wait_for(lambda: b"ready." in second_log.read_bytes(), second, second_log, "worker ready")
        time.sleep(3)
    finally:
        _stop(second)
        stop_redis()
    for job in Job.objects.filter(pk__in=[held.pk, *[j.pk for j in queued]]):
        assert job.status == Job.Status.DONE
        assert job.attempts == 1, f"{job.kind} ran {job.attempts} times"
    assert Teacher.objects.filter(employee_no__startswith="Q").count() == 300
    assert AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT, target="teachers").count() == 1
    assert all(job.has_download for job in Job.objects.filter(pk__in=[j.pk for j in queued]))
