"""Default activity types, who may edit them, and the idempotent demo seed."""

import io
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from certification.models import WorkloadActivityType, WorkloadDecision, WorkloadEntry
from certification.workload import demo, selectors
from certification.workload.defaults import DEFAULT_ACTIVITY_TYPES, ensure_default_activity_types
from people.models import StaffRole
from tests import factories

from .builders import counsellor

pytestmark = pytest.mark.django_db


def test_the_migration_added_the_default_types_from_the_seeds():
    codes = set(WorkloadActivityType.objects.values_list("code", flat=True))
    assert codes == {row[0] for row in DEFAULT_ACTIVITY_TYPES}
    duty = WorkloadActivityType.objects.get(code="room_duty")
    assert duty.is_hourly and duty.is_room_duty
    assert WorkloadActivityType.objects.get(code="crisis_case").needs_evidence_note


def test_defaults_keep_hr_edits():
    WorkloadActivityType.objects.filter(code="psychology_class").update(credit_per_unit=2, name="心理课")
    WorkloadActivityType.objects.filter(code="screening").delete()
    assert ensure_default_activity_types() == 1
    kept = WorkloadActivityType.objects.get(code="psychology_class")
    assert (kept.name, kept.credit_per_unit) == ("心理课", 2)


def test_city_hr_edit_types_district_hr_their_rates_and_school_admins_only_view(tree):
    def perms(name, model="workloadactivitytype"):
        return set(Group.objects.get(name=name).permissions.filter(
            codename__endswith=model).values_list("codename", flat=True))

    # The shared table is city HR's; a district sets its own rates as overrides.
    assert perms("District HR") == {"view_workloadactivitytype"}
    assert {"add_workloadcreditrate", "change_workloadcreditrate"} <= perms("District HR", "workloadcreditrate")
    assert {"add_workloadactivitytype", "change_workloadactivitytype"} <= perms("City HR")
    assert perms("School admins") == {"view_workloadactivitytype"}
    hr = factories.district_hr(tree["district_x"])
    assert not hr.has_perm("certification.change_workloadactivitytype")
    assert factories.staff(StaffRole.Role.CITY_HR, tree["city"]).has_perm("certification.change_workloadactivitytype")
    assert not factories.school_admin(tree["school_a"]).has_perm("certification.change_workloadactivitytype")


def test_an_inactive_type_is_not_offered(client, tree):
    from django.urls import reverse

    WorkloadActivityType.objects.filter(code="screening").update(active=False)
    me = counsellor(tree["school_a"])
    client.force_login(me.user)
    html = client.get(reverse("certification:workload_entry_create")).content.decode()
    assert "心理健康筛查" not in html and "心理辅导室值班" in html


def test_demo_seed_is_idempotent(tree):
    school = tree["school_a"]
    me = counsellor(school)
    counsellor(school, part_time=True)
    counsellor(tree["school_a2"])
    admin = factories.school_admin(school)
    city = SimpleNamespace(
        city=tree["city"], districts=[tree["district_x"], tree["district_y"]],
        schools=[school, tree["school_a2"]], demo_school=school, demo_district=tree["district_x"],
        accounts={"counsellor": me.user, "school_admin": admin,
                  "admin": factories.UserFactory(is_superuser=True)},
    )
    out = io.StringIO()
    demo.seed(city=city, stdout=out)
    count, decisions = WorkloadEntry.objects.count(), WorkloadDecision.objects.count()
    assert count > 60 and "workload:" in out.getvalue()
    assert not WorkloadEntry.objects.filter(date__gt=timezone.localdate()).exists()
    assert WorkloadEntry.objects.filter(teacher=me, status="approved").exists()
    demo.seed(city=city, stdout=io.StringIO())
    assert (WorkloadEntry.objects.count(), WorkloadDecision.objects.count()) == (count, decisions)

    term = selectors.workload_term_containing(timezone.localdate()) or \
        selectors.workload_term_recent(today=timezone.localdate())[0]
    report = selectors.workload_term_report(user=admin, term_start=term.start, term_end=term.end)
    assert {r.teacher for r in report.counsellors} == set(
        me.school.teachers.filter(role__in=["full_time_counsellor", "part_time_counsellor"]))
    assert all(r.total > 0 for r in report.counsellors)
