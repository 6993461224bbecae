"""Log → submit → approve; return → edit → resubmit; approved entries locked; school scope."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from certification.models import WorkloadDecision, WorkloadEntry, WorkloadEntryLocked
from certification.workload import services
from people.services import staff_role_grant
from tests import factories

from .builders import activity, approved, counsellor, entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tree):
    return {
        "counsellor": counsellor(tree["school_a"]),
        "admin": factories.school_admin(tree["school_a"]),
        "hr": factories.district_hr(tree["district_x"]),
        "superuser": factories.UserFactory(is_superuser=True, is_staff=True),
        "other_counsellor": counsellor(tree["school_b"]),
        "other_admin": factories.school_admin(tree["school_b"]),
    }


def test_counsellor_logs_submits_and_school_admin_approves_through_the_pages(client, people):
    me, admin = people["counsellor"], people["admin"]
    client.force_login(me.user)
    response = client.post(reverse("certification:workload_entry_create"), {
        "activity_type": activity("group_counselling").pk, "date": "2024-03-05",
        "quantity": "2", "group_size": "12", "note": "考前减压团辅", "submit": "1",
    })
    assert response.status_code == 302
    logged = WorkloadEntry.objects.get(teacher=me)
    assert logged.status == WorkloadEntry.Status.SUBMITTED
    assert logged.credit == Decimal("3.00")  # 2 sessions × 1.5

    client.force_login(admin)
    queue = client.get(reverse("certification:workload_queue"))
    assert "考前减压团辅" in queue.content.decode()
    client.post(reverse("certification:workload_entry_decide", args=[logged.pk]), {"action": "approve"})
    logged.refresh_from_db()
    assert logged.status == WorkloadEntry.Status.APPROVED
    decisions = list(logged.decisions.values_list("action", "by"))
    assert decisions == [("submitted", me.user.pk), ("approved", admin.pk)]
    assert all(d.at is not None for d in logged.decisions.all())


def test_returned_entry_is_edited_and_resubmitted(client, people):
    me, admin = people["counsellor"], people["admin"]
    first = entry(me, submit=True, quantity=3)
    client.force_login(admin)
    client.post(reverse("certification:workload_entry_decide", args=[first.pk]),
                {"action": "return", "reason": "次数与值班记录不符"})
    first.refresh_from_db()
    assert first.status == WorkloadEntry.Status.RETURNED
    assert first.return_reason == "次数与值班记录不符"

    client.force_login(me.user)
    page = client.get(reverse("certification:workload_entry_edit", args=[first.pk]))
    assert "次数与值班记录不符" in page.content.decode()
    client.post(reverse("certification:workload_entry_edit", args=[first.pk]), {
        "activity_type": activity("individual_counselling").pk, "date": "2024-03-04",
        "quantity": "2", "note": "学业压力", "submit": "1",
    })
    first.refresh_from_db()
    assert (first.status, first.quantity, first.return_reason) == ("submitted", Decimal("2"), "")
    services.workload_entry_approve(entry=first, by=admin)
    actions = list(first.decisions.values_list("action", flat=True))
    assert actions == ["submitted", "returned", "submitted", "approved"]
    assert first.decisions.get(action="returned").reason == "次数与值班记录不符"


def test_return_needs_a_reason(people):
    pending = entry(people["counsellor"], submit=True)
    with pytest.raises(ValidationError):
        services.workload_entry_return(entry=pending, by=people["admin"], reason="  ")
    pending.refresh_from_db()
    assert pending.status == WorkloadEntry.Status.SUBMITTED


def test_draft_submit_and_withdraw_while_pending(people):
    me = people["counsellor"]
    draft = entry(me)
    assert draft.status == WorkloadEntry.Status.DRAFT
    services.workload_entry_submit(entry=draft, by=me.user)
    services.workload_entry_withdraw(entry=draft, by=me.user)
    draft.refresh_from_db()
    assert draft.status == WorkloadEntry.Status.WITHDRAWN
    with pytest.raises(ValidationError):
        services.workload_entry_withdraw(entry=draft, by=me.user)  # no longer pending
    services.workload_entry_submit(entry=draft, by=me.user)
    services.workload_entry_approve(entry=draft, by=people["admin"])
    with pytest.raises(WorkloadEntryLocked):
        services.workload_entry_withdraw(entry=draft, by=me.user)


@pytest.mark.parametrize("who", ["counsellor", "admin", "hr", "superuser"])
def test_approved_entry_cannot_be_changed_by_anyone_through_the_services(people, who):
    done = approved(people["counsellor"], people["admin"], quantity=2)
    user = people[who].user if who == "counsellor" else people[who]
    attempts = [
        lambda: services.workload_entry_update(entry=done, by=user, activity_type=done.activity_type,
                                               date=done.date, quantity=9, note="改"),
        lambda: services.workload_entry_submit(entry=done, by=user),
        lambda: services.workload_entry_withdraw(entry=done, by=user),
        lambda: services.workload_entry_delete(entry=done, by=user),
        lambda: services.workload_entry_return(entry=done, by=user, reason="再看看"),
        lambda: services.workload_entry_approve(entry=done, by=user),
    ]
    for attempt in attempts:
        with pytest.raises(WorkloadEntryLocked):
            attempt()
    done.refresh_from_db()
    assert (done.status, done.quantity, done.note) == ("approved", Decimal("2"), "学业压力")
    assert done.decisions.count() == 2


def test_approved_entry_refuses_a_direct_save_or_delete(people):
    done = approved(people["counsellor"], people["admin"])
    done.quantity = Decimal("50")
    with pytest.raises(WorkloadEntryLocked):
        done.save()
    with pytest.raises(WorkloadEntryLocked):
        done.delete()
    assert WorkloadEntry.objects.get(pk=done.pk).quantity == Decimal("1")


@pytest.mark.parametrize("who", ["counsellor", "admin", "hr", "superuser"])
def test_approved_entry_cannot_be_changed_by_anyone_through_the_pages(client, people, who):
    done = approved(people["counsellor"], people["admin"], quantity=2)
    user = people[who].user if who == "counsellor" else people[who]
    client.force_login(user)
    form = {"activity_type": done.activity_type.pk, "date": "2024-03-04", "quantity": "9",
            "note": "改", "submit": "1"}
    responses = [
        client.post(reverse("certification:workload_entry_edit", args=[done.pk]), form),
        client.post(reverse("certification:workload_entry_submit", args=[done.pk])),
        client.post(reverse("certification:workload_entry_withdraw", args=[done.pk])),
        client.post(reverse("certification:workload_entry_delete", args=[done.pk])),
        client.post(reverse("certification:workload_entry_decide", args=[done.pk]),
                    {"action": "return", "reason": "再看看"}),
    ]
    assert all(r.status_code in (302, 403, 404) for r in responses)
    done.refresh_from_db()
    assert (done.status, done.quantity, done.credit) == ("approved", Decimal("2"), Decimal("2.00"))
    assert done.decisions.count() == 2


def test_a_correction_is_a_new_entry(people):
    me = people["counsellor"]
    done = approved(me, people["admin"], quantity=2)
    correction = entry(me, quantity=1, note="补记：学业压力", submit=True)
    assert correction.pk != done.pk
    assert WorkloadEntry.objects.filter(teacher=me).count() == 2


def test_school_a_cannot_see_or_approve_school_b(client, people):
    theirs = entry(people["other_counsellor"], submit=True, note="人际关系")
    admin_a, counsellor_a = people["admin"], people["counsellor"]

    with pytest.raises(PermissionDenied):
        services.workload_entry_approve(entry=theirs, by=admin_a)
    with pytest.raises(PermissionDenied):
        services.workload_entry_approve(entry=theirs, by=counsellor_a.user)
    with pytest.raises(PermissionDenied):
        services.workload_week_approve(teacher=theirs.teacher, week_start=theirs.date, by=admin_a)

    client.force_login(admin_a)
    assert "人际关系" not in client.get(reverse("certification:workload_queue")).content.decode()
    assert client.get(reverse("certification:workload_entry", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("certification:workload_entry_decide", args=[theirs.pk]),
                       {"action": "approve"}).status_code == 404
    assert client.post(reverse("certification:workload_week_approve"),
                       {"teacher": theirs.teacher.pk, "week": "2024-03-04"}).status_code == 404

    client.force_login(counsellor_a.user)
    assert client.get(reverse("certification:workload_entry", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("certification:workload_queue")).status_code == 403
    assert client.post(reverse("certification:workload_entry_decide", args=[theirs.pk]),
                       {"action": "approve"}).status_code == 403
    theirs.refresh_from_db()
    assert theirs.status == WorkloadEntry.Status.SUBMITTED
    assert not WorkloadDecision.objects.filter(entry=theirs, action="approved").exists()


def test_counsellor_cannot_approve_own_entry_even_as_school_admin(people, tree):
    me = people["counsellor"]
    staff_role_grant(user=me.user, role="school_admin", organisation=tree["school_a"])
    mine = entry(me, submit=True)
    with pytest.raises(PermissionDenied):
        services.workload_entry_approve(entry=mine, by=me.user)


def test_only_counsellors_log_workload(client, teacher_a):
    with pytest.raises(PermissionDenied):
        entry(teacher_a)
    client.force_login(teacher_a.user)
    assert client.get(reverse("certification:workload_entry_create")).status_code == 403
    assert client.get(reverse("certification:workload_week")).status_code == 403


def test_bulk_approve_a_counsellors_week(client, people):
    me, admin = people["counsellor"], people["admin"]
    week = [entry(me, day=date(2024, 3, d), submit=True) for d in (4, 5, 6, 8)]
    other_week = entry(me, day=date(2024, 3, 11), submit=True)
    draft = entry(me, day=date(2024, 3, 7))
    client.force_login(admin)
    client.post(reverse("certification:workload_week_approve"), {"teacher": me.pk, "week": "2024-03-06"})
    statuses = dict(WorkloadEntry.objects.values_list("pk", "status"))
    assert [statuses[e.pk] for e in week] == ["approved"] * 4
    assert statuses[other_week.pk] == "submitted"
    assert statuses[draft.pk] == "draft"
    assert WorkloadDecision.objects.filter(action="approved", by=admin).count() == 4


def _blocks(html: str) -> dict[str, str]:
    """The queue's counsellor blocks: id -> the <details> start tag and summary text."""
    return {m["id"]: m[0] for m in re.finditer(
        r'<details class="card workload-counsellor" id="(?P<id>counsellor-\d+)"[^>]*>\s*<summary>.*?</summary>',
        html, re.DOTALL)}


def test_the_queue_folds_each_counsellors_weeks_under_their_totals(client, people, tree):
    """On a phone the queue is one closed line per counsellor with what waits; approving a week
    comes back with that counsellor's block open at the next week."""
    me, admin = people["counsellor"], people["admin"]
    colleague = counsellor(tree["school_a"], name="韩建玉")
    first = [entry(me, day=date(2024, 3, d), submit=True, quantity=2) for d in (4, 5)]
    entry(me, day=date(2024, 3, 12), submit=True)
    entry(colleague, day=date(2024, 3, 6), submit=True)
    client.force_login(admin)
    html = client.get(reverse("certification:workload_queue")).content.decode()
    blocks = _blocks(html)
    assert set(blocks) == {f"counsellor-{me.pk}", f"counsellor-{colleague.pk}"}
    mine = blocks[f"counsellor-{me.pk}"]
    credit = sum(e.credit for e in WorkloadEntry.objects.filter(teacher=me))
    assert " open" not in mine.split(">", 1)[0]
    assert me.name in mine and "待审核 3 条 · 2 周 · 合计" in mine
    assert credit == 5 and "合计 5 工作量单位" in mine  # 2 + 2 + 1
    assert "待审核 1 条 · 1 周" in blocks[f"counsellor-{colleague.pk}"]

    response = client.post(reverse("certification:workload_week_approve"),
                           {"teacher": me.pk, "week": "2024-03-04"})
    assert response.url.endswith(f"?open={me.pk}#counsellor-{me.pk}")
    html = client.get(response.url.split("#")[0]).content.decode()
    blocks = _blocks(html)
    assert " open" in blocks[f"counsellor-{me.pk}"].split(">", 1)[0]
    assert " open" not in blocks[f"counsellor-{colleague.pk}"].split(">", 1)[0]
    assert "待审核 1 条 · 1 周" in blocks[f"counsellor-{me.pk}"]
    assert all(WorkloadEntry.objects.get(pk=e.pk).status == "approved" for e in first)
