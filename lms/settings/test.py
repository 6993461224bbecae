"""Settings for the test suite: fast hashing, in-memory e-mail and cache, eager Celery."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-not-secret"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests run tasks eagerly unless a test starts a real worker (tests/integration).
CELERY_TASK_ALWAYS_EAGER = env.bool("DJANGO_CELERY_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
WAGTAILADMIN_BASE_URL = "http://testserver"
