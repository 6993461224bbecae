"""Text messages: a backend chosen by the SMS_BACKEND setting (a dotted path), none by default.

- `people.sms.ConsoleBackend` logs each message (and keeps it in `outbox`): `make run`, tests.
- `people.sms.AliyunBackend` sends through Aliyun SMS (短信服务), configured by environment
  variables (docs/deploy.md).
Each backend has one method, `send(*, phone, text, code=None, template="")`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

# Messages the console backend "sent", newest last (read by tests, like mail.outbox).
outbox: list[dict] = []


def sms_enabled() -> bool:
    """Whether a text-message backend is configured."""
    return bool(settings.SMS_BACKEND)


def get_backend():
    path = settings.SMS_BACKEND
    return import_string(path)() if path else None


def sms_send(*, phone: str, text: str, code: str | None = None, template: str = "") -> bool:
    """Send one text message; False when no backend is configured."""
    backend = get_backend()
    if backend is None:
        return False
    backend.send(phone=phone, text=text, code=code, template=template)
    return True


class ConsoleBackend:
    """Logs the message instead of sending it."""

    def send(self, *, phone: str, text: str, code: str | None = None, template: str = "") -> None:
        outbox.append({"phone": phone, "text": text, "code": code, "template": template})
        log.warning("SMS to %s: %s", phone, text)


def aliyun_signature(params: dict, *, secret: str) -> str:
    """Aliyun's RPC signature (version 1.0, HMAC-SHA1) of a GET request's parameters."""

    def quote(s: str) -> str:
        return urllib.parse.quote(s, safe="~")

    canonical = "&".join(f"{quote(k)}={quote(v)}" for k, v in sorted(params.items()))
    to_sign = f"GET&%2F&{quote(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunBackend:
    """Aliyun SMS (dysmsapi SendSms, RPC signature v1) over HTTPS, with no SDK.

    Aliyun sends only approved templates: DJANGO_SMS_ALIYUN_CODE_TEMPLATE carries `${code}`
    (log-in and reset codes), DJANGO_SMS_ALIYUN_NOTICE_TEMPLATE carries `${title}` (notices).
    """

    endpoint = "https://dysmsapi.aliyuncs.com/"

    def __init__(self):
        self.key_id = settings.SMS_ALIYUN_ACCESS_KEY_ID
        self.secret = settings.SMS_ALIYUN_ACCESS_KEY_SECRET
        self.sign_name = settings.SMS_ALIYUN_SIGN_NAME
        self.templates = {"code": settings.SMS_ALIYUN_CODE_TEMPLATE,
                          "notice": settings.SMS_ALIYUN_NOTICE_TEMPLATE}
        if not (self.key_id and self.secret and self.sign_name and self.templates["code"]):
            raise ImproperlyConfigured("Aliyun SMS needs DJANGO_SMS_ALIYUN_ACCESS_KEY_ID, "
                                       "_ACCESS_KEY_SECRET, _SIGN_NAME and _CODE_TEMPLATE.")

    def params(self, *, phone: str, text: str, code: str | None, template: str) -> dict:
        """The signed query of one SendSms call."""
        kind = "code" if code else "notice"
        params = {
            "AccessKeyId": self.key_id, "Action": "SendSms", "Format": "JSON",
            "PhoneNumbers": phone.removeprefix("+86"), "RegionId": "cn-hangzhou",
            "SignName": self.sign_name, "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex, "SignatureVersion": "1.0",
            "TemplateCode": template or self.templates[kind],
            "TemplateParam": json.dumps({"code": code} if code else {"title": text[:20]},
                                        ensure_ascii=False),
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "Version": "2017-05-25",
        }
        params["Signature"] = aliyun_signature(params, secret=self.secret)
        return params

    def send(self, *, phone: str, text: str, code: str | None = None, template: str = "") -> None:
        kind = "code" if code else "notice"
        if not (template or self.templates[kind]):
            return  # no approved template for notices: the bell and e-mail carry them
        query = urllib.parse.urlencode(self.params(phone=phone, text=text, code=code,
                                                   template=template))
        with urllib.request.urlopen(f"{self.endpoint}?{query}", timeout=10) as response:
            answer = json.loads(response.read().decode())
        if answer.get("Code") != "OK":
            raise RuntimeError(f"Aliyun SMS refused: {answer.get('Code')} {answer.get('Message')}")
