"""Workload credit rates and the head-teacher norm per organisation, the nearest applying (as
holding targets do): a district's rate changes only its own schools' credit, district HR edit
only their own rows, and the norm's default row is the setting's value (the seeds promise
counsellors "班主任同等待遇")."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from certification.models import WorkloadCreditRate, WorkloadNorm
from certification.workload import selectors
from people.models import StaffRole
from tests import factories

from .builders import activity, approved, counsellor, entry

pytestmark = pytest.mark.django_db
SPRING_2024 = {"term_start": date(2024, 2, 1), "term_end": date(2024, 7, 31)}


def test_a_districts_rate_applies_to_its_schools_only(tree):
    WorkloadCreditRate.objects.create(organisation=tree["district_x"],
                                      activity_type=activity("psychology_class"),
                                      credit_per_unit=Decimal("1.5"))
    x, y = counsellor(tree["school_a"]), counsellor(tree["school_b"])
    pending_y = entry(y, code="psychology_class", quantity=4, group_size=40, submit=True)
    # By hand: 4 classes × 1.5 in district X; 4 × 1.00 (the type's own rate) in district Y.
    done_x = approved(x, factories.school_admin(tree["school_a"]), code="psychology_class",
                      quantity=4, group_size=40)
    assert done_x.credit == Decimal("6.00")
    assert pending_y.credit == Decimal("4.00")
    done_y = approved(y, factories.school_admin(tree["school_b"]), code="psychology_class",
                      quantity=4, group_size=40)
    assert done_y.credit == Decimal("4.00")


def test_the_nearest_norm_applies_and_the_default_row_is_the_settings_value(tree):
    assert WorkloadNorm.objects.get(organisation=None).units == Decimal("120")
    WorkloadNorm.objects.create(organisation=tree["district_x"], units=Decimal("90"))
    hr = factories.staff(StaffRole.Role.CITY_HR, tree["city"])
    x, y = counsellor(tree["school_a"], name="甲"), counsellor(tree["school_b"], name="乙")
    approved(x, factories.school_admin(tree["school_a"]), code="crisis_case", quantity=6,
             note="首次干预")
    approved(y, factories.school_admin(tree["school_b"]), code="crisis_case", quantity=6,
             note="首次干预")
    rows = {r.teacher.name: r for r in selectors.workload_term_report(user=hr, **SPRING_2024).counsellors}
    # 6 cases × 3 = 18 units: 18 / 90 = 0.20 in district X, 18 / 120 = 0.15 in district Y.
    assert (rows["甲"].norm, rows["甲"].ratio) == (Decimal("90"), Decimal("0.20"))
    assert (rows["乙"].norm, rows["乙"].ratio) == (Decimal("120"), Decimal("0.15"))


def test_district_hr_edit_only_their_own_rows(client, tree):
    own = WorkloadCreditRate.objects.create(organisation=tree["district_x"],
                                            activity_type=activity("room_duty"),
                                            credit_per_unit=Decimal("0.8"))
    other = WorkloadCreditRate.objects.create(organisation=tree["district_y"],
                                              activity_type=activity("room_duty"),
                                              credit_per_unit=Decimal("0.6"))
    client.force_login(factories.district_hr(tree["district_x"]))
    listing = client.get(reverse("workload_credit_rates:index")).content.decode()
    assert "甲区" in listing and "乙区" not in listing
    assert client.get(reverse("workload_credit_rates:edit", args=[other.pk])).status_code == 404
    assert client.get(reverse("workload_credit_rates:edit", args=[own.pk])).status_code == 200
    # Nor can they write a rule for another district, nor change the shared table.
    response = client.post(reverse("workload_credit_rates:add"), {
        "organisation": tree["district_y"].pk, "activity_type": activity("room_duty").pk,
        "credit_per_unit": "5"})
    assert response.status_code == 200 and "organisation" in response.context["form"].errors
    assert WorkloadCreditRate.objects.get(pk=other.pk).credit_per_unit == Decimal("0.6")
    response = client.get(reverse("workload_activity_types:edit", args=[activity("room_duty").pk]))
    assert response.status_code in (302, 403)
