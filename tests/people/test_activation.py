"""Activation codes: random, single use, expiring, stored hashed, voided by a reissue, rate
limited like log-in, audited; and /accounts/activate/ logs the teacher in."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user
from django.urls import reverse
from django.utils import timezone

from people.models import ActivationCode, AuditEntry, StaffRole
from people.services import activation_codes_issue
from tests.factories import TeacherFactory, staff

REFUSED = "工号与激活码不匹配"
PASSWORD = "xin-yu-Lantern-42"


@pytest.fixture
def fresh(tree):
    """A teacher imported without e-mail, who has never logged in."""
    teacher = TeacherFactory(school=tree["school_a"], employee_no="S00042", name="李梅")
    teacher.user.email = ""
    teacher.user.set_unusable_password()
    teacher.user.save()
    return teacher


def issue(teacher, tree):
    hr = staff(StaffRole.Role.DISTRICT_HR, tree["district_x"])
    [(_t, code, _expires)] = activation_codes_issue(teachers=[teacher], issued_by=hr,
                                                    organisation=tree["school_a"])
    return code


def activate(client, employee_no, code, password=PASSWORD, password2=None):
    return client.post(reverse("account_activate"), {
        "employee_no": employee_no, "code": code, "password1": password,
        "password2": password2 or password}, HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_a_teacher_activates_with_the_slip_and_is_logged_in(client, tree, fresh):
    code = issue(fresh, tree)
    stored = ActivationCode.objects.get(teacher=fresh)
    assert code not in stored.code_hash and len(stored.code_hash) == 64
    # Typed as people type it: lower case, with the slip's dash.
    response = activate(client, "s00042", f"{code[:4].lower()}-{code[4:]}")
    assert response.status_code == 302
    assert get_user(client).pk == fresh.user.pk
    fresh.user.refresh_from_db()
    assert fresh.user.check_password(PASSWORD) and fresh.user.last_login is not None
    stored.refresh_from_db()
    assert stored.used_at is not None
    assert AuditEntry.objects.filter(action=AuditEntry.Action.ACTIVATION_USE, target="S00042").exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.ACTIVATION_ISSUE).exists()


def test_the_page_prefills_the_employee_number_from_the_qr_code(client, fresh):
    page = client.get(reverse("account_activate") + "?no=S00042").content.decode()
    assert 'value="S00042"' in page and 'name="code"' in page


def test_a_code_cannot_be_used_twice(client, tree, fresh):
    code = issue(fresh, tree)
    assert activate(client, "S00042", code).status_code == 302
    client.logout()
    response = activate(client, "S00042", code, password="another-Lantern-77")
    assert response.status_code == 200 and REFUSED in response.content.decode()
    fresh.user.refresh_from_db()
    assert fresh.user.check_password(PASSWORD)


def test_expired_and_reissued_codes_are_refused_with_one_message(client, tree, fresh):
    first = issue(fresh, tree)
    second = issue(fresh, tree)  # reissuing voids the first
    wrong_number = activate(client, "S99999", second).content.decode()
    reissued = activate(client, "S00042", first).content.decode()
    ActivationCode.objects.filter(teacher=fresh).update(expires_at=timezone.now() - timedelta(days=1))
    expired = activate(client, "S00042", second).content.decode()
    for page in (wrong_number, reissued, expired):
        assert REFUSED in page
    assert get_user(client).is_anonymous


def test_the_new_password_follows_the_sites_rules(client, tree, fresh):
    code = issue(fresh, tree)
    page = activate(client, "S00042", code, password="12345678").content.decode()
    assert get_user(client).is_anonymous and "密码" in page
    assert ActivationCode.objects.get(teacher=fresh).used_at is None  # the code still works
    assert activate(client, "S00042", code).status_code == 302


def test_attempts_are_rate_limited_per_employee_number(client, tree, fresh):
    code = issue(fresh, tree)
    for n in range(5):
        activate(client, "S00042", f"WRONG{n:03d}")
    page = activate(client, "S00042", code).content.decode()
    assert "尝试次数过多" in page and get_user(client).is_anonymous


def test_the_activation_rate_is_a_setting_like_log_in(settings):
    assert settings.ACCOUNT_RATE_LIMITS["activate"].endswith("/key")
    assert "/ip" in settings.ACCOUNT_RATE_LIMITS["activate"]


def test_the_per_number_limit_counts_the_teacher_found_not_the_spelling(client, tree, fresh):
    """Issue 27 §5: every spelling that finds the same teacher (case, full width typed on a
    Chinese keyboard) shares her count; the sixth try is refused even with the right code."""
    code = issue(fresh, tree)
    for n, spelling in enumerate(["S00042", "s00042", "Ｓ00042", "ｓ０００４２", "S０0042"]):
        page = activate(client, spelling, f"WRONG{n:03d}").content.decode()
        assert REFUSED in page
    page = activate(client, "Ｓ０００４２", code).content.decode()
    assert "尝试次数过多" in page and get_user(client).is_anonymous


def test_a_full_width_employee_number_finds_the_teacher(client, tree, fresh):
    code = issue(fresh, tree)
    assert activate(client, "Ｓ０００４２", code).status_code == 302
    assert get_user(client) == fresh.user
