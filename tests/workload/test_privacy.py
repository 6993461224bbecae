"""Notes carry counts and categories only: phone numbers, ID numbers and name lists are refused."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from certification.models import WorkloadEntry
from certification.workload.services import workload_note_validate

from .builders import activity, counsellor, entry

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("note, code", [
    ("家长电话13812345678已联系", "phone"),
    ("回访 138 1234 5678", "phone"),
    ("身份证11010519491231002X", "id_number"),
    ("110105194912310021 复诊", "id_number"),
    ("张伟、李娜、王芳参加", "names"),
    ("学生：刘洋，陈静，杨帆，赵磊", "names"),
    ("欧阳明 司马光 诸葛亮", "names"),
])
def test_identifying_notes_are_refused(note, code):
    with pytest.raises(ValidationError) as exc:
        workload_note_validate(note)
    assert exc.value.code == code


@pytest.mark.parametrize("note", [
    "学业压力、人际关系、情绪困扰",
    "高一、高二、高三 三个年级",
    "初一3班，初一4班，初一5班",
    "首次干预，转介医院",
    "共 45 人参加，时长 40 分钟",
    "张老师主持",
    "",
])
def test_ordinary_notes_pass(note):
    workload_note_validate(note)


@pytest.mark.parametrize("note, words", [
    ("家长电话13812345678", "mobile phone number"),
    ("证件号11010519491231002X", "ID card number"),
])
def test_the_form_says_why_and_nothing_is_saved(client, tree, note, words):
    me = counsellor(tree["school_a"])
    client.force_login(me.user)
    with translation.override("en"):
        response = client.post(reverse("certification:workload_entry_create"), {
            "activity_type": activity("individual_counselling").pk, "date": "2024-03-04",
            "quantity": "1", "note": note, "submit": "1",
        }, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert words in response.content.decode()
    assert not WorkloadEntry.objects.exists()


def test_the_message_is_in_chinese_by_default(client, tree):
    me = counsellor(tree["school_a"])
    client.force_login(me.user)
    response = client.post(reverse("certification:workload_entry_create"), {
        "activity_type": activity("individual_counselling").pk, "date": "2024-03-04",
        "quantity": "1", "note": "电话 13912345678", "submit": "1",
    })
    assert "手机号" in response.content.decode()
    assert not WorkloadEntry.objects.exists()


def test_the_service_refuses_too_and_saves_nothing(tree):
    me = counsellor(tree["school_a"])
    with pytest.raises(ValidationError) as exc:
        entry(me, note="身份证 11010519491231002X")
    assert "note" in exc.value.message_dict
    assert not WorkloadEntry.objects.exists()


def test_a_returned_entry_cannot_smuggle_a_phone_in_on_edit(tree):
    from certification.workload import services
    from tests import factories

    me = counsellor(tree["school_a"])
    admin = factories.school_admin(tree["school_a"])
    pending = entry(me, submit=True)
    services.workload_entry_return(entry=pending, by=admin, reason="请补充主题")
    with pytest.raises(ValidationError):
        services.workload_entry_update(entry=pending, by=me.user, activity_type=pending.activity_type,
                                       date=pending.date, quantity=1, note="家长 15012345678")
    pending.refresh_from_db()
    assert pending.note == "学业压力"
