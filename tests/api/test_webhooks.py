"""Webhooks as the receiving system sees them: a real HTTP server on loopback gets a signed
payload when a certificate in the account's scope is issued or revoked; another district's
subscription hears nothing; a receiver that keeps failing is retried a bounded number of times."""

import hashlib
import hmac
import io
import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from celery.exceptions import Retry
from django.core.management import call_command

from api.models import WebhookDelivery
from api.webhooks import MAX_ATTEMPTS, webhook_deliver
from certification.services import certificate_issue, certificate_revoke
from people import purposes
from tests.certification.builders import level
from tests.factories import TeacherFactory, district_hr

pytestmark = pytest.mark.django_db


class Receiver:
    """An HTTP server on a free loopback port answering `status` and keeping what it got."""

    def __init__(self, status: int = 204):
        self.got: list[tuple[dict, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.got.append((dict(self.headers), body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers():
    made = []

    def make(status=204):
        made.append(Receiver(status))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


def _key(tree, org, *purpose_keys) -> str:
    out = io.StringIO()
    call_command("api_key", "create", "--name", f"hook-{org}-{len(purpose_keys)}", "--org",
                 tree[org].code, *[a for k in purpose_keys for a in ("--purpose", k)], stdout=out)
    return out.getvalue().strip()


def _subscribe(client, key, url, events):
    return client.post("/api/v1/webhooks/", {"url": url, "events": events},
                       content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")


def test_a_signed_payload_for_certificates_in_scope_and_nothing_for_another_district(
        client, tree, receivers, django_capture_on_commit_callbacks):
    ours, theirs = receivers(), receivers()
    key_x = _key(tree, "district_x", purposes.CERTIFICATE_ROSTER.key)
    key_y = _key(tree, "district_y", purposes.CERTIFICATE_ROSTER.key)
    made = _subscribe(client, key_x, ours.url, ["certificate.issued", "certificate.revoked"])
    assert made.status_code == 201
    secret = made.json()["secret"]
    assert _subscribe(client, key_y, theirs.url, ["certificate.issued"]).status_code == 201
    # Declared hours need their own purpose.
    refused = _subscribe(client, key_x, ours.url, ["declaration.decided"])
    assert refused.status_code == 400 and "declaration.decided" in refused.json()["events"][0]

    teacher = TeacherFactory(school=tree["school_a"])
    hr = district_hr(tree["district_x"])
    with django_capture_on_commit_callbacks(execute=True):
        cert = certificate_issue(teacher=teacher, level=level("C"), issued_on=date(2026, 3, 2),
                                 issued_by=hr)
    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke(certificate=cert, revoked_by=hr, reason="材料不实")

    assert theirs.got == []
    assert [json.loads(body)["event"] for _h, body in ours.got] == ["certificate.issued",
                                                                   "certificate.revoked"]
    headers, body = ours.got[0]
    payload = json.loads(body)
    assert payload["data"] == {"number": cert.number, "level": "C", "employee_no": teacher.employee_no,
                               "issued_on": "2026-03-02", "expires_on": payload["data"]["expires_on"],
                               "status": "active"}
    stamp, v1 = (part.split("=", 1)[1] for part in headers["X-Xinyu-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(v1, expected)
    assert headers["X-Xinyu-Delivery"] == payload["id"]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_a_failing_receiver_is_retried_a_bounded_number_of_times(
        client, tree, receivers, django_capture_on_commit_callbacks):
    broken = receivers(status=500)
    key = _key(tree, "district_x", purposes.CERTIFICATE_ROSTER.key)
    _subscribe(client, key, broken.url, ["certificate.issued"])
    teacher = TeacherFactory(school=tree["school_a"])
    with django_capture_on_commit_callbacks(execute=True):
        certificate_issue(teacher=teacher, level=level("C"), issued_on=date(2026, 3, 2),
                          issued_by=district_hr(tree["district_x"]))
    delivery = WebhookDelivery.objects.get()
    assert len(broken.got) == 1 and delivery.status == "pending"
    # Each later delivery as the broker makes it after its countdown (30 s, 60 s, 120 s …).
    retried = 0
    for attempt in range(1, MAX_ATTEMPTS + 2):
        try:
            webhook_deliver.apply(args=(str(delivery.pk),), retries=attempt)
        except Retry:
            retried += 1
    delivery.refresh_from_db()
    assert retried == MAX_ATTEMPTS - 2  # the last attempt gives up, and a late one does nothing
    assert len(broken.got) == MAX_ATTEMPTS
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("failed", MAX_ATTEMPTS,
                                                                         "HTTP 500")
