from django.urls import reverse

from certification.models import CertificateLevel
from certification.services import certificate_revoke
from tests.factories import district_hr, staff

from .builders import certificate


def test_only_city_hr_may_edit_levels(client, tree):
    level = CertificateLevel.objects.get(code="C")
    url = reverse("certificate_levels:edit", args=[level.pk])
    client.force_login(district_hr(tree["district_x"]))
    assert client.get(url).status_code in (302, 403)
    client.force_login(staff("city_hr", tree["city"]))
    assert client.get(url).status_code == 200
    data = {"code": "C", "name": level.name, "rank": 1, "prerequisite": "",
            "hours_required": "30", "hours_window_years": 5, "validity_years": 5,
            "renewal_hours": "24"}
    assert client.post(url, data).status_code == 302
    level.refresh_from_db()
    assert level.hours_required == 30


def test_certificate_history_scoped_in_admin(client, tree, teacher_a, teacher_b):
    mine, theirs = certificate(teacher_a, "C"), certificate(teacher_b, "C")
    hr = district_hr(tree["district_x"])
    certificate_revoke(certificate=mine, revoked_by=hr, reason="证件造假")
    client.force_login(hr)
    listing = client.get(reverse("certificates:index")).content.decode()
    assert mine.number in listing and theirs.number not in listing
    inspect = client.get(reverse("certificates:inspect", args=[mine.pk]))
    assert inspect.status_code == 200 and "证件造假" in inspect.content.decode()
    assert client.get(reverse("certificates:inspect", args=[theirs.pk])).status_code == 404
    events = client.get(reverse("certificate_events:index")).content.decode()
    assert "证件造假" in events


def test_city_hr_sets_a_district_target_and_the_rates_follow(client, tree):
    from datetime import date

    from certification.models import HoldingTarget, NewTeacherPeriod
    from certification.selectors import holding_rates

    # The migration keeps today's values: C 80% and twelve months, everywhere.
    assert HoldingTarget.objects.get(organisation=None).percent == 80
    assert NewTeacherPeriod.objects.get(organisation=None).months == 12
    client.force_login(district_hr(tree["district_x"]))
    assert client.get(reverse("holding_targets:add")).status_code in (302, 403)
    client.force_login(staff("city_hr", tree["city"]))
    response = client.post(reverse("holding_targets:add"), {
        "organisation": tree["district_x"].pk, "level": CertificateLevel.objects.get(code="C").pk,
        "percent": "100"})
    assert response.status_code == 302
    assert client.post(reverse("new_teacher_periods:add"), {
        "organisation": tree["district_y"].pk, "months": "6"}).status_code == 302
    rows = {r.organisation.name: r for r in holding_rates(tree["city"], on=date(2024, 6, 30))}
    assert rows["甲一中"].targets["C"] == 100 and rows["乙一中"].targets["C"] == 80
    assert rows["示范市"].target("C") == 0.8
