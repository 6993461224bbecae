"""Property: over small random cities, every screen, sheet and e-mail tells the same truth.

For every teacher and date, the teacher's page (`cycle_status`), the hours sheet, the dashboard's
pace buckets and the pace reminder agree; the holding rate on any past date equals a count by
hand from the certificates' dates, before and after the daily jobs run.
"""

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core import mail
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certification.models import (
    Certificate,
    CycleCategoryMinimum,
    CyclePolicy,
    NewTeacherPeriod,
    Reminder,
)
from certification.selectors import (
    cycle_status,
    holding_rates,
    hours_pace_distribution,
    pace_of,
    training_hours_list,
)
from certification.services import (
    certificate_renew,
    certificate_revoke,
    certificates_expire,
    certificates_renew_due,
    pace_reminders_send,
)
from tests import factories
from tests.hr.builders import city_hr

from .builders import certificate, hours

DAYS = st.dates(min_value=date(2018, 1, 1), max_value=date(2026, 11, 30))
POLICY = st.fixed_dictionaries({
    "years": st.integers(1, 5), "hours": st.sampled_from([24, 72, 216, 360]),
    "yearly_minimum": st.sampled_from([None, 8, 24, 80]), "start_year": st.integers(2017, 2023),
    # The pace rule (pro-rated or yearly, issue 26 §4) and its grace period in days.
    "pace_rule": st.sampled_from(["prorated", "yearly"]), "grace_days": st.sampled_from([0, 1, 45]),
    # Minimum hours per category (courses.HourCategory codes).
    "minimums": st.dictionaries(st.sampled_from(["crisis", "family"]),
                                st.sampled_from([4, 12, 30]), max_size=2)})
CERT = st.fixed_dictionaries({
    "code": st.sampled_from(["C", "C", "B", "A"]), "issued": DAYS,
    "years": st.integers(1, 5), "revoked": st.one_of(st.none(), DAYS),
    "renew": st.one_of(st.none(), DAYS)})
TEACHER = st.fixed_dictionaries({
    "hired": st.one_of(st.none(), DAYS), "active": st.booleans(),
    "hours": st.lists(st.tuples(DAYS, st.integers(1, 60),
                                st.sampled_from(["crisis", "family", "other"])), max_size=4),
    "certs": st.lists(CERT, max_size=2)})
CITY = st.fixed_dictionaries({
    # Nodes: 0 city, 1-2 districts, 3-5 schools (3 and 4 in district 1, 5 in district 2).
    "policies": st.dictionaries(st.integers(0, 5), POLICY, max_size=3),
    "period": st.one_of(st.none(), st.tuples(st.integers(1, 2), st.integers(1, 24))),
    "teachers": st.lists(st.tuples(st.integers(3, 5), TEACHER), min_size=1, max_size=8),
    "dates": st.lists(DAYS, min_size=1, max_size=3)})


def build(spec):
    city = factories.org("随机市", "city")
    d1, d2 = factories.org("一区", "district", city), factories.org("二区", "district", city)
    nodes = [city, d1, d2, factories.org("一校", "school", d1), factories.org("二校", "school", d1),
             factories.org("三校", "school", d2)]
    for i, p in spec["policies"].items():
        policy = CyclePolicy.objects.create(organisation=nodes[i], years=p["years"],
                                            hours=Decimal(p["hours"]), start_year=p["start_year"],
                                            yearly_minimum=p["yearly_minimum"],
                                            pace_rule=p["pace_rule"], grace_days=p["grace_days"])
        for code, minimum in p.get("minimums", {}).items():
            CycleCategoryMinimum.objects.create(policy=policy, category_id=code,
                                                hours=Decimal(minimum))
    if spec["period"]:
        NewTeacherPeriod.objects.create(organisation=nodes[spec["period"][0]],
                                        months=spec["period"][1])
    hr = city_hr(city)
    teachers = []
    for school, t in spec["teachers"]:
        teacher = factories.TeacherFactory(school=nodes[school], hire_date=t["hired"],
                                           is_active=t["active"])
        for day, amount, *category in t["hours"]:
            hours(teacher, amount, day, category=category[0] if category else None)
        for c in t["certs"]:
            cert = certificate(teacher, c["code"], issued_on=c["issued"],
                               expires_on=c["issued"] + relativedelta(years=c["years"]))
            if c["renew"]:
                certificate_renew(certificate=cert, on=c["renew"])
            if c["revoked"] and c["revoked"] >= c["issued"]:
                certificate_revoke(certificate=cert, revoked_by=hr, reason="随机", on=c["revoked"])
        teachers.append(teacher)
    return nodes, hr, teachers


def months_for(school, nodes, spec) -> int:
    if spec["period"] and school.path.startswith(nodes[spec["period"][0]].path):
        return spec["period"][1]
    return 12


def hand_count(nodes, spec, on):
    """C holders and counted teachers per school on `on`, from the rows' dates alone."""
    out = {}
    for school in nodes[3:]:
        counted = holders = 0
        for teacher in school.teachers.all():
            if not teacher.is_active or (teacher.hire_date and teacher.hire_date > on):
                continue
            if teacher.hire_date and teacher.hire_date > on - relativedelta(
                    months=months_for(school, nodes, spec)):
                continue
            counted += 1
            holders += any(
                c.issued_on <= on <= c.expires_on and (c.ended_on is None or on < c.ended_on)
                for c in Certificate.objects.filter(teacher=teacher))
        out[school.name] = (counted, holders)
    return out


def rates(nodes, on):
    return {r.organisation.name: (r.counted, r.holders["C"])
            for r in holding_rates(nodes[0], on=on) if r.organisation.kind == "school"}


@pytest.mark.django_db
@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(spec=CITY)
def test_every_screen_agrees_and_past_rates_match_a_hand_count(spec):
    with transaction.atomic():
        nodes, hr, teachers = build(spec)
        for on in spec["dates"]:
            page = {t.pk: cycle_status(t, on=on) for t in teachers}
            sheet = {row[0]: row for row in training_hours_list(user=hr, on=on)}
            # In post on `on` (people.employment): active and hired by then.
            active = [t for t in teachers if t.is_active and (t.hire_date is None or t.hire_date <= on)]
            assert set(sheet) == {t.employee_no for t in active}
            for t in active:
                _no, _n, _s, _d, _r, start, end, earned, target, due, _last, *_c = sheet[t.employee_no]
                mine = page[t.pk]
                assert (start, end, target, due) == (mine.start, mine.end, mine.target,
                                                     mine.expected)
                assert earned == mine.earned
            buckets = hours_pace_distribution(user=hr, on=on)
            assert buckets == dict(Counter(page[t.pk].pace for t in active)) | {
                k: 0 for k in ("on_pace", "behind", "far_behind")
                if k not in {page[t.pk].pace for t in active}}
            # On pace means the total and every category minimum on pace (the worst counts).
            assert all(page[t.pk].pace == max(
                [pace_of(page[t.pk].pace_earned, page[t.pk].expected),
                 *[pace_of(c.had, c.due) for c in page[t.pk].categories if c.needed]],
                key=["on_pace", "behind", "far_behind"].index) for t in active)
            # The decision, not the once-a-month memory: forget earlier reminders first.
            Reminder.objects.all().delete()
            mail.outbox.clear()
            pace_reminders_send(on=on)
            assert sorted(m.to[0] for m in mail.outbox) == sorted(
                t.user.email for t in active if not page[t.pk].on_pace)

            assert rates(nodes, on) == hand_count(nodes, spec, on)
        # The daily jobs (renew what is due, expire what ran out) change no past figure.
        today = date(2026, 12, 1)
        before = {on: hand_count(nodes, spec, on) for on in spec["dates"]}
        certificates_renew_due(on=today)
        certificates_expire(on=today)
        for on in spec["dates"]:
            assert rates(nodes, on) == before[on] == hand_count(nodes, spec, on)
        transaction.set_rollback(True)
