"""Two-step verification (allauth.mfa): HR and school admins must set up an authenticator app
before they reach any record; afterwards every log-in asks for its code. Teachers are not held."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.urls import reverse

from tests.factories import district_hr, school_admin


@pytest.fixture(autouse=True)
def required(settings):
    settings.STAFF_MFA_REQUIRED = True


def code(secret: str) -> str:
    """What the authenticator app shows now."""
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def login(client, username, password="pass-1234"):
    return client.post(reverse("account_login"), {"login": username, "password": password})


def test_hr_without_an_authenticator_is_sent_to_set_one_up_before_any_record(client, tree):
    hr = district_hr(tree["district_x"])
    assert login(client, hr.username).status_code == 302
    for url in ["/hr/", "/certificates/applications/", "/certificates/dashboard/", "/admin/",
                "/certificates/teachers/1/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp"), url
    page = client.get(reverse("mfa_activate_totp"), follow=True).content.decode()
    assert "两步验证" in page or "身份验证器" in page
    # Logging out and the public pages stay reachable.
    assert client.get("/verify/").status_code == 200


def test_teachers_are_not_held(client, teacher_a):
    assert login(client, teacher_a.employee_no).status_code == 302
    assert client.get(reverse("certification:my_certificates")).status_code == 200


def test_set_up_then_every_login_asks_for_the_code(client, tree):
    admin = school_admin(tree["school_a"])
    login(client, admin.username)
    page = client.get(reverse("mfa_activate_totp")).content.decode()
    # The secret the QR code carries is also printed for typing into the app.
    secret = re.search(r'value="([A-Z2-7]{32})"', page).group(1)
    # A wrong code is refused and nothing is activated.
    response = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=admin, type="totp").exists()
    response = client.post(reverse("mfa_activate_totp"), {"code": code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=admin, type="totp").exists()
    assert client.get(reverse("certification:dashboard")).status_code == 200

    client.post(reverse("account_logout"))
    response = login(client, admin.username)
    # The password alone does not log in: the code is asked for.
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("certification:dashboard")).status_code == 302
    assert client.post(reverse("mfa_authenticate"), {"code": "123456"}).status_code == 200
    assert not client.get("/").wsgi_request.user.is_authenticated
    response = client.post(reverse("mfa_authenticate"), {"code": code(secret)})
    assert response.status_code == 302
    assert client.get(reverse("certification:dashboard")).status_code == 200


def test_off_where_not_required(client, tree, settings):
    settings.STAFF_MFA_REQUIRED = False
    hr = district_hr(tree["district_x"])
    login(client, hr.username)
    assert client.get("/hr/").status_code == 200


def test_the_reason_is_given_in_chinese(client, tree):
    hr = district_hr(tree["district_x"])
    login(client, hr.username)
    page = client.get("/hr/", follow=True).content.decode()
    assert "人事和学校管理员账号须启用两步验证" in page


def test_a_teachers_pages_cost_one_query_more_at_most(client, teacher_a, settings,
                                                     django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(teacher_a.user)
    url = reverse("certification:my_certificates")
    settings.STAFF_MFA_REQUIRED = False
    client.get(url)
    with CaptureQueriesContext(connection) as off:
        client.get(url)
    settings.STAFF_MFA_REQUIRED = True
    with django_assert_max_num_queries(len(off) + 1):
        assert client.get(url).status_code == 200
