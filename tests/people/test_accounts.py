"""Accounts: log in by employee number or e-mail, closed signup, reset by e-mail, two languages."""

import pytest
from django.core import mail
from django.urls import reverse

from people import demo


def login(client, login, password="pass-1234"):
    return client.post(reverse("account_login"), {"login": login, "password": password})


def test_teacher_logs_in_with_employee_number(client, teacher_a):
    response = login(client, teacher_a.employee_no)
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == teacher_a.user


def test_teacher_logs_in_with_email(client, teacher_a):
    response = login(client, teacher_a.user.email)
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == teacher_a.user


def test_wrong_password_is_refused_with_a_message(client, teacher_a):
    response = login(client, teacher_a.employee_no, "wrong")
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    assert "不正确" in response.content.decode()


def test_repeated_failures_are_rate_limited(client, teacher_a):
    for _ in range(5):
        login(client, teacher_a.employee_no, "wrong")
    # Even the right password is refused while the limit holds.
    response = login(client, teacher_a.employee_no)
    assert response.status_code in (200, 429)
    assert not response.wsgi_request.user.is_authenticated


def test_signup_is_closed_by_default(client, db):
    response = client.get(reverse("account_signup"))
    assert "注册已关闭" in response.content.decode() or "closed" in response.content.decode().lower()
    response = client.post(reverse("account_signup"), {
        "email": "new@example.test", "username": "newbie",
        "password1": "a-long-pass-9876", "password2": "a-long-pass-9876"})
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="newbie").exists()


def test_signup_opens_by_setting(client, db, settings):
    settings.ACCOUNT_SIGNUP_OPEN = True
    response = client.post(reverse("account_signup"), {
        "email": "new@example.test", "username": "newbie",
        "password1": "a-long-pass-9876", "password2": "a-long-pass-9876"})
    assert response.status_code == 302
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.filter(username="newbie").exists()


def test_password_reset_sends_an_email_with_a_working_link(client, teacher_a):
    client.post(reverse("account_reset_password"), {"email": teacher_a.user.email})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert teacher_a.user.email in message.to
    link = next(word for word in message.body.split() if "/accounts/password/reset/key/" in word)
    response = client.get(link, follow=True)
    assert response.status_code == 200
    assert 'name="password1"' in response.content.decode()


def test_login_page_is_chinese_by_default_and_english_by_switch(client, db):
    page = client.get(reverse("account_login")).content.decode()
    assert 'lang="zh-hans"' in page and "登录" in page and "工号或邮箱" in page
    client.post(reverse("set_language"), {"language": "en", "next": reverse("account_login")})
    page = client.get(reverse("account_login")).content.decode()
    assert 'lang="en"' in page and "Sign In" in page and "Employee number or e-mail" in page


def test_pages_use_the_site_layout(client, db):
    page = client.get(reverse("account_login")).content.decode()
    assert "site-header" in page and "viewport" in page


@pytest.mark.parametrize("key", [k for k, *_ in demo.DEMO_ACCOUNTS] + ["admin"])
def test_every_demo_account_can_log_in(client, db, key):
    city = demo.seed(teachers=20)
    user = city.accounts[key]
    response = login(client, user.username, demo.DEMO_PASSWORD)
    assert response.status_code == 302, key
    assert client.get("/").wsgi_request.user == user


def test_demo_is_idempotent(db):
    from people.models import Organisation, StaffRole, Teacher

    demo.seed(teachers=30)
    counts = (Organisation.objects.count(), Teacher.objects.count(), StaffRole.objects.count())
    demo.seed(teachers=30)
    assert (Organisation.objects.count(), Teacher.objects.count(), StaffRole.objects.count()) == counts
    assert Teacher.objects.count() == 30 + 3  # generated + teacher, counsellor, school admin


def test_demo_city_has_every_role_and_level_of_the_tree(db):
    from people.models import Organisation, Teacher

    city = demo.seed(teachers=600)
    # The demo is one city: every level from the city down (a province installation puts its
    # cities under a province, tests/hr/test_province.py).
    assert {o.kind for o in Organisation.objects.all()} == set(Organisation.Kind.values) - {
        Organisation.Kind.PROVINCE}
    assert set(Teacher.objects.values_list("role", flat=True)) == set(Teacher.Role.values)
    assert city.demo_school.path.startswith(city.demo_district.path)


def test_admin_login_is_allauths_and_rate_limited(client, teacher_a):
    page = client.get("/admin/login/?next=/admin/").content.decode()
    assert "工号或邮箱" in page
    for _ in range(5):
        client.post("/admin/login/", {"login": teacher_a.employee_no, "password": "wrong"})
    response = client.post("/admin/login/", {"login": teacher_a.employee_no, "password": "pass-1234"})
    assert not response.wsgi_request.user.is_authenticated


def test_staff_log_in_to_the_admin_through_the_site_login(client, tree):
    from tests import factories

    hr = factories.district_hr(tree["district_x"])
    response = client.post("/admin/login/?next=/admin/", {"login": hr.username, "password": "pass-1234"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
