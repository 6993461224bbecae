"""Reads of certificates, their history and applications."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

from django.db.models import QuerySet

from people import purposes
from people.models import Teacher
from people.selectors import organisation_scope

from ..eligibility import years_after
from ..models import Application, Certificate, CertificateLevel
from .common import ROSTER_ROLES

# --- Certificates and applications ---------------------------------------------------------

def certificate_list_for_teacher(teacher: Teacher) -> QuerySet[Certificate]:
    """The certificates a teacher holds or held."""
    return Certificate.objects.filter(teacher=teacher).select_related("level")


def certificate_get_for_user(user, code: str) -> Certificate | None:
    """A certificate (named by its random verification code, never a guessable number) if the
    user holds it or is HR / school admin over the holder's school."""
    cert = (Certificate.objects.select_related("level", "teacher__school")
            .filter(verification_code=code).first())
    if cert is None:
        return None
    if cert.teacher.user_id == user.pk:
        return cert
    if organisation_scope(user, roles=ROSTER_ROLES).filter(pk=cert.teacher.school_id).exists():
        return cert
    return None


def certificate_get_by_code(code: str) -> Certificate | None:
    """The certificate a verification code names, for the public page."""
    return (Certificate.objects.select_related("level", "teacher")
            .filter(verification_code=code).first())


def certificate_number_clean(number: str) -> str:
    """A certificate number as people type or paste it: full-width characters made plain, spaces
    dropped, letters upper case (sf-b-2026-00001 → SF-B-2026-00001)."""
    return "".join(unicodedata.normalize("NFKC", number or "").split()).upper()


def certificate_get_by_number(number: str) -> Certificate | None:
    """The certificate with this number, for the public search (as typed: case and spaces do
    not matter; an imported number kept in lower case is found too)."""
    number = certificate_number_clean(number)
    if not number:
        return None
    found = Certificate.objects.select_related("level", "teacher")
    return found.filter(number=number).first() or found.filter(number__iexact=number).first()


def application_list_for_reviewer(user, *, status: str | None = None) -> QuerySet[Application]:
    """Applications of teachers in the user's HR scope."""
    qs = Application.objects.filter(
        teacher__school__in=organisation_scope(user, roles=purposes.CERTIFICATE_REVIEW)
    ).select_related("teacher__school", "level", "decided_by", "certificate")
    if status:
        qs = qs.filter(status=status)
    return qs


def application_get_for_reviewer(user, pk: int) -> Application | None:
    """One application, if in the user's HR scope."""
    return application_list_for_reviewer(user).filter(pk=pk).first()


def expiry_date_for(level: CertificateLevel, issued_on: date) -> date:
    """When a certificate of `level` issued on `issued_on` expires."""
    return years_after(issued_on, level.validity_years) - timedelta(days=1)
