"""Audit actions are validated in code (AuditEntry.Action is the registry of codes and labels), not
as column choices: an unknown action is refused before anything is written, and the audit log
shows each action's label."""

import pytest
from django.urls import reverse

from people.models import AuditEntry
from people.services import audit_record
from tests.factories import district_hr

pytestmark = pytest.mark.django_db


def test_an_unknown_action_is_refused_and_nothing_is_written(tree):
    hr = district_hr(tree["district_x"])
    with pytest.raises(ValueError, match="teacher.rename"):
        audit_record(actor=hr, action="teacher.rename", organisation=tree["school_a"], target="T1")
    assert not AuditEntry.objects.exists()


def test_the_log_shows_each_registered_action_by_its_label(client, tree):
    hr = district_hr(tree["district_x"])
    for action in AuditEntry.Action:
        audit_record(actor=hr, action=action, organisation=tree["school_a"], target="T1")
    assert AuditEntry.objects.count() == len(AuditEntry.Action)
    client.force_login(hr)
    page = client.get(reverse("people:audit_log")).content.decode()
    for label in ("教师信息修改", "颁发证书", "撤销证书", "已发送上报提醒"):
        assert f">{label}<" in page
    assert ">teacher.change<" not in page and ">report.remind<" not in page
