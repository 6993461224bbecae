"""The term report equals a hand computation across a term boundary, and shows only what the
user may see (own row, own school, HR scope)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from certification.models import WorkloadActivityType
from certification.workload import selectors, services
from people.models import Organisation
from tests import factories

from .builders import approved, counsellor, entry

pytestmark = pytest.mark.django_db

SPRING_2024 = (date(2024, 2, 1), date(2024, 7, 31))
AUTUMN_2023 = (date(2023, 9, 1), date(2024, 1, 31))


@pytest.fixture
def city(tree):
    Organisation.objects.filter(pk=tree["school_a2"].pk).update(is_boarding=True)
    tree["school_a2"].refresh_from_db()
    admin_a = factories.school_admin(tree["school_a"])
    admin_a2 = factories.school_admin(tree["school_a2"])
    c1 = counsellor(tree["school_a"], name="周心怡")
    c2 = counsellor(tree["school_a"], part_time=True, name="吴一帆")
    c3 = counsellor(tree["school_a2"], name="郑可欣")
    d1 = counsellor(tree["school_b"], name="钱多多")
    admin_b = factories.school_admin(tree["school_b"])

    # c1: one entry on the last day of autumn 2023, four in spring 2024 (first and last day
    # included), one in the summer holiday, and pending/draft/returned ones that never count.
    approved(c1, admin_a, code="individual_counselling", day=date(2024, 1, 31), quantity=6)
    approved(c1, admin_a, code="psychology_class", day=date(2024, 2, 1), quantity=4, group_size=45)
    approved(c1, admin_a, code="room_duty", day=date(2024, 2, 2), quantity=6)
    approved(c1, admin_a, code="crisis_case", day=date(2024, 3, 1), quantity=3, note="首次干预")
    approved(c1, admin_a, code="lecture_training", day=date(2024, 7, 31), quantity=1, group_size=80,
             note="教师心理危机识别培训")
    approved(c1, admin_a, code="individual_counselling", day=date(2024, 8, 1), quantity=5)
    entry(c1, code="group_counselling", day=date(2024, 3, 4), quantity=2, group_size=10,
          note="考前减压", submit=True)
    entry(c1, code="psychology_class", day=date(2024, 3, 5), quantity=9, group_size=40)
    returned = entry(c1, code="psychology_class", day=date(2024, 3, 6), quantity=7, group_size=40,
                     submit=True)
    services.workload_entry_return(entry=returned, by=admin_a, reason="重复登记")
    # c2 (part-time): duty hours and parent sessions.
    approved(c2, admin_a, code="room_duty", day=date(2024, 4, 1), quantity=10)
    approved(c2, admin_a, code="parent_session", day=date(2024, 4, 2), quantity=2, group_size=60)
    # c3 in the boarding school, d1 in district Y.
    approved(c3, admin_a2, code="room_duty", day=date(2024, 5, 6), quantity=20)
    approved(d1, admin_b, code="psychology_class", day=date(2024, 5, 6), quantity=30, group_size=40)
    return {"c1": c1, "c2": c2, "c3": c3, "d1": d1, "admin_a": admin_a,
            "hr_x": factories.district_hr(tree["district_x"]), **tree}


def rows_by_name(report):
    return {row.teacher.name: row for row in report.counsellors}


def test_term_totals_and_head_teacher_ratio_match_a_hand_computation(city):
    # The HR editing a rate later does not change approved credit (it was fixed at approval).
    WorkloadActivityType.objects.filter(code="psychology_class").update(credit_per_unit=Decimal("5"))

    spring = selectors.workload_term_report(user=city["hr_x"], term_start=SPRING_2024[0],
                                            term_end=SPRING_2024[1])
    assert spring.norm == Decimal("120")
    rows = rows_by_name(spring)
    assert set(rows) == {"周心怡", "吴一帆", "郑可欣"}  # district Y's counsellor is out of scope
    c1 = rows["周心怡"]
    # 4 classes × 1 + 6 h duty × 0.5 + 3 crisis cases × 3 + 1 lecture × 2 = 4 + 3 + 9 + 2 = 18
    assert c1.by_type == {"psychology_class": Decimal("4.00"), "room_duty": Decimal("3.00"),
                          "crisis_case": Decimal("9.00"), "lecture_training": Decimal("2.00")}
    assert c1.total == Decimal("18.00")
    assert c1.ratio == Decimal("0.15")  # 18 / 120
    assert c1.duty_hours == Decimal("6")
    # 10 h × 0.5 + 2 parent sessions × 1.5 = 8 → 8 / 120 = 0.0667
    assert (rows["吴一帆"].total, rows["吴一帆"].ratio) == (Decimal("8.00"), Decimal("0.07"))
    assert (rows["郑可欣"].total, rows["郑可欣"].ratio) == (Decimal("10.00"), Decimal("0.08"))

    autumn = selectors.workload_term_report(user=city["hr_x"], term_start=AUTUMN_2023[0],
                                            term_end=AUTUMN_2023[1])
    a1 = rows_by_name(autumn)["周心怡"]
    assert (a1.total, a1.ratio) == (Decimal("6.00"), Decimal("0.05"))  # 6 sessions, 6 / 120
    assert a1.by_type == {"individual_counselling": Decimal("6.00")}


def test_duty_hours_against_the_two_and_four_hour_rule(city):
    report = selectors.workload_term_report(user=city["hr_x"], term_start=SPRING_2024[0],
                                            term_end=SPRING_2024[1])
    # 1 Feb – 31 Jul 2024 is 182 days = 26 whole weeks = 130 weekdays.
    assert report.school_days == 130
    schools = {r.organisation.name: r for r in report.schools}
    a, a2 = schools["甲一中"], schools["甲二小"]
    assert (a.counsellors, a.total, a.duty_hours, a.required_duty_hours) == (
        2, Decimal("26.00"), Decimal("16"), Decimal("260"))
    assert (a2.counsellors, a2.total, a2.duty_hours, a2.required_duty_hours) == (
        1, Decimal("10.00"), Decimal("20"), Decimal("520"))  # boarding: 4 h a day
    assert not a.duty_met and a.duty_ratio == Decimal("0.06")
    [district] = report.districts
    assert district.organisation.name == "甲区"
    assert (district.counsellors, district.total, district.duty_hours, district.required_duty_hours) == (
        3, Decimal("36.00"), Decimal("36"), Decimal("780"))


def test_each_user_sees_only_their_part(city):
    args = {"term_start": SPRING_2024[0], "term_end": SPRING_2024[1]}
    mine = selectors.workload_term_report(user=city["c1"].user, **args)
    assert [r.teacher.name for r in mine.counsellors] == ["周心怡"]
    assert mine.schools == [] and mine.districts == []

    school = selectors.workload_term_report(user=city["admin_a"], **args)
    assert set(rows_by_name(school)) == {"周心怡", "吴一帆"}
    assert [r.organisation.name for r in school.schools] == ["甲一中"]
    assert school.districts == []

    narrowed = selectors.workload_term_report(user=city["hr_x"], organisation=city["school_a2"], **args)
    assert set(rows_by_name(narrowed)) == {"郑可欣"}

    outside = selectors.workload_term_report(user=city["admin_a"], organisation=city["school_b"], **args)
    assert outside.counsellors == [] and outside.schools == []


def test_the_report_runs_in_a_fixed_number_of_queries(city, django_assert_max_num_queries):
    for _ in range(5):
        counsellor(city["school_a"])
    # The calendars (one query for all schools) and the duty spans day by day (one) added two.
    with django_assert_max_num_queries(13):
        report = selectors.workload_term_report(user=city["hr_x"], term_start=SPRING_2024[0],
                                                term_end=SPRING_2024[1])
        assert len(report.counsellors) == 8


def test_report_pages(client, city):
    url = reverse("certification:workload_report")
    client.force_login(city["c1"].user)
    html = client.get(url, {"term": "2024-spring"}).content.decode()
    assert "周心怡" in html and "吴一帆" not in html and "钱多多" not in html and "18" in html

    client.force_login(city["admin_a"])
    html = client.get(url, {"term": "2024-spring"}).content.decode()
    assert "周心怡" in html and "吴一帆" in html and "郑可欣" not in html and "钱多多" not in html
    assert client.get(url, {"term": "2024-spring", "organisation": city["school_b"].pk}).status_code == 404

    client.force_login(city["hr_x"])
    html = client.get(url, {"term": "2024-spring", "organisation": city["school_a2"].pk}).content.decode()
    assert "郑可欣" in html and "周心怡" not in html
    assert "520" in html  # the boarding school's required hours


def test_teachers_without_a_counsellor_or_staff_role_get_no_report(client, teacher_a):
    client.force_login(teacher_a.user)
    assert client.get(reverse("certification:workload_report")).status_code == 403


def test_terms_from_settings(settings):
    assert selectors.workload_term_containing(date(2024, 1, 31)).slug == "2023-autumn"
    assert selectors.workload_term_containing(date(2024, 2, 1)).slug == "2024-spring"
    assert selectors.workload_term_containing(date(2024, 8, 15)) is None
    autumn = selectors.workload_term_get("2024-autumn")
    assert (autumn.start, autumn.end) == (date(2024, 9, 1), date(2025, 1, 31))
    settings.WORKLOAD_TERMS = [
        {"key": "first", "label": "上学期", "start": (8, 25), "end": (1, 20)},
        {"key": "second", "label": "下学期", "start": (2, 15), "end": (7, 10)},
    ]
    assert selectors.workload_term_containing(date(2024, 8, 26)).slug == "2024-first"
    # The norm is a row now (the setting's value became the default row when migrating).
    assert selectors.workload_norm_units() == Decimal("120")


def test_a_counsellor_transferred_out_keeps_her_term_row_and_her_school_its_duty(city):
    """Marked 调出 on 1 June 2024 (entered later, back-dated): her spring-term row stays, under the
    school she served, and that school's room duty keeps her hours; the next term she is gone."""
    from people import employment
    from people.models import Teacher

    c2 = city["c2"]
    employment.employment_changes_apply(changes=[employment.Change(
        c2.pk, date(2024, 6, 1), c2.school_id, c2.posts, Teacher.Status.TRANSFERRED)],
        today=date(2024, 9, 10))
    Teacher.objects.filter(pk=c2.pk).update(status=Teacher.Status.TRANSFERRED, is_active=False)
    report = selectors.workload_term_report(user=city["hr_x"], term_start=SPRING_2024[0],
                                            term_end=SPRING_2024[1])
    assert rows_by_name(report)["吴一帆"].duty_hours == Decimal("10")
    school = {r.organisation.name: r for r in report.schools}["甲一中"]
    assert (school.counsellors, school.duty_hours) == (2, Decimal("16"))
    autumn = selectors.workload_term_report(user=city["hr_x"], term_start=date(2024, 9, 1),
                                            term_end=date(2025, 1, 31))
    assert "吴一帆" not in rows_by_name(autumn)
