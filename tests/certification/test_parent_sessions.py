"""Parent-school sessions any school records, against hand counts of the seeds' reach (Qijiang:
"每学期至少在家长中开展1次心理健康知识普及和宣传教育活动"; Xinyang: "受益家长100余万人"; Cixi:
"近13万个家庭"): a school without a counsellor whose head teacher gave a 家长会 talk is not
flagged; parents reached and households are summed; bad rows are refused naming row and column."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import Workbook

from certification.models import ParentSession, ParentSessionRecorder
from certification.reach import parent_school_reach_rows, parent_session_record
from certification.workload.selectors import workload_term_get
from people.models import Teacher
from tests import factories
from tests.workload.builders import approved, counsellor

pytestmark = pytest.mark.django_db


def rows(user):
    term = workload_term_get("2024-autumn")
    return {r.school.name: r for r in parent_school_reach_rows(user=user, term=term)}


def test_a_head_teachers_meeting_talk_counts_and_reach_is_summed(tree):
    admin_a2 = factories.school_admin(tree["school_a2"])  # 甲二小 has no counsellor
    head = factories.TeacherFactory(school=tree["school_a2"], role=Teacher.Role.HEAD_TEACHER)
    ParentSessionRecorder.objects.create(school=tree["school_a2"], teacher=head)
    parent_session_record(school=tree["school_a2"], by=head.user, day=date(2024, 10, 12),
                          topic="青春期亲子沟通", form="meeting", speaker=head.name,
                          parents_reached=320, households=300)
    parent_session_record(school=tree["school_a2"], by=admin_a2, day=date(2024, 12, 6),
                          topic="考前心理调适", form="online", parents_reached=1150, households=980)
    # 甲一中's counsellor logs a parent lecture for 2 classes of 45; approval records the session.
    c = counsellor(tree["school_a"])
    approved(c, factories.school_admin(tree["school_a"]), code="parent_session",
             day=date(2024, 11, 8), quantity=2, group_size=45, note="家长心理健康讲座")
    reach = rows(factories.district_hr(tree["district_x"]))
    # By hand: 甲二小 2 sessions, 320 + 1150 = 1470 parents, 300 + 980 = 1280 households;
    # 甲一中 1 session, 2 × 45 = 90 parents (households not known).
    assert (reach["甲二小"].sessions, reach["甲二小"].parents, reach["甲二小"].households,
            reach["甲二小"].none_held) == (2, 1470, 1280, False)
    assert (reach["甲一中"].sessions, reach["甲一中"].parents, reach["甲一中"].households) == (1, 90, 0)


def test_only_the_schools_admin_hr_or_a_named_teacher_record(tree):
    teacher = factories.TeacherFactory(school=tree["school_a"])
    with pytest.raises(PermissionDenied):
        parent_session_record(school=tree["school_a"], by=teacher.user, day=date(2024, 10, 1),
                              topic="x", form="meeting", parents_reached=1)
    with pytest.raises(PermissionDenied):  # another school's admin
        parent_session_record(school=tree["school_a"], by=factories.school_admin(tree["school_b"]),
                              day=date(2024, 10, 1), topic="x", form="meeting", parents_reached=1)
    with pytest.raises(ValidationError) as exc:
        parent_session_record(school=tree["school_a"], by=factories.school_admin(tree["school_a"]),
                              day=date(2999, 1, 1), topic="x", form="meeting", parents_reached=-3)
    assert set(exc.value.message_dict) == {"date", "parents_reached"}
    assert not ParentSession.objects.exists()


def test_the_page_records_a_session(client, tree):
    client.force_login(factories.school_admin(tree["school_a"]))
    response = client.post(reverse("certification:parent_session_new"), {
        "school": tree["school_a"].pk, "date": "2024-10-12", "topic": "亲子沟通", "form": "lecture",
        "speaker": "王老师", "parents_reached": "200", "households": "180"})
    assert response.status_code == 302
    assert ParentSession.objects.get().households == 180
    page = client.get(reverse("certification:parent_reach"), {"term": "2024-autumn"}).content.decode()
    assert "本学期：共开展 1 场，参与家长 200 人次，覆盖 180 个家庭。" in page


def _sheet(tmp_path, body):
    workbook = Workbook()
    workbook.active.append(["学校代码", "日期", "主题", "形式", "主讲人", "参与家长人次", "家庭数"])
    for row in body:
        workbook.active.append(row)
    path = tmp_path / "sessions.xlsx"
    workbook.save(path)
    return path


def test_import_parent_sessions_and_bad_rows(tree, tmp_path, capsys):
    hr = factories.district_hr(tree["district_x"])
    a, a2 = tree["school_a"].code, tree["school_a2"].code
    bad = _sheet(tmp_path, [
        [a, "2024-10-12", "亲子沟通", "家长会", "李老师", 300, 280],
        [a2, "2999-01-01", "未来", "讲座", "", 10, None],
        [a2, "2024-11-01", "情绪管理", "讲座", "", -5, None],
        [a2, "2024-11-02", "网络成瘾", "直播", "", 50, 60],
    ])
    with pytest.raises(CommandError, match="nothing written"):
        call_command("import_sheet", "parent_sessions", str(bad), "--user", hr.username, "--commit")
    out = capsys.readouterr().out
    assert "Row 3 · 日期 (B): A session cannot be recorded for a future date." in out
    assert "Row 4 · 参与家长人次 (F): Must be a whole number from 0 to 100000" in out
    assert "Row 5 · 形式 (D): Form must be 家长会, 讲座, 线上 or 其他" in out
    assert not ParentSession.objects.exists()
    good = _sheet(tmp_path, [[a, "2024-10-12", "亲子沟通", "家长会", "李老师", 300, 280],
                             [a2, "2024-11-02", "网络成瘾", "线上", "", 50, 40]])
    call_command("import_sheet", "parent_sessions", str(good), "--user", hr.username, "--commit")
    call_command("import_sheet", "parent_sessions", str(good), "--user", hr.username, "--commit")
    assert ParentSession.objects.count() == 2  # importing twice records once
    assert sum(r.parents for r in rows(hr).values()) == 350
