"""The rules every figure of certification reads, each once in Python (one object) and once in
SQL (a Q or an expression for a queryset), side by side so that one cannot change without the
other in view. tests/certification/test_rule_twins.py runs both at each boundary day (the issue
day, the expiry day, the day before and after, the day a certificate ended) and compares them.

- certificate validity: `certificate_valid_on` / `certificate_valid_q`
  (and `certificate_last_day`, the same rule as the last day it counts);
- credential validity (a recognised outside credential): `credential_valid_on` /
  `credential_valid_q`;
- the level held (a holder of a level holds every lower one): `held_rank` / `holds_level_q`;
- the holding rate: `holding_rate` / `counted_sum` (new teachers are left out of both sides).

Elsewhere: the nearest rule up the tree (people.nearest), who is in post on a day
(people.employment), pace (certification.selectors.cycle). docs/rules.md lists them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db.models import F, Q, Sum

# --- Certificate validity: from dates only, never from today's status -----------------------


def certificate_valid_on(*, issued_on: date, expires_on: date, ended_on: date | None,
                         on: date) -> bool:
    """A certificate counts on `on` from its issue day to its expiry day, both included, unless
    it was revoked or superseded (`ended_on`) on or before `on`."""
    return issued_on <= on <= expires_on and (ended_on is None or on < ended_on)


def certificate_valid_q(on: date, prefix: str = "") -> Q:
    """`certificate_valid_on` as a condition on certificates (`prefix`, e.g. "certificates__",
    to filter through a relation)."""
    return (Q(**{f"{prefix}issued_on__lte": on, f"{prefix}expires_on__gte": on})
            & (Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gt": on})))


def certificate_last_day(*, expires_on: date, ended_on: date | None) -> date:
    """The last day `certificate_valid_on` holds (from the issue day on): the expiry day, or
    the day before it ended."""
    return expires_on if ended_on is None else min(expires_on, ended_on - timedelta(days=1))


# --- Credential validity --------------------------------------------------------------------


def credential_valid_on(*, obtained_on: date, expires_on: date | None, on: date) -> bool:
    """A recognised outside credential counts from the day it was obtained until its expiry
    day, both included; one without an expiry never expires."""
    return obtained_on <= on and (expires_on is None or on <= expires_on)


def credential_valid_q(on: date, prefix: str = "") -> Q:
    """`credential_valid_on` as a condition on teacher credentials (`prefix` as above)."""
    return Q(**{f"{prefix}obtained_on__lte": on}) & (
        Q(**{f"{prefix}expires_on__isnull": True}) | Q(**{f"{prefix}expires_on__gte": on}))


# --- The level held -------------------------------------------------------------------------


def held_rank(held: Iterable, on: date) -> int:
    """The highest rank among held levels (anything with `rank` and `valid_on(on)`: the
    eligibility's `HeldLevel`) valid on `on`; 0 for none. A holder of a rank holds every lower
    one."""
    return max((h.rank for h in held if h.valid_on(on)), default=0)


def holds_level_q(on: date, rank: int) -> Q:
    """Teachers holding a level of `rank` or above on `on` (a valid certificate, or a valid
    recognised credential counted as its level), as a condition through the teacher's
    relations: one join each, no subquery per teacher."""
    return ((certificate_valid_q(on, "certificates__") & Q(certificates__level__rank__gte=rank))
            | (credential_valid_q(on, "credentials__")
               & Q(credentials__credential__level__rank__gte=rank)))


# --- The holding rate -----------------------------------------------------------------------


def holding_rate(holders: int, teachers: int, new_teachers: int = 0) -> float | None:
    """持证率: holders / teachers counted, new teachers left out of both sides (`holders` never
    counts them); None when nobody is counted."""
    counted = teachers - new_teachers
    return holders / counted if counted else None


def counted_sum(teachers: str = "teachers", new_teachers: str = "new_teachers") -> Sum:
    """The teachers counted by `holding_rate`, summed over rows of stored figures in SQL."""
    return Sum(F(teachers) - F(new_teachers))
