"""allauth's phone support: log in by a text-message code (the console backend receives it),
or by phone and password; reset a forgotten password by phone."""

import pytest
from django.contrib.auth import get_user
from django.urls import reverse

from people import sms
from people.services import login_phone_set
from tests.factories import TeacherFactory


@pytest.fixture
def phoned(tree):
    teacher = TeacherFactory(school=tree["school_a"])
    teacher.user.email = ""
    teacher.user.save()
    # A number its owner has confirmed (an unconfirmed one never logs in: tests/security).
    login_phone_set(user=teacher.user, number="+8613800138000", verified=True)
    sms.outbox.clear()
    return teacher


def test_the_console_backend_receives_the_code_and_phone_log_in_works(client, phoned):
    response = client.post(reverse("account_request_login_code"), {"phone": "138 0013 8000"})
    assert response.status_code == 302
    [message] = sms.outbox
    assert message["phone"] == "+8613800138000" and message["code"] in message["text"]
    confirmed = client.post(reverse("account_confirm_login_code"), {"code": message["code"]})
    assert confirmed.status_code == 302
    assert get_user(client).pk == phoned.user.pk


def test_a_wrong_code_does_not_log_in(client, phoned):
    client.post(reverse("account_request_login_code"), {"phone": "13800138000"})
    client.post(reverse("account_confirm_login_code"), {"code": "000000"})
    assert get_user(client).is_anonymous


def test_an_unknown_phone_gets_no_message(client, phoned):
    client.post(reverse("account_request_login_code"), {"phone": "13900000000"})
    assert sms.outbox == [] and get_user(client).is_anonymous


def test_phone_and_password_log_in(client, phoned):
    phoned.user.set_password("Lantern-on-the-hill-9")
    phoned.user.save()
    client.post(reverse("account_login"), {"login": "13800138000", "password": "Lantern-on-the-hill-9"})
    assert get_user(client).pk == phoned.user.pk


def test_phone_log_in_is_off_without_a_backend(client, phoned, settings):
    settings.SMS_BACKEND = ""
    settings.ACCOUNT_LOGIN_METHODS = {"email", "username"}
    settings.ACCOUNT_LOGIN_BY_CODE_ENABLED = False
    assert "request_login_code_url" not in (client.get(reverse("account_login")).context or {})
    page = client.get(reverse("account_login")).content.decode()
    assert reverse("account_request_login_code") not in page


def test_a_forgotten_password_is_reset_by_phone(client, phoned):
    new = reverse("account_password_new_by_code")
    assert client.get(new).status_code == 302  # not logged in
    client.post(reverse("account_request_login_code") + f"?next={new}", {"phone": "13800138000"})
    [message] = sms.outbox
    confirmed = client.post(reverse("account_confirm_login_code") + f"?next={new}",
                            {"code": message["code"], "next": new})
    assert confirmed["Location"] == new
    response = client.post(new, {"new_password1": "Lantern-on-the-hill-9",
                                 "new_password2": "Lantern-on-the-hill-9"})
    assert response.status_code == 302
    phoned.user.refresh_from_db()
    assert phoned.user.check_password("Lantern-on-the-hill-9")
    assert get_user(client).pk == phoned.user.pk  # still logged in


def test_a_password_log_in_cannot_skip_the_old_password(client, phoned):
    phoned.user.set_password("Lantern-on-the-hill-9")
    phoned.user.save()
    client.post(reverse("account_login"), {"login": phoned.employee_no, "password": "Lantern-on-the-hill-9"})
    response = client.get(reverse("account_password_new_by_code"))
    assert response.status_code == 302 and "login/code" in response["Location"]


def test_the_account_page_shows_the_own_phone_and_allauths_pages(client, phoned):
    client.force_login(phoned.user)
    page = client.get(reverse("people:account")).content.decode()
    assert "138 0013 8000" in page and reverse("account_email") in page
    other = TeacherFactory(school=phoned.school)
    client.force_login(other.user)
    assert "138 0013 8000" not in client.get(reverse("people:account")).content.decode()
    # allauth's own page adds an address.
    response = client.post(reverse("account_email"), {"action_add": "", "email": "new@example.test"})
    assert response.status_code == 302
    assert other.user.emailaddress_set.filter(email="new@example.test").exists()


def test_wechat_binding_is_allauths_page_when_configured(client, phoned, settings):
    from django.conf import settings as conf

    assert "allauth.socialaccount.providers.weixin" not in conf.INSTALLED_APPS  # off by default
    client.force_login(phoned.user)
    assert reverse("socialaccount_connections") not in client.get(reverse("people:account")).content.decode()


def test_the_code_page_asks_for_the_phone_only_in_plain_chinese_and_sends_six_digits(client, phoned):
    from tests.html_text import visible_text

    page = client.get(reverse("account_request_login_code")).content.decode()
    text = visible_text(page)
    assert "短信验证码登录" in text and "发送验证码" in text and "手机号" in text
    assert 'type="tel"' in page and 'name="email"' not in page
    for jargon in ("发送登录代码给我", "特殊代码", "请求码", "Request Code"):
        assert jargon not in text
    response = client.post(reverse("account_request_login_code"), {"phone": "138 0013 8000"})
    assert response.status_code == 302
    [message] = sms.outbox
    assert len(message["code"]) == 6 and message["code"].isdigit()
    confirm = visible_text(client.get(response["Location"]).content.decode())
    assert "输入验证码" in confirm and "6 位验证码已发送至" in confirm and "登录代码" not in confirm
    client.post(reverse("account_confirm_login_code"), {"code": message["code"]})
    assert get_user(client).pk == phoned.user.pk


def test_an_empty_code_request_is_refused_on_the_page(client, phoned):
    response = client.post(reverse("account_request_login_code"), {"phone": ""})
    assert response.status_code == 200 and "请输入手机号" in response.content.decode()
    assert sms.outbox == []
