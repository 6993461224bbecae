"""Faults a real deployment meets, with a real Celery worker process: a worker killed mid-export,
a task that raises, a task that fails every time, a broker that restarts, a request that rolls
back. Jobs end done, retried a bounded number of times or failed with their reason; no partial
file is ever offered and nothing is queued for work that was rolled back."""

import shutil
import signal
import socket
import subprocess
import time
import uuid
from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.db import OperationalError, transaction
from django.urls import reverse
from django.utils import timezone
from kombu import Connection

from hr import services as hr_services
from hr import tasks as hr_tasks
from hr.models import Job
from people.models import Teacher
from tests.factories import district_hr

from .test_worker import _broker, _start_worker, _stop, _wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def not_eager():
    from lms.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = eager


@pytest.fixture
def private_root(settings, tmp_path):
    """The worker gets DJANGO_DATA_DIR=tmp_path, so its private files land here too."""
    root = tmp_path / "private"
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(root), "base_url": None}}}
    return root


def _many_teachers(school, count: int) -> None:
    from django.contrib.auth import get_user_model

    User = get_user_model()
    User.objects.bulk_create([User(username=f"K{n:06d}", password="!") for n in range(count)],
                             batch_size=2000)
    users = dict(User.objects.filter(username__startswith="K").values_list("username", "pk"))
    Teacher.objects.bulk_create(
        [Teacher(user_id=users[f"K{n:06d}"], employee_no=f"K{n:06d}", name=f"教师{n}",
                 school=school, role=Teacher.Role.SUBJECT_TEACHER) for n in range(count)],
        batch_size=2000)


def _send(task, job_id, *, queue: str, url: str, options: dict) -> None:
    with Connection(url, transport_options=options) as conn:
        task.apply_async(args=(str(job_id),), queue=queue, connection=conn)


def test_a_worker_killed_mid_export_leaves_no_file_and_the_job_ends_failed(
        client, tree, tmp_path, not_eager, private_root):
    hr = district_hr(tree["district_x"])
    # Enough rows that the export outlasts the moment between its first progress and the kill
    # on a quiet machine too (30,000 finished first there once).
    _many_teachers(tree["school_a"], 80_000)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    url, options = _broker(tmp_path)
    worker, log = _start_worker(tmp_path, queue)
    try:
        _wait_for(lambda: b"ready." in log.read_bytes(), worker, log, "worker ready")
        with transaction.atomic():
            job = Job.objects.create(kind=Job.Kind.EXPORT, sheet="teachers", requester=hr,
                                     scope=tree["district_x"].path,
                                     expires_at=timezone.now() + timedelta(days=1))
        _send(hr_tasks.job_export, job.pk, queue=queue, url=url, options=options)
        # Killed once the export is under way: rows written, file not finished.
        _wait_for(lambda: Job.objects.filter(pk=job.pk, progress_done__gt=0).exists(),
                  worker, log, "export progress", every=0.005)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            _stop(worker)

    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and not job.has_download
    # Nothing under the final name, and the desk offers no download.
    assert not (private_root / hr_services.export_file_name(job)).exists()
    client.force_login(hr)
    assert client.get(reverse("hr:job_download", args=[job.pk])).status_code == 404

    # The purge (run by beat) ends the job whose worker vanished, with its reason.
    hr_services.jobs_purge_expired(now=timezone.now() + hr_services.STALLED_AFTER + timedelta(minutes=1))
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.error == "任务中断（处理进程停止）" and not job.has_download


def test_a_task_that_raises_ends_its_job_failed_with_the_reason(tree, tmp_path, not_eager,
                                                                private_root):
    hr = district_hr(tree["district_x"])
    queue = f"test-{uuid.uuid4().hex[:8]}"
    url, options = _broker(tmp_path)
    job = Job.objects.create(kind=Job.Kind.EXPORT, sheet="no-such-sheet", requester=hr,
                             scope=tree["district_x"].path,
                             expires_at=timezone.now() + timedelta(days=1))
    worker, log = _start_worker(tmp_path, queue)
    try:
        _wait_for(lambda: b"ready." in log.read_bytes(), worker, log, "worker ready")
        _send(hr_tasks.job_export, job.pk, queue=queue, url=url, options=options)
        _wait_for(lambda: Job.objects.filter(pk=job.pk, status=Job.Status.FAILED).exists(),
                  worker, log, "the job to fail")
        assert worker.poll() is None  # the worker lives on for the next job
    finally:
        _stop(worker)
    job.refresh_from_db()
    assert "no-such-sheet" in job.error and not job.has_download


def test_a_task_failing_every_time_is_retried_a_bounded_number_of_times(tree, monkeypatch,
                                                                         private_root):
    """The database is gone for good: each attempt retries (eagerly here), then the job fails."""
    hr = district_hr(tree["district_x"])
    job = Job.objects.create(kind=Job.Kind.EXPORT, sheet="teachers", requester=hr,
                             scope=tree["district_x"].path,
                             expires_at=timezone.now() + timedelta(days=1))
    calls = []

    def database_gone(*, job_id):
        calls.append(job_id)
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(hr_services, "job_run_export", database_gone)
    # Each delivery as the broker makes it after the countdown (5, 10, 15 s), with its count.
    retried = 0
    for attempt in range(hr_services.MAX_ATTEMPTS + 1):
        try:
            hr_tasks.job_export.apply(args=(str(job.pk),), retries=attempt)
        except Retry:
            retried += 1
    assert retried == hr_services.MAX_ATTEMPTS
    job.refresh_from_db()
    assert len(calls) == hr_services.MAX_ATTEMPTS + 1
    assert job.status == Job.Status.FAILED and "could not connect" in job.error


def test_a_rolled_back_request_queues_nothing(tree, monkeypatch, not_eager):
    """Tasks go to the broker only once their transaction commits."""
    hr = district_hr(tree["district_x"])
    sent = []
    monkeypatch.setattr(hr_tasks.job_export, "apply_async",
                        lambda args=None, kwargs=None, **kw: sent.append(args))
    with pytest.raises(RuntimeError), transaction.atomic():
        hr_services.job_export_create(requester=hr, sheet="teachers")
        raise RuntimeError("the request failed after the job was made")
    assert not Job.objects.exists() and sent == []
    with transaction.atomic():
        job = hr_services.job_export_create(requester=hr, sheet="teachers")
        assert sent == []  # not before the commit
    assert sent == [(str(job.pk),)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server (CI installs it)")
def test_the_worker_rides_out_a_broker_restart(tree, tmp_path, not_eager, private_root, settings):
    port = _free_port()
    redis_dir = tmp_path / "redis"
    redis_dir.mkdir()

    def start_redis():
        subprocess.run(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--daemonize",
                        "yes", "--dir", str(redis_dir), "--pidfile", str(redis_dir / "pid"),
                        "--save", "", "--appendonly", "no"], check=True)
        for _ in range(50):
            if subprocess.run(["redis-cli", "-p", str(port), "ping"],
                              capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        pytest.fail("redis did not start")

    def stop_redis():
        subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], capture_output=True)

    hr = district_hr(tree["district_x"])
    url = f"redis://127.0.0.1:{port}/0"
    options = {"visibility_timeout": 3600}
    queue = f"test-{uuid.uuid4().hex[:8]}"
    start_redis()
    settings.CELERY_BROKER_URL = url
    worker, log = _start_worker(tmp_path, queue)
    try:
        _wait_for(lambda: b"ready." in log.read_bytes(), worker, log, "worker ready")
        stop_redis()
        time.sleep(2)  # the worker notices the lost connection
        start_redis()
        job = Job.objects.create(kind=Job.Kind.EXPORT, sheet="teachers", requester=hr,
                                 scope=tree["district_x"].path,
                                 expires_at=timezone.now() + timedelta(days=1))
        _send(hr_tasks.job_export, job.pk, queue=queue, url=url, options=options)
        _wait_for(lambda: Job.objects.filter(pk=job.pk, status=Job.Status.DONE).exists(),
                  worker, log, "the export after the broker came back")
    finally:
        _stop(worker)
        stop_redis()
    job.refresh_from_db()
    assert job.has_download
