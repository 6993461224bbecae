"""Certificate levels and their rules (as data), certificates, applications and their history."""

import secrets
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from people.chain import SealedQuerySet, SealedRecord
from people.models import Teacher

from ..rules import certificate_valid_on, certificate_valid_q

__all__ = [
    "CertificateLevel", "LevelCategoryMinimum", "RoleRequirement", "RecognisedCredential",
    "TeacherCredential",
    "Certificate", "CertificateNumberCounter", "Application", "CertificateEvent", "Reminder",
    "AuthorityValidityRule", "NO_STATED_EXPIRY",
]


class CertificateLevel(models.Model):
    """A level (C basic, B, A) and the rule for earning and renewing it. Edited by city HR."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=100)
    rank = models.PositiveSmallIntegerField(
        _("rank"), unique=True, help_text=_("Higher ranks also count as every lower level."))
    prerequisite = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("prerequisite level"))
    hours_required = models.DecimalField(_("hours required"), max_digits=7, decimal_places=2,
                                         default=Decimal("0"))
    hours_window_years = models.PositiveSmallIntegerField(
        _("hours window (years)"), default=5,
        help_text=_("Only hours earned within this many years before applying count."))
    required_courses = models.ManyToManyField("wagtailcore.Page", blank=True, related_name="+",
                                              verbose_name=_("required courses"))
    exam_course = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("exam course"), help_text=_("A passed quiz of this course is required."))
    validity_years = models.PositiveSmallIntegerField(_("validity (years)"), default=5)
    renewal_hours = models.DecimalField(
        _("hours to renew"), max_digits=7, decimal_places=2, default=Decimal("0"),
        help_text=_("Hours earned while the certificate is valid that extend it."))

    class Meta:
        verbose_name = _("certificate level")
        verbose_name_plural = _("certificate levels")
        ordering = ["rank"]

    def __str__(self):
        return f"{self.code} · {self.name}"


class LevelCategoryMinimum(models.Model):
    """Of a level's hours, at least so many of one category (inside the same window)."""

    level = models.ForeignKey(CertificateLevel, on_delete=models.CASCADE,
                              related_name="category_minimums", verbose_name=_("level"))
    category = models.ForeignKey("courses.HourCategory", to_field="code",
                                 on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("category"))
    hours = models.DecimalField(_("minimum hours"), max_digits=7, decimal_places=2,
                                validators=[MinValueValidator(Decimal("0.01"))])

    class Meta:
        verbose_name = _("level's minimum hours of a category")
        verbose_name_plural = _("levels' minimum hours per category")
        ordering = ["level__rank", "category__order"]
        constraints = [models.UniqueConstraint(fields=["level", "category"],
                                               name="level_category_minimum_once")]

    def __str__(self):
        return f"{self.level.code}: {self.category} {self.hours}"


class RoleRequirement(models.Model):
    """Which level a teacher of a role must hold (Guangdong practice by default)."""

    role = models.CharField(_("teacher role"), max_length=32, unique=True,
                            choices=Teacher.Role.choices)
    level = models.ForeignKey(CertificateLevel, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("required level"))

    class Meta:
        verbose_name = _("role requirement")
        verbose_name_plural = _("role requirements")
        ordering = ["role"]

    def __str__(self):
        return f"{self.get_role_display()} → {self.level.code}"


def _private_storage():
    from .declarations import private_storage

    return private_storage()


class RecognisedCredential(models.Model):
    """An outside credential (e.g. 国家二级心理咨询师) counted as equivalent to a level."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    level = models.ForeignKey(CertificateLevel, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("counts as level"))

    class Meta:
        verbose_name = _("recognised credential")
        verbose_name_plural = _("recognised credentials")
        ordering = ["name"]

    def __str__(self):
        return self.name


class TeacherCredential(models.Model):
    """A teacher holds a recognised outside credential."""

    teacher = models.ForeignKey("people.Teacher", on_delete=models.CASCADE,
                                related_name="credentials", verbose_name=_("teacher"))
    credential = models.ForeignKey(RecognisedCredential, on_delete=models.PROTECT,
                                   related_name="holders", verbose_name=_("credential"))
    number = models.CharField(_("number"), max_length=64, blank=True)
    obtained_on = models.DateField(_("obtained on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    issuer = models.CharField(pgettext_lazy("certificate", "issued by"), max_length=200, blank=True)
    evidence = models.FileField(_("evidence"), blank=True, max_length=255,
                                storage=_private_storage,
                                upload_to="credentials/%Y/%m/")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("recorded by"))

    class Meta:
        verbose_name = _("teacher credential")
        verbose_name_plural = _("teacher credentials")
        constraints = [models.UniqueConstraint(fields=["teacher", "credential"],
                                               name="teachercredential_once")]

    def __str__(self):
        return f"{self.teacher} · {self.credential}"


def new_verification_code() -> str:
    return secrets.token_urlsafe(16)


class CertificateQuerySet(SealedQuerySet):
    """Certificates, with the one rule of validity on a date as a filter."""

    def valid_on(self, on):
        """Certificates valid on `on`: issued by then, not yet expired, not yet revoked or
        superseded. Read from dates only, never from today's status."""
        return self.filter(certificate_valid_q(on))

    def with_status_on(self, on):
        """Annotate `status_then`: the status as it stood on `on` ("" before issue), by the
        rule of `Certificate.status_on`."""
        from django.db.models import Case, F, Value, When

        return self.annotate(status_then=Case(
            When(issued_on__gt=on, then=Value("")),
            When(ended_on__lte=on, status__in=["revoked", "superseded"], then=F("status")),
            When(ended_on__lte=on, then=Value("revoked")),
            When(expires_on__lt=on, then=Value("expired")),
            default=Value("active"), output_field=models.CharField()))

    @staticmethod
    def valid_on_q(on, prefix: str = "") -> Q:
        """The same rule as a Q, for filters through a relation (e.g. prefix "certificates__")."""
        return certificate_valid_q(on, prefix)


class Certificate(SealedRecord):
    """A certificate a teacher holds: issued here through an application, or imported."""

    # What the seal covers (people.chain): what the verification page and the figures read.
    SEALED_FIELDS = ("number", "level_id", "teacher_id", "issued_on", "expires_on", "renewed_on",
                     "status", "ended_on", "source", "authority", "verification_code")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")
        SUPERSEDED = "superseded", _("Superseded")

    class Source(models.TextChoices):
        ISSUED = "issued", _("Issued here")
        IMPORTED = "imported", _("Imported")

    number = models.CharField(_("number"), max_length=64, unique=True)
    level = models.ForeignKey(CertificateLevel, on_delete=models.PROTECT,
                              related_name="certificates", verbose_name=_("level"))
    teacher = models.ForeignKey("people.Teacher", on_delete=models.PROTECT,
                                related_name="certificates", verbose_name=_("teacher"))
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    # Renewal restarts the window in which renewal hours are counted.
    renewed_on = models.DateField(_("last renewed on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.ACTIVE)
    # The day it stopped counting before its expiry: revoked or superseded (the date of that
    # event). Written only by the services that write the event; validity reads it.
    ended_on = models.DateField(_("revoked or superseded on"), null=True, blank=True,
                                editable=False)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices,
                              default=Source.ISSUED)
    authority = models.CharField(_("issuing authority"), max_length=120)
    verification_code = models.CharField(_("verification code"), max_length=43, unique=True,
                                         default=new_verification_code, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "number"]
        indexes = [
            models.Index(fields=["teacher", "status"]),
            models.Index(fields=["status", "expires_on"]),
        ]

    def __str__(self):
        return f"{self.number} ({self.level.code})"

    @property
    def stated_expiry(self):
        """The expiry to show: none for an imported certificate whose authority stated none."""
        return None if self.expires_on == NO_STATED_EXPIRY else self.expires_on

    def is_valid_on(self, on) -> bool:
        """Whether the certificate was (or will be) valid on `on`: the rule of `valid_on`."""
        return certificate_valid_on(issued_on=self.issued_on, expires_on=self.expires_on,
                                    ended_on=self.ended_on, on=on)

    def status_on(self, on) -> str | None:
        """The status as it stood on `on` (None before it was issued), from dates only."""
        if on < self.issued_on:
            return None
        if self.ended_on is not None and on >= self.ended_on:
            return self.status if self.status in (self.Status.REVOKED, self.Status.SUPERSEDED) \
                else self.Status.REVOKED
        return self.Status.ACTIVE if on <= self.expires_on else self.Status.EXPIRED


class CertificateNumberCounter(models.Model):
    """The last sequence number used per (region, level, year); locked while numbering."""

    region = models.CharField(max_length=32)
    level_code = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "level_code", "year"],
                                               name="certificatecounter_unique")]

    def __str__(self):
        return f"{self.region}-{self.level_code}-{self.year}: {self.last}"


class Application(SealedRecord):
    """A teacher's application for a level, decided by HR in scope."""

    # The decision and the certificate it issued (not the decider: users may be erased).
    SEALED_FIELDS = ("teacher_id", "level_id", "status", "certificate_id", "decided_at",
                     "created_at")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    teacher = models.ForeignKey("people.Teacher", on_delete=models.CASCADE,
                                related_name="certificate_applications",
                                verbose_name=_("teacher"))
    level = models.ForeignKey(CertificateLevel, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("level"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    eligibility = models.JSONField(_("eligibility snapshot"), default=dict, blank=True)
    certificate = models.OneToOneField(Certificate, on_delete=models.SET_NULL, null=True,
                                       blank=True, related_name="application",
                                       verbose_name=_("certificate"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)

    class Meta:
        verbose_name = _("certificate application")
        verbose_name_plural = _("certificate applications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["teacher", "level"], condition=Q(status="pending"),
                                    name="application_one_pending"),
        ]

    def __str__(self):
        return _("%(teacher)s applies for %(level)s (%(status)s)") % {
            "teacher": self.teacher.name, "level": self.level.code,
            "status": self.get_status_display()}


class CertificateEvent(models.Model):
    """One change in a certificate's life, with who made it and why."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("Issued")
        IMPORTED = "imported", _("Imported")
        RENEWED = "renewed", _("Renewed")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")
        SUPERSEDED = "superseded", _("Superseded")

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE,
                                    related_name="events", verbose_name=_("certificate"))
    kind = models.CharField(pgettext_lazy("certificate history", "event"), max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now, editable=False)
    note = models.TextField(_("note"), blank=True)
    # The hash chain of the holder's certificate events (certification.records).
    chain_seq = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    prev_digest = models.CharField(max_length=64, blank=True, editable=False)
    digest = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("certificate event")
        verbose_name_plural = _("certificate events")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.certificate.number} · {self.get_kind_display()}"


class Reminder(models.Model):
    """A reminder e-mail already sent, so each one goes out once (key names what and when)."""

    key = models.CharField(max_length=120, unique=True)
    teacher = models.ForeignKey("people.Teacher", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.key


# An imported certificate whose authority states no expiry (有效期至 left blank) is valid with no
# end: it carries this day, which sheets and pages show as blank.
NO_STATED_EXPIRY = date(9999, 12, 31)


class AuthorityValidityRule(models.Model):
    """How long an outside authority's certificates are valid when its sheet leaves 有效期至
    blank (city HR set it in the admin). Without a rule, a blank expiry is "no stated expiry"."""

    authority = models.CharField(_("issuing authority"), max_length=120, unique=True)
    validity_years = models.PositiveSmallIntegerField(_("validity (years)"))

    class Meta:
        verbose_name = _("authority validity rule")
        verbose_name_plural = _("authority validity rules")
        ordering = ["authority"]

    def __str__(self):
        return f"{self.authority} · {self.validity_years}"
