"""The Celery application: configured from Django settings under the CELERY_ namespace."""

import os

from celery import Celery

from lms.dotenv import dot_env_load

# As manage.py: `.env` only when DJANGO_READ_DOT_ENV=1, and the settings module it (or the
# environment) names.
dot_env_load()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")

app = Celery("lms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def broker_folders_create(sender, **kwargs):
    """The filesystem broker's folders exist before any process (worker, web, a readiness
    ping) uses them: a fresh checkout or a new data folder needs no `make data` first."""
    from pathlib import Path

    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
