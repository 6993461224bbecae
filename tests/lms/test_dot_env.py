"""`.env` is read only when asked (DJANGO_READ_DOT_ENV=1), its DJANGO_SETTINGS_MODULE is the one
manage.py and the Celery app run, and production variables beside the dev settings stop them
with the reason (lms/dotenv.py). Each case runs in a process of its own, as an operator would."""

import os
import secrets
import subprocess
import sys

from django.conf import settings

PRINT = ("from django.conf import settings; "
         "print(settings.SETTINGS_MODULE, settings.DEFAULT_FROM_EMAIL, settings.EMAIL_BACKEND, "
         "sep='|')")


def _run(args, tmp_path, dot_env: str | None = None, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    base.pop("DATABASE_URL", None)
    base["DJANGO_DATA_DIR"] = str(tmp_path)
    path = tmp_path / ".env"
    if dot_env is not None:
        path.write_text(dot_env, encoding="utf-8")
    base["DJANGO_DOT_ENV_FILE"] = str(path)
    return subprocess.run([sys.executable, *args], cwd=settings.BASE_DIR, env={**base, **env},
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                          check=False)


def _shown(result) -> list[str]:
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1].split("|")


def test_dot_env_is_read_only_when_asked(tmp_path):
    dot_env = "DJANGO_DEFAULT_FROM_EMAIL=from-dot-env@example.cn\n"
    unasked = _shown(_run(["manage.py", "shell", "-c", PRINT], tmp_path, dot_env))
    assert unasked[:2] == ["lms.settings.dev", "心育研修 <noreply@localhost>"]
    asked = _shown(_run(["manage.py", "shell", "-c", PRINT], tmp_path, dot_env,
                        DJANGO_READ_DOT_ENV="1"))
    assert asked[:2] == ["lms.settings.dev", "from-dot-env@example.cn"]
    # The process's own variables win over the file's.
    own = _shown(_run(["manage.py", "shell", "-c", PRINT], tmp_path, dot_env,
                      DJANGO_READ_DOT_ENV="1", DJANGO_DEFAULT_FROM_EMAIL="own@example.cn"))
    assert own[1] == "own@example.cn"


def _production_dot_env(tmp_path) -> str:
    return (f"DJANGO_SETTINGS_MODULE=lms.settings.production\n"
            f"DJANGO_SECRET_KEY={secrets.token_urlsafe(64)}\n"
            f"DJANGO_ALLOWED_HOSTS=xinyu.example.edu.cn\n"
            f"# a comment\nDATABASE_URL=sqlite:///{tmp_path / 'db.sqlite3'}\n"
            f"CELERY_BROKER_URL=redis://127.0.0.1:6379/0\n")


def test_manage_py_and_celery_run_the_settings_dot_env_names(tmp_path):
    dot_env = _production_dot_env(tmp_path)
    shown = _shown(_run(["manage.py", "shell", "-c", PRINT], tmp_path, dot_env,
                        DJANGO_READ_DOT_ENV="1"))
    assert shown[0] == "lms.settings.production"
    assert shown[2] == "django.core.mail.backends.smtp.EmailBackend"
    worker = _run(["-c", "from lms.celery import app; app.loader.import_default_modules(); "
                   + PRINT], tmp_path, dot_env, DJANGO_READ_DOT_ENV="1")
    assert _shown(worker)[0] == "lms.settings.production"


def test_a_worker_beside_a_production_dot_env_refuses_the_dev_settings(tmp_path):
    """Not asked to read it, a worker would have run dev settings and printed the site's
    e-mails to its console: it stops and says why."""
    dot_env = _production_dot_env(tmp_path)
    for args in (["manage.py", "check"],
                 ["-c", "from lms.celery import app; app.loader.import_default_modules()"]):
        result = _run(args, tmp_path, dot_env)
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr
        assert "names DJANGO_SETTINGS_MODULE=lms.settings.production" in result.stderr


def test_production_variables_in_the_environment_refuse_the_dev_settings(tmp_path):
    result = _run(["manage.py", "check"], tmp_path, DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
                  DATABASE_URL="postgres://lms:secret@db.example.edu.cn:5432/lms")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY and a DATABASE_URL on a server are production variables" \
        in result.stderr
    # A SQLite file is no server: the demo with a key of its own still runs.
    ok = _run(["manage.py", "check"], tmp_path, DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
              DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert ok.returncode == 0, ok.stderr[-2000:]


def test_the_test_settings_never_read_dot_env(tmp_path):
    dot_env = "DJANGO_DEFAULT_FROM_EMAIL=from-dot-env@example.cn\n"
    script = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'lms.settings.test'; "
              "django.setup(); " + PRINT)
    # Imported as pytest imports them, the file is not read...
    shown = _shown(_run(["-c", script], tmp_path, dot_env))
    assert shown[:2] == ["lms.settings.test", "心育研修 <noreply@localhost>"]
    # ... and a process that read it cannot run the test settings.
    refused = _run(["manage.py", "check"], tmp_path, dot_env, DJANGO_READ_DOT_ENV="1",
                   DJANGO_SETTINGS_MODULE="lms.settings.test")
    assert refused.returncode != 0
    assert "The test settings never read .env" in refused.stderr
