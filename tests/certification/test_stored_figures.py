"""The stored per-school figures give the numbers of the one rule (holding, pace and compliance),
on every date, after each kind of change (imports, approvals, expiries and renewals, erasures, a
moved teacher, posts and what they require), without
anyone rebuilding them; and the staff pages cost the same queries for 50 schools as for 500."""

from datetime import date, timedelta
from io import StringIO

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certification.models import RoleRequirement, SchoolFigure, TrainingEntry
from certification.selectors import (
    compliance_missing_count,
    compliance_missing_level,
    figures_deferred,
    figures_forget,
    figures_rebuild,
    holding_rates,
    holding_trend,
    hours_pace_distribution,
    hours_pace_trend,
    month_ends,
    stored_compliance,
    stored_holding_rates,
    stored_pace,
    stored_trends,
)
from certification.selectors.figures import figures_rebuild_parts
from certification.services import (
    certificate_issue,
    certificate_record_imported,
    certificates_expire,
    certificates_renew_due,
    training_entry_record,
)
from hr.privacy import personal_data_erase
from people.models import Organisation, Teacher, flags_mask
from tests import factories
from tests.hr.builders import city_hr

from .builders import level
from .test_one_truth import CITY, DAYS, build

TODAY = date(2026, 12, 1)


def rows(rate_rows):
    return [(r.organisation.pk, r.teachers, r.new_teachers, dict(r.holders)) for r in rate_rows]


def assert_stored_equals_rule(city, hr, days):
    schools = Organisation.objects.filter(path__startswith=city.path, kind="school")
    for on in days:
        assert rows(stored_holding_rates(city, on=on)) == rows(holding_rates(city, on=on)), on
        assert stored_pace(city, on=on) == hours_pace_distribution(user=hr, on=on), on
        # Compliance: the count, and the first teachers listed, at the city and in a district
        # (a short first page, so the list is read from some schools only).
        for top in (city, *city.get_children()):
            for first in (1, 3, 50):
                assert stored_compliance(top, on=on, first=first) == (
                    compliance_missing_count(top, on=on),
                    list(compliance_missing_level(top, on=on)[:first])), (on, top, first)
    holding, pace = stored_trends(city, on=days[-1], months=3)
    assert holding == holding_trend(schools, on=days[-1], months=3)
    assert pace == hours_pace_trend(user=hr, on=days[-1], months=3)


@pytest.mark.django_db
@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(spec=CITY, later=st.lists(DAYS, min_size=1, max_size=2), when=DAYS,
       posts=st.lists(st.sets(st.sampled_from(Teacher.Role.values), min_size=1),
                      min_size=8, max_size=8))
def test_stored_figures_equal_the_rule_after_every_kind_of_change(spec, later, when, posts):
    with transaction.atomic():
        nodes, hr, teachers = build(spec)
        for teacher, held in zip(teachers, posts, strict=False):
            teacher.role, teacher.posts = sorted(held)[0], flags_mask(Teacher.Role, held)
            teacher.save()
        city = nodes[0]
        days = sorted({*spec["dates"], *later, TODAY})
        # Read once: every figure is stored from here on.
        assert_stored_equals_rule(city, hr, days)
        assert SchoolFigure.objects.exists()

        # An import of certificates and of hours, written as the desk's imports write them.
        with figures_deferred():
            for i, t in enumerate(teachers):
                certificate_record_imported(teacher=t, level_code="B", number=f"IMP-{t.pk}",
                                            issued_on=when, expires_on=when + relativedelta(years=3),
                                            authority="外市", recorded_by=hr)
                training_entry_record(teacher=t, hours=30, date=when, title="线下培训",
                                      source=TrainingEntry.Source.IMPORT, reference=f"imp:{i}",
                                      recorded_by=hr)
        assert_stored_equals_rule(city, hr, days)

        # An approval (the certificate it issues), then the daily jobs.
        certificate_issue(teacher=teachers[0], level=level("C"), issued_on=when, issued_by=hr)
        assert_stored_equals_rule(city, hr, days)
        certificates_renew_due(on=TODAY)
        certificates_expire(on=TODAY)
        assert_stored_equals_rule(city, hr, days)

        # An erasure (revokes), and a teacher moved to another school.
        personal_data_erase(teacher=teachers[-1], by=hr, reason="申请编号 1")
        moved = teachers[0]
        moved.school = nodes[5] if moved.school_id != nodes[5].pk else nodes[3]
        moved.save()
        assert_stored_equals_rule(city, hr, days)

        # A teacher's posts change (read as they are now for every day), then what a post
        # requires.
        teachers[0].posts = flags_mask(Teacher.Role, [Teacher.Role.SCHOOL_LEADER])
        teachers[0].role = Teacher.Role.SCHOOL_LEADER
        teachers[0].save()
        assert_stored_equals_rule(city, hr, days)
        # A hire date corrected, a teacher leaving.
        teachers[0].hire_date = when
        teachers[0].save()
        teachers[-1].is_active = True  # erased above: back in post in the figures
        teachers[-1].save()
        teachers[0].is_active = False
        teachers[0].save()
        assert_stored_equals_rule(city, hr, days)
        # What a post requires, written as the admin's edit views write it (they drop the
        # figures: test_figures_forgotten.py).
        requirement = RoleRequirement.objects.get(role=Teacher.Role.HEAD_TEACHER)
        requirement.level = level("A")
        requirement.save()
        figures_forget()
        assert_stored_equals_rule(city, hr, days)
        RoleRequirement.objects.exclude(role=Teacher.Role.HEAD_TEACHER).delete()
        figures_forget()
        assert_stored_equals_rule(city, hr, days)
        transaction.set_rollback(True)


def test_a_rebuild_after_a_write_behind_the_services_back(db):
    city = factories.org("重建市", "city")
    school = factories.org("重建一校", "school", factories.org("重建区", "district", city))
    teacher = factories.TeacherFactory(school=school, hire_date=date(2015, 1, 1))
    hr = city_hr(city)
    on = TODAY
    assert stored_holding_rates(city, on=on)[0].holders["C"] == 0
    # Straight into the database (a bulk load), no service: stale until rebuilt in full.
    from certification.models import Certificate

    Certificate.objects.bulk_create([Certificate(
        number="BULK-1", level=level("C"), teacher=teacher, issued_on=on - timedelta(days=10),
        expires_on=on + timedelta(days=300))])
    assert stored_holding_rates(city, on=on)[0].holders["C"] == 0
    # The nightly run computes only what is missing: today is stored, the 23 other month ends are not.
    out = StringIO()
    call_command("rebuild_figures", on=on, stdout=out)
    assert out.getvalue().startswith("23 school figures computed")
    assert stored_holding_rates(city, on=on)[0].holders["C"] == 0
    out = StringIO()
    call_command("rebuild_figures", "--full", on=on, stdout=out)
    assert out.getvalue().startswith("24 school figures computed")
    assert stored_holding_rates(city, on=on)[0].holders["C"] == 1
    assert rows(stored_holding_rates(city, on=on)) == rows(holding_rates(city, on=on))
    assert SchoolFigure.objects.filter(day__in=month_ends(on)).count() == 24
    assert stored_pace(city, on=on) == hours_pace_distribution(user=hr, on=on)


def test_the_nightly_run_computes_only_the_schools_a_change_touched(db):
    city = factories.org("增量市", "city")
    district = factories.org("增量区", "district", city)
    schools = [factories.org(f"增量{n}校", "school", district) for n in range(4)]
    teachers = [factories.TeacherFactory(school=s, hire_date=date(2015, 1, 1)) for s in schools]
    days = month_ends(TODAY)
    assert figures_rebuild(on=TODAY) == 4 * len(days)
    assert figures_rebuild(on=TODAY) == 0  # nothing changed: nothing computed
    # A certificate issued on 12 October through the service drops one school's figures from
    # then: 31 October, 30 November and today are computed again, for that school only.
    certificate_issue(teacher=teachers[2], level=level("C"), issued_on=date(2026, 10, 12),
                      issued_by=city_hr(city))
    assert SchoolFigure.objects.count() == 4 * len(days) - 3
    assert figures_rebuild(on=TODAY) == 3
    assert set(SchoolFigure.objects.filter(holders__C=1).values_list("school_id", "day")) == {
        (schools[2].pk, date(2026, 10, 31)), (schools[2].pk, date(2026, 11, 30)), (schools[2].pk, TODAY)}
    assert figures_rebuild(on=TODAY) == 0
    assert stored_holding_rates(city, on=TODAY)[0].holders["C"] == 1
    assert rows(stored_holding_rates(city, on=TODAY)) == rows(holding_rates(city, on=TODAY))


def test_the_nightly_figures_split_across_workers_compute_the_same(db):
    from certification.tasks import figures_fill_part

    city = factories.org("分片市", "city")
    district = factories.org("分片区", "district", city)
    for n in range(5):
        school = factories.org(f"分片{n}校", "school", district)
        factories.TeacherFactory(school=school, hire_date=date(2015, 1, 1))
    pieces = figures_rebuild_parts(on=TODAY, parts=2)
    assert [len(schools) for _days, schools in pieces] == [3, 2]
    # Each piece as a worker runs it (the task, with its JSON arguments).
    assert sum(figures_fill_part.apply(args=piece).get() for piece in pieces) == 5 * len(month_ends(TODAY))
    assert figures_rebuild(on=TODAY) == 0
    assert rows(stored_holding_rates(city, on=TODAY)) == rows(holding_rates(city, on=TODAY))


def test_a_change_the_figures_do_not_read_keeps_them_stored(db):
    city = factories.org("改名市", "city")
    school = factories.org("改名一校", "school", factories.org("改名区", "district", city))
    teacher = factories.TeacherFactory(school=school, hire_date=date(2015, 1, 1))
    stored_trends(city, on=TODAY, months=3)
    kept = set(SchoolFigure.objects.values_list("pk", flat=True))
    assert len(kept) == len(month_ends(TODAY, 3))  # the one school, each month end
    teacher.name, teacher.gender = "改名后", "F"
    teacher.save()
    assert set(SchoolFigure.objects.values_list("pk", flat=True)) == kept
    teacher.hire_date = date(2026, 10, 15)
    teacher.save()
    assert not SchoolFigure.objects.exists()


def grow_city(city, schools: int):
    """Two districts, a township each, `schools` schools with two teachers each."""
    districts = [factories.org(f"区{d}", "district", city) for d in range(2)]
    towns = [factories.org(f"镇{d}", "township", dist) for d, dist in enumerate(districts)]
    have = Organisation.objects.filter(path__startswith=city.path, kind="school").count()
    for i in range(have, schools):
        school = factories.org(f"校{i}", "school", towns[i % 2])
        for _ in range(2):
            factories.TeacherFactory(school=school, hire_date=date(2015, 1, 1))


def queries(client, url, params=None):
    client.get(url, params or {})  # the first view stores what it computed
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("page", ["certification:dashboard", "certification:holding_rates"])
def test_staff_pages_cost_the_same_queries_for_50_and_500_schools(client, db, page):
    small, large = factories.org("小市", "city"), factories.org("大市", "city")
    grow_city(small, 50)
    grow_city(large, 500)
    if connection.vendor == "postgresql":
        # Statistics, as a live database has them: without them the planner takes the new rows
        # for a handful and joins the periods by nested scans.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    counts = {}
    for city in (small, large):
        client.force_login(city_hr(city))
        url = reverse(page)
        counts[city.name] = (queries(client, url),
                             queries(client, url, {"org": Organisation.objects.get(
                                 path__startswith=city.path, name="区0").pk}))
    assert counts["小市"] == counts["大市"]


def test_dashboard_above_a_township_lists_a_bounded_number_of_short_schools(client, db,
                                                                             monkeypatch):
    from certification.selectors import pages
    from people.audiences import stages_mask
    from people.models import Stage, StudentCount

    city = factories.org("缺编市", "city")
    town = factories.org("缺编镇", "township", factories.org("缺编区", "district", city))
    for i in range(3):
        school = factories.org(f"缺编{i}中", "school", town)
        school.stages = stages_mask([Stage.JUNIOR])
        school.save()
        StudentCount.objects.create(organisation=school, on=date(2024, 9, 1), count=1500)
    monkeypatch.setattr(pages, "STAFFING_LISTED", 2)
    client.force_login(city_hr(city))
    body = client.get(reverse("certification:dashboard")).content.decode()
    assert "缺编0中" in body and "缺编1中" in body and "缺编2中" not in body
    assert "另有 1 所学校缺专职心理教师" in body
    # The township's page lists every one of its schools.
    body = client.get(reverse("certification:dashboard"), {"org": town.pk}).content.decode()
    assert all(f"缺编{i}中" in body for i in range(3)) and "另有" not in body


def test_a_past_days_figure_follows_a_correction_at_the_school_she_was_at_then(db):
    # Found by the property test above: an erased teacher moved without a date keeps her earlier
    # period at the first school; her hire date corrected afterwards must drop that school's
    # figures too, or the city's 2018 figure keeps her as a holder who was a new teacher then.
    spec = {"policies": {}, "period": (1, 14), "dates": [date(2018, 1, 1)],
            "teachers": [(5, {"hired": None, "active": True, "hours": [], "certs": []})]}
    nodes, hr, (teacher,) = build(spec)
    city, day = nodes[0], date(2018, 1, 1)
    certificate_issue(teacher=teacher, level=level("C"), issued_on=day, issued_by=hr)
    assert rows(stored_holding_rates(city, on=day))[0][1:] == (1, 0, {"C": 1, "B": 0, "A": 0})
    # Erased (out of post from today), then moved and corrected by plain saves.
    personal_data_erase(teacher=teacher, by=hr, reason="申请编号 2")
    teacher.refresh_from_db()
    teacher.school = nodes[3] if teacher.school_id != nodes[3].pk else nodes[5]
    teacher.save()
    assert rows(stored_holding_rates(city, on=day)) == rows(holding_rates(city, on=day))
    teacher.hire_date = day
    teacher.save()
    assert rows(stored_holding_rates(city, on=day)) == rows(holding_rates(city, on=day))
    assert rows(stored_holding_rates(city, on=day))[0][1:] == (1, 1, {"C": 0, "B": 0, "A": 0})
