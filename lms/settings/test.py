"""Settings for the test suite: fast hashing, in-memory e-mail and cache, eager Celery."""

import os
import tempfile
from pathlib import Path

from lms.dotenv import tests_refuse

from .base import *
from .base import DATABASES, env, phone_login

tests_refuse()

DEBUG = False
SECRET_KEY = "test-only-not-secret"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# DJANGO_TEST_EMAIL_BACKEND lets tests/integration point a real worker at mail files.
EMAIL_BACKEND = env.str(
    "DJANGO_TEST_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend"
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so that a Celery worker process can open the test database.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"lms-test-{os.getpid()}.sqlite3")
    }
# The replica alias as a test mirror of the primary (tests/people/test_replica.py turns its
# reads on; elsewhere figures read the primary, as without DATABASE_REPLICA_URL).
DATABASES["replica"] = {**DATABASES["default"], "TEST": {
    **DATABASES["default"].get("TEST", {}), "MIRROR": "default"}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests change records and read the staff pages again at once: figures computed on each view,
# unless a test asks for sharing (tests/certification/test_figures_shared.py).
STAFF_FIGURES_MAX_AGE = 0
# Tests run tasks eagerly unless a test starts a real worker (tests/integration).
CELERY_TASK_ALWAYS_EAGER = env.bool("DJANGO_CELERY_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
WAGTAILADMIN_BASE_URL = "http://testserver"
# Text messages are logged, not sent (people.sms.ConsoleBackend): phone log-in works locally.
SMS_BACKEND = env.str("DJANGO_SMS_BACKEND", default="people.sms.ConsoleBackend")
ACCOUNT_LOGIN_METHODS, ACCOUNT_LOGIN_BY_CODE_ENABLED = phone_login(SMS_BACKEND)
