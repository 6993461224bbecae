"""Yearly hours as bureaus count them (issue 26 §4): a policy may judge each calendar year on
its own at the year's end instead of pro-rating the cycle by day, and a grace period keeps
anyone from being "behind" in a cycle's (or a year's) first days. Each case runs both forms of
the rule (`cycle_status` for one teacher, `pace_filters` over `with_cycle` for a queryset) and
compares them with a hand count."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from certification.models import CyclePolicy
from certification.selectors import (
    cycle_on,
    cycle_status,
    hours_pace_distribution,
    pace_filters,
    with_cycle,
)
from certification.services import pace_reminders_send
from people.models import Teacher
from tests import factories
from tests.hr.builders import city_hr

from .builders import hours

pytestmark = pytest.mark.django_db

YEARLY, PRORATED = CyclePolicy.PaceRule.YEARLY, CyclePolicy.PaceRule.PRORATED


def _policy(org, *, rule=YEARLY, grace=0, minimum="72"):
    return CyclePolicy.objects.create(organisation=org, years=5, hours=Decimal("360"),
                                      start_year=2021, pace_rule=rule, grace_days=grace,
                                      yearly_minimum=Decimal(minimum) if minimum else None)


def paces(teacher, on):
    """(the teacher's page, the SQL bucket): both forms of the rule for one teacher."""
    page = cycle_status(teacher, on=on).pace
    rows = with_cycle(Teacher.objects.filter(pk=teacher.pk), on=on)
    sql = [bucket for bucket, q in pace_filters().items() if rows.filter(q).exists()]
    assert len(sql) == 1, sql
    return page, sql[0]


def test_200_hours_in_year_one_and_nothing_since_is_behind_under_the_yearly_rule(tree):
    policy = _policy(tree["city"], rule=PRORATED)
    teacher = factories.TeacherFactory(school=tree["school_a"])
    hours(teacher, 200, date(2021, 5, 10))
    # Pro-rated: 911 of 1,826 days gone, 360 × 911 / 1826 = 179.61 due; 200 had.
    assert cycle_on(policy, date(2023, 6, 30)).due == Decimal("179.61")
    assert paces(teacher, date(2023, 6, 30)) == ("on_pace", "on_pace")
    policy.pace_rule = YEARLY
    policy.save()
    # Yearly: 2021 counts 72 of its 200, 2022 had 0 of 72; 72 of 144 due is half: behind.
    status = cycle_status(teacher, on=date(2023, 6, 30))
    assert (status.pace_earned, status.expected) == (Decimal("72"), Decimal("144"))
    assert status.short_years == [(2022, Decimal("0"), Decimal("72"))]
    assert paces(teacher, date(2023, 6, 30)) == ("behind", "behind")
    # A year later 2023 fell short too: 72 of 216, less than half.
    assert paces(teacher, date(2024, 6, 30)) == ("far_behind", "far_behind")


def test_who_trains_every_december_is_not_behind_mid_year_under_the_yearly_rule(tree):
    policy = _policy(tree["city"], rule=PRORATED)
    teacher = factories.TeacherFactory(school=tree["school_a"])
    for year in (2021, 2022, 2023):
        hours(teacher, 80, date(year, 12, 10))
    mid_2022 = date(2022, 6, 30)
    # Pro-rated: 107.64 due by mid-2022, 80 had: behind most of the year.
    assert paces(teacher, mid_2022) == ("behind", "behind")
    policy.pace_rule = YEARLY
    policy.save()
    for on in (date(2021, 6, 30), mid_2022, date(2023, 11, 30), date(2024, 6, 30)):
        assert paces(teacher, on) == ("on_pace", "on_pace"), on


def test_nobody_is_behind_within_the_grace_period(tree):
    _policy(tree["city"], rule=PRORATED, grace=60)
    idle = factories.TeacherFactory(school=tree["school_a"])
    # Days 1 to 60 of the cycle (1 Jan – 1 Mar 2021) are grace; on day 61 0.2 hours are due.
    for on in (date(2021, 1, 1), date(2021, 2, 15), date(2021, 3, 1)):
        assert paces(idle, on) == ("on_pace", "on_pace"), on
        assert cycle_status(idle, on=on).grace_until == date(2021, 3, 1)
    assert paces(idle, date(2021, 3, 2)) == ("far_behind", "far_behind")
    assert cycle_on(CyclePolicy.objects.get(), date(2021, 3, 2)).due == Decimal("0.20")
    # The whole cycle is still due by its last day.
    assert cycle_on(CyclePolicy.objects.get(), date(2025, 12, 31)).due == Decimal("360")


def test_a_year_is_judged_after_its_end_and_its_grace_period(tree):
    policy = _policy(tree["city"], grace=31)
    teacher = factories.TeacherFactory(school=tree["school_a"])
    hours(teacher, 40, date(2021, 3, 1))
    # Judged from 1 February 2022: until then 2021's shortfall is not "behind".
    for on in (date(2021, 12, 31), date(2022, 1, 1), date(2022, 1, 31)):
        assert paces(teacher, on) == ("on_pace", "on_pace"), on
    assert cycle_status(teacher, on=date(2022, 1, 31)).grace_until == date(2022, 1, 31)
    assert paces(teacher, date(2022, 2, 1)) == ("behind", "behind")  # 40 of 72
    # A December course recorded late, dated in 2021, still counts for 2021.
    hours(teacher, 32, date(2021, 12, 20))
    assert paces(teacher, date(2022, 2, 1)) == ("on_pace", "on_pace")
    policy.grace_days = 0
    policy.save()
    assert paces(teacher, date(2021, 12, 31))[0] == "on_pace"


@pytest.mark.parametrize("had, expected", [
    ("144", "on_pace"), ("143.99", "behind"), ("72", "behind"), ("71.99", "far_behind")])
def test_the_boundaries_of_the_buckets_are_the_same_in_both_forms(tree, had, expected):
    """Exactly what is due is on pace; exactly half of it is behind, not far behind (a SQL
    `>` for `>=` fails here)."""
    _policy(tree["city"], minimum="144")
    teacher = factories.TeacherFactory(school=tree["school_a"])
    hours(teacher, had, date(2021, 6, 1))
    assert cycle_on(CyclePolicy.objects.get(), date(2022, 1, 1)).due == Decimal("144")
    assert paces(teacher, date(2022, 1, 1)) == (expected, expected)


@pytest.mark.parametrize("share, expected", [(1, "on_pace"), (Decimal("0.5"), "behind")])
def test_on_the_due_day_the_pro_rated_boundaries_agree(tree, share, expected):
    policy = _policy(tree["city"], rule=PRORATED, grace=10, minimum=None)
    on = date(2023, 6, 30)
    due = cycle_on(policy, on).due
    teacher = factories.TeacherFactory(school=tree["school_a"])
    hours(teacher, due * share, date(2022, 3, 3))
    assert paces(teacher, on) == (expected, expected)
    assert paces(teacher, date(2023, 7, 1)) != (expected, expected)


def test_the_dashboard_counts_and_reminders_follow_the_chosen_rule(tree):
    _policy(tree["district_x"])  # yearly in district X; pro-rated (default) elsewhere
    december = factories.TeacherFactory(school=tree["school_a"])
    lapsed = factories.TeacherFactory(school=tree["school_a"])
    other = factories.TeacherFactory(school=tree["school_b"])
    for t in (december, other):
        hours(t, 80, date(2021, 12, 10))
        hours(t, 80, date(2022, 12, 10))
    hours(lapsed, 200, date(2021, 5, 10))
    on = date(2023, 6, 30)
    counts = hours_pace_distribution(user=city_hr(tree["city"]), on=on)
    # December (yearly) on pace; lapsed (yearly) and the same December hours pro-rated (160 of
    # 179.61) behind.
    assert counts == {"on_pace": 1, "behind": 2, "far_behind": 0}
    pace_reminders_send(on=on)
    mails = {m.to[0]: m.body for m in mail.outbox}
    assert set(mails) == {lapsed.user.email, other.user.email}
    assert "每个自然年须完成 72 学时；2022 年未达到" in mails[lapsed.user.email]
    assert "按进度目前应达到 179.61 学时" in mails[other.user.email]


def test_the_teachers_page_names_the_short_year_and_the_rule(tree):
    """The cycle card of My certificates and the HR record, for a fixed day."""
    from django.template.loader import render_to_string

    from tests.html_text import visible_text

    _policy(tree["city"], grace=20)
    teacher = factories.TeacherFactory(school=tree["school_a"])
    hours(teacher, 200, date(2021, 5, 10))
    card = visible_text(render_to_string("certification/includes/cycle.html", {
        "cycle": cycle_status(teacher, on=date(2023, 6, 30))}))
    assert "未达标：2022 年完成 0 学时，每年应完成 72 学时" in card
    assert "每个自然年须完成 72 学时，在该年结束时核查。 今年至今已完成 0 / 72 学时。" in card
    card = visible_text(render_to_string("certification/includes/cycle.html", {
        "cycle": cycle_status(teacher, on=date(2023, 1, 5))}))
    assert "宽限期至 2023-01-20：此前不计为落后" in card and "未达标" not in card


def test_a_grace_period_of_a_year_or_more_is_refused(tree):
    from django.core.exceptions import ValidationError

    policy = CyclePolicy(organisation=tree["city"], years=5, hours=360, grace_days=365)
    with pytest.raises(ValidationError) as error:
        policy.full_clean()
    assert "grace_days" in error.value.message_dict


def test_city_hr_chooses_the_yearly_rule_and_a_grace_period_in_the_admin(client, tree):
    client.force_login(factories.staff("city_hr", tree["city"]))
    response = client.post(reverse("cycle_policies:add"), {
        "organisation": tree["district_x"].pk, "years": "5", "hours": "360",
        "yearly_minimum": "72", "start_year": "2021", "pace_rule": "yearly", "grace_days": "31",
        "category_minimums-TOTAL_FORMS": "0", "category_minimums-INITIAL_FORMS": "0",
        "category_minimums-MIN_NUM_FORMS": "0", "category_minimums-MAX_NUM_FORMS": "1000"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    policy = CyclePolicy.objects.get(organisation=tree["district_x"])
    assert (policy.pace_rule, policy.grace_days) == (YEARLY, 31)
    form = client.get(reverse("cycle_policies:edit", args=[policy.pk])).content.decode()
    assert "每个自然年最低学时，年末核查" in form and "宽限期（天）" in form
