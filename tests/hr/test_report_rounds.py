"""Reports go up the tree: a round asked by the province of its city and by the city of its
districts, each district submitting from the round's page, one returned with a comment and
submitted again, approvals, and the city's own answer the sum of its districts' approved
snapshots (never computed again); every step on the audit chain; reminders before the due date."""

from datetime import date

import pytest
from django.urls import reverse

from certification.models import Certificate
from hr.models import ReportRound, RoundSubmission
from hr.rounds import round_open, round_reminders_send
from hr.snapshots import snapshots_verify
from people.models import AuditEntry, Notice, StaffRole
from tests.certification.builders import certificate
from tests.factories import TeacherFactory, org, staff

ON, DUE = date(2025, 1, 1), date(2025, 1, 20)


@pytest.fixture
def land(db):
    """A province, its city, the city's two districts with a school each: X has 3 teachers of
    whom 2 hold C, Y has 2 teachers of whom 1 holds C."""
    province = org("示范省", "province")
    city = org("示范市", "city", province)
    t = {"province": province, "city": city}
    for key, name, teachers, holders in (("x", "甲区", 3, 2), ("y", "乙区", 2, 1)):
        district = org(name, "district", city)
        school = org(f"{name}一中", "school", district)
        t[f"district_{key}"], t[f"school_{key}"] = district, school
        for n in range(teachers):
            teacher = TeacherFactory(school=school, hire_date=date(2015, 9, 1))
            if n < holders:
                certificate(teacher, "C", issued_on=date(2024, 1, 10))
    t["province_hr"] = staff(StaffRole.Role.PROVINCE_HR, province)
    t["city_hr"] = staff(StaffRole.Role.CITY_HR, city)
    t["city_hr2"] = staff(StaffRole.Role.CITY_HR, city)
    t["hr_x"] = staff(StaffRole.Role.DISTRICT_HR, t["district_x"])
    t["hr_y"] = staff(StaffRole.Role.DISTRICT_HR, t["district_y"])
    return t


def _total(snapshot) -> list:
    [line] = [r for r in snapshot.rows["rows"] if r[0] == "合计"]
    return line


def _submission(round_, organisation) -> RoundSubmission:
    return RoundSubmission.objects.select_related("snapshot").get(round=round_, organisation=organisation)


def test_a_round_end_to_end_with_a_returned_submission(client, land):
    # The province asks its city; the city asks its districts, from the HR desk.
    round_open(user=land["province_hr"], organisation=land["province"], sheet="holding", on=ON,
               due_on=DUE, members=[land["city"]], language="zh-hans")
    client.force_login(land["city_hr"])
    desk = client.get(reverse("hr:desk")).content.decode()
    assert reverse("hr:rounds") in desk and "上报轮次" in desk
    response = client.post(reverse("hr:rounds"), {
        "organisation": land["city"].pk, "sheet": "holding", "on": ON.isoformat(),
        "due_on": DUE.isoformat(), "members": [land["district_x"].pk, land["district_y"].pk]})
    city_round = ReportRound.objects.get(organisation=land["city"])
    assert response.status_code == 302 and response["Location"] == reverse("hr:round", args=[city_round.pk])
    assert Notice.objects.filter(user=land["hr_x"], kind=Notice.Kind.REPORT_DUE).count() == 1

    # District X submits in one click from the round's page; Y has not yet.
    client.force_login(land["hr_x"])
    sub_x = _submission(city_round, land["district_x"])
    page = client.get(reverse("hr:round", args=[city_round.pk])).content.decode()
    assert reverse("hr:round_submit", args=[city_round.pk, sub_x.pk]) in page
    client.post(reverse("hr:round_submit", args=[city_round.pk, sub_x.pk]))
    sub_x.refresh_from_db()
    assert sub_x.status == RoundSubmission.Status.SUBMITTED
    first_x = sub_x.snapshot
    assert _total(first_x)[3:6] == [3, 0, 3] and _total(first_x)[6] == 2
    # A district decides nothing.
    assert client.post(reverse("hr:round_decide", args=[city_round.pk, sub_x.pk]),
                       {"decision": "approve"}).status_code == 403

    # The city sees who has and has not submitted, and returns X's with a comment.
    client.force_login(land["city_hr"])
    page = client.get(reverse("hr:round", args=[city_round.pk])).content.decode()
    assert "1 份已提交，1 份未提交" in page and "已提交" in page and "未提交" in page
    client.post(reverse("hr:round_decide", args=[city_round.pk, sub_x.pk]),
                {"decision": "return", "comment": "请核对新入职教师"})
    sub_x.refresh_from_db()
    assert sub_x.status == RoundSubmission.Status.RETURNED and sub_x.comment == "请核对新入职教师"

    # X sees the comment (bell and page) and submits again.
    client.force_login(land["hr_x"])
    assert Notice.objects.filter(user=land["hr_x"], kind=Notice.Kind.REPORT_RETURNED,
                                 title__contains="请核对新入职教师").exists()
    page = client.get(reverse("hr:round", args=[city_round.pk])).content.decode()
    assert "请核对新入职教师" in page and "重新提交" in page
    client.post(reverse("hr:round_submit", args=[city_round.pk, sub_x.pk]))
    sub_x.refresh_from_db()
    assert sub_x.status == RoundSubmission.Status.SUBMITTED and sub_x.snapshot != first_x

    # City HR submit Y's themselves: nobody decides about their own submission; another does.
    sub_y = _submission(city_round, land["district_y"])
    client.force_login(land["city_hr"])
    client.post(reverse("hr:round_submit", args=[city_round.pk, sub_y.pk]))
    assert client.post(reverse("hr:round_decide", args=[city_round.pk, sub_y.pk]),
                       {"decision": "approve"}).status_code == 403
    client.post(reverse("hr:round_decide", args=[city_round.pk, sub_x.pk]), {"decision": "approve"})
    client.force_login(land["city_hr2"])
    client.post(reverse("hr:round_decide", args=[city_round.pk, sub_y.pk]), {"decision": "approve"})
    assert set(RoundSubmission.objects.filter(round=city_round).values_list("status", flat=True)) \
        == {RoundSubmission.Status.APPROVED}

    # A certificate revoked afterwards: today's computation moves, the submitted figures do not.
    Certificate.objects.filter(teacher__school=land["school_x"]).update(
        status=Certificate.Status.REVOKED, ended_on=date(2024, 6, 1))

    # The city's own answer to the province: the sum of its districts' approved snapshots.
    province_round = ReportRound.objects.get(organisation=land["province"])
    sub_city = _submission(province_round, land["city"])
    client.force_login(land["city_hr"])
    page = client.get(reverse("hr:round", args=[city_round.pk])).content.decode()
    assert "我方上报" in page
    page = client.get(reverse("hr:round", args=[province_round.pk])).content.decode()
    assert "提交已审核快照的合计" in page
    client.post(reverse("hr:round_submit", args=[province_round.pk, sub_city.pk]))
    sub_city.refresh_from_db()
    summed = sub_city.snapshot
    x, y = (_submission(city_round, land[d]).snapshot for d in ("district_x", "district_y"))
    total = _total(summed)
    assert total[2] == "示范市"
    assert total[3:7] == [5, 0, 5, 3]  # teachers, new, counted, C holders: 3 + 2, 2 + 1
    assert total[7] == pytest.approx(0.6)
    # Every district row is there as submitted, each district's total now its subtotal.
    assert [r for r in summed.rows["rows"] if r[0] == "学校"] == \
        [r for s in (x, y) for r in s.rows["rows"] if r[0] == "学校"]
    assert [r[1] for r in summed.rows["rows"] if r[0] == "区县小计"] == ["甲区", "乙区"]

    # The province approves; the city HR who submitted could not have.
    client.force_login(land["province_hr"])
    client.post(reverse("hr:round_decide", args=[province_round.pk, sub_city.pk]),
                {"decision": "approve"})
    sub_city.refresh_from_db()
    assert sub_city.status == RoundSubmission.Status.APPROVED

    # Every step on the audit chains, and every snapshot still what was submitted.
    actions = list(AuditEntry.objects.filter(action__startswith="report.").values_list(
        "action", "organisation__name"))
    assert actions.count((AuditEntry.Action.REPORT_ROUND_OPEN, "示范市")) == 1
    assert actions.count((AuditEntry.Action.REPORT_ROUND_OPEN, "示范省")) == 1
    assert actions.count((AuditEntry.Action.REPORT_SUBMIT, "甲区")) == 2
    assert actions.count((AuditEntry.Action.REPORT_RETURN, "甲区")) == 1
    assert actions.count((AuditEntry.Action.REPORT_APPROVE, "甲区")) == 1
    assert actions.count((AuditEntry.Action.REPORT_SUBMIT, "示范市")) == 1
    assert actions.count((AuditEntry.Action.REPORT_APPROVE, "示范市")) == 1
    assert all(AuditEntry.objects.filter(action__startswith="report.").values_list("digest", flat=True))
    assert list(snapshots_verify()) == []


def test_the_sum_waits_for_every_district_to_be_approved(client, land):
    round_open(user=land["province_hr"], organisation=land["province"], sheet="holding", on=ON,
               due_on=DUE, members=[land["city"]], language="zh-hans")
    city_round = round_open(user=land["city_hr"], organisation=land["city"], sheet="holding",
                            on=ON, due_on=DUE, members=[land["district_x"], land["district_y"]],
                            language="zh-hans")
    province_round = ReportRound.objects.get(organisation=land["province"])
    client.force_login(land["hr_x"])
    client.post(reverse("hr:round_submit", args=[city_round.pk,
                                                 _submission(city_round, land["district_x"]).pk]))
    client.force_login(land["city_hr"])
    response = client.post(reverse("hr:round_submit", args=[
        province_round.pk, _submission(province_round, land["city"]).pk]), follow=True)
    assert "尚未审核通过：甲区、乙区" in response.content.decode()
    assert _submission(province_round, land["city"]).status == RoundSubmission.Status.PENDING


def test_districts_that_have_not_answered_are_reminded_once_a_day_before_the_due_date(land):
    city_round = round_open(user=land["city_hr"], organisation=land["city"], sheet="holding",
                            on=ON, due_on=DUE, members=[land["district_x"], land["district_y"]],
                            language="zh-hans")
    from hr.rounds import round_submit

    round_submit(user=land["hr_x"], submission=_submission(city_round, land["district_x"]))
    due = Notice.objects.filter(kind=Notice.Kind.REPORT_DUE)
    before = due.count()
    assert round_reminders_send(today=date(2025, 1, 10)) == 0  # ten days early: nothing yet
    assert round_reminders_send(today=date(2025, 1, 18)) == 1
    assert round_reminders_send(today=date(2025, 1, 18)) == 0  # once a day
    assert due.count() == before + 1 and due.filter(user=land["hr_y"]).count() == 2
    assert not due.filter(user=land["hr_x"], done_at__isnull=True).exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.REPORT_REMIND,
                                     organisation=land["district_y"]).count() == 1


def test_a_round_asks_only_below_its_asker(land):
    from hr.rounds import RoundError

    with pytest.raises(RoundError):
        round_open(user=land["city_hr"], organisation=land["city"], sheet="holding", on=ON,
                   due_on=DUE, members=[land["province"]])
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        round_open(user=land["hr_x"], organisation=land["district_x"], sheet="holding", on=ON,
                   due_on=DUE, members=[land["school_x"]])
