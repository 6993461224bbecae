"""The figures of the staff pages (the dashboard, the rates page), computed once and shared.

A page's figures for an organisation and a date are computed by the rules (the stored per-school
figures, completion, expiries, staffing) and kept in the cache: fresh for
`STAFF_FIGURES_MAX_AGE` seconds, after which the next view still gets them at once while a
Celery task computes them again (stale while revalidating, for up to STALE_FOR times the age);
only a first view, or one after that, computes in the request. A city's leaders reloading the
dashboard therefore do not each pay for all of it, and the page says when its figures were
computed. The dashboard's are the viewer's own (completion and expiries are read in the
viewer's scope for the dashboard); the rates page's belong to the organisation, which the
view has checked is in the viewer's scope. 0 computes on every view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from people import purposes, staffing
from people.models import Organisation
from people.replica import replica_reads

from ..models import SchoolFigure
from .dashboard import certificates_expiring_by_month, completion_by_child, holding_by_child
from .figures import school_figures, stored_compliance, stored_holding_rates, stored_pace, stored_trends
from .holding import level_codes

# Above a township the dashboard lists only the first STAFFING_LISTED schools short of
# counsellors (the page stays small at a city's size: 378 short schools were 72 KB of a 98 KB
# page); the total counts every school.
STAFFING_LISTED = 50
STALE_FOR = 15
# How long a page's latest figures are kept to be shown while a later day's are computed.
LATEST_FOR = 3 * 24 * 3600


def dashboard_figures(org: Organisation, on: date, user) -> dict:
    """What the dashboard shows of `org` on `on` for `user`: holding per child and pace from
    one read of the day's stored figures, completion per child, certificates expiring by
    month, the 24-month trends, and the schools short of counsellors (people.staffing)."""
    figures = school_figures(org, [on])[on]
    rows = staffing.staffing_rows(org, on=on)
    short = [r for r in rows if r.gap]
    whole = org.kind in (Organisation.Kind.TOWNSHIP, Organisation.Kind.SCHOOL)
    return {
        "codes": level_codes(),
        "children": holding_by_child(org, on=on, figures=figures),
        "pace": stored_pace(org, on=on, figures=figures),
        "completion": sorted(completion_by_child(org, user=user, roles=purposes.DASHBOARD, on=on),
                             key=lambda r: (-r["rate"], r["organisation"].path)),
        "expiring": certificates_expiring_by_month(user=user, on=on, organisation=org),
        "trend": stored_trends(org, on=on),
        "staffing": rows if whole else short[:STAFFING_LISTED],
        "staffing_more": 0 if whole else max(len(short) - STAFFING_LISTED, 0),
        "staffing_gap": sum(r.gap for r in rows),
        "staffing_totals": staffing.staffing_totals(org, rows),
    }


def rates_figures(org: Organisation, on: date, user=None) -> dict:
    """What the rates page shows of `org` on `on` (the same for every viewer: `user` is not
    read): the organisation and its children, the compliance count and its first 50
    teachers, from one read of the stored figures; the schools short of counsellors; the
    24-month trend."""
    figures = school_figures(org, [on])[on]
    missing_count, missing = stored_compliance(org, on=on, first=50, figures=figures)
    return {
        "rows": stored_holding_rates(org, on=on, depth=1, figures=figures),
        "codes": level_codes(),
        "missing_count": missing_count, "missing": missing,
        "short": staffing.schools_short_of_counsellors(org, on=on),
        "trend": stored_trends(org, on=on)[0],
    }


PAGES = {"dashboard": (dashboard_figures, True), "rates": (rates_figures, False)}


def _background_progress(org: Organisation, on: date) -> Computing | None:
    """The progress of the day's figures when the subtree is too large to compute in a request
    (more schools than STAFF_FIGURES_BACKGROUND_SCHOOLS; 0: never), else None."""
    limit = settings.STAFF_FIGURES_BACKGROUND_SCHOOLS
    if not limit or org.kind == Organisation.Kind.SCHOOL:
        return None
    progress = figures_progress(org, on)
    return progress if progress.total > limit else None


def _key(page: str, org_id: int, on: date | None, user_id) -> str:
    """The cache key of a page's figures on a day (None: the latest day computed)."""
    per_user = PAGES[page][1]
    day = on.isoformat() if on else "latest"
    return f"figures:{page}:{org_id}:{day}:{user_id if per_user else ''}"


def _latest_key(page: str, org_id: int, user_id) -> str:
    return _key(page, org_id, None, user_id)


def page_figures_compute(page: str, org: Organisation, *, on: date, user) -> tuple[dict, datetime]:
    """Compute a page's figures now and share them: (figures, when computed). They are also kept
    as the page's latest (unless a later day's are kept), to be shown while a later day's are
    computed."""
    with replica_reads():
        entry = (PAGES[page][0](org, on, user), timezone.now())
    max_age = settings.STAFF_FIGURES_MAX_AGE
    if max_age:
        name = _key(page, org.pk, on, user.pk)
        cache.set(name, entry, max_age * STALE_FOR)
        cache.delete(name + ":refreshing")
        latest_name = _latest_key(page, org.pk, user.pk)
        latest = cache.get(latest_name)
        if latest is None or latest[2] <= on:
            cache.set(latest_name, (*entry, on), LATEST_FOR)
    return entry


@dataclass(frozen=True)
class Earlier:
    """Figures of an earlier day (`on`), shown while those of the day asked are computed
    (`progress`): the page says which day it shows and how far the other has come."""

    on: date
    progress: Computing


@dataclass(frozen=True)
class Computing:
    """A day with no figures yet for a large subtree: they are computed in the background, and
    this says how far (schools whose stored figures of the day exist, of all)."""

    done: int
    total: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.total)) if self.total else 0


def figures_progress(org: Organisation, on: date) -> Computing:
    """How many of the subtree's schools have their stored figures of `on` already."""
    total = Organisation.objects.filter(path__startswith=org.path,
                                        kind=Organisation.Kind.SCHOOL).count()
    done = SchoolFigure.objects.filter(day=on, school__path__startswith=org.path).count()
    return Computing(done=min(done, total), total=total)


def page_figures(page: str, org: Organisation, *, on: date, user) -> tuple[dict | None, datetime | Computing]:
    """(figures, when computed) of `page` for `org` on `on` as `user` sees it: shared while
    fresh, shared and refreshed by a task once older than the age, computed here when there
    are none, unless the subtree has more than STAFF_FIGURES_BACKGROUND_SCHOOLS schools: then
    a task computes them and this returns the page's latest figures of an earlier day (their
    dict's "earlier" is an `Earlier`: which day, and the progress) or, without any, (None,
    `Computing`), so no request computes a city or a province."""
    max_age = settings.STAFF_FIGURES_MAX_AGE
    if not max_age:
        return page_figures_compute(page, org, on=on, user=user)
    name = _key(page, org.pk, on, user.pk)
    entry = cache.get(name)
    if entry is None:
        progress = _background_progress(org, on)
        if progress is None:
            return page_figures_compute(page, org, on=on, user=user)
        if cache.add(name + ":refreshing", 1, max_age * STALE_FOR):
            from ..tasks import page_figures_refresh  # the task computes through this module

            page_figures_refresh.delay(page, org.pk, on.isoformat(), user.pk)
        latest = cache.get(_latest_key(page, org.pk, user.pk))
        if latest is not None and latest[2] <= on:
            figures, computed_at, shown = latest
            return {**figures, "earlier": Earlier(on=shown, progress=progress)}, computed_at
        return None, progress
    if (timezone.now() - entry[1]).total_seconds() >= max_age \
            and cache.add(name + ":refreshing", 1, max_age * STALE_FOR):
        from ..tasks import page_figures_refresh  # the task computes through this module

        page_figures_refresh.delay(page, org.pk, on.isoformat(), user.pk)
    return entry
