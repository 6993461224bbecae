"""Public verification of a certificate: by code, by search, by uploading its PDF."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from people.access import client_ip
from people.chain import row_seal_ok

from .. import selectors
from ..forms import VerifySearchForm, VerifyUploadForm
from ..models import Certificate
from ..pdf import certificate_record_data
from ..signing import pdf_signature_check, signing_fingerprint


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
    if not row_seal_ok(cert):
        # Changed behind the services' back (people.chain): nothing it says is shown as true.
        return {"cert": cert, "unconfirmed": True, "valid": False}
    today = timezone.localdate()
    status = cert.status_on(today)
    return {"cert": cert, "holder": mask_name(cert.teacher.name), "valid": cert.is_valid_on(today),
            "status_label": Certificate.Status(status).label if status else _("Not yet issued")}


def _signing_context() -> dict:
    """The signing certificate's fingerprint, so a reader can check it in Adobe Reader or WPS."""
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
