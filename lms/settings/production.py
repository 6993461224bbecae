"""Production: everything secret comes from the environment, and nothing starts without it."""

from django.core.exceptions import ImproperlyConfigured

from .base import *
from .base import LOGGING, SENTRY_DSN, env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith(("dev-", "test-", "change-me")):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters."
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# SAMEORIGIN (base), not DENY: Wagtail's live preview shows the page in a same-origin frame
# beside the editor. The CSP's frame-ancestors 'self' says the same; no other site may frame us.
SILENCED_SYSTEM_CHECKS = ["security.W019"]

# HR and school admins must use two-step verification here unless explicitly switched off.
STAFF_MFA_REQUIRED = env.bool("DJANGO_STAFF_MFA_REQUIRED", default=True)

EMAIL_BACKEND = env.str("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")

# Certificate PDFs are signed with the bureau's own key (docs/deploy.md); a self-signed demo
# key is never made here unless asked for explicitly.
CERTIFICATE_SIGNING_SELF_SIGNED = env.bool("DJANGO_CERTIFICATE_SIGNING_SELF_SIGNED", default=False)

# Logs as JSON lines with the request id (DJANGO_LOG_FORMAT=text for a terminal).
LOGGING["handlers"]["console"]["formatter"] = env.str("DJANGO_LOG_FORMAT", default="json")

# Error reports to Sentry only where SENTRY_DSN is set, personal data scrubbed (ops.sentry).
if SENTRY_DSN:
    from ops.sentry import sentry_init

    sentry_init(SENTRY_DSN)
