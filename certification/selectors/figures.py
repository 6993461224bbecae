"""Stored per-school figures (`SchoolFigure`): the one rule's answer for a school on a day,
computed once, read by the dashboard and the rates page in a query whatever the city's size.

Reading fills what is missing: for each day asked, the schools without a row are computed
together with the rule (`holding_aggregates` grouped by school, `with_cycle` pace buckets
grouped by school, `compliance_missing` counted by school) and stored. Changes drop rows
(`figures_teachers_changed` and `figures_forget`, called by the services that write them); the
nightly `figures_rebuild` computes only what is missing then (changed schools, the new day),
split across workers if asked (`figures_rebuild_parts`); `full` recomputes everything.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import date

from django.db import connection, transaction
from django.db.models import Count, IntegerField, Q, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from people import employment
from people.models import Organisation, Teacher

from ..models import SchoolFigure
from ..rules import counted_sum, holding_rate
from .cycle import cycle_policies, pace_filters, with_cycle
from .holding import (
    RateRow,
    compliance_missing,
    compliance_missing_level,
    holding_aggregates,
    level_ranks,
    month_ends,
    new_teacher_periods,
    roll_up,
)

PACE = ("on_pace", "behind", "far_behind")


@contextmanager
def _without_jit():
    """PostgreSQL compiles these aggregates (a subquery per teacher, so a high estimated cost)
    with its JIT first, which took longer than running them: 11.6 s against 5.7 s for a day of
    1,660 schools and 100,000 teachers. Off for this transaction only; other databases as is."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


def _compute(school_ids: list[int], day: date, levels, periods, policies) -> list[SchoolFigure]:
    """The rule for these schools on `day`: one holding aggregate, one pace aggregate and one
    compliance count, each grouped by school."""
    figures = {pk: SchoolFigure(school_id=pk, day=day, holders={c: 0 for c, _ in levels},
                                pace=dict.fromkeys(PACE, 0)) for pk in school_ids}
    for row in (employment.teachers_in_post(day, school_ids)
                .values("school_on").annotate(**holding_aggregates(day, levels, periods))
                .order_by()):
        f = figures[row["school_on"]]
        f.teachers, f.new_teachers = row["teachers"], row["new_teachers"]
        f.holders = {code: row[f"h_{code}"] for code, _ in levels}
    in_post = employment.teachers_in_post(day, school_ids)
    for row in (with_cycle(in_post, on=day, policies=policies).values("school_on")
                .annotate(**{b: Count("pk", filter=q) for b, q in pace_filters().items()})
                .order_by()):
        figures[row["school_on"]].pace = {b: row[b] for b in PACE}
    for school_id, n in (compliance_missing(school_ids, on=day)
                         .values("school_on").annotate(n=Count("pk")).order_by()
                         .values_list("school_on", "n")):
        figures[school_id].missing = n
    return list(figures.values())


def school_figures(organisation: Organisation, days: list[date]) -> dict[date, dict[int, SchoolFigure]]:
    """{day: {school id: figure}} for every school under `organisation` (itself if a school),
    computing and storing what is missing; each figure carries its school's path
    (`school_path`)."""
    paths = dict(Organisation.objects.filter(path__startswith=organisation.path,
                                             kind=Organisation.Kind.SCHOOL)
                 .values_list("pk", "path"))
    schools = list(paths)
    out: dict[date, dict[int, SchoolFigure]] = {d: {} for d in days}
    for f in SchoolFigure.objects.filter(day__in=days,
                                         school__path__startswith=organisation.path):
        f.school_path = paths.get(f.school_id, "")
        out[f.day][f.school_id] = f
    missing = {d: [pk for pk in schools if pk not in out[d]] for d in days}
    for f in _fill(missing):
        f.school_path = paths[f.school_id]
        out[f.day][f.school_id] = f
    return out


def _fill(missing: dict[date, list[int]]) -> list[SchoolFigure]:
    """Compute and store the figures of these schools on these days ({day: school ids}), 500
    schools a query; the figures computed."""
    if not any(missing.values()):
        return []
    levels, periods, policies = level_ranks(), new_teacher_periods(), cycle_policies()
    done: list[SchoolFigure] = []
    for d, ids in missing.items():
        for i in range(0, len(ids), 500):
            with _without_jit():
                computed = _compute(ids[i:i + 500], d, levels, periods, policies)
                SchoolFigure.objects.bulk_create(computed, ignore_conflicts=True)
            done.extend(computed)
    return done


def figures_missing(*, days: list[date], school_ids=None) -> dict[date, list[int]]:
    """{day: ids of the schools (all, or these) with no stored figure that day}: what the
    writing services dropped since the last run, and the days not computed yet."""
    schools = Organisation.objects.filter(kind=Organisation.Kind.SCHOOL)
    if school_ids is not None:
        schools = schools.filter(pk__in=school_ids)
    ids = list(schools.order_by("path").values_list("pk", flat=True))
    stored: dict[date, set[int]] = {d: set() for d in days}
    rows = SchoolFigure.objects.filter(day__in=days)
    if school_ids is not None:
        rows = rows.filter(school_id__in=ids)
    for day, school_id in rows.values_list("day", "school_id").iterator(chunk_size=20_000):
        stored[day].add(school_id)
    return {d: [pk for pk in ids if pk not in stored[d]] for d in days}


def figures_fill(*, days: list[date], school_ids=None) -> int:
    """Compute the missing figures of these schools (all when None) on these days; how many."""
    return len(_fill(figures_missing(days=days, school_ids=school_ids)))


def stored_holding_rates(organisation: Organisation, *, on: date, depth: int | None = None,
                         figures: dict | None = None) -> list[RateRow]:
    """`holding_rates(organisation, on=on)` from the stored figures (the same rows); with
    `depth`, only the rows down to that many levels below. `figures`: the day's
    `school_figures` when the caller has them already."""
    levels = level_ranks()
    figures = school_figures(organisation, [on])[on] if figures is None else figures
    per_school = {pk: {"teachers": f.teachers, "new_teachers": f.new_teachers,
                       **{f"h_{code}": f.holders.get(code, 0) for code, _ in levels}}
                  for pk, f in figures.items()}
    return roll_up(organisation, per_school, levels, depth=depth,
                   paths={pk: f.school_path for pk, f in figures.items()})


def stored_compliance(organisation: Organisation, *, on: date, first: int = 50,
                      figures: dict | None = None) -> tuple[int, list]:
    """(`compliance_missing_count`, the first `first` teachers of `compliance_missing_level`)
    for the subtree: the count summed from the stored figures, the list read from only the
    schools, in path order, whose stored counts reach `first`."""
    figures = school_figures(organisation, [on])[on] if figures is None else figures
    short = sorted((f.school_path, pk, f.missing) for pk, f in figures.items() if f.missing)
    schools, listed = [], 0
    for _path, pk, missing in short:
        if listed >= first:
            break
        schools.append(pk)
        listed += missing
    teachers = list(compliance_missing_level(organisation, on=on)
                    .filter(school_on__in=schools)[:first]) if schools else []
    return sum(m for _p, _pk, m in short), teachers


def stored_pace(organisation: Organisation, *, on: date, figures: dict | None = None) -> dict:
    """`hours_pace_distribution` for the subtree from the stored figures (`figures`: the day's
    `school_figures` when the caller has them already)."""
    figures = school_figures(organisation, [on])[on] if figures is None else figures
    return _pace_sum(figures.values())


def _pace_sum(figures) -> dict:
    total = dict.fromkeys(PACE, 0)
    for f in figures:
        for b in PACE:
            total[b] += f.pace.get(b, 0)
    return total


def _day_sums(tops: list[Organisation], days: list[date], codes: list[str]) -> dict[date, dict]:
    """Per day, the stored figures summed over the schools of `tops` in the database (JSON
    keys read there): {day: {"schools", "counted", "h_<code>"..., pace buckets...}}."""
    under = Q()
    for top in tops:
        under |= Q(school__path__startswith=top.path)
    sums = {"schools": Count("pk"), "counted": counted_sum()}
    for code in codes:
        sums[f"h_{code}"] = Sum(Cast(KT(f"holders__{code}"), IntegerField()))
    for bucket in PACE:
        sums[bucket] = Sum(Cast(KT(f"pace__{bucket}"), IntegerField()))
    return {row["day"]: row for row in SchoolFigure.objects.filter(under, day__in=days)
            .values("day").annotate(**sums).order_by()}


def stored_trends(organisation: Organisation | list[Organisation], *, on: date,
                  months: int = 24):
    """(`holding_trend`, `hours_pace_trend`) for the subtree (or several, e.g. a user's scope
    tops) from the stored figures: one aggregate over the month ends' stored rows, after
    computing any that are missing."""
    days = month_ends(on, months)
    codes = [code for code, _ in level_ranks()]
    tops = organisation if isinstance(organisation, list) else [organisation]
    under = Q()
    for top in tops:
        under |= Q(path__startswith=top.path)
    schools = Organisation.objects.filter(under, kind=Organisation.Kind.SCHOOL).count()
    sums = _day_sums(tops, days, codes)
    short = [d for d in days if sums.get(d, {}).get("schools", 0) < schools]
    if short:
        for top in tops:
            school_figures(top, short)
        sums = _day_sums(tops, days, codes)
    holding, pace = [], []
    for d in days:
        row = sums.get(d) or {}
        counted = row.get("counted") or 0
        holding.append((d, counted, {c: holding_rate(row.get(f"h_{c}") or 0, counted)
                                     for c in codes}))
        pace.append((d, {b: row.get(b) or 0 for b in PACE}))
    return holding, pace


def figures_forget(*, school_ids=None, since: date | None = None) -> int:
    """Drop stored figures of these schools (ids or a values() queryset; all schools when None)
    from `since` on (every day when None); they are computed again when next read."""
    rows = SchoolFigure.objects.all()
    if school_ids is not None:
        rows = rows.filter(school_id__in=school_ids)
    if since is not None:
        rows = rows.filter(day__gte=since)
    return rows.delete()[0]


def figures_rebuild(*, on: date, months: int = 24, full: bool = False) -> int:
    """The night's figures: the last `months` month ends up to `on` (and `on`) for every
    school, computing only what is missing (the schools whose inputs changed, whose figures the
    writing services dropped, and the new day); `full` drops every stored figure first (after a
    load written straight into the database, behind the services). How many were computed."""
    if full:
        figures_forget()
    return figures_fill(days=month_ends(on, months))


def figures_rebuild_parts(*, on: date, months: int = 24, parts: int) -> list[tuple[list[str], list[int]]]:
    """The missing figures split into `parts` pieces of whole schools, as (days as ISO dates,
    school ids), for as many Celery workers: each piece computes every missing day of its
    schools; together they compute what `figures_rebuild` would."""
    missing = figures_missing(days=month_ends(on, months))
    schools = sorted({pk for ids in missing.values() for pk in ids})
    if not schools:
        return []
    size = -(-len(schools) // max(1, parts))
    days = [d.isoformat() for d, ids in missing.items() if ids]
    return [(days, schools[i:i + size]) for i in range(0, len(schools), size)]


_deferred = threading.local()


def _earliest(pending: dict, key, since) -> None:
    """Note `since` for `key`, keeping the earliest day (None: every day)."""
    if key in pending:
        old = pending[key]
        since = None if since is None or old is None else min(since, old)
    pending[key] = since


def _forget_teachers(pending: dict[int, date | None]) -> None:
    """Drop the stored figures of these teachers' schools, each from its first day: one delete
    per distinct first day."""
    schools: dict[int, date | None] = {}
    for pk, school_id in Teacher.objects.filter(pk__in=list(pending)).values_list("pk", "school_id"):
        _earliest(schools, school_id, pending[pk])
    by_since: dict[date | None, list[int]] = {}
    for school_id, since in schools.items():
        by_since.setdefault(since, []).append(school_id)
    for since, ids in by_since.items():
        figures_forget(school_ids=ids, since=since)


def figures_teachers_changed(changes) -> None:
    """What every service writing a teacher's certificates, credentials or hours calls: the
    figures stored for the teachers' schools no longer hold from each change's day on
    (`changes`: (teacher id, first day changed or None for every day) pairs). Dropped now, or
    at the end of the bulk write around it (`figures_deferred`)."""
    pending: dict[int, date | None] = {}
    for teacher_id, since in changes:
        _earliest(pending, teacher_id, since)
    if not pending:
        return
    if getattr(_deferred, "teachers", None) is not None:
        for teacher_id, since in pending.items():
            figures_note(teacher_id, since)
        return
    _forget_teachers(pending)


def figures_note(teacher_id, since) -> bool:
    """Inside `figures_deferred`, note a teacher whose school's figures change from `since`
    (True); outside it, False (the caller forgets at once)."""
    pending = getattr(_deferred, "teachers", None)
    if pending is None:
        return False
    _earliest(pending, teacher_id, since)
    return True


@contextmanager
def figures_deferred():
    """For bulk writes (imports): the per-row forgetting of the services is gathered and done
    at the end, one delete per distinct first day instead of one per row."""
    if getattr(_deferred, "teachers", None) is not None:
        yield
        return
    _deferred.teachers = {}
    try:
        yield
    finally:
        pending, _deferred.teachers = _deferred.teachers, None
        _forget_teachers(pending)
