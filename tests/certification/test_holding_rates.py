from datetime import date

from django.urls import reverse

from certification.models import RecognisedCredential, TeacherCredential
from certification.selectors import (
    compliance_missing_level,
    holding_rate_rows,
    holding_rates,
)
from people.models import Teacher
from tests.factories import TeacherFactory, district_hr, school_admin

from .builders import certificate

ON = date(2024, 6, 30)


def small_city(tree):
    """School A: 5 teachers (1 new), school A2: 3, school B: 2 (1 inactive). By hand:

    A:  t1 A active; t2 C active; t3 C revoked; t4 B expired before ON; t5 new (hired
        2024-03-01) holding C — excluded from both sides.
    A2: u1 credential 国家三级 (counts as C); u2 C issued after ON; u3 nothing.
    B:  v1 B active; v2 inactive with A — not a teacher in scope.
    """
    a, a2, b = tree["school_a"], tree["school_a2"], tree["school_b"]
    t = [TeacherFactory(school=a, role=Teacher.Role.FULL_TIME_COUNSELLOR)] + [
        TeacherFactory(school=a) for _ in range(3)]
    new = TeacherFactory(school=a, hire_date=date(2024, 3, 1))
    certificate(t[0], "A", issued_on=date(2022, 1, 1))
    certificate(t[1], "C", issued_on=date(2020, 1, 1))
    certificate(t[2], "C", issued_on=date(2020, 1, 1), status="revoked")
    certificate(t[3], "B", issued_on=date(2018, 1, 1), expires_on=date(2024, 6, 29))
    certificate(new, "C", issued_on=date(2024, 4, 1))
    u = [TeacherFactory(school=a2) for _ in range(3)]
    TeacherCredential.objects.create(
        teacher=u[0], credential=RecognisedCredential.objects.get(name="国家三级心理咨询师"),
        obtained_on=date(2015, 5, 1))
    certificate(u[1], "C", issued_on=date(2024, 7, 1))
    v1 = TeacherFactory(school=b, role=Teacher.Role.PART_TIME_COUNSELLOR)
    certificate(v1, "B", issued_on=date(2023, 1, 1))
    v2 = TeacherFactory(school=b, is_active=False)
    certificate(v2, "A", issued_on=date(2023, 1, 1))
    return {"t": t, "new": new, "u": u, "v1": v1}


def by_name(rows):
    return {r.organisation.name: r for r in rows}


def test_holding_rates_equal_a_hand_count(tree, django_assert_max_num_queries):
    small_city(tree)
    # Levels, targets, new-teacher periods, organisations and one aggregate, whatever the size.
    with django_assert_max_num_queries(5):
        rows = by_name(holding_rates(tree["city"], on=ON))
    a, a2, b = rows["甲一中"], rows["甲二小"], rows["乙一中"]
    assert (a.teachers, a.new_teachers, a.counted) == (5, 1, 4)
    assert a.holders == {"C": 2, "B": 1, "A": 1}  # t1 (A counts as B and C), t2
    assert (a2.teachers, a2.counted, a2.holders) == (3, 3, {"C": 1, "B": 0, "A": 0})
    assert (b.teachers, b.holders) == (1, {"C": 1, "B": 1, "A": 0})
    x, city = rows["甲区"], rows["示范市"]
    assert (x.counted, x.holders["C"]) == (7, 3)
    assert (city.teachers, city.new_teachers, city.counted) == (9, 1, 8)
    assert city.holders == {"C": 4, "B": 2, "A": 1}
    assert city.percent("C") == "50.0%" and rows["乙二小"].rate("C") is None


def test_compliance_lists_who_lacks_the_required_level(tree):
    people = small_city(tree)
    missing = set(compliance_missing_level(tree["city"], on=ON))
    # t1 holds A as a full-time counsellor; t2 holds C; v1 holds B as a part-time counsellor.
    # The new teacher holds C already, so is compliant (compliance does not exclude new teachers).
    assert missing == {people["t"][2], people["t"][3], people["u"][1],
                       people["u"][2]}
    from certification.selectors import compliance_missing_count

    assert compliance_missing_count(tree["city"], on=ON) == 4


def test_rows_for_hr_are_scoped_with_subtotals(tree):
    small_city(tree)
    rows = list(holding_rate_rows(user=district_hr(tree["district_x"]), on=ON))
    names = [r[2] for r in rows]
    assert names == ["甲区", "甲一中", "甲二小"] and rows[0][0] == "total"
    assert rows[0][3:6] == (8, 1, 7)


def test_page_for_school_admin_shows_own_school_only(client, tree):
    small_city(tree)
    client.force_login(school_admin(tree["school_a"]))
    page = client.get(reverse("certification:holding_rates"), {"on": "2024-06-30"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "甲一中" in body and "<svg" in body and "甲二小" not in body
    other = client.get(reverse("certification:holding_rates"), {"org": tree["school_b"].pk})
    assert other.status_code == 404


def test_a_school_above_its_target_reads_target_met_not_a_negative_gap(client, tree):
    from decimal import Decimal

    from certification.models import CertificateLevel, HoldingTarget
    from tests.html_text import visible_text

    small_city(tree)
    HoldingTarget.objects.filter(organisation__isnull=True).delete()
    HoldingTarget.objects.create(organisation=None, level=CertificateLevel.objects.get(code="C"),
                                 percent=Decimal("1"))
    client.force_login(district_hr(tree["district_x"]))
    page = visible_text(client.get(reverse("certification:holding_rates"),
                                   {"on": "2024-06-30"}).content.decode())
    assert "已达标" in page
    assert not any(part.startswith("-") and part.endswith("%") for part in page.split())
