from datetime import date
from decimal import Decimal

from certification.eligibility import HeldLevel, LevelRule, Records, eligibility

B = LevelRule(code="B", rank=2, hours_required=Decimal("120"), window_years=5,
              prerequisite=("C", 1), required_courses=((10, "团体辅导技术"),),
              exam_course=(11, "B级考核"))


def test_everything_met():
    records = Records(hours=[(date(2020, 6, 1), Decimal("120"))],
                      completed_courses={10: date(2021, 1, 1)},
                      exam_passes={11: date(2021, 2, 1)},
                      held=[HeldLevel(rank=1, valid_from=date(2019, 1, 1),
                                      valid_until=date(2023, 12, 31))])
    result = eligibility(records, B, date(2023, 12, 31))
    assert result.eligible and not result.missing


def test_each_requirement_missing_and_by_how_much():
    records = Records(hours=[(date(2023, 1, 1), Decimal("86"))])
    result = eligibility(records, B, date(2023, 12, 31))
    missing = {r.kind: r for r in result.missing}
    assert set(missing) == {"prerequisite", "hours", "course", "exam"}
    assert (missing["hours"].have, missing["hours"].need, missing["hours"].missing) == (
        "86", "120", "34")
    assert missing["course"].missing == "团体辅导技术"
    assert missing["exam"].missing == "B级考核"


def test_hours_window_boundary():
    rule = LevelRule(code="C", rank=1, hours_required=Decimal("24"), window_years=5)
    records = Records(hours=[(date(2019, 3, 1), Decimal("24"))])
    # The window is (on − 5 years, on]: the entry's own day five years on is outside it.
    assert eligibility(records, rule, date(2024, 2, 29)).eligible
    assert not eligibility(records, rule, date(2024, 3, 1)).eligible
    # Hours dated after the day asked about do not count yet.
    assert not eligibility(records, rule, date(2019, 2, 28)).eligible
    assert eligibility(records, rule, date(2019, 3, 1)).eligible


def test_prerequisite_boundary_on_expiry_and_revocation():
    rule = LevelRule(code="B", rank=2, hours_required=Decimal("0"), window_years=5,
                     prerequisite=("C", 1))
    held = HeldLevel(rank=1, valid_from=date(2020, 1, 1), valid_until=date(2024, 12, 31))
    assert eligibility(Records(held=[held]), rule, date(2024, 12, 31)).eligible
    assert not eligibility(Records(held=[held]), rule, date(2025, 1, 1)).eligible
    assert not eligibility(Records(held=[held]), rule, date(2019, 12, 31)).eligible
    revoked = HeldLevel(rank=1, valid_from=date(2020, 1, 1), valid_until=None, active=False)
    assert not eligibility(Records(held=[revoked]), rule, date(2022, 1, 1)).eligible
    # A higher level held (e.g. a credential counted as A) satisfies a lower prerequisite.
    a = HeldLevel(rank=3, valid_from=date(2020, 1, 1), valid_until=None)
    assert eligibility(Records(held=[a]), rule, date(2022, 1, 1)).eligible


def test_course_and_exam_dated_on_the_day_count():
    rule = LevelRule(code="C", rank=1, hours_required=Decimal("0"), window_years=5,
                     required_courses=((10, "x"),), exam_course=(10, "x"))
    records = Records(completed_courses={10: date(2024, 5, 1)},
                      exam_passes={10: date(2024, 5, 2)})
    assert not eligibility(records, rule, date(2024, 5, 1)).eligible
    assert eligibility(records, rule, date(2024, 5, 2)).eligible


def test_snapshot_is_json():
    import json

    result = eligibility(Records(), B, date(2024, 1, 1))
    snap = json.loads(json.dumps(result.as_json()))
    assert snap["eligible"] is False and len(snap["requirements"]) == 4


def test_records_gathered_in_fixed_queries(teacher_a, django_assert_num_queries):
    from certification.selectors import eligibility_records

    from .builders import certificate, hours

    for i in range(5):
        hours(teacher_a, 3, date(2024, 1, i + 1))
    certificate(teacher_a, "C")
    with django_assert_num_queries(4):
        records = eligibility_records(teacher_a)
    assert len(records.hours) == 5 and records.highest_rank_on(date(2024, 6, 1)) == 1
