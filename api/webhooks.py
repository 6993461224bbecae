"""Webhooks: certificate and declaration events in a service account's scope, delivered to its
subscriptions through Celery, signed, retried with growing delays, each attempt recorded.

Signature: header `X-Xinyu-Signature: t=<unix seconds>,v1=<hex>`, where v1 is HMAC-SHA256 of
"<t>.<body>" under the subscription's secret (shown once when it was created)."""

import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from certification.models import CertificateEvent
from people import purposes

from .models import WebhookDelivery, WebhookSubscription

log = logging.getLogger(__name__)

Event = WebhookSubscription.Event
MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 10
# Which purpose an account needs for an event, and which certificate events are sent.
EVENT_PURPOSE = {
    Event.CERTIFICATE_ISSUED: purposes.CERTIFICATE_ROSTER,
    Event.CERTIFICATE_RENEWED: purposes.CERTIFICATE_ROSTER,
    Event.CERTIFICATE_REVOKED: purposes.CERTIFICATE_ROSTER,
    Event.DECLARATION_DECIDED: purposes.DECLARATION_DECISION,
}
CERTIFICATE_EVENTS = {
    CertificateEvent.Kind.ISSUED: Event.CERTIFICATE_ISSUED,
    CertificateEvent.Kind.RENEWED: Event.CERTIFICATE_RENEWED,
    CertificateEvent.Kind.REVOKED: Event.CERTIFICATE_REVOKED,
}


def events_allowed(account) -> list[str]:
    return [event for event, purpose in EVENT_PURPOSE.items() if purpose.key in account.purposes]


def subscription_create(*, account, url: str, events: list[str]) -> tuple[WebhookSubscription, str]:
    """A subscription and its secret (returned this once)."""
    secret = secrets.token_hex(32)
    subscription = WebhookSubscription.objects.create(account=account, url=url,
                                                      events=sorted(set(events)), secret=secret)
    return subscription, secret


def sign(secret: str, body: bytes, at: int) -> str:
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def _subscriptions() -> list[WebhookSubscription]:
    """Every live subscription, read once per batch of events (usually none at all)."""
    return list(WebhookSubscription.objects.filter(is_active=True, account__is_active=True)
                .select_related("account", "account__organisation"))


def _queue(subscriptions, event: str, school_path: str, data: dict) -> None:
    listeners = [s for s in subscriptions
                 if event in s.events and school_path.startswith(s.account.organisation.path)
                 and EVENT_PURPOSE[event].key in s.account.purposes]
    for subscription in listeners:
        delivery = WebhookDelivery.objects.create(
            subscription=subscription, event=event,
            payload={"event": event, "occurred_at": timezone.now().isoformat(), "data": data})
        transaction.on_commit(lambda pk=str(delivery.pk): webhook_deliver.delay(pk), robust=True)


def certificate_events_recorded(sender, events, **kwargs):
    wanted = [e for e in events if e.kind in CERTIFICATE_EVENTS]
    subscriptions = _subscriptions() if wanted else []
    if not subscriptions:
        return
    for event in wanted:
        certificate = event.certificate
        teacher = certificate.teacher
        _queue(subscriptions, CERTIFICATE_EVENTS[event.kind], teacher.school.path, {
            "number": certificate.number, "level": certificate.level.code,
            "employee_no": teacher.employee_no, "issued_on": certificate.issued_on.isoformat(),
            "expires_on": certificate.expires_on.isoformat() if certificate.expires_on else None,
            "status": certificate.status})


def declaration_decided(sender, declaration, **kwargs):
    subscriptions = _subscriptions()
    if not subscriptions:
        return
    teacher = declaration.teacher
    _queue(subscriptions, Event.DECLARATION_DECIDED, teacher.school.path, {
        "id": declaration.pk, "employee_no": teacher.employee_no, "status": declaration.status,
        "hours": str(declaration.hours), "title": declaration.title})


@shared_task(bind=True, acks_late=True, max_retries=MAX_ATTEMPTS - 1)
def webhook_deliver(self, delivery_id: str) -> None:
    """POST one delivery; on failure retry later (30 s, 60 s, 120 s … ), then give up."""
    delivery = (WebhookDelivery.objects.select_related("subscription")
                .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING).first())
    if delivery is None:
        return
    body = json.dumps({"id": str(delivery.pk), **delivery.payload}, ensure_ascii=False).encode()
    request = urllib.request.Request(delivery.subscription.url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "X-Xinyu-Event": delivery.event,
        "X-Xinyu-Delivery": str(delivery.pk),
        "X-Xinyu-Signature": sign(delivery.subscription.secret, body, int(time.time()))})
    error = ""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            if not 200 <= response.status < 300:
                error = f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        error = f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        error = str(getattr(exc, "reason", exc))[:300]
    attempts = delivery.attempts + 1
    if not error:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDelivery.Status.DELIVERED, attempts=attempts, last_error="",
            delivered_at=timezone.now())
        return
    final = attempts >= MAX_ATTEMPTS
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=attempts, last_error=error,
        status=WebhookDelivery.Status.FAILED if final else WebhookDelivery.Status.PENDING)
    if not final:
        log.warning("Webhook %s to %s failed (%s); retrying", delivery.pk, delivery.subscription.url,
                    error)
        raise self.retry(countdown=30 * 2 ** (attempts - 1))
