"""Optional error reports to Sentry (SENTRY_DSN), with personal data scrubbed before anything
leaves the server: no user, no local variables, and names, 工号, phone and ID numbers
replaced wherever they appear by key or by shape."""

import re

SCRUBBED = "[scrubbed]"
# Keys whose values are personal data wherever they appear (request data, extras, breadcrumbs).
PERSONAL_KEYS = {
    "name", "teacher_name", "first_name", "last_name", "full_name", "username", "email",
    "employee_no", "phone", "mobile", "phone_number", "id_number", "password", "code",
    "姓名", "工号", "手机号", "手机", "身份证号", "邮箱", "激活码",
}
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_NUMBER = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")


def scrub(value):
    """The value with personal data replaced (dicts by key, strings by shape), recursively."""
    if isinstance(value, dict):
        return {k: (SCRUBBED if isinstance(k, str) and k.lower() in PERSONAL_KEYS else scrub(v))
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(scrub(v) for v in value)
    if isinstance(value, str):
        return ID_NUMBER.sub(SCRUBBED, PHONE.sub(SCRUBBED, value))
    return value


def before_send(event, hint):
    event.pop("user", None)
    return scrub(event)


def sentry_init(dsn: str, *, environment: str = "production") -> None:
    """Start Sentry for Django and Celery with the scrubber; nothing is sent without a DSN."""
    if not dsn:
        return
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(dsn=dsn, environment=environment, send_default_pii=False,
                    include_local_variables=False, traces_sample_rate=0.0,
                    integrations=[DjangoIntegration(), CeleryIntegration()],
                    before_send=before_send, before_breadcrumb=lambda crumb, hint: scrub(crumb))
