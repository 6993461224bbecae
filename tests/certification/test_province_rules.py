"""Two cities in one province keep their own rules: every policy that is data applies by nearest
ancestor, so each school's figures (holding target, staffing, hours due and pace, categories,
workload credits and norm, calendar) follow its own city, on the province's pages too."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from certification.calendar import calendar_for
from certification.models import (
    CalendarPeriod,
    CycleCategoryMinimum,
    CyclePolicy,
    HoldingTarget,
    WorkloadActivityType,
    WorkloadCreditRate,
    WorkloadNorm,
)
from certification.selectors.cycle import cycle_status
from certification.selectors.figures import stored_holding_rates, stored_pace
from certification.workload.selectors import (
    workload_credit_per_unit,
    workload_norm_units,
)
from courses.models import HourCategory
from people.audiences import stages_mask
from people.models import StaffingRule, StaffRole, Stage, StudentCount
from people.staffing import staffing_rows
from tests.certification.builders import certificate, hours, level
from tests.factories import TeacherFactory, org, staff

ON = date(2025, 6, 30)


@pytest.fixture
def province(db):
    """A province; city A and city B each with a district and a junior secondary school of
    1,500 students, one teacher holding C with 100 hours, and one without."""
    top = org("示范省", "province")
    t = {"province": top}
    for key, name in (("a", "甲市"), ("b", "乙市")):
        city = org(name, "city", top)
        district = org(f"{name}一区", "district", city)
        school = org(f"{name}一中", "school", district, stages=stages_mask([Stage.JUNIOR]))
        StudentCount.objects.create(organisation=school, on=date(2024, 9, 1), count=1500)
        holder = TeacherFactory(school=school, hire_date=date(2015, 9, 1))
        certificate(holder, "C", issued_on=date(2024, 1, 10))
        hours(holder, 100, date(2025, 1, 10))
        TeacherFactory(school=school, hire_date=date(2015, 9, 1))
        t[f"city_{key}"], t[f"school_{key}"], t[f"teacher_{key}"] = city, school, holder
    return t


@pytest.fixture
def rules(province):
    """City A: the seeds' rules, stricter; city B: its own, looser."""
    a, b = province["city_a"], province["city_b"]
    HoldingTarget.objects.create(organisation=a, level=level("C"), percent=Decimal(90))
    HoldingTarget.objects.create(organisation=b, level=level("C"), percent=Decimal(60))
    StaffingRule.objects.create(organisation=a, stage=Stage.JUNIOR, min_students=1000,
                                full_time_required=1)
    StaffingRule.objects.create(organisation=b, stage=Stage.JUNIOR, min_students=2000,
                                full_time_required=1)
    policy_a = CyclePolicy.objects.create(organisation=a, years=5, hours=Decimal(360),
                                          start_year=2021)
    CyclePolicy.objects.create(organisation=b, years=3, hours=Decimal(60), start_year=2024)
    category = HourCategory.objects.order_by("code").first()
    CycleCategoryMinimum.objects.create(policy=policy_a, category=category, hours=Decimal(24))
    activity = WorkloadActivityType.objects.order_by("pk").first() or WorkloadActivityType.objects.create(
        code="lesson", name="心理课", credit_per_unit=Decimal(1))
    WorkloadCreditRate.objects.create(organisation=a, activity_type=activity,
                                      credit_per_unit=Decimal("1.50"))
    WorkloadCreditRate.objects.create(organisation=b, activity_type=activity,
                                      credit_per_unit=Decimal("2.50"))
    WorkloadNorm.objects.create(organisation=a, units=Decimal(100))
    WorkloadNorm.objects.create(organisation=b, units=Decimal(150))
    CalendarPeriod.objects.create(organisation=a, term="2025春", start=date(2025, 2, 17),
                                  end=date(2025, 7, 4))
    CalendarPeriod.objects.create(organisation=b, term="2025春", start=date(2025, 3, 3),
                                  end=date(2025, 7, 11))
    return {"activity": activity, "category": category}


def test_every_figure_follows_its_own_city(province, rules):
    sa, sb = province["school_a"], province["school_b"]
    # Holding: the same rate against each city's own target.
    rows = {r.organisation.name: r for r in stored_holding_rates(province["province"], on=ON)}
    assert rows["甲市一中"].rate("C") == rows["乙市一中"].rate("C") == 0.5
    assert (rows["甲市一中"].targets["C"], rows["乙市一中"].targets["C"]) == (90, 60)
    assert (rows["甲市"].targets["C"], rows["乙市"].targets["C"]) == (90, 60)
    # Staffing: 1,500 students need a counsellor in A (from 1,000), none in B (from 2,000).
    staffing = {r.school.name: (r.required, r.gap) for r in staffing_rows(province["province"], on=ON)}
    assert staffing == {"甲市一中": (1, 1), "乙市一中": (0, 0)}
    # Hours and pace: 100 hours are far behind 360 in five years, ahead of 60 in three.
    a, b = cycle_status(province["teacher_a"], on=ON), cycle_status(province["teacher_b"], on=ON)
    assert (a.target, b.target, a.start, b.start) == (Decimal(360), Decimal(60),
                                                      date(2021, 1, 1), date(2024, 1, 1))
    assert (a.pace, b.pace) == ("far_behind", "on_pace")
    pace = {s.name: [stored_pace(s, on=ON)[k] for k in ("on_pace", "behind", "far_behind")]
            for s in (sa, sb)}
    assert pace == {"甲市一中": [0, 0, 2], "乙市一中": [1, 0, 1]}  # the other teacher has none
    # Categories: only city A asks for a minimum of the category.
    assert [(c.category.code, c.needed) for c in a.required_categories] == \
        [(rules["category"].code, Decimal(24))]
    assert b.required_categories == []
    # Workload: each city's credit per unit and head-teacher norm.
    assert workload_credit_per_unit(rules["activity"], sa) == Decimal("1.50")
    assert workload_credit_per_unit(rules["activity"], sb) == Decimal("2.50")
    assert (workload_norm_units(sa), workload_norm_units(sb)) == (Decimal(100), Decimal(150))
    # Calendar: 20 February is a school day in A, still the holidays in B.
    assert calendar_for(sa).term_containing(date(2025, 2, 20)) is not None
    assert calendar_for(sb).term_containing(date(2025, 2, 20)) is None
    assert len(calendar_for(sa).teaching_days(date(2025, 2, 17), date(2025, 3, 2))) == 10
    assert calendar_for(sb).teaching_days(date(2025, 2, 17), date(2025, 3, 2)) == []


def test_the_province_dashboard_draws_each_city_against_its_own_target(client, province, rules):
    client.force_login(staff(StaffRole.Role.PROVINCE_HR, province["province"]))
    page = client.get(reverse("certification:dashboard"), {"on": ON.isoformat()})
    [c] = [lv for lv in page.context["holding"] if lv["code"] == "C"]
    assert {r["org"].name: (r["rate"], r["target"]) for r in c["rows"]} == \
        {"甲市": (50.0, 90), "乙市": (50.0, 60)}
    staffing = page.context["staffing"]
    assert [getattr(r, "school", None) and r.school.name for r in staffing] == ["甲市一中"]
