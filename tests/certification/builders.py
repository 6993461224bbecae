"""Builders for certification tests."""

import itertools
from datetime import date
from decimal import Decimal

from wagtail.models import Page

from certification.models import Certificate, CertificateLevel
from certification.selectors import expiry_date_for, figures_teachers_changed

_n = itertools.count(1)


def course(title: str = "课程") -> Page:
    """A plain Wagtail page standing in for a course page."""
    root = Page.objects.get(depth=1)
    return root.add_child(instance=Page(title=title, slug=f"course-{next(_n)}"))


def level(code: str) -> CertificateLevel:
    return CertificateLevel.objects.get(code=code)


def certificate(teacher, code: str, *, issued_on: date = date(2024, 1, 10),
                expires_on: date | None = None, status: str = Certificate.Status.ACTIVE,
                ended_on: date | None = None) -> Certificate:
    """A certificate row written directly, for tests of reads (issuing has its own tests), the
    stored figures dropped as the services drop them.
    A revoked or superseded one ends on `ended_on`, by default the day it was issued."""
    lv = level(code)
    if status in (Certificate.Status.REVOKED, Certificate.Status.SUPERSEDED):
        ended_on = ended_on or issued_on
    cert = Certificate.objects.create(
        number=f"T-{code}-{next(_n):05d}", level=lv, teacher=teacher, issued_on=issued_on,
        expires_on=expires_on or expiry_date_for(lv, issued_on), status=status,
        ended_on=ended_on, authority="测试教育局")
    # As the services that write certificates do: the stored figures from its first day go.
    figures_teachers_changed([(teacher.pk, min(issued_on, ended_on or issued_on))])
    return cert


def hours(teacher, amount, on: date, source: str = "offline", category=None):
    from certification.services import training_entry_record

    return training_entry_record(teacher=teacher, hours=Decimal(str(amount)), date=on,
                                 title="线下培训", source=source, reference=f"t:{next(_n)}",
                                 category=category)[0]
