from datetime import date
from decimal import Decimal

from hr.exports import certificate_roster_rows
from tests.factories import TeacherFactory, district_hr, school_admin

from .builders import certificate, hours


def roster(**kw):
    _total, rows = certificate_roster_rows(**kw)
    return list(rows)


def test_roster_rows_scoped_with_cycle_hours_in_fixed_queries(tree, django_assert_num_queries):
    mine = [TeacherFactory(school=tree["school_a"], name=f"甲{i}") for i in range(3)]
    other = TeacherFactory(school=tree["school_b"])
    for t in mine:
        certificate(t, "C")
    certificate(mine[0], "B", status="revoked")
    certificate(other, "C")
    hours(mine[0], 10, date(2024, 1, 5))
    hours(mine[0], 6, date(2024, 2, 5))
    hours(mine[0], 50, date(2020, 2, 5))  # the previous cycle
    hr = district_hr(tree["district_x"])
    # Role bindings, cycle policies, a count and one streamed select, whatever the size.
    with django_assert_num_queries(4):
        rows = roster(user=hr, on=date(2024, 6, 1))
    assert len(rows) == 4 and other.name not in {r[0] for r in rows}
    first = next(r for r in rows if r[0] == "甲0" and r[5] == "C")
    assert first[3] == "甲区" and first[2] == "甲一中" and first[10] == Decimal("16")
    assert {r[9] for r in rows} == {"有效", "已撤销"}
    only_b = roster(user=hr, level="B", status="revoked")
    assert [r[0] for r in only_b] == ["甲0"]
    assert roster(user=school_admin(tree["school_a2"])) == []


def test_roster_status_is_as_it_stood_on_the_date(tree):
    teacher = TeacherFactory(school=tree["school_a"])
    certificate(teacher, "C", issued_on=date(2019, 1, 1), expires_on=date(2023, 12, 31))
    hr = district_hr(tree["district_x"])
    # The nightly job never ran: the stored status is still "active", the dates say expired.
    assert [r[9] for r in roster(user=hr, on=date(2024, 6, 1))] == ["已过期"]
    assert [r[9] for r in roster(user=hr, on=date(2023, 6, 1))] == ["有效"]
    assert roster(user=hr, status="active", on=date(2024, 6, 1)) == []
