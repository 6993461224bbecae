"""The school calendar (imported with `import_sheet calendar`) and the counselling room checked
day by day over its teaching days, against hand counts of Cixi's rule: "个体心理辅导室在每周一到
每周五…开放，寄宿制学校每天开放时间不少于4小时，其他学校…至少2小时"."""

from datetime import date, time
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from certification.calendar import calendar_for
from certification.models import CalendarPeriod
from certification.workload import selectors
from people.models import Organisation
from tests import factories

from .builders import approved, counsellor

pytestmark = pytest.mark.django_db

HEADERS = ["机构代码", "学期", "开始日期", "结束日期", "类型"]
# Two weeks of April 2024 around 清明: 4–6 April off, Sunday 7 April a make-up school day.
WINDOW = (date(2024, 4, 1), date(2024, 4, 14))


def sheet(tmp_path, rows, name="calendar.xlsx"):
    workbook = Workbook()
    workbook.active.append(HEADERS)
    for row in rows:
        workbook.active.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def import_calendar(path, user, commit=True):
    args = ["import_sheet", "calendar", str(path), "--user", user.username]
    call_command(*args, *(["--commit"] if commit else []))


@pytest.fixture
def city(tree, tmp_path):
    Organisation.objects.filter(pk=tree["school_a2"].pk).update(is_boarding=True)
    tree["school_a2"].refresh_from_db()
    hr = factories.district_hr(tree["district_x"])
    code = tree["district_x"].code
    import_calendar(sheet(tmp_path, [
        [code, "2024春季学期", "2024-04-01", "2024-04-14", "教学日"],
        [code, "2024春季学期", "2024-04-04", "2024-04-06", "假期"],
        [code, "2024春季学期", "2024-04-07", "2024-04-07", "调休上课"],
        [code, "2024秋季学期", "2024-08-26", "2025-01-17", "教学日"],
    ]), hr)
    return {**tree, "hr": hr}


def report(city, organisation=None):
    return selectors.workload_term_report(user=city["hr"], term_start=WINDOW[0], term_end=WINDOW[1],
                                          organisation=organisation)


def test_teaching_days_are_weekdays_less_holidays_plus_make_up_days(city):
    # By hand: weekdays 1–5 and 8–12 April = 10; less Thu 4 and Fri 5 (清明) = 8; plus Sunday 7 = 9.
    days = calendar_for(city["school_a"]).teaching_days(*WINDOW)
    assert len(days) == 9
    assert date(2024, 4, 7) in days and date(2024, 4, 4) not in days
    # District Y has no calendar of its own: the example (every weekday of the term) applies.
    assert len(calendar_for(city["school_b"]).teaching_days(*WINDOW)) == 10


def test_a_school_closed_thursday_and_friday_fails_though_its_total_passes(city):
    admin = factories.school_admin(city["school_a"])
    c = counsellor(city["school_a"])
    for day in (1, 2, 3, 8, 9, 10):  # Mon–Wed, 6 h a day
        approved(c, admin, code="room_duty", day=date(2024, 4, day), quantity=6, start_time=time(8))
    row = {r.organisation.name: r for r in report(city).schools}["甲一中"]
    # 36 h against 9 × 2 = 18 h: a term total would pass; three teaching days had no room.
    assert (row.teaching_days, row.duty_hours, row.required_duty_hours) == (9, Decimal("36"), Decimal("18"))
    assert [d.day for d in row.short_days] == [date(2024, 4, 7), date(2024, 4, 11), date(2024, 4, 12)]
    assert not row.duty_met


def test_a_boarding_school_open_exactly_four_hours_every_teaching_day_passes(city):
    admin = factories.school_admin(city["school_a2"])
    c = counsellor(city["school_a2"])
    for day in calendar_for(city["school_a2"]).teaching_days(*WINDOW):
        approved(c, admin, code="room_duty", day=day, quantity=4, start_time=time(14))
    row = {r.organisation.name: r for r in report(city).schools}["甲二小"]
    # 9 × 4 = 36 h; the old weekday total (10 × 4 = 40 h) failed it.
    assert (row.duty_hours, row.required_duty_hours, row.short_days) == (Decimal("36"), Decimal("36"), [])
    assert row.duty_met


def test_two_counsellors_overlapping_duty_counts_once(city):
    admin = factories.school_admin(city["school_a"])
    first, second = counsellor(city["school_a"]), counsellor(city["school_a"], part_time=True)
    # 9:00–11:00 and 10:00–12:00 on Monday 1 April: the room was open 3 h, not 4.
    approved(first, admin, code="room_duty", day=date(2024, 4, 1), quantity=2, start_time=time(9))
    approved(second, admin, code="room_duty", day=date(2024, 4, 1), quantity=2, start_time=time(10))
    row = report(city, city["school_a"]).schools[0]
    assert row.duty_hours == Decimal("3")
    assert date(2024, 4, 1) not in [d.day for d in row.short_days]
    assert len(row.short_days) == 8


def test_the_report_page_lists_the_days_below_the_minimum(client, city):
    admin = factories.school_admin(city["school_a"])
    c = counsellor(city["school_a"])
    approved(c, admin, code="room_duty", day=date(2024, 4, 1), quantity=1, start_time=time(9))
    client.force_login(city["hr"])
    html = client.get(reverse("certification:workload_report"),
                      {"term": "2024-c0401"}).content.decode()
    assert "甲一中：9 个教学日低于最低开放时长" in html
    assert "2024-04-01" in html


def test_a_late_august_session_falls_in_the_imported_term(city):
    term = selectors.workload_term_containing(date(2024, 8, 27), city["school_a"])
    assert (term.label, term.start) == ("2024秋季学期", date(2024, 8, 26))
    # Without the calendar, late August is between the example terms.
    assert selectors.workload_term_containing(date(2024, 8, 27), city["school_b"]) is None


def test_a_term_overlapping_another_is_refused_naming_row_and_column(city, tmp_path, capsys):
    code = city["district_x"].code
    before = list(CalendarPeriod.objects.values_list("pk", flat=True))
    path = sheet(tmp_path, [
        [code, "2024秋季学期", "2024-08-26", "2025-01-17", "教学日"],  # replaces itself: fine
        [code, "2025春季学期", "2025-01-10", "2025-07-04", "教学日"],
        [code, "2025春季学期", "2025-05-01", "2025-05-05", "放假"],
    ], "bad.xlsx")
    with pytest.raises(CommandError, match="2 errors: nothing written"):
        import_calendar(path, city["hr"])
    out = capsys.readouterr().out
    assert "Row 3 · 开始日期 (C): Overlaps the term 2024秋季学期 (2024-08-26 – 2025-01-17)" in out
    assert "Row 4 · 类型 (E): Type must be 教学日, 假期 or 调休上课" in out
    assert list(CalendarPeriod.objects.values_list("pk", flat=True)) == before


def test_district_hr_cannot_import_another_districts_calendar(city, tmp_path, capsys):
    path = sheet(tmp_path, [[city["district_y"].code, "2024春季学期", "2024-02-19", "2024-07-05",
                             "教学日"]], "other.xlsx")
    with pytest.raises(CommandError):
        import_calendar(path, city["hr"])
    assert "Row 2 · 机构代码 (A): No such organisation in your scope" in capsys.readouterr().out


def test_the_admin_refuses_an_overlapping_term_and_keeps_districts_apart(client, city):
    client.force_login(city["hr"])
    response = client.post(reverse("school_calendar:add"), {
        "organisation": city["district_x"].pk, "term": "2025春季学期", "kind": "term",
        "start": "2025-01-10", "end": "2025-07-04"})
    assert response.status_code == 200
    assert "与学期 2024秋季学期（2024-08-26 – 2025-01-17）重叠" in response.content.decode()
    other = CalendarPeriod.objects.create(organisation=city["district_y"], term="乙区春季",
                                          start=date(2025, 2, 17), end=date(2025, 7, 4))
    assert client.get(reverse("school_calendar:edit", args=[other.pk])).status_code == 404
    assert "乙区春季" not in client.get(reverse("school_calendar:index")).content.decode()


def test_the_desk_template_has_the_calendar_headers(city):
    from io import BytesIO

    from openpyxl import load_workbook

    from hr.sheets.templates import template_workbook

    calendar = load_workbook(BytesIO(template_workbook("calendar")))
    assert [c.value for c in calendar.worksheets[0][1]] == HEADERS
    # Each sheet's notes describe its own columns, even where two sheets share a column key.
    notes = {row[0]: row[2] for row in calendar.worksheets[1].iter_rows(values_only=True) if row and row[0]}
    assert notes["机构代码"].startswith("校历所属机构")
    assert "调休上课" in notes["类型"]
    organisations = load_workbook(BytesIO(template_workbook("organisations", user=city["hr"], on=date(2024, 4, 1))))
    notes = {row[0]: row[2] for row in organisations.worksheets[1].iter_rows(values_only=True) if row and row[0]}
    assert notes["机构代码"] == "机构代码（或学校代码）：唯一"


def test_days_still_to_come_are_not_short(city):
    # On Wednesday 10 April, the teaching days checked are 1–3, 7–10 April: 7, all short.
    rows = selectors.workload_term_report(user=city["hr"], term_start=WINDOW[0], term_end=WINDOW[1],
                                          on=date(2024, 4, 10)).schools
    row = {r.organisation.name: r for r in rows}["甲一中"]
    assert (row.teaching_days, len(row.short_days)) == (7, 7)
