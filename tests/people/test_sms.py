"""Text-message backends: off by default, the console one in tests, Aliyun's signed request."""

import json
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.exceptions import ImproperlyConfigured

from people import sms


def test_no_backend_sends_nothing(settings):
    settings.SMS_BACKEND = ""
    assert sms.sms_send(phone="+8613800138000", text="x") is False


def test_aliyun_needs_its_settings(settings):
    settings.SMS_ALIYUN_ACCESS_KEY_ID = ""
    with pytest.raises(ImproperlyConfigured):
        sms.AliyunBackend()


def test_aliyun_sends_the_code_through_the_approved_template(settings, monkeypatch):
    settings.SMS_ALIYUN_ACCESS_KEY_ID = "testid"
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = "testsecret"
    settings.SMS_ALIYUN_SIGN_NAME = "心育研修"
    settings.SMS_ALIYUN_CODE_TEMPLATE = "SMS_1"
    settings.SMS_ALIYUN_NOTICE_TEMPLATE = ""
    calls = []

    class Answer:
        def __init__(self, body):
            self.body = body

        def read(self):
            return self.body

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def fake_urlopen(url, timeout):
        calls.append(url)
        return Answer(json.dumps({"Code": "OK"}).encode())

    monkeypatch.setattr(sms.urllib.request, "urlopen", fake_urlopen)
    backend = sms.AliyunBackend()
    backend.send(phone="+8613800138000", text="验证码 123456", code="123456")
    backend.send(phone="+8613800138000", text="通知")  # no notice template: not texted
    [url] = calls
    query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    assert urlparse(url).netloc == "dysmsapi.aliyuncs.com"
    assert query["PhoneNumbers"] == "13800138000" and query["TemplateCode"] == "SMS_1"
    assert json.loads(query["TemplateParam"]) == {"code": "123456"}
    assert query["SignName"] == "心育研修" and query["Signature"]

    monkeypatch.setattr(sms.urllib.request, "urlopen",
                        lambda url, timeout: Answer(b'{"Code": "isv.BUSINESS_LIMIT_CONTROL"}'))
    with pytest.raises(RuntimeError, match="BUSINESS_LIMIT_CONTROL"):
        backend.send(phone="+8613800138000", text="x", code="1")
