"""Figures on a past day do not move: a district HR officer's scenario through `import_sheet` and
`export_sheet` only, with every date given explicitly (the import's "today" is pinned)."""

from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from people.models import AuditEntry, Employment, Organisation, StudentCount, Teacher, flags_mask
from tests import factories

from .builders import xlsx

TODAY = date(2026, 11, 2)
PAST = TODAY - timedelta(days=150)
MOVED = TODAY - timedelta(days=30)
HIRED = TODAY - timedelta(days=60)

pytestmark = pytest.mark.django_db

ROSTER = ["工号", "姓名", "学校代码", "岗位", "入职日期", "在职状态", "离职日期", "调动日期"]


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    """The imports' own "today" (the window for future dates, back-dated audits)."""
    monkeypatch.setattr("hr.imports.roster.import_today", lambda: TODAY)


@pytest.fixture
def district(db):
    city = factories.org("示范市", "city")
    district = factories.org("一区", "district", city)
    one = factories.org("一校", "school", district, code="S1", stages=flags_mask_junior())
    two = factories.org("二校", "school", district, code="S2", stages=flags_mask_junior())
    for school in (one, two):
        StudentCount.objects.create(organisation=school, on=date(2020, 9, 1), count=1500)
    return {"district": district, "one": one, "two": two, "hr": factories.district_hr(district)}


def flags_mask_junior() -> int:
    from people.models import Stage

    return flags_mask(Stage, [Stage.JUNIOR])


def first_roster() -> list[list]:
    rows = [[f"A{i}", f"一校教师{i}", "S1", "任课教师", "2015-09-01", "在职", None, None]
            for i in range(8)]
    rows += [[f"B{i}", f"二校教师{i}", "S2", "任课教师", "2015-09-01", "在职", None, None]
             for i in range(5)]
    return rows


def certificates(tmp_path):
    """C for all of 一校 and four of 二校 (B4 holds none); 有效期至 left blank for some: no
    stated expiry, so they stay valid."""
    header = ["工号", "证书等级", "证书编号", "发证日期", "有效期至", "发证机关"]
    rows = [[n, "C", f"X-C-{n}", "2020-01-10", "2030-01-09" if i % 2 else None, "外市教育局"]
            for i, n in enumerate([*(f"A{i}" for i in range(8)), *(f"B{i}" for i in range(4))])]
    return xlsx(tmp_path / "certs.xlsx", [header, *rows])


def run(*args, user):
    call_command(*args, "--user", user.username)


def sheet_rows(path) -> list[list]:
    return [[c.value for c in row] for row in load_workbook(path).active.iter_rows()]


def holding(tmp_path, hr, district, on: date) -> dict[str, float]:
    out = tmp_path / f"holding-{on}.xlsx"
    run("export_sheet", "holding", "--org", district.code, "--out", str(out), "--on", on.isoformat(),
        user=hr)
    # Kind, district, school, teachers, new, counted, then C: holders, rate …
    return {row[2]: row[7] for row in sheet_rows(out) if row[2] in ("一校", "二校")}


def staffing(tmp_path, hr, district, on: date) -> dict[str, tuple]:
    out = tmp_path / f"staffing-{on}.xlsx"
    run("export_sheet", "staffing", "--org", district.code, "--out", str(out), "--on", on.isoformat(),
        user=hr)
    # School, stages, students, full-time counsellors, part-time counsellors, required, gap.
    return {row[0]: (row[3], row[6]) for row in sheet_rows(out) if row[0] in ("一校", "二校")}


def test_a_later_roster_never_moves_a_past_days_figures(district, tmp_path):
    hr, top = district["hr"], district["district"]
    first = xlsx(tmp_path / "first.xlsx", [ROSTER, *first_roster()])
    run("import_sheet", "teachers", str(first), "--commit", "--effective-on", "2015-09-01", user=hr)
    run("import_sheet", "certificates", str(certificates(tmp_path)), "--commit", user=hr)
    before = holding(tmp_path, hr, top, PAST)
    assert before == {"一校": 1.0, "二校": 0.8}

    # Later: 二校's teacher without a certificate leaves, a C holder moves from 一校 to 二校,
    # and 二校 hires a full-time counsellor 60 days ago.
    later = [row for row in first_roster() if row[0] not in ("A7", "B4")]
    later += [["A7", "一校教师7", "S2", "任课教师", "2015-09-01", "在职", None, MOVED.isoformat()],
              ["B4", "二校教师4", "S2", "任课教师", "2015-09-01", "离职", MOVED.isoformat(), None],
              ["C1", "心理老师", "S2", "专职心理教师", HIRED.isoformat(), "在职", None, None]]
    path = xlsx(tmp_path / "later.xlsx", [ROSTER, *later])
    run("import_sheet", "teachers", str(path), "--commit", "--effective-on", TODAY.isoformat(), user=hr)

    assert holding(tmp_path, hr, top, PAST) == before
    assert holding(tmp_path, hr, top, TODAY) == {"一校": 1.0, "二校": 1.0}
    # The counsellor hired 60 days ago was not in post 150 days ago: 二校 was one short then.
    assert staffing(tmp_path, hr, top, PAST)["二校"] == (0, 1)
    assert staffing(tmp_path, hr, top, TODAY)["二校"] == (1, 0)
    # The transfer closed one period and opened another on its date; the leaver keeps her past.
    moved = Teacher.objects.get(employee_no="A7")
    assert list(Employment.objects.filter(teacher=moved).order_by("start").values_list(
        "organisation__code", "start", "end")) == [("S1", date(2015, 9, 1), MOVED), ("S2", MOVED, None)]
    assert list(Employment.objects.filter(teacher__employee_no="B4").values_list("end", "end_status")) == [
        (MOVED, Teacher.Status.LEFT)]
    # Both changes were dated before the day they were entered: each has an audit line.
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EMPLOYMENT_CHANGE,
                                     target__in=["A7", "B4"]).count() == 2


def test_the_effective_date_is_the_preview_s_and_a_row_without_a_date_takes_it(district, tmp_path, capsys):
    hr = district["hr"]
    run("import_sheet", "teachers", str(xlsx(tmp_path / "a.xlsx", [ROSTER, *first_roster()])),
        "--commit", "--effective-on", "2015-09-01", user=hr)
    rows = [["A0", "一校教师0", "S2", "任课教师", "2015-09-01", "在职", None, None]]
    path = xlsx(tmp_path / "b.xlsx", [ROSTER, *rows])
    on = TODAY - timedelta(days=10)
    run("import_sheet", "teachers", str(path), "--effective-on", on.isoformat(), user=hr)
    assert f"changes take effect on {on.isoformat()}" in capsys.readouterr().out
    run("import_sheet", "teachers", str(path), "--commit", "--effective-on", on.isoformat(), user=hr)
    assert list(Employment.objects.filter(teacher__employee_no="A0").order_by("start")
                .values_list("organisation__code", "end")) == [("S1", on), ("S2", None)]


@pytest.mark.parametrize("row, column, reason", [
    # Leaving before the hire date.
    (["B0", "二校教师0", "S2", "任课教师", "2015-09-01", "离职", "2014-01-01", None],
     "离职日期", "Leaving date before the hire date"),
    # Leaving too far ahead.
    (["B0", "二校教师0", "S2", "任课教师", "2015-09-01", "离职", "2027-06-01", None],
     "离职日期", "Later than 31 days from today"),
    # A transfer dated before the current period began.
    (["B0", "二校教师0", "S1", "任课教师", "2015-09-01", "在职", None, "2010-01-01"],
     "调动日期", "Before the current period began (2015-09-01)"),
    # A transfer into a school outside the officer's scope.
    (["B0", "二校教师0", "S9", "任课教师", "2015-09-01", "在职", None, "2026-10-01"],
     "学校代码", "School outside your scope"),
])
def test_bad_dates_name_row_and_column_and_nothing_is_written(district, tmp_path, capsys, row, column,
                                                              reason):
    hr = district["hr"]
    factories.org("外区", "district", Organisation.objects.get(code=district["district"].get_parent().code))
    other = Organisation.objects.get(name="外区")
    factories.org("外校", "school", other, code="S9")
    run("import_sheet", "teachers", str(xlsx(tmp_path / "a.xlsx", [ROSTER, *first_roster()])),
        "--commit", "--effective-on", "2015-09-01", user=hr)
    periods = list(Employment.objects.values_list("pk", "organisation_id", "start", "end"))
    teachers = list(Teacher.objects.values_list("pk", "school_id", "status"))
    path = xlsx(tmp_path / "bad.xlsx", [ROSTER, ["A0", "一校教师0", "S1", "任课教师", "2015-09-01", "在职",
                                                 None, None], row])
    with pytest.raises(CommandError, match="nothing written"):
        run("import_sheet", "teachers", str(path), "--commit", user=hr)
    out = capsys.readouterr().out
    assert f"Row 3 · {column}" in out and reason in out
    assert list(Employment.objects.values_list("pk", "organisation_id", "start", "end")) == periods
    assert list(Teacher.objects.values_list("pk", "school_id", "status")) == teachers


def test_first_work_date_decides_new_teacher_not_the_date_she_joined_this_school(district, tmp_path):
    """参加工作日期 and 入职日期 are separate columns; an experienced teacher who transfers in is
    counted, a teacher in her first year is not."""
    hr = district["hr"]
    header = ["工号", "姓名", "学校代码", "入职日期", "参加工作日期"]
    path = xlsx(tmp_path / "r.xlsx", [header, ["E1", "老教师", "S1", "2026-09-01", "2005-09-01"],
                                      ["E2", "新教师", "S1", "2026-09-01", None]])
    run("import_sheet", "teachers", str(path), "--commit", user=hr)
    assert Teacher.objects.get(employee_no="E1").first_work_date == date(2005, 9, 1)
    out = tmp_path / "h.xlsx"
    run("export_sheet", "holding", "--org", district["district"].code, "--out", str(out),
        "--on", TODAY.isoformat(), user=hr)
    school = next(row for row in sheet_rows(out) if row[2] == "一校")
    assert school[3:6] == [2, 1, 1]  # teachers, new, counted


def test_参加工作时间_is_the_first_work_date_not_the_hire_date():
    from hr.sheets.columns import ALIASES, header_key

    assert ALIASES[header_key("参加工作时间")] == "first_work_date"
    assert ALIASES[header_key("入职时间")] == "hire_date"


def completion(tmp_path, hr, district, on: date) -> dict[str, tuple]:
    out = tmp_path / f"assignments-{on}.xlsx"
    run("export_sheet", "assignments", "--org", district.code, "--out", str(out), "--on",
        on.isoformat(), user=hr)
    # District, school, school code, assigned, completed, outstanding, rate.
    return {row[1]: tuple(row[3:5]) for row in sheet_rows(out) if row[1] in ("一校", "二校")}


def test_assignment_completion_on_a_past_day_never_moves(district, tmp_path):
    """Completion "as of" a day counts the teachers in post that day, at that day's school, and
    the completions dated on or before it: later leavers, transfers, hires and completions
    leave it as it was."""
    from django.utils import timezone

    from courses.models import Assignment, Enrolment
    from courses.services import assignment_create
    from tests.courses import builders as course_builders

    hr, top = district["hr"], district["district"]
    first = xlsx(tmp_path / "first.xlsx", [ROSTER, *first_roster()])
    run("import_sheet", "teachers", str(first), "--commit", "--effective-on", "2015-09-01", user=hr)

    def at(day: date):
        return timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time())
                                   ) + timedelta(hours=10)

    course = course_builders.course(lessons=0)
    assignment = assignment_create(course=course, organisation=top, deadline=TODAY, created_by=hr)
    Assignment.objects.filter(pk=assignment.pk).update(created_at=at(PAST - timedelta(days=30)))
    Enrolment.objects.update(enrolled_at=at(PAST - timedelta(days=30)))
    done = ["A0", "A1", "A2", "A7", "B0"]
    Enrolment.objects.filter(user__teacher__employee_no__in=done).update(
        completed_at=at(PAST - timedelta(days=10)))
    before = completion(tmp_path, hr, top, PAST)
    assert before == {"一校": (8, 4), "二校": (5, 1)}

    # Later: A7 (finished) moves to 二校, B4 leaves, a counsellor is hired and enrolled,
    # and B1 finishes the course, all after the day.
    later = [row for row in first_roster() if row[0] not in ("A7", "B4")]
    later += [["A7", "一校教师7", "S2", "任课教师", "2015-09-01", "在职", None, MOVED.isoformat()],
              ["B4", "二校教师4", "S2", "任课教师", "2015-09-01", "离职", MOVED.isoformat(), None],
              ["C1", "心理老师", "S2", "专职心理教师", HIRED.isoformat(), "在职", None, None]]
    path = xlsx(tmp_path / "later.xlsx", [ROSTER, *later])
    run("import_sheet", "teachers", str(path), "--commit", "--effective-on", TODAY.isoformat(), user=hr)
    counsellor = Teacher.objects.get(employee_no="C1")
    Enrolment.objects.update_or_create(user=counsellor.user, course=course, defaults={
        "assignment": assignment, "enrolled_at": at(HIRED)})
    Enrolment.objects.filter(user__teacher__employee_no="B1").update(
        completed_at=at(TODAY - timedelta(days=5)))

    assert completion(tmp_path, hr, top, PAST) == before
    # Today: 一校 lost A7 (and her completion) to 二校; B4 is no longer counted anywhere.
    assert completion(tmp_path, hr, top, TODAY) == {"一校": (7, 3), "二校": (6, 3)}


def test_a_leaving_and_a_transfer_dated_ahead_take_effect_on_their_day(district, tmp_path):
    """Entered ten days ahead: the history has them at once, but status, log-in and school
    change only when the daily job runs on (or after) their day, audited, once."""
    from django.conf import settings

    from courses.models import Enrolment
    from courses.services import assignment_create
    from people.employment import employment_due_apply
    from people.tasks import employment_due
    from tests.courses import builders as course_builders

    hr, top = district["hr"], district["district"]
    first = xlsx(tmp_path / "first.xlsx", [ROSTER, *first_roster()])
    run("import_sheet", "teachers", str(first), "--commit", "--effective-on", "2015-09-01", user=hr)
    course = course_builders.course(lessons=0)
    assignment_create(course=course, organisation=top, deadline=TODAY + timedelta(days=60),
                      created_by=hr)
    ahead = TODAY + timedelta(days=10)
    later = [row for row in first_roster() if row[0] not in ("A7", "B4")]
    later += [["A7", "一校教师7", "S2", "任课教师", "2015-09-01", "在职", None, ahead.isoformat()],
              ["B4", "二校教师4", "S2", "任课教师", "2015-09-01", "离职", ahead.isoformat(), None]]
    path = xlsx(tmp_path / "later.xlsx", [ROSTER, *later])
    run("import_sheet", "teachers", str(path), "--commit", user=hr)

    def record(number):
        teacher = Teacher.objects.select_related("school", "user").get(employee_no=number)
        return teacher.school.code, teacher.status, teacher.is_active, teacher.user.is_active

    # The history has both changes on their day …
    assert list(Employment.objects.filter(teacher__employee_no="A7").order_by("start")
                .values_list("organisation__code", "end")) == [("S1", ahead), ("S2", None)]
    assert list(Employment.objects.filter(teacher__employee_no="B4")
                .values_list("end", "end_status")) == [(ahead, Teacher.Status.LEFT)]
    # … but until then the records, the log-in and the assignment are as they were.
    assert record("A7") == ("S1", "active", True, True)
    assert record("B4") == ("S2", "active", True, True)
    leaver = Enrolment.objects.get(user__teacher__employee_no="B4")
    assert leaver.assignment_id is not None
    audited = AuditEntry.objects.filter(action=AuditEntry.Action.EMPLOYMENT_CHANGE).count()
    for day in (TODAY, ahead - timedelta(days=1)):
        assert employment_due_apply(today=day) == {"moved": 0, "left": 0}
    assert record("B4") == ("S2", "active", True, True)

    assert employment_due_apply(today=ahead) == {"moved": 1, "left": 1}
    assert record("A7") == ("S2", "active", True, True)
    assert record("B4") == ("S2", "left", False, False)
    # Her unfinished assignment is released on the day, as an import does for a leaver.
    leaver.refresh_from_db()
    assert leaver.assignment_id is None and leaver.released_from_id is not None
    lines = AuditEntry.objects.filter(action=AuditEntry.Action.EMPLOYMENT_CHANGE).order_by("pk")
    assert lines.count() == audited + 2
    assert {(e.target, e.organisation.code) for e in lines[audited:]} == {("A7", "S2"), ("B4", "S2")}
    # Idempotent: the next day's run finds nothing left to do. The beat runs it daily.
    assert employment_due_apply(today=ahead + timedelta(days=1)) == {"moved": 0, "left": 0}
    assert settings.CELERY_BEAT_SCHEDULE["people-employment-due"]["task"] == employment_due.name
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EMPLOYMENT_CHANGE).count() == audited + 2


def test_erasing_a_teacher_closes_her_period_and_leaves_past_figures_as_they_were(district, tmp_path):
    from hr.privacy import personal_data_erase

    hr, top = district["hr"], district["district"]
    first = xlsx(tmp_path / "first.xlsx", [ROSTER, *first_roster()])
    run("import_sheet", "teachers", str(first), "--commit", "--effective-on", "2015-09-01", user=hr)
    run("import_sheet", "certificates", str(certificates(tmp_path)), "--commit", user=hr)
    before = holding(tmp_path, hr, top, PAST)
    assert before == {"一校": 1.0, "二校": 0.8}

    erased = personal_data_erase(teacher=Teacher.objects.get(employee_no="B0"), by=hr,
                                 reason="本人申请", today=TODAY)
    assert erased.is_erased and not erased.is_active
    # Her period is closed on the erasure day, not removed; she keeps her place in the past.
    assert list(Employment.objects.filter(teacher=erased).values_list(
        "organisation__code", "start", "end", "end_status")) == [
        ("S2", date(2015, 9, 1), TODAY, Teacher.Status.LEFT)]
    assert holding(tmp_path, hr, top, PAST) == before
    # From the erasure day on she is in no figure: 二校 has 3 holders of 4.
    assert holding(tmp_path, hr, top, TODAY) == {"一校": 1.0, "二校": 0.75}
