"""The demo: a few generated teachers without e-mail hold activation codes, printed by
seed_demo, the same on every run, and they work at /accounts/activate/."""

import io

from django.contrib.auth import get_user
from django.core.management import call_command
from django.urls import reverse

from people.models import ActivationCode, AuditEntry


def test_seed_demo_prints_working_codes_and_stays_idempotent(client, db):
    first, second = io.StringIO(), io.StringIO()
    call_command("seed_demo", "--teachers", "60", "--people-only", stdout=first)
    call_command("seed_demo", "--teachers", "60", "--people-only", stdout=second)
    lines = first.getvalue().split("/accounts/activate/")[1].splitlines()[1:]
    codes = [line.split() for line in lines if line.strip().startswith("T")]
    # 60 teachers over 40 schools: the demo school has two of them (the default demo, 15).
    assert len(codes) == 2 and second.getvalue().endswith(first.getvalue().split("Demo accounts")[1])
    assert ActivationCode.objects.count() == 2
    assert AuditEntry.objects.filter(action=AuditEntry.Action.ACTIVATION_ISSUE).count() == 1
    number, code = codes[0]
    client.post(reverse("account_activate"), {"employee_no": number, "code": code,
                                              "password1": "Lantern-on-the-hill-9",
                                              "password2": "Lantern-on-the-hill-9"})
    assert get_user(client).username == number
