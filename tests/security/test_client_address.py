"""Limits that count by address hold behind the documented proxy: nginx connects from 127.0.0.1
and appends the address it saw to X-Forwarded-For (docs/deploy.md)."""

import pytest
from django.urls import reverse

from people.access import client_ip
from tests.certification.builders import certificate
from tests.factories import UserFactory

PROXY = "127.0.0.1"


def through_proxy(client_address: str, sent: str = "") -> dict:
    """The request headers nginx's `$proxy_add_x_forwarded_for` makes for a client."""
    forwarded = f"{sent}, {client_address}" if sent else client_address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded}


def login(client, username, password, **headers):
    return client.post(reverse("account_login"), {"login": username, "password": password},
                       **headers)


@pytest.fixture
def behind_proxy(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


@pytest.fixture
def cityhr(db):
    return UserFactory(username="cityhr")


def _failures(client, address, count=11, sent=""):
    for n in range(count):
        login(client, f"made-up-{n}", "wrong", **through_proxy(address, sent=sent))


def test_failures_from_one_address_do_not_lock_out_another(client, cityhr, behind_proxy):
    _failures(client, "203.0.113.9")
    # The attacker's own address is now held back ...
    response = login(client, "cityhr", "pass-1234", **through_proxy("203.0.113.9"))
    assert not response.wsgi_request.user.is_authenticated
    # ... but cityhr, from their own address through the same proxy, logs in.
    response = login(client, "cityhr", "pass-1234", **through_proxy("198.51.100.7"))
    assert response.status_code == 302
    assert response.wsgi_request.user == cityhr


def test_a_client_cannot_choose_its_address_by_sending_the_header(client, cityhr, behind_proxy):
    """nginx appends what it saw; only that last entry counts, so made-up entries a client sends
    in front of it do not spread its failures over other addresses."""
    for n in range(11):
        login(client, f"made-up-{n}", "wrong", **through_proxy("203.0.113.9", sent=f"10.0.0.{n}"))
    response = login(client, "cityhr", "pass-1234",
                     **through_proxy("203.0.113.9", sent="10.9.9.9"))
    assert not response.wsgi_request.user.is_authenticated


def test_without_the_setting_the_proxy_is_one_client(client, cityhr):
    """The case the setting exists for: trusting no header, every client is 127.0.0.1."""
    _failures(client, "203.0.113.9")
    response = login(client, "cityhr", "pass-1234", **through_proxy("198.51.100.7"))
    assert not response.wsgi_request.user.is_authenticated


def test_verify_quota_is_per_client(client, teacher_a, settings, behind_proxy):
    settings.CERTIFICATE_VERIFY_RATE = 5
    cert = certificate(teacher_a, "C")
    url = reverse("certification:verify", args=[cert.verification_code])
    codes = [client.get(url, **through_proxy("203.0.113.9")).status_code for _ in range(7)]
    assert codes == [200] * 5 + [429] * 2
    assert client.get(url, **through_proxy("198.51.100.7")).status_code == 200


def test_client_ip_is_the_address_nginx_saw(rf, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert client_ip(rf.get("/", **through_proxy("198.51.100.7", sent="1.2.3.4"))) == "198.51.100.7"
    assert client_ip(rf.get("/", REMOTE_ADDR="192.0.2.5")) == "192.0.2.5"
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    assert client_ip(rf.get("/", **through_proxy("198.51.100.7"))) == PROXY


def test_the_proxy_count_comes_from_the_environment(tmp_path):
    import secrets

    from tests.test_settings import PRODUCTION, _run

    shown = _run(["manage.py", "shell", "-c",
                  "from django.conf import settings; print(settings.ALLAUTH_TRUSTED_PROXY_COUNT)"],
                 tmp_path, **PRODUCTION, DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
                 DJANGO_TRUSTED_PROXY_COUNT="1")
    assert shown.stdout.strip().splitlines()[-1] == "1", shown.stderr


def test_a_request_reaching_the_application_directly_cannot_choose_its_address(rf, settings):
    """Issue 27 §5: with a proxy count set, X-Forwarded-For is read only from the configured
    proxies (DJANGO_TRUSTED_PROXIES); from anywhere else the connection's own address counts."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    direct = {"REMOTE_ADDR": "203.0.113.50", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    assert client_ip(rf.get("/", **direct)) == "203.0.113.50"
    settings.TRUSTED_PROXIES = ["10.1.0.0/16"]
    assert client_ip(rf.get("/", REMOTE_ADDR="10.1.2.3",
                            HTTP_X_FORWARDED_FOR="198.51.100.7")) == "198.51.100.7"
    assert client_ip(rf.get("/", **through_proxy("198.51.100.7"))) == PROXY


def test_failures_sent_directly_with_made_up_addresses_still_lock_that_client(
        client, cityhr, behind_proxy):
    for n in range(11):
        login(client, f"made-up-{n}", "wrong", REMOTE_ADDR="203.0.113.50",
              HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    response = login(client, "cityhr", "pass-1234", REMOTE_ADDR="203.0.113.50",
                     HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert not response.wsgi_request.user.is_authenticated
