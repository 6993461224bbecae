"""HR over a teacher's record: training corrections, revocation, applications reviewed."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from people import purposes
from people.access import DecisionRefused, staff_required
from people.models import Teacher
from people.selectors import organisation_scope

from .. import selectors, services
from ..evidence import application_evidence, requirement_rows
from ..forms import CorrectionForm, DecisionForm, RevokeForm
from ..models import Application, Certificate
from .teacher import level_summaries


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
        "levels": level_summaries(teacher, today),
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
