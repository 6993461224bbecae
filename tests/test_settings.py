"""Production settings: they refuse to start without a real secret key, pass Django's deploy
checks without a warning when configured, and give Celery at-least-once delivery."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "lms.settings.production",
    "DJANGO_ALLOWED_HOSTS": "xinyu.example.edu.cn",
    "DJANGO_BASE_URL": "https://xinyu.example.edu.cn",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}


def _run(args, tmp_path, **env):
    # Start from this environment, minus anything a developer's shell or CI may have set.
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    base["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    base["DJANGO_DATA_DIR"] = str(tmp_path)
    return subprocess.run([sys.executable, *args], cwd=settings.BASE_DIR, env={**base, **env},
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("key", ["", "change-me-to-50-or-more-random-characters-xxxxxxxxxxxxx",
                                 "too-short"])
def test_production_refuses_to_start_without_a_real_secret_key(tmp_path, key):
    result = _run(["manage.py", "check"], tmp_path, **PRODUCTION, DJANGO_SECRET_KEY=key)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_passes_the_deploy_checks_without_a_warning(tmp_path, signing_pair):
    key, cert = map(str, signing_pair)
    configured = {**PRODUCTION, "DJANGO_CERTIFICATE_SIGNING_KEY": key,
                  "DJANGO_CERTIFICATE_SIGNING_CERT": cert}
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path,
                  **configured, DJANGO_SECRET_KEY=secrets.token_urlsafe(64))
    assert result.returncode == 0, result.stdout + result.stderr
    # One documented silence: X-Frame-Options SAMEORIGIN, for Wagtail's same-origin previews.
    assert "System check identified no issues (1 silenced)." in result.stdout
    shown = _run(["manage.py", "shell", "-c",
                  "from django.conf import settings; print(settings.SILENCED_SYSTEM_CHECKS)"],
                 tmp_path, **PRODUCTION, DJANGO_SECRET_KEY=secrets.token_urlsafe(64))
    assert shown.stdout.strip().splitlines()[-1] == "['security.W019']"


def test_the_deploy_checks_warn_when_the_signing_key_is_missing(tmp_path):
    """Issue 27 §5: without the authority's key every certificate PDF download answers 500."""
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path,
                  **PRODUCTION, DJANGO_SECRET_KEY=secrets.token_urlsafe(64))
    assert result.returncode != 0
    assert "certification.W001" in result.stderr + result.stdout


def test_a_per_process_cache_is_flagged_by_the_deploy_checks(tmp_path):
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path,
                  **PRODUCTION, DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
                  DJANGO_CACHE_URL="locmemcache://")
    assert result.returncode != 0
    assert "cms.W001" in result.stderr + result.stdout


def test_celery_redelivers_work_of_a_lost_worker_and_never_twice_in_time(tmp_path):
    # The production app's effective configuration, as a worker would load it.
    script = (
        "import json, django; django.setup(); from lms.celery import app; c = app.conf; "
        "print(json.dumps({k: c[k] for k in ('task_acks_late', 'task_reject_on_worker_lost', "
        "'worker_prefetch_multiplier', 'task_time_limit', 'task_soft_time_limit', "
        "'broker_transport_options', 'task_always_eager')}))"
    )
    result = _run(["-c", script], tmp_path, **PRODUCTION,
                  DJANGO_SECRET_KEY=secrets.token_urlsafe(64))
    assert result.returncode == 0, result.stderr
    conf = json.loads(result.stdout.strip().splitlines()[-1])

    assert conf["task_acks_late"] is True
    assert conf["task_reject_on_worker_lost"] is True
    assert conf["worker_prefetch_multiplier"] == 1
    assert conf["task_always_eager"] is False
    # A task still running when the visibility timeout ends would be handed to a second worker.
    assert conf["task_soft_time_limit"] < conf["task_time_limit"]
    assert conf["task_time_limit"] < conf["broker_transport_options"]["visibility_timeout"]
