"""Invitations for HR-created accounts, run eagerly: the mailed link lets the teacher set a
password and then log in with their employee number."""

from urllib.parse import urlsplit

import pytest
from django.core import mail

from people.invitations import account_invitation_send
from people.tasks import send_account_invitations

from .invitations import LINK, hr_teacher, set_password_through_link

pytestmark = pytest.mark.django_db


def test_hr_created_teacher_sets_password_from_invitation_and_logs_in(client, tree):
    teacher = hr_teacher(tree["school_a"])
    assert not teacher.user.has_usable_password()

    assert account_invitation_send(user=teacher.user, request_base_url="http://testserver/")

    [message] = mail.outbox
    assert message.to == ["wang.fang@school.example.cn"]
    assert "T20260001" in message.body
    set_password_through_link(client, message.body, "Xinyu-2026-spring")

    teacher.user.refresh_from_db()
    assert teacher.user.has_usable_password()
    assert client.login(username="T20260001", password="Xinyu-2026-spring")


def test_invitation_link_works_once(client, tree):
    teacher = hr_teacher(tree["school_a"])
    account_invitation_send(user=teacher.user, request_base_url="http://testserver")
    body = mail.outbox[0].body
    set_password_through_link(client, body, "Xinyu-2026-spring")

    client.logout()
    again = client.get(urlsplit(LINK.findall(body)[0]).path, follow=True)
    assert b'name="password1"' not in again.content


def test_invitation_task_sends_once_per_user_per_day_and_skips_the_unreachable(tree):
    teacher = hr_teacher(tree["school_a"])
    no_mail = hr_teacher(tree["school_a"], employee_no="T20260002", email="")

    assert send_account_invitations([teacher.user_id, no_mail.user_id, 999_999]) == 1
    assert send_account_invitations([teacher.user_id]) == 0

    assert [m.to for m in mail.outbox] == [["wang.fang@school.example.cn"]]
