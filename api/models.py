"""Service accounts of the HTTP API: who calls, over which organisation, for which purposes."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ServiceAccount(models.Model):
    """Another system (a provincial platform, the personnel system, a school's app) calling the
    API. It reads and writes as a staff user with its purposes over its organisation's subtree
    would: `user` is that identity (it cannot log in), and `purposes` narrow it further."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    organisation = models.ForeignKey("people.Organisation", on_delete=models.PROTECT,
                                     related_name="service_accounts",
                                     verbose_name=_("organisation"))
    purposes = models.JSONField(_("purposes"), default=list)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="service_account", editable=False)
    rate_per_minute = models.PositiveIntegerField(_("calls per minute"), default=600)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+", editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("service account")
        verbose_name_plural = _("service accounts")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ApiKey(models.Model):
    """One key of a service account: only its prefix and the hash of its secret are kept."""

    account = models.ForeignKey(ServiceAccount, on_delete=models.CASCADE, related_name="keys")
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self):
        return f"{self.account} · {self.prefix}"


class HoursPush(models.Model):
    """One push of hours under an idempotency key: a replay returns what the first answered."""

    account = models.ForeignKey(ServiceAccount, on_delete=models.PROTECT, related_name="pushes")
    key = models.CharField(max_length=128)
    payload_digest = models.CharField(max_length=64)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "key"], name="api_push_once")]

    def __str__(self):
        return f"{self.account_id} · {self.key}"


class ApiCall(models.Model):
    """Every call, answered or refused: who, what, when, and the answer's status."""

    account = models.ForeignKey(ServiceAccount, on_delete=models.SET_NULL, null=True,
                                related_name="calls")
    key_prefix = models.CharField(max_length=16, blank=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    status = models.PositiveSmallIntegerField()
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("API call")
        verbose_name_plural = _("API calls")
        indexes = [models.Index(fields=["account", "-at"])]

    def __str__(self):
        return f"{self.method} {self.path} {self.status}"


class WebhookSubscription(models.Model):
    """A URL of another system told when certificates and declarations change in the account's
    scope; each payload is signed with the subscription's secret."""

    class Event(models.TextChoices):
        CERTIFICATE_ISSUED = "certificate.issued", _("Certificate issued")
        CERTIFICATE_RENEWED = "certificate.renewed", _("Certificate renewed")
        CERTIFICATE_REVOKED = "certificate.revoked", _("Certificate revoked")
        DECLARATION_DECIDED = "declaration.decided", _("Declared hours decided")

    account = models.ForeignKey(ServiceAccount, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("address"), max_length=500)
    events = models.JSONField(_("event types"), default=list)
    secret = models.CharField(max_length=64, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self):
        return self.url


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one subscription, with its attempts."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE,
                                     related_name="deliveries")
    event = models.CharField(max_length=32)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.event} → {self.subscription_id} ({self.status})"
