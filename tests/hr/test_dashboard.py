"""The dashboard's charts and the Excel sheets come from the same rules: for the same scope the
numbers are equal. The dashboard keeps to the viewer's scope and a fixed number of queries."""

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from certification.models import Certificate
from courses import services as learning
from hr.services import export_run_to_path
from tests.certification.builders import certificate, hours
from tests.courses import builders as course_builders
from tests.factories import TeacherFactory, school_admin, staff
from tests.hr.builders import city_hr

OLD = date(2015, 9, 1)  # hired long ago: counted in holding rates


@pytest.fixture
def city(tree):
    t = {}
    for key, holders, others in (("school_a", 3, 1), ("school_a2", 1, 3), ("school_b", 2, 0)):
        school = tree[key]
        for n in range(holders + others):
            teacher = TeacherFactory(school=school, hire_date=OLD)
            if n < holders:
                certificate(teacher, "C", issued_on=date.today() - timedelta(days=30))
            t.setdefault(key, []).append(teacher)
    return t


def sheet_rows(path: Path, first_header: str) -> tuple[list, list[tuple]]:
    rows = list(load_workbook(path, read_only=True).worksheets[0].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r and r[0] == first_header)
    return list(rows[start]), rows[start + 1:]


def test_holding_chart_equals_the_holding_sheet(client, tree, city, tmp_path):
    hr = city_hr(tree["city"])
    client.force_login(hr)
    path = tmp_path / "holding.xlsx"
    export_run_to_path(user=hr, sheet="holding", path=path)
    header, rows = sheet_rows(path, "类别")
    school_col, rate_col = header.index("学校"), header.index("C证持证率")
    sheet = {r[school_col]: None if r[rate_col] is None else round(r[rate_col] * 100, 1)
             for r in rows if r[0] == "学校"}
    # The city's page: one bar per district, each a link one level down.
    response = client.get(reverse("certification:dashboard"))
    [c] = [lv for lv in response.context["holding"] if lv["code"] == "C"]
    assert {s["org"].name: s["rate"] for s in c["rows"]} == {"甲区": 50.0, "乙区": 100.0}
    page = response.content.decode()
    assert f'?org={tree["district_x"].pk}&' in page and "各区（县）C 证持证率" in page
    # No school in the charts (the staffing card lists the schools short of counsellors: these
    # have no student count, so they are).
    charts = page.split('id="staffing"')[0]
    assert "甲一中" not in charts
    # Down to the townships: one bar per school, as the sheet has them.
    chart = {}
    for town in ("town_x", "town_y"):
        response = client.get(reverse("certification:dashboard"), {"org": tree[town].pk})
        [c] = [lv for lv in response.context["holding"] if lv["code"] == "C"]
        chart.update({s["org"].name: s["rate"] for s in c["rows"]})
        # Each school links down to its own page (a township's bars are not a dead end).
        assert all(s["drill"] for s in c["rows"])
        page = response.content.decode()
        for s in c["rows"]:
            assert f'<a href="?org={s["org"].pk}&on=' in page
    assert chart == sheet == {"甲一中": 75.0, "甲二小": 25.0, "乙一中": 100.0, "乙二小": None}
    # Sorted for reading, with each school's own target drawn (the seeds' 80% everywhere).
    assert [s["org"].name for s in c["rows"]] == ["乙一中", "乙二小"]
    assert {s["target"] for s in c["rows"]} == {80}
    assert response.content.decode().count('class="target-line"') == 2
    page = response.content.decode()
    assert "示范市" in page and "乙区" in page and "各校 C 证持证率" in page
    # Clicking a school opens the school's own page, reached through its township.
    school = client.get(reverse("certification:dashboard"), {"org": tree["school_b"].pk})
    page = school.content.decode()
    assert school.status_code == 200 and f"<strong>{tree['school_b'].name}</strong>" in page
    assert f'?org={tree["town_y"].pk}&' in page
    [c] = [lv for lv in school.context["holding"] if lv["code"] == "C"]
    assert [(s["org"], s["drill"]) for s in c["rows"]] == [(tree["school_b"], False)]


def test_the_drill_down_keeps_to_the_scope(client, tree, city):
    client.force_login(staff("district_hr", tree["district_x"]))
    response = client.get(reverse("certification:dashboard"))
    assert response.context["org"] == tree["district_x"]
    assert client.get(reverse("certification:dashboard"),
                      {"org": tree["town_y"].pk}).status_code == 404
    assert client.get(reverse("certification:dashboard"),
                      {"org": tree["city"].pk}).status_code == 404


def test_completion_chart_equals_the_assignments_sheet(client, tree, city, tmp_path):
    hr = city_hr(tree["city"])
    course = course_builders.course(lessons=1, quiz=False)
    learning.assignment_create(course=course, organisation=tree["city"],
                               deadline=date.today() + timedelta(days=30), created_by=hr)
    from courses.models import Enrolment

    done = city["school_a"][0].user
    Enrolment.objects.filter(user=done).update(completed_at=timezone.now())
    client.force_login(hr)
    chart = {}
    for town in ("town_x", "town_y"):
        chart.update({r["organisation"].name: (r["assigned"], r["completed"], r["rate"])
                      for r in client.get(reverse("certification:dashboard"),
                                          {"org": tree[town].pk}).context["completion"]})
    districts = {r["organisation"].name: (r["assigned"], r["completed"], r["rate"])
                 for r in client.get(reverse("certification:dashboard")).context["completion"]}
    assert districts == {"甲区": (8, 1, 12.5), "乙区": (2, 0, 0.0)}
    path = tmp_path / "assignments.xlsx"
    export_run_to_path(user=hr, sheet="assignments", path=path)
    header, rows = sheet_rows(path, "区（县）")
    i = {h: header.index(h) for h in ("学校", "应完成人次", "已完成",
                                      "完成率")}
    sheet = {r[i["学校"]]: (r[i["应完成人次"]], r[i["已完成"]],
                                  round(r[i["完成率"]] * 100, 1)) for r in rows}
    assert chart == sheet
    assert chart["甲一中"] == (4, 1, 25.0)


def test_expiring_and_pace_match_a_hand_count(client, tree):
    today = date.today()
    hr = staff("district_hr", tree["district_x"])
    month_start = today.replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    for expires, status in ((next_month + timedelta(days=3), "active"),
                            (next_month + timedelta(days=20), "active"),
                            (next_month + timedelta(days=5), "revoked"),
                            (month_start - timedelta(days=1), "active")):
        teacher = TeacherFactory(school=tree["school_a"], hire_date=OLD)
        cert = certificate(teacher, "C", issued_on=today - timedelta(days=400))
        Certificate.objects.filter(pk=cert.pk).update(
            expires_on=expires, status=status,
            ended_on=today - timedelta(days=1) if status == "revoked" else None)
    outside = TeacherFactory(school=tree["school_b"], hire_date=OLD)
    Certificate.objects.filter(pk=certificate(outside, "C").pk).update(
        expires_on=next_month + timedelta(days=3))
    client.force_login(hr)
    context = client.get(reverse("certification:dashboard")).context
    months = dict(context["expiring"])
    assert len(months) == 12 and months[next_month] == 2 and months[month_start] == 0

    from certification.selectors import cycle_on, cycle_policy_for

    due = cycle_on(cycle_policy_for(tree["school_a"]), today).due
    assert Decimal("0") < due
    TeacherFactory.reset_sequence(9000)
    ahead = TeacherFactory(school=tree["school_a"], hire_date=OLD)
    hours(ahead, due + 1, today)
    half = TeacherFactory(school=tree["school_a"], hire_date=OLD)
    hours(half, (due * Decimal("0.6")).quantize(Decimal("0.1")), today)
    pace = client.get(reverse("certification:dashboard")).context["pace"]
    # The four certificate holders and `outside`'s peers have no hours: far behind.
    assert (pace["on_pace"], pace["behind"], pace["far_behind"]) == (1, 1, 4)


def test_each_viewer_sees_only_their_scope(client, tree, city):
    admin_a = school_admin(tree["school_a"])
    client.force_login(admin_a)
    page = client.get(reverse("certification:dashboard")).content.decode()
    assert "甲一中" in page and "甲二小" not in page and "乙一中" not in page
    client.force_login(staff("district_hr", tree["district_x"]))
    page = client.get(reverse("certification:dashboard")).content.decode()
    assert "甲镇" in page and "乙镇" not in page and "乙一中" not in page
    page = client.get(reverse("certification:dashboard"), {"org": tree["town_x"].pk}).content.decode()
    assert "甲二小" in page and "乙一中" not in page
    client.force_login(city["school_a"][0].user)
    assert client.get(reverse("certification:dashboard")).status_code in (302, 403)


def test_the_dashboard_costs_the_same_queries_for_more_teachers(client, tree, city,
                                                                django_assert_max_num_queries):
    hr = city_hr(tree["city"])
    client.force_login(hr)
    client.get(reverse("certification:dashboard"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("certification:dashboard"))
    for _ in range(30):
        certificate(TeacherFactory(school=tree["school_b2"], hire_date=OLD), "C")
    # The first view after a change computes the changed school's figures once.
    client.get(reverse("certification:dashboard"))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("certification:dashboard"))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_page_speaks_chinese_and_each_chart_has_a_table(client, tree, city):
    client.force_login(city_hr(tree["city"]))
    page = client.get(reverse("certification:dashboard")).content.decode()
    assert 'role="img"' in page and "<title>" in page
    for table_id in ("holding-table-C", "completion", "expiring-table", "pace-table"):
        assert f'id="{table_id}"' in page


def test_the_dashboard_reads_in_chinese_first(client, tree, city):
    client.force_login(city_hr(tree["city"]))
    page = client.get(reverse("certification:dashboard")).content.decode()
    assert "数据看板" in page and "各区（县）C 证持证率" in page and "目标 80%" in page
    assert "下一级：" in page


def test_the_dashboard_on_a_past_date_with_its_trend(client, tree):
    from tests.certification.builders import certificate as cert

    teachers = [TeacherFactory(school=tree["school_a"], hire_date=OLD) for _ in range(2)]
    cert(teachers[0], "C", issued_on=date(2019, 1, 1), expires_on=date(2023, 12, 31))
    client.force_login(city_hr(tree["city"]))
    response = client.get(reverse("certification:dashboard"),
                          {"on": "2023-06-30", "org": tree["town_x"].pk})
    context = response.context
    [c] = [lv for lv in context["holding"] if lv["code"] == "C"]
    assert {s["org"].name: s["rate"] for s in c["rows"]}["甲一中"] == 50.0
    table = context["trend_table"]
    assert len(table) == 24 and table[-1]["day"] == date(2023, 6, 30)
    assert table[-1]["rates"][0] == "50.0%" and table[-1]["on_pace"] == "0.0%"
    page = response.content.decode()
    assert "近 24 个月变化趋势" in page and 'id="trend-table"' in page and "<polyline" in page
    assert 'type="date"' in page and 'value="2023-06-30"' in page
    today = client.get(reverse("certification:dashboard"), {"org": tree["town_x"].pk}).context
    [c] = [lv for lv in today["holding"] if lv["code"] == "C"]
    assert {s["org"].name: s["rate"] for s in c["rows"]}["甲一中"] == 0.0


def test_the_rates_page_shows_target_and_gap(client, tree):
    from tests.certification.builders import certificate as cert

    teachers = [TeacherFactory(school=tree["school_a"], hire_date=OLD) for _ in range(2)]
    cert(teachers[0], "C", issued_on=date(2022, 1, 1))
    client.force_login(city_hr(tree["city"]))
    page = client.get(reverse("certification:holding_rates"),
                      {"org": tree["district_x"].pk, "on": "2024-06-30"}).content.decode()
    assert "C 证目标" in page and "C 证差距" in page and "80%" in page and "30.0%" in page
