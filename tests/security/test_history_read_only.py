"""History in the Wagtail admin is read-only: every registered admin viewset is walked, and none
may add, edit or delete a history record, not even for a superuser. Inspecting stays."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.viewsets import viewsets
from wagtail.permissions import policy_registry

from certification.models import (
    Application,
    Certificate,
    CertificateEvent,
    TrainingEntry,
    WorkloadDecision,
)
from certification.services import certificate_revoke
from courses.models import CourseCompletion
from people.models import AuditEntry
from tests.certification.builders import certificate, hours, level
from tests.courses import builders as course_builders
from tests.factories import UserFactory, district_hr

# The models whose rows are history: written by services only, never edited in a screen.
HISTORY_MODELS = {TrainingEntry, CourseCompletion, CertificateEvent, Application, AuditEntry,
                  Certificate, WorkloadDecision}


@pytest.fixture
def records(tree, teacher_a):
    hr = district_hr(tree["district_x"])
    cert = certificate(teacher_a, "C")
    certificate_revoke(certificate=cert, revoked_by=hr, reason="测试撤销")
    course = course_builders.course(quiz=False)
    completion = CourseCompletion.objects.create(user=teacher_a.user, course=course,
                                                 hours=Decimal("6.0"))
    return {
        TrainingEntry: hours(teacher_a, 4, timezone.localdate()),
        CourseCompletion: completion,
        CertificateEvent: cert.events.first(),
        Application: Application.objects.create(teacher=teacher_a, level=level("C")),
        AuditEntry: AuditEntry.objects.first(),
        Certificate: cert,
    }


@pytest.fixture
def superuser(db, client):
    user = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(user)
    client.get(reverse("wagtailadmin_home"))  # the admin's URLconf registers the viewsets
    return user


def test_no_admin_viewset_adds_edits_or_deletes_history(client, superuser, records):
    shown = set()
    for viewset in viewsets.viewsets:
        model = getattr(viewset, "model", None)
        if model not in HISTORY_MODELS:
            continue
        shown.add(model)
        policy = policy_registry.get_by_type(model)
        for action in ("add", "change", "delete"):
            assert not policy.user_has_permission(superuser, action), (viewset, action)
        obj = records[model]
        obj.refresh_from_db()
        before = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}
        for name, args in (("add", []), ("edit", [obj.pk]), ("delete", [obj.pk])):
            url = reverse(viewset.get_url_name(name), args=args)
            # The admin turns a refusal into a redirect home with a message.
            assert client.get(url).status_code in (302, 403), (viewset, name)
            assert client.post(url, {"hours": "99", "note": "forged", "reason": "forged"}
                               ).status_code in (302, 403), (viewset, name)
        obj.refresh_from_db()
        assert {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields} == before
        inspect = client.get(reverse(viewset.get_url_name("inspect"), args=[obj.pk]))
        assert inspect.status_code == 200, viewset
        listing = client.get(reverse(viewset.get_url_name("index"))).content.decode()
        assert reverse(viewset.get_url_name("edit"), args=[obj.pk]) not in listing
    # The screens the admin has today are all among those walked.
    assert {CourseCompletion, CertificateEvent, Application, Certificate} <= shown


def test_a_completions_hours_cannot_be_changed_in_the_admin(client, superuser, records):
    completion = records[CourseCompletion]
    url = reverse("course_completions:edit", args=[completion.pk])
    assert client.post(url, {"hours": "60.0"}).status_code in (302, 403)
    completion.refresh_from_db()
    assert completion.hours == Decimal("6.0")
    page = client.get(reverse("course_completions:inspect", args=[completion.pk]))
    assert page.status_code == 200 and "6.0" in page.content.decode()
