"""A figure on day D never moves for changes dated after D: transfers, leavers, post changes,
new hires, certificates issued, imported and revoked, and the daily jobs, in any order."""

from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certification.selectors import (
    compliance_missing_count,
    holding_rates,
    holding_trend,
    stored_holding_rates,
)
from certification.services import (
    certificate_issue,
    certificate_record_imported,
    certificate_revoke,
    certificates_expire,
    certificates_renew_due,
)
from certification.workload.selectors import workload_term_report
from people import employment
from people.models import Organisation, Teacher, flags_mask
from people.staffing import staffing_rows
from tests import factories
from tests.hr.builders import city_hr

from .builders import certificate, level

D = date(2026, 3, 31)
POSTS = [Teacher.Role.SUBJECT_TEACHER, Teacher.Role.HEAD_TEACHER, Teacher.Role.FULL_TIME_COUNSELLOR,
         Teacher.Role.PART_TIME_COUNSELLOR]

AFTER = st.integers(min_value=1, max_value=200).map(lambda n: D + timedelta(days=n))
OPERATION = st.one_of(
    st.tuples(st.just("transfer"), st.integers(0, 5), st.integers(0, 2), AFTER),
    st.tuples(st.just("leave"), st.integers(0, 5), st.just(0), AFTER),
    st.tuples(st.just("posts"), st.integers(0, 5), st.integers(0, 3), AFTER),
    st.tuples(st.just("hire"), st.integers(0, 5), st.integers(0, 2), AFTER),
    st.tuples(st.just("issue"), st.integers(0, 5), st.just(0), AFTER),
    st.tuples(st.just("import"), st.integers(0, 5), st.just(0), AFTER),
    st.tuples(st.just("revoke"), st.integers(0, 5), st.just(0), AFTER),
    st.tuples(st.just("jobs"), st.just(0), st.just(0), AFTER),
)


def figures(city, hr, schools):
    """Every "on D" figure, as plain values."""
    report = workload_term_report(user=hr, term_start=D - timedelta(days=60), term_end=D)
    return {
        "holding": [(r.organisation.pk, r.teachers, r.new_teachers, dict(r.holders))
                    for r in holding_rates(city, on=D)],
        "stored": [(r.organisation.pk, r.teachers, r.new_teachers, dict(r.holders))
                   for r in stored_holding_rates(city, on=D)],
        "compliance": compliance_missing_count(city, on=D),
        "staffing": [(r.school.pk, r.full_time, r.gap) for r in staffing_rows(city, on=D)],
        "trend": holding_trend(schools, on=D, months=3),
        "workload": sorted((r.teacher.pk, r.teacher.term_school) for r in report.counsellors),
    }


@pytest.mark.django_db
@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(operations=st.lists(OPERATION, min_size=1, max_size=8))
def test_changes_dated_after_a_day_never_move_its_figures(operations):
    with transaction.atomic():
        city = factories.org("示范市", "city")
        district = factories.org("一区", "district", city)
        schools = [factories.org(f"{i}校", "school", district) for i in range(3)]
        hr = city_hr(city)
        teachers, certs = [], {}
        for i in range(6):
            role = POSTS[i % len(POSTS)]
            teacher = factories.TeacherFactory(school=schools[i % 3], role=role,
                                               hire_date=date(2025, 9, 1) if i == 5 else date(2015, 9, 1))
            if i % 2:
                certs[i] = certificate(teacher, "C", issued_on=date(2024, 1, 10))
            teachers.append(teacher)
        school_qs = Organisation.objects.filter(kind="school", path__startswith=city.path)
        before = figures(city, hr, school_qs)

        for kind, who, what, on in sorted(operations, key=lambda op: op[3]):
            teacher = Teacher.objects.get(pk=teachers[who].pk)
            if kind in ("transfer", "leave", "posts") and teacher.is_active:
                school, posts, status = teacher.school_id, teacher.posts, Teacher.Status.ACTIVE
                if kind == "transfer":
                    school = schools[what].pk
                elif kind == "posts":
                    posts = flags_mask(Teacher.Role, [POSTS[what]])
                else:
                    status = Teacher.Status.LEFT
                employment.employment_changes_apply(
                    changes=[employment.Change(teacher.pk, on, school, posts, status)], today=on)
                Teacher.objects.filter(pk=teacher.pk).update(
                    school_id=school, posts=posts, status=status,
                    is_active=status == Teacher.Status.ACTIVE)
            elif kind == "hire":
                factories.TeacherFactory(school=schools[what], hire_date=on,
                                         role=Teacher.Role.FULL_TIME_COUNSELLOR)
            elif kind == "issue":
                certs[who] = certificate_issue(teacher=teacher, level=level("B"), issued_on=on,
                                               issued_by=hr)
            elif kind == "import":
                certificate_record_imported(teacher=teacher, level_code="A",
                                            number=f"OUT-{teacher.pk}-{on}", issued_on=on,
                                            expires_on=None, authority="外市", recorded_by=hr)
            elif kind == "revoke" and who in certs:
                certificate_revoke(certificate=certs[who], revoked_by=hr, reason="复核", on=on)
            elif kind == "jobs":
                certificates_renew_due(on=on)
                certificates_expire(on=on)
        assert figures(city, hr, school_qs) == before
        transaction.set_rollback(True)


def test_the_trend_reads_a_moved_teacher_as_new_by_the_period_of_her_school_that_day(db):
    """A district that counts teachers as new for 24 months, beside the default 12: a teacher
    who began 15 months before 31 January and moved on 10 February to a default-period school is
    new (left out) on 31 January, counted from 28 February. The trend reads each month end with
    the period of that day's school, as the day's rates do."""
    from certification.models import NewTeacherPeriod

    city = factories.org("期限市", "city")
    long_district = factories.org("长期区", "district", city)
    short_district = factories.org("常规区", "district", city)
    before = factories.org("长期一校", "school", long_district)
    after = factories.org("常规一校", "school", short_district)
    NewTeacherPeriod.objects.create(organisation=long_district, months=24)
    teacher = factories.TeacherFactory(school=before, hire_date=date(2024, 10, 31),
                                       first_work_date=date(2024, 10, 31))
    certificate(teacher, "C", issued_on=date(2025, 6, 1))
    moved = date(2026, 2, 10)
    employment.employment_changes_apply(
        changes=[employment.Change(teacher.pk, moved, after.pk, teacher.posts, Teacher.Status.ACTIVE)],
        today=moved)
    Teacher.objects.filter(pk=teacher.pk).update(school=after)
    schools = Organisation.objects.filter(kind="school", path__startswith=city.path)

    trend = {day: (counted, rates["C"]) for day, counted, rates in
             holding_trend(schools, on=date(2026, 2, 28), months=2)}
    assert trend[date(2026, 1, 31)] == (0, None)
    assert trend[date(2026, 2, 28)] == (1, 1.0)
    for day in (date(2026, 1, 31), date(2026, 2, 28)):
        city_row = holding_rates(city, on=day)[0]
        assert (city_row.teachers - city_row.new_teachers, city_row.holders["C"]) == (
            trend[day][0], 1 if trend[day][0] else 0)
