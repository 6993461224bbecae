"""A real Celery worker process takes a product task off the broker the settings name
(the filesystem transport in a temporary folder, or Redis when CELERY_BROKER_URL is set)
and does its work against the test database."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from kombu import Connection

from lms.celery import app as celery_app
from people.tasks import send_account_invitations

from .invitations import hr_teacher, set_password_through_link

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 60


def _database_url() -> str:
    """The test database (not the development one) as a DATABASE_URL for the worker."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def _broker(tmp_path: Path) -> tuple[str, dict]:
    """The broker URL and transport options shared by this process and the worker."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith("filesystem://"):
        return url, settings.CELERY_BROKER_TRANSPORT_OPTIONS
    folder = tmp_path / "broker"  # the worker gets DJANGO_DATA_DIR=tmp_path: same folders
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True)
    # The settings' own options, moved from DATA_DIR into this test's folder.
    data_dir = str(settings.DATA_DIR)
    return url, {
        key: value.replace(data_dir, str(tmp_path), 1) if isinstance(value, str) else value
        for key, value in settings.CELERY_BROKER_TRANSPORT_OPTIONS.items()
    }


@pytest.fixture
def not_eager():
    """Send tasks to the broker even though the test settings run them eagerly."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = eager


def _start_worker(tmp_path: Path, queue: str) -> tuple[subprocess.Popen, Path]:
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "DJANGO_DATA_DIR": str(tmp_path),
        "DJANGO_CELERY_EAGER": "false",
        "DJANGO_TEST_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DJANGO_EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "lms", "worker", "--pool=solo", "-l", "info",
             "-Q", queue, "-n", f"{queue}@%h", "--without-gossip", "--without-mingle",
             "--without-heartbeat"],
            cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    return worker, log


def _wait_for(condition, worker: subprocess.Popen, log: Path, what: str, *, every: float = 0.25):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if (found := condition()):
            return found
        if worker.poll() is not None:
            pytest.fail(f"the worker exited ({worker.returncode}) before {what}:\n{log.read_text()}")
        time.sleep(every)
    pytest.fail(f"no {what} within {WAIT_SECONDS} s:\n{log.read_text()}")


def _stop(worker: subprocess.Popen) -> None:
    worker.terminate()  # warm shutdown
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def test_worker_process_mails_the_invitation_link_that_sets_the_password(
    client, tree, tmp_path, not_eager
):
    teacher = hr_teacher(tree["school_a"])
    queue = f"test-{uuid.uuid4().hex[:8]}"  # nothing stale on a shared Redis reaches us
    url, options = _broker(tmp_path)
    worker, log = _start_worker(tmp_path, queue)
    try:
        _wait_for(lambda: b"ready." in log.read_bytes(), worker, log, "worker ready")
        with Connection(url, transport_options=options) as conn:
            send_account_invitations.apply_async(
                args=([teacher.user_id],), queue=queue, connection=conn
            )
        mail_dir = tmp_path / "mail"
        [message] = _wait_for(
            lambda: mail_dir.is_dir() and list(mail_dir.glob("*.log")), worker, log,
            "invitation e-mail file",
        )
        text = message.read_text(encoding="utf-8")
        # The worker ran the task, not this process.
        assert "people.tasks.send_account_invitations" in log.read_text()
    finally:
        _stop(worker)

    assert "To: wang.fang@school.example.cn" in text
    set_password_through_link(client, text, "Xinyu-2026-spring")
    assert client.login(username="T20260001", password="Xinyu-2026-spring")
