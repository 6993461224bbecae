"""`.env` is read only when asked, as in cookiecutter-django: DJANGO_READ_DOT_ENV=1 (`make run`
sets it; a service manager passes its EnvironmentFile itself and needs none). The entry points
(manage.py, the Celery app, the WSGI application) load it before they choose the settings
module, so a DJANGO_SETTINGS_MODULE written in `.env` is the one every process runs. Tests never
read it (pytest enters through none of them, and the test settings refuse a process that did).

Dev settings refuse to start where production variables are: a `.env` beside them naming
other settings (read or not), or a secret key with a database on a server. A worker started
beside a production `.env` without it stops with the reason instead of printing the site's
e-mails to its console.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
TRUE = {"1", "true", "yes", "on"}

# Whether this process loaded `.env` (the test settings refuse one that did).
loaded = False


def dot_env_path() -> Path:
    """The `.env` file: beside manage.py, or where DJANGO_DOT_ENV_FILE says."""
    return Path(os.environ.get("DJANGO_DOT_ENV_FILE") or BASE_DIR / ".env")


def dot_env_values(path: Path | None = None) -> dict[str, str]:
    """The variables a `.env` file sets (KEY=value lines; comments, blanks and `export` ignored;
    quotes around a value removed), without loading them; {} when there is no file."""
    path = path or dot_env_path()
    if not path.is_file():
        return {}
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.removeprefix("export ").split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def dot_env_load() -> bool:
    """When DJANGO_READ_DOT_ENV is on, put the `.env` file's variables into the environment
    (the process's own variables win); True when a file was read."""
    global loaded
    if os.environ.get("DJANGO_READ_DOT_ENV", "").strip().lower() not in TRUE:
        return False
    values = dot_env_values()
    for key, value in values.items():
        os.environ.setdefault(key, value)
    loaded = loaded or bool(values)
    return bool(values)


def _on_a_server(database_url: str) -> bool:
    return bool(database_url) and not database_url.startswith("sqlite:")


def production_refuse(settings_module: str) -> None:
    """Raise ImproperlyConfigured when production variables meet `settings_module` (the dev
    settings): a `.env` naming other settings, or DJANGO_SECRET_KEY with DATABASE_URL on a
    server."""
    path = dot_env_path()
    named = dot_env_values(path).get("DJANGO_SETTINGS_MODULE", "")
    if named and named != settings_module:
        raise ImproperlyConfigured(
            f"{path} names DJANGO_SETTINGS_MODULE={named}, but {settings_module} is running. "
            f"Set DJANGO_READ_DOT_ENV=1 to run the settings it names, or "
            f"DJANGO_SETTINGS_MODULE={named} in the environment.")
    if os.environ.get("DJANGO_SECRET_KEY") and _on_a_server(os.environ.get("DATABASE_URL", "")):
        raise ImproperlyConfigured(
            f"DJANGO_SECRET_KEY and a DATABASE_URL on a server are production variables, but "
            f"{settings_module} is running: set DJANGO_SETTINGS_MODULE=lms.settings.production.")


def tests_refuse() -> None:
    """Raise ImproperlyConfigured when this process loaded `.env`: tests never read it."""
    if loaded:
        raise ImproperlyConfigured(
            "The test settings never read .env: unset DJANGO_READ_DOT_ENV to run them.")
