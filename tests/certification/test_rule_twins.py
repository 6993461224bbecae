"""Each rule's Python form and SQL form (certification/rules.py, people/nearest.py) give the same
answer at every boundary day: the issue day, the expiry day, the days either side, the day a
certificate ended, the day a rule up the tree changes. Each also agrees with a hand count, so a
change to both forms at once fails too."""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import IntegerField

from certification.models import (
    Certificate,
    NewTeacherPeriod,
    RecognisedCredential,
    TeacherCredential,
)
from certification.rules import (
    certificate_valid_on,
    certificate_valid_q,
    credential_valid_on,
    credential_valid_q,
    holding_rate,
    holds_level_q,
)
from certification.selectors import (
    eligibility_records,
    held_rank_expression,
    holding_rates,
    holding_trend,
    is_new_teacher_q,
    stored_holding_rates,
    stored_trends,
)
from people.models import Organisation, Teacher
from people.nearest import nearest_rule, nearest_rule_expression
from tests.factories import TeacherFactory

from .builders import certificate, level

DAY = timedelta(days=1)


def around(*days):
    """Each day with the day before and the day after."""
    return sorted({d + k * DAY for d in days for k in (-1, 0, 1)})


def test_certificate_validity_twins_agree_at_each_boundary(tree, teacher_a):
    issued, expires, ended = date(2022, 1, 10), date(2026, 1, 9), date(2024, 3, 1)
    kept = certificate(teacher_a, "C", issued_on=issued, expires_on=expires)
    revoked = certificate(teacher_a, "B", issued_on=issued, expires_on=expires,
                          status="revoked", ended_on=ended)
    held = {h.rank: h for h in eligibility_records(teacher_a).held}
    for cert in (kept, revoked):
        for day in around(issued, ended, expires):
            python = certificate_valid_on(issued_on=cert.issued_on, expires_on=cert.expires_on,
                                          ended_on=cert.ended_on, on=day)
            sql = Certificate.objects.filter(certificate_valid_q(day), pk=cert.pk).exists()
            assert python == sql == cert.is_valid_on(day) \
                == Certificate.objects.valid_on(day).filter(pk=cert.pk).exists() \
                == held[cert.level.rank].valid_on(day), (cert.level.code, day)
    # By hand: the issue day and the expiry day count, the day a revocation takes effect not.
    assert [kept.is_valid_on(d) for d in around(issued)] == [False, True, True]
    assert [kept.is_valid_on(d) for d in around(expires)] == [True, True, False]
    assert [revoked.is_valid_on(d) for d in around(ended)] == [True, False, False]


def test_credential_validity_twins_agree_at_each_boundary(tree, teacher_a, teacher_b):
    obtained, expires = date(2023, 5, 1), date(2025, 4, 30)
    name = RecognisedCredential.objects.get(name="国家三级心理咨询师")
    dated = TeacherCredential.objects.create(teacher=teacher_a, credential=name,
                                             obtained_on=obtained, expires_on=expires)
    lasting = TeacherCredential.objects.create(teacher=teacher_b, credential=name,
                                               obtained_on=obtained)
    for held in (dated, lasting):
        (from_records,) = eligibility_records(held.teacher).held
        for day in around(obtained, expires):
            python = credential_valid_on(obtained_on=held.obtained_on,
                                         expires_on=held.expires_on, on=day)
            sql = TeacherCredential.objects.filter(credential_valid_q(day), pk=held.pk).exists()
            assert python == sql == from_records.valid_on(day), (held.expires_on, day)
    assert [credential_valid_on(obtained_on=obtained, expires_on=expires, on=d)
            for d in around(obtained, expires)] == [False, True, True, True, True, False]
    assert credential_valid_on(obtained_on=obtained, expires_on=None, on=date(2099, 1, 1))


def test_the_level_held_is_the_same_in_python_and_sql(tree, teacher_a):
    c_from, c_until = date(2020, 3, 1), date(2025, 2, 28)
    b_from, b_until = date(2023, 6, 1), date(2024, 5, 31)
    certificate(teacher_a, "C", issued_on=c_from, expires_on=c_until)
    TeacherCredential.objects.create(
        teacher=teacher_a, credential=RecognisedCredential.objects.get(name="国家二级心理咨询师"),
        obtained_on=b_from, expires_on=b_until)
    ranks = {code: level(code).rank for code in ("C", "B", "A")}
    assert RecognisedCredential.objects.get(name="国家二级心理咨询师").level.rank == ranks["B"]
    records = eligibility_records(teacher_a)
    seen = []
    for day in around(c_from, b_from, b_until, c_until):
        python = records.highest_rank_on(day)
        sql = Teacher.objects.annotate(r=held_rank_expression(day)).get(pk=teacher_a.pk).r
        assert python == sql, day
        for rank in ranks.values():
            holds = Teacher.objects.filter(holds_level_q(day, rank), pk=teacher_a.pk).exists()
            assert holds == (python >= rank), (day, rank)
        seen.append(python)
    c, b = ranks["C"], ranks["B"]
    assert seen == [0, c, c, c, b, b, b, b, c, c, c, 0]


def test_the_rate_formula_is_one_in_every_figure(tree):
    """Holders over teachers counted, new teachers out of both: the live aggregate, the stored
    figures, the month-by-month trend and the stored trend give the same rate on the month end
    a certificate expires and on the next one."""
    school = tree["school_a"]
    holder, other = TeacherFactory(school=school), TeacherFactory(school=school)
    new = TeacherFactory(school=school, hire_date=date(2024, 1, 1))
    certificate(holder, "C", issued_on=date(2020, 4, 1), expires_on=date(2024, 3, 31))
    certificate(new, "C", issued_on=date(2024, 2, 1))
    assert other.pk
    for on, expected in ((date(2024, 3, 31), 0.5), (date(2024, 4, 30), 0.0)):
        live = {r.organisation.pk: r for r in holding_rates(tree["city"], on=on)}[school.pk]
        stored = {r.organisation.pk: r
                  for r in stored_holding_rates(tree["city"], on=on)}[school.pk]
        assert (live.teachers, live.new_teachers, live.holders["C"]) \
            == (stored.teachers, stored.new_teachers, stored.holders["C"]) == (3, 1, round(2 * expected))
        assert live.rate("C") == stored.rate("C") == expected \
            == holding_rate(live.holders["C"], live.teachers, live.new_teachers)
        (_day, counted, rates), = list(holding_trend(
            Organisation.objects.filter(pk=school.pk), on=on, months=1))
        (_day2, counted2, rates2), = list(stored_trends(school, on=on, months=1)[0])
        assert counted == counted2 == 2
        assert rates["C"] == rates2["C"] == expected
    assert holding_rate(0, 0) is None and holding_rate(1, 3, 3) is None


def test_the_nearest_rule_is_the_same_in_python_and_sql(tree):
    """On every organisation of the tree, with and without a rule for everywhere, and after a
    rule is added low in the tree (the day a rule changes)."""
    orgs = list(Organisation.objects.order_by("path"))
    rules = {tree["district_x"].path: 6, tree["town_x"].path: 3}

    def both(rules, default):
        sql = dict(Organisation.objects.annotate(
            v=nearest_rule_expression(rules, "path", default, IntegerField()))
            .values_list("pk", "v"))
        python = {o.pk: nearest_rule(rules, o.path, default) for o in orgs}
        assert python == sql
        return {o.name: python[o.pk] for o in orgs}

    got = both(rules, 12)
    assert (got["示范市"], got["甲区"], got["甲镇"], got["甲一中"], got["乙一中"]) == (12, 6, 3, 3, 12)
    got = both({**rules, "": 9}, 12)
    assert (got["示范市"], got["乙一中"], got["甲二小"]) == (9, 9, 3)
    got = both({**rules, tree["school_a"].path: 1}, 12)
    assert (got["甲一中"], got["甲二小"]) == (1, 3)
    assert both({}, 12) == {o.name: 12 for o in orgs}


def test_the_new_teacher_period_follows_the_nearest_rule_on_the_day_it_ends(tree):
    """A district's six-month period against the city's twelve: a teacher who began on
    1 March 2024 stops being new on 1 September 2024 in district X, on 1 March 2025 in Y."""
    began = date(2024, 3, 1)
    in_x = TeacherFactory(school=tree["school_a"], first_work_date=began)
    in_y = TeacherFactory(school=tree["school_b"], first_work_date=began)
    NewTeacherPeriod.objects.create(organisation=tree["district_x"], months=6)
    for day, new_x, new_y in ((date(2024, 8, 31), True, True), (date(2024, 9, 1), False, True),
                              (date(2025, 2, 28), False, True), (date(2025, 3, 1), False, False)):
        new = set(Teacher.objects.filter(is_new_teacher_q(day)).values_list("pk", flat=True))
        assert (in_x.pk in new, in_y.pk in new) == (new_x, new_y), day


def test_the_pace_buckets_hold_their_boundaries_in_sql_as_in_python(tree, teacher_a):
    """Exactly what is due is on pace; exactly half of it is behind, not far behind: the SQL
    buckets (`pace_filters`) use >= as `pace_of` does."""
    from certification.selectors import (
        cycle_on,
        cycle_policy_for,
        cycle_status,
        pace_filters,
        with_cycle,
    )

    from .builders import hours

    on = date(2024, 6, 30)
    due = cycle_on(cycle_policy_for(teacher_a.school), on).due
    assert due > 0
    half = due / 2
    assert half == half.quantize(Decimal("0.01")), "pick a day whose due halves to the cent"
    hours(teacher_a, half, date(2024, 1, 15))

    def bucket():
        qs = with_cycle(Teacher.objects.filter(pk=teacher_a.pk), on=on)
        return [name for name, q in pace_filters().items() if qs.filter(q).exists()]

    assert cycle_status(teacher_a, on=on).pace == "behind"
    assert bucket() == ["behind"]
    hours(teacher_a, due - half, date(2024, 2, 15))
    assert cycle_status(teacher_a, on=on).pace == "on_pace"
    assert bucket() == ["on_pace"]
