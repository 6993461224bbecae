"""The teacher's own certificates: levels and eligibility, applying, the PDF."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses.models import HourCategory
from people import purposes
from people.access import public_base_url
from people.models import Teacher
from people.selectors import teacher_for_user, user_has_staff_role

from .. import selectors, services
from ..forms import ApplyForm
from ..models import Application, CertificateLevel
from ..pdf import certificate_pdf


def level_summaries(teacher: Teacher, on: date):
    """Per level: the eligibility and a one-line summary such as "B: 86/120 hours, missing X"."""
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
        "levels": level_summaries(teacher, today),
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
