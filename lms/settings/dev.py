"""The embedded default: `make run` on a laptop. SQLite, console e-mail, filesystem broker."""

from lms.dotenv import production_refuse

from .base import *
from .base import env, phone_login

# A production `.env` or production variables beside these settings: stop, saying why.
production_refuse(__name__)

# The demo shows users what they would see in production (the site's 404 and 500 pages, not
# Django's debug pages); DJANGO_DEBUG=true for development. Static files come from
# `runserver --insecure` (Makefile) and media from lms.media.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SERVE_MEDIA = env.bool("DJANGO_SERVE_MEDIA", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-not-secret-3c9f1e0b7a")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
# Text messages are logged, not sent (people.sms.ConsoleBackend): phone log-in works locally.
SMS_BACKEND = env.str("DJANGO_SMS_BACKEND", default="people.sms.ConsoleBackend")
ACCOUNT_LOGIN_METHODS, ACCOUNT_LOGIN_BY_CODE_ENABLED = phone_login(SMS_BACKEND)
