"""Figure pages over the scope of a purpose: holding rates and the dashboard (holding and pace on a day,
their gaps and trends; 计算中 while a large subtree is computed)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from people import purposes
from people.access import staff_required
from people.nearest import ancestor_paths
from people.selectors import organisation_scope, organisation_tops

from .. import selectors
from ..forms import RatesForm
from ..models import CertificateLevel
from ..policies import policies_unconfirmed


def _org_in_scope(request, scope, org_id):
    """The organisation asked for (404 outside the scope) or the first top of the scope."""
    if org_id:
        org = scope.filter(pk=org_id).first()
        if org is None:
            raise Http404
        return org
    tops = organisation_tops(scope)
    if not tops:
        raise Http404
    return tops[0]


@dataclass
class _DayPage:
    """What a figure page asked for and got: the scope of its purpose, the organisation and day
    asked, the day shown (an earlier one while the asked day computes) and its figures."""

    form: RatesForm
    scope: object
    org: object
    asked: object
    on: object
    earlier: object
    figures: dict
    computed_at: object


def _day_page(request, page: str, roles):
    """The `_DayPage` of `page` for the organisation and day in the query (today by default), in
    the scope of `roles`; or the 计算中 response while the day has no figures yet."""
    form = RatesForm(request.GET or None)
    on = timezone.localdate()
    org_id = None
    if form.is_valid():
        on = form.cleaned_data.get("on") or on
        org_id = form.cleaned_data.get("org")
    scope = organisation_scope(request.user, roles=roles)
    org = _org_in_scope(request, scope, org_id)
    figures, computed_at = selectors.page_figures(page, org, on=on, user=request.user)
    if figures is None:
        return _computing(request, org=org, on=on, progress=computed_at)
    earlier = figures.get("earlier")
    return _DayPage(form=form, scope=scope, org=org, asked=on, on=earlier.on if earlier else on,
                    earlier=earlier, figures=figures, computed_at=computed_at)


@staff_required(selectors.ROSTER_ROLES)
def holding_rates(request):
    day = _day_page(request, "rates", selectors.ROSTER_ROLES)
    if not isinstance(day, _DayPage):
        return day
    form, scope, org, on, figures, computed_at = (day.form, day.scope, day.org, day.on,
                                                  day.figures, day.computed_at)
    earlier, asked = day.earlier, day.asked
    rows, codes = figures["rows"], figures["codes"]
    chart_rows = [r for r in rows if r.depth == 1] or rows[:1]
    bars, y = [], 4
    colours = ["#3b7d4f", "#2f6ea3", "#8a4fa8", "#a05a2c"]
    for row in chart_rows:
        y += 18
        for i, code in enumerate(codes):
            rate = row.rate(code) or 0
            bars.append({"label": row.organisation.name if i == 0 else "",
                         "label_full": row.organisation.name, "code": code,
                         "y_label": y - 5, "y": y, "y_text": y + 10,
                         "width": round(300 * rate, 1), "text": row.percent(code),
                         "colour": colours[i % len(colours)]})
            y += 15
    # The table shows the organisation and its children; each child links one level down.
    table = [{"row": r, "indent": r.depth * 1.2,
              "cells": [{"code": c, "holders": r.holders[c], "percent": r.percent(c),
                         "target": r.targets.get(c),
                         "gap": _gap_text(r.gap(c))}
                        for c in codes]} for r in rows if r.depth <= 1]
    return render(request, "certification/holding_rates.html", {
        "org": org, "on": on, "form": form, "rows": rows, "codes": codes, "table": table,
        "total": rows[0] if rows else None, "chart_bars": bars, "chart_height": y + 6,
        "missing": figures["missing"], "missing_count": figures["missing_count"],
        "short": figures["short"], "computed_at": computed_at, "earlier": earlier, "asked": asked,
        "unconfirmed_policies": policies_unconfirmed(organisation=org),
        "ancestors": list(scope.filter(path__in=[org.path[:i] for i in range(
            org.steplen, len(org.path), org.steplen)]).order_by("path")),
        "requirements": dict(CertificateLevel.objects.values_list("rank", "code")),
        **_trend_context(figures["trend"]),
    })



def _gap_text(gap: float | None) -> str | None:
    """How far below its target a rate is, or 已达标 once it is at or above it (never a
    negative gap)."""
    if gap is None:
        return None
    return _("Target met") if gap <= 0 else f"{gap * 100:.1f}%"



def _bars(items, *, target=None) -> dict:
    """An accessible horizontal bar chart: items are (label, value 0-100 or None, text) or,
    with a target per bar (each school's own), (label, value, text, target)."""
    rows, y = [], 6
    for label, value, text, *own in items:
        own_target = own[0] if own else None
        rows.append({"label": label, "y": y, "y_text": y + 12, "text": text,
                     "width": round(2.2 * (value or 0), 1),
                     "target_x": None if own_target is None else round(130 + 2.2 * float(own_target), 1),
                     "target": own_target})
        y += 22
    return {"bars": rows, "height": y + 4,
            "target_x": None if target is None else round(130 + 2.2 * target, 1),
            "target": target}


def _lines(days, series: dict[str, list]) -> dict:
    """An accessible line chart of percentages (0-100 or None) over `days`, one line a series."""
    width, height, left, top = 380, 150, 34, 8
    step = (width - left - 8) / max(len(days) - 1, 1)
    colours = ["#3b7d4f", "#2f6ea3", "#8a4fa8", "#a05a2c"]
    lines = []
    for i, (label, values) in enumerate(series.items()):
        points = " ".join(f"{left + j * step:.1f},{top + (100 - v) * (height - 2 * top) / 100:.1f}"
                          for j, v in enumerate(values) if v is not None)
        lines.append({"label": label, "points": points, "colour": colours[i % len(colours)],
                      "legend_y": top + 12 * i + 4})
    # Every sixth month is labelled, counting back from the last (so the last always is).
    ticks = [{"x": round(left + j * step, 1), "text": d.strftime("%Y-%m")}
             for j, d in enumerate(days) if (len(days) - 1 - j) % 6 == 0]
    # The legend sits right of the plot: the picture is as wide as its longest label needs
    # (a CJK character about 10 px at font-size 10, others about 6 px).
    legend = max((sum(10 if ord(ch) > 0x2E7F else 6 for ch in str(line["label"]))
                  for line in lines), default=0)
    return {"lines": lines, "width": width - 2 + legend + 8, "height": height + 16, "ticks": ticks,
            "grid": [{"y": round(top + (100 - p) * (height - 2 * top) / 100, 1), "text": f"{p}%"}
                     for p in (0, 50, 100)], "bottom": height}


def _trend_context(trend, pace_trend=None) -> dict:
    """The trend chart and its data table: holding rate per level (and share on pace)."""
    days = [d for d, _n, _r in trend]
    codes = list(trend[0][2]) if trend else []
    series = {_("%(code)s holding rate") % {"code": code}:
              [None if r[code] is None else round(r[code] * 100, 1) for _d, _n, r in trend]
              for code in codes}
    table = [{"day": d, "counted": n,
              "rates": ["—" if r[c] is None else f"{r[c] * 100:.1f}%" for c in codes]}
             for d, n, r in trend]
    if pace_trend is not None:
        shares = []
        for (_d, pace), row in zip(pace_trend, table, strict=True):
            total = pace["on_pace"] + pace["behind"] + pace["far_behind"]
            share = round(100 * pace["on_pace"] / total, 1) if total else None
            shares.append(share)
            row["on_pace"] = "—" if share is None else f"{share}%"
        series[_("Teachers on pace")] = shares
    return {"trend_chart": _lines(days, series), "trend_table": table, "trend_codes": codes,
            "trend_pace": pace_trend is not None}


def _computing(request, *, org, on, progress):
    """The page of a day whose figures are still being computed: 计算中, how far, and a reload."""
    return render(request, "certification/computing.html",
                  {"org": org, "on": on, "progress": progress})


@staff_required(purposes.DASHBOARD)
def dashboard(request):
    """Holding rates, assignment completion, expiring certificates and hours pace of one
    organisation of the scope (the top by default), one bar per child (city → district →
    township → school, each bar a link one level down), on a chosen date, from the selectors
    the Excel sheets use, so the pictures and the files agree; with how holding and pace moved
    over 24 months."""
    day = _day_page(request, "dashboard", purposes.DASHBOARD)
    if not isinstance(day, _DayPage):
        return day
    form, scope, org, on, figures, computed_at = (day.form, day.scope, day.org, day.on,
                                                  day.figures, day.computed_at)
    earlier, asked = day.earlier, day.asked
    codes, children, pace = figures["codes"], figures["children"], figures["pace"]
    holding = []
    for code in codes:
        ranked = sorted(children, key=lambda c: (-(c.rates[code] or 0), c.organisation.path))
        holding.append({"code": code,
                        "chart": _bars([(c.organisation.name, c.rates[code],
                                         "—" if c.rates[code] is None else f"{c.rates[code]}%",
                                         c.targets.get(code)) for c in ranked]),
                        "rows": [{"org": c.organisation, "counted": c.counted, "drill": c.drill,
                                  "rate": c.rates[code], "target": c.targets.get(code)}
                                 for c in ranked]})
    completion, expiring = figures["completion"], figures["expiring"]
    peak = max([n for _m, n in expiring] or [0]) or 1
    pace_total = (pace["on_pace"] + pace["behind"] + pace["far_behind"]) or 1
    pace_rows = [(_("On pace"), pace["on_pace"]), (_("Behind"), pace["behind"]),
                 (_("Far behind"), pace["far_behind"])]
    trend = _trend_context(*figures["trend"])
    return render(request, "certification/dashboard.html", {
        "on": on, "form": form, "org": org, "codes": codes, "holding": holding,
        "staffing": figures["staffing"], "staffing_more": figures["staffing_more"],
        "staffing_gap": figures["staffing_gap"], "computed_at": computed_at,
        "earlier": earlier, "asked": asked,
        "staffing_totals": figures.get("staffing_totals", []),
        "unconfirmed_policies": policies_unconfirmed(organisation=org),
        "child_kind": (children[0].organisation.kind
                       if children and children[0].organisation.pk != org.pk else ""),
        "ancestors": list(scope.filter(path__in=ancestor_paths(org.path)[:-1]).order_by("path")),
        "drill": [c.organisation for c in children if c.drill],
        "completion": completion,
        "completion_chart": _bars([(r["organisation"].name, r["rate"], f"{r['rate']}%")
                                   for r in completion]),
        "expiring": expiring,
        "expiring_chart": _bars([(m.strftime("%Y-%m"), 100 * n / peak, str(n))
                                 for m, n in expiring]),
        "pace": pace, "pace_rows": pace_rows,
        "pace_chart": _bars([(label, 100 * n / pace_total, str(n)) for label, n in pace_rows]),
        **trend,
    })
