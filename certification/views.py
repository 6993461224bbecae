"""Pages of certification: the teacher's own, HR review, holding rates, and public verification."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from people import purposes
from people.access import DecisionRefused, client_ip, public_base_url, staff_required
from people.models import Teacher
from people.nearest import ancestor_paths
from people.selectors import (
    organisation_scope,
    organisation_tops,
    teacher_for_user,
    user_has_staff_role,
)

from . import selectors, services
from .evidence import application_evidence, requirement_rows
from .forms import (
    ApplyForm,
    CorrectionForm,
    DecisionForm,
    RatesForm,
    RevokeForm,
    VerifySearchForm,
    VerifyUploadForm,
)
from .models import Application, Certificate, CertificateLevel
from .pdf import certificate_pdf
from .policies import policies_unconfirmed

# --- The teacher's own page ---------------------------------------------------------------


def _level_summaries(teacher: Teacher, on: date):
    """Per level: the eligibility and a one-line summary such as "B: 86/120 hours, missing X"."""
    from courses.models import HourCategory

    labels = {c.code: c.label for c in HourCategory.objects.all()}
    rows = []
    for level, result in selectors.eligibility_for_teacher(teacher, on=on):
        for req in result.requirements:
            if req.kind == "category":
                req.category_label = labels.get(req.label, req.label)
        rows.append({"level": level, "result": result})
    return rows


@login_required
def my_certificates(request):
    teacher = teacher_for_user(request.user)
    staff_links = {
        "can_review": user_has_staff_role(request.user, roles=purposes.CERTIFICATE_REVIEW),
        "can_see_rates": user_has_staff_role(request.user, roles=selectors.ROSTER_ROLES),
    }
    if teacher is None:
        return render(request, "certification/my_certificates.html",
                      {"teacher": None, **staff_links})
    today = timezone.localdate()
    return render(request, "certification/my_certificates.html", {
        **staff_links,
        "teacher": teacher,
        "certificates": selectors.certificate_list_for_teacher(teacher),
        "levels": _level_summaries(teacher, today),
        "pending_codes": set(teacher.certificate_applications.filter(
            status=Application.Status.PENDING).values_list("level__code", flat=True)),
        "applications": teacher.certificate_applications.select_related("level", "certificate"),
        "cycle": selectors.cycle_status(teacher, on=today),
        "entries": selectors.training_entry_list(teacher)[:50],
    })


@login_required
@require_POST
def apply(request):
    teacher = teacher_for_user(request.user)
    if teacher is None:
        raise PermissionDenied
    form = ApplyForm(request.POST)
    if not form.is_valid():
        raise Http404
    level = get_object_or_404(CertificateLevel, code=form.cleaned_data["level"])
    # The teacher is always the requester: no field names another teacher.
    try:
        services.application_submit(teacher=teacher, level=level, submitted_by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your application has been sent to HR for review."))
    return redirect("certification:my_certificates")


@login_required
def certificate_download(request, code: str):
    cert = selectors.certificate_get_for_user(request.user, code)
    if cert is None:
        raise Http404
    verify_url = public_base_url(request) + reverse("certification:verify",
                                                    args=[cert.verification_code])
    response = HttpResponse(certificate_pdf(cert, verify_url=verify_url),
                            content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"{cert.number}.pdf")
    response["Cache-Control"] = "private, no-store"
    return response


# --- HR: a teacher's record, applications, revocation ---------------------------------------

@staff_required(selectors.ROSTER_ROLES)
def teacher_record(request, pk: int):
    teacher = get_object_or_404(
        Teacher.objects.select_related("school"),
        pk=pk, school__in=organisation_scope(request.user, roles=selectors.ROSTER_ROLES))
    today = timezone.localdate()
    certificates = list(selectors.certificate_list_for_teacher(teacher)
                        .prefetch_related("events__actor"))
    can_revoke = organisation_scope(request.user, roles=purposes.CERTIFICATE_REVIEW).filter(
        pk=teacher.school_id).exists()
    return render(request, "certification/teacher_record.html", {
        "teacher": teacher, "certificates": certificates,
        # A teacher who left (retired, moved away) has no pace to keep.
        "not_in_post": teacher.status != Teacher.Status.ACTIVE,
        "levels": _level_summaries(teacher, today),
        "cycle": selectors.cycle_status(teacher, on=today),
        "entries": selectors.training_entry_list(teacher)[:100],
        "credentials": teacher.credentials.select_related("credential__level").order_by("obtained_on"),
        "can_revoke": can_revoke, "revoke_form": RevokeForm(),
        "correction_form": CorrectionForm(initial={"date": today}),
    })


@staff_required(purposes.CERTIFICATE_REVIEW)
@require_POST
def training_correct(request, pk: int):
    teacher = get_object_or_404(
        Teacher, pk=pk, school__in=organisation_scope(request.user, roles=purposes.CERTIFICATE_REVIEW))
    form = CorrectionForm(request.POST)
    if form.is_valid():
        try:
            services.training_entry_correct(
                teacher=teacher, hours=form.cleaned_data["hours"], date=form.cleaned_data["date"],
                reason=form.cleaned_data["reason"], recorded_by=request.user,
                category=form.cleaned_data["category"] or None)
        except DecisionRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("Correction recorded."))
    else:
        messages.error(request, _("A correction needs hours, a date and a reason."))
    return redirect("certification:teacher_record", pk=teacher.pk)


@staff_required(purposes.CERTIFICATE_REVIEW)
@require_POST
def certificate_revoke(request, pk: int):
    cert = get_object_or_404(
        Certificate, pk=pk,
        teacher__school__in=organisation_scope(request.user, roles=purposes.CERTIFICATE_REVIEW))
    form = RevokeForm(request.POST)
    if form.is_valid():
        services.certificate_revoke(certificate=cert, revoked_by=request.user,
                                    reason=form.cleaned_data["reason"])
        messages.success(request, _("Certificate %(number)s revoked.") % {"number": cert.number})
    else:
        messages.error(request, _("A revocation needs a reason."))
    return redirect("certification:teacher_record", pk=cert.teacher_id)


@staff_required(purposes.CERTIFICATE_REVIEW)
def application_list(request):
    status = request.GET.get("status", Application.Status.PENDING)
    if status not in Application.Status.values:
        status = Application.Status.PENDING
    return render(request, "certification/application_list.html", {
        "applications": selectors.application_list_for_reviewer(request.user, status=status)[:500],
        "status": status, "statuses": Application.Status.choices,
    })


@staff_required(purposes.CERTIFICATE_REVIEW)
def application_review(request, pk: int):
    application = selectors.application_get_for_reviewer(request.user, pk)
    if application is None:
        raise Http404
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                cert = services.application_approve(application=application,
                                                    decided_by=request.user)
                messages.success(request, _("Approved: certificate %(number)s issued.") % {
                    "number": cert.number})
            else:
                services.application_reject(application=application, decided_by=request.user,
                                            reason=form.cleaned_data["reason"])
                messages.success(request, _("Application rejected."))
            return redirect("certification:application_list")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except DecisionRefused as refused:
            messages.error(request, str(refused))
    today = timezone.localdate()
    # Today's eligibility for the applied level, by the one rule (the level as the rule needs it).
    [(_level, current)] = selectors.eligibility_for_teacher(
        application.teacher, on=today,
        levels=[lv for lv in selectors.level_list() if lv.pk == application.level_id])
    return render(request, "certification/application_review.html", {
        "application": application, "form": form, "current": current,
        "requirement_rows": requirement_rows(current.as_json()),
        "evidence": application_evidence(application, on=today),
    })


# --- Holding rates ---------------------------------------------------------------------------

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


@staff_required(selectors.ROSTER_ROLES)
def holding_rates(request):
    scope = organisation_scope(request.user, roles=selectors.ROSTER_ROLES)
    form = RatesForm(request.GET or None)
    on = timezone.localdate()
    org_id = None
    if form.is_valid():
        on = form.cleaned_data.get("on") or on
        org_id = form.cleaned_data.get("org")
    org = _org_in_scope(request, scope, org_id)
    figures, computed_at = selectors.page_figures("rates", org, on=on, user=request.user)
    if figures is None:
        return _computing(request, org=org, on=on, progress=computed_at)
    earlier, asked = figures.get("earlier"), on
    on = earlier.on if earlier else on
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



# --- Public verification --------------------------------------------------------------------

def _rate_limited(request) -> bool:
    """True when this IP asked more than CERTIFICATE_VERIFY_RATE times this minute."""
    limit = settings.CERTIFICATE_VERIFY_RATE
    ip = client_ip(request)
    key = f"cert-verify:{ip}:{int(timezone.now().timestamp() // 60)}"
    if cache.add(key, 1, timeout=90):
        return False
    try:
        return cache.incr(key) > limit
    except ValueError:
        return False


def _too_many(request):
    return render(request, "certification/verify.html", {"too_many": True}, status=429)


def mask_name(name: str) -> str:
    """张三 → 张*, 张晓明 → 张*明, 欧阳晓明 → 欧**明."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _verify_context(cert: Certificate) -> dict:
    from people.chain import row_seal_ok

    if not row_seal_ok(cert):
        # Changed behind the services' back (people.chain): nothing it says is shown as true.
        return {"cert": cert, "unconfirmed": True, "valid": False}
    today = timezone.localdate()
    status = cert.status_on(today)
    return {"cert": cert, "holder": mask_name(cert.teacher.name), "valid": cert.is_valid_on(today),
            "status_label": Certificate.Status(status).label if status else _("Not yet issued")}


def _signing_context() -> dict:
    """The signing certificate's fingerprint, so a reader can check it in Adobe Reader or WPS."""
    from django.core.exceptions import ImproperlyConfigured

    from .signing import signing_fingerprint

    try:
        return {"signing_fingerprint": signing_fingerprint()}
    except (ImproperlyConfigured, OSError):
        return {}


def _upload_form(data=None, files=None) -> VerifyUploadForm:
    return VerifyUploadForm(data, files, max_bytes=settings.CERTIFICATE_UPLOAD_MAX_BYTES)


def _render_verify(request, context: dict, status: int = 200):
    context.setdefault("upload_form", _upload_form())
    return render(request, "certification/verify.html",
                  {**_signing_context(), **context}, status=status)


def verify(request, code: str):
    if _rate_limited(request):
        return _too_many(request)
    cert = selectors.certificate_get_by_code(code)
    if cert is None:
        return _render_verify(request, {"not_found": True}, status=404)
    return _render_verify(request, _verify_context(cert))


@require_POST
def verify_upload(request):
    """Check an uploaded certificate PDF: its signature, then its data against the record."""
    from .pdf import certificate_record_data
    from .signing import pdf_signature_check

    if _rate_limited(request):
        return _too_many(request)
    if int(request.META.get("CONTENT_LENGTH") or 0) > settings.CERTIFICATE_UPLOAD_MAX_BYTES + 64 * 1024:
        # Refused before Django reads the body.
        return _render_verify(request, {"upload_refused": _("The file is too large.")},
                              status=413)
    form = _upload_form(request.POST, request.FILES)
    if not form.is_valid():
        return _render_verify(request, {"upload_form": form}, status=400)
    check = pdf_signature_check(form.cleaned_data["pdf"].read())
    if not check.signature_ok:
        return _render_verify(request, {"upload_form": form, "upload_check": check,
                                        "upload_refused": _(
            "This file is not a genuine certificate of this platform: its signature is "
            "missing, broken or not ours. The file was changed after it was issued, or "
            "was never issued here.")}, status=422)
    cert = selectors.certificate_get_by_number(str(check.data.get("number", "")))
    if cert is None:
        return _render_verify(request, {"upload_check": check, "not_found": True}, status=404)
    mismatched = [key for key, value in certificate_record_data(cert).items()
                  if check.data.get(key) != value]
    verified = _verify_context(cert)
    if verified.get("unconfirmed"):
        return _render_verify(request, {"upload_check": check, **verified})
    context = {"upload_check": check, "upload_ok": not mismatched,
               "upload_mismatched": mismatched, **verified}
    if mismatched:
        context["upload_refused"] = _(
            "The signature is ours, but the file does not match the record (it was issued "
            "before the record changed). Rely on the record shown below.")
    return _render_verify(request, context)


def verify_search(request):
    form = VerifySearchForm(request.GET or None)
    context = {"form": form}
    if form.is_valid():
        if _rate_limited(request):
            return _too_many(request)
        cert = selectors.certificate_get_by_number(form.cleaned_data["number"])
        if cert is None:
            context["not_found"] = True
            return _render_verify(request, context, status=404)
        context.update(_verify_context(cert))
    return _render_verify(request, context)


# --- Dashboard --------------------------------------------------------------------------------


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
    form = RatesForm(request.GET or None)
    on = timezone.localdate()
    org_id = None
    if form.is_valid():
        on = form.cleaned_data.get("on") or on
        org_id = form.cleaned_data.get("org")
    scope = organisation_scope(request.user, roles=selectors.ROSTER_ROLES)
    org = _org_in_scope(request, scope, org_id)
    figures, computed_at = selectors.page_figures("dashboard", org, on=on, user=request.user)
    if figures is None:
        return _computing(request, org=org, on=on, progress=computed_at)
    earlier, asked = figures.get("earlier"), on
    on = earlier.on if earlier else on
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
