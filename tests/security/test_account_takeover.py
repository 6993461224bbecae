"""Nobody takes over an account that holds a higher role: no log-in phone set by HR logs in
before its owner confirms it, no slip or code reaches a staff account, a log-in or a password
change voids outstanding codes, and staff never log in by a text message alone."""

import pytest
from django.contrib.auth import get_user
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from hr.exports import activation_rows
from hr.imports.roster import teachers_commit, teachers_plan
from hr.imports.rows import ImportHasErrors
from people import sms
from people.models import ActivationCode, LoginPhone, StaffRole
from people.services import activation_codes_issue, login_phone_set, staff_role_grant
from tests.factories import TeacherFactory, district_hr, school_admin
from tests.hr.builders import xlsx

PASSWORD = "xin-yu-Lantern-42"
PHONE = "+8613800138000"


def never_logged_in(school, **kw):
    teacher = TeacherFactory(school=school, **kw)
    teacher.user.set_unusable_password()
    teacher.user.save()
    return teacher


def holding(teacher, role, organisation):
    staff_role_grant(user=teacher.user, role=role, organisation=organisation)
    return teacher


# ------------------------------------------------------------------ log-in phones in the roster

@pytest.mark.parametrize("role, node", [(StaffRole.Role.CITY_HR, "city"),
                                        (StaffRole.Role.DISTRICT_HR, "district_y")])
def test_the_roster_refuses_a_phone_for_an_account_at_or_above_the_importer(tree, tmp_path,
                                                                          role, node):
    hr_x = district_hr(tree["district_x"])
    boss = holding(TeacherFactory(school=tree["school_a"], employee_no="BOSS1", name="市人事"),
                   role, tree[node])
    plain = TeacherFactory(school=tree["school_a"], employee_no="PLAIN1", name="普通教师")
    code = tree["school_a"].code
    path = xlsx(tmp_path / "r.xlsx", [["工号", "姓名", "学校代码", "手机号"],
                                      ["BOSS1", "市人事", code, "13800138000"],
                                      ["PLAIN1", "普通教师", code, "13900000001"]])
    plan = teachers_plan(path=path, user=hr_x)
    [error] = plan.as_preview()["errors"]
    assert error["row"] == 2 and error["column"].startswith("手机号")
    assert "登录手机号只能由本人设置" in error["reason"]
    with pytest.raises(ImportHasErrors):
        teachers_commit(path=path, user=hr_x)
    assert not LoginPhone.objects.filter(user=boss.user).exists()
    assert not LoginPhone.objects.filter(user=plain.user).exists()  # nothing written


def test_the_roster_sets_a_phone_for_a_lower_role(tree, tmp_path):
    hr_x = district_hr(tree["district_x"])
    holding(TeacherFactory(school=tree["school_a"], employee_no="ADM1", name="校管理员"),
            StaffRole.Role.SCHOOL_ADMIN, tree["school_a"])
    path = xlsx(tmp_path / "r.xlsx", [["工号", "姓名", "学校代码", "手机号"],
                                      ["ADM1", "校管理员", tree["school_a"].code, "13800138000"]])
    assert not teachers_plan(path=path, user=hr_x).as_preview()["errors"]


def test_a_phone_hr_typed_in_does_not_log_in_until_its_owner_confirms_it(client, tree):
    teacher = TeacherFactory(school=tree["school_a"])
    teacher.user.set_password(PASSWORD)
    teacher.user.save()
    login_phone_set(user=teacher.user, number=PHONE)  # as the roster writes it
    sms.outbox.clear()
    client.post(reverse("account_request_login_code"), {"phone": "13800138000"})
    assert sms.outbox == [] and get_user(client).is_anonymous
    client.post(reverse("account_login"), {"login": "13800138000", "password": PASSWORD})
    assert get_user(client).is_anonymous
    # The owner logs in with her password and confirms the number by a code sent to it.
    client.logout()  # a fresh session, without the pending code log-in
    client.post(reverse("account_login"), {"login": teacher.employee_no, "password": PASSWORD})
    assert get_user(client).pk == teacher.user.pk
    assert "尚未确认" in client.get(reverse("people:account")).content.decode()
    response = client.post(reverse("account_change_phone"), {"action": "verify"})
    assert response["Location"] == reverse("account_verify_phone")
    [message] = sms.outbox
    assert message["phone"] == PHONE
    client.post(reverse("account_verify_phone"), {"code": message["code"]})
    assert LoginPhone.objects.get(user=teacher.user).verified
    client.logout()
    sms.outbox.clear()
    client.post(reverse("account_request_login_code"), {"phone": "13800138000"})
    [message] = sms.outbox
    client.post(reverse("account_confirm_login_code"), {"code": message["code"]})
    assert get_user(client).pk == teacher.user.pk


# ------------------------------------------------------------------ activation slips and codes

def _slip_numbers(user, organisation=None) -> set[str]:
    _count, rows = activation_rows(user=user, organisation=organisation)
    return {row[0] for row in rows}


def test_district_hr_slips_leave_out_a_teacher_holding_city_hr(tree):
    hr_x = district_hr(tree["district_x"])
    holding(never_logged_in(tree["school_a"], employee_no="CITYHR1"), StaffRole.Role.CITY_HR,
            tree["city"])
    never_logged_in(tree["school_a"], employee_no="PLAIN1")
    assert _slip_numbers(hr_x) == {"PLAIN1"}
    assert not ActivationCode.objects.filter(teacher__employee_no="CITYHR1").exists()


def test_school_admin_slips_leave_out_a_teacher_holding_district_hr(tree):
    admin = school_admin(tree["school_a"])
    holding(never_logged_in(tree["school_a"], employee_no="DHR1"), StaffRole.Role.DISTRICT_HR,
            tree["district_x"])
    holding(never_logged_in(tree["school_a"], employee_no="TRAINER1"), StaffRole.Role.TRAINER,
            tree["district_x"])
    never_logged_in(tree["school_a"], employee_no="PLAIN1")
    assert _slip_numbers(admin, tree["school_a"]) == {"PLAIN1"}


def test_no_code_is_issued_to_or_opens_a_staff_account(client, tree):
    hr_x = district_hr(tree["district_x"])
    teacher = never_logged_in(tree["school_a"], employee_no="LATER1")
    [(_t, code, _e)] = activation_codes_issue(teachers=[teacher], issued_by=hr_x,
                                              organisation=tree["school_a"])
    # Made city HR after the slip was printed: the slip opens nothing.
    holding(teacher, StaffRole.Role.CITY_HR, tree["city"])
    client.post(reverse("account_activate"), {"employee_no": "LATER1", "code": code,
                                              "password1": PASSWORD, "password2": PASSWORD})
    assert get_user(client).is_anonymous
    with pytest.raises(PermissionDenied):
        activation_codes_issue(teachers=[teacher], issued_by=hr_x, organisation=tree["school_a"])


def test_logging_in_voids_an_outstanding_code(client, tree):
    hr_x = district_hr(tree["district_x"])
    teacher = never_logged_in(tree["school_a"], employee_no="T1")
    [(_t, code, _e)] = activation_codes_issue(teachers=[teacher], issued_by=hr_x,
                                              organisation=tree["school_a"])
    teacher.user.set_password(PASSWORD)  # she got an e-mailed invitation and set one
    teacher.user.save()
    client.post(reverse("account_login"), {"login": "T1", "password": PASSWORD})
    assert get_user(client).pk == teacher.user.pk
    client.logout()
    assert ActivationCode.objects.get(teacher=teacher).voided_at is not None
    client.post(reverse("account_activate"), {"employee_no": "T1", "code": code,
                                              "password1": "other-Lantern-77",
                                              "password2": "other-Lantern-77"})
    assert get_user(client).is_anonymous
    teacher.user.refresh_from_db()
    assert teacher.user.check_password(PASSWORD)


def test_a_password_change_voids_an_outstanding_code(client, tree):
    hr_x = district_hr(tree["district_x"])
    teacher = TeacherFactory(school=tree["school_a"], employee_no="T2")
    teacher.user.set_password(PASSWORD)
    teacher.user.save()
    client.post(reverse("account_login"), {"login": "T2", "password": PASSWORD})
    activation_codes_issue(teachers=[teacher], issued_by=hr_x, organisation=tree["school_a"])
    response = client.post(reverse("account_change_password"), {
        "oldpassword": PASSWORD, "password1": "new-Lantern-88", "password2": "new-Lantern-88"})
    assert response.status_code == 302
    assert ActivationCode.objects.get(teacher=teacher).voided_at is not None


# ------------------------------------------------------------------ staff and text messages

@pytest.mark.parametrize("field", ["phone", "email"])
def test_staff_never_log_in_by_a_text_message_alone(client, tree, field):
    teacher = holding(TeacherFactory(school=tree["school_a"]), StaffRole.Role.DISTRICT_HR,
                      tree["district_x"])
    login_phone_set(user=teacher.user, number=PHONE, verified=True)
    sms.outbox.clear()
    value = "13800138000" if field == "phone" else teacher.user.email
    response = client.post(reverse("account_request_login_code"), {field: value}, follow=True)
    assert sms.outbox == [] and get_user(client).is_anonymous
    assert response.redirect_chain[0][0] == (
        f"{reverse('account_login')}?next={reverse('mfa_activate_totp')}")
    text = response.content.decode()
    assert "工作人员账号不能仅凭短信验证码登录" in text and "身份验证器" in text


def test_the_staff_account_rule_has_one_answer_for_one_account_or_many(tree):
    from people.selectors import staff_account_ids, user_is_staff_account
    from tests.factories import UserFactory

    plain = TeacherFactory(school=tree["school_a"]).user
    trainer = holding(TeacherFactory(school=tree["school_a"]), StaffRole.Role.TRAINER,
                      tree["city"]).user
    superuser = UserFactory(is_superuser=True)
    users = [plain, trainer, superuser, district_hr(tree["district_x"])]
    assert staff_account_ids(u.pk for u in users) == {u.pk for u in users
                                                      if user_is_staff_account(u)}
    assert not user_is_staff_account(plain) and user_is_staff_account(trainer)
