"""The shipped policies are examples until city HR confirm them: a first-run checklist reached by
clicking from city HR's home page lists each as "示例，未确认"; the staff dashboards show a banner
while any is unconfirmed; only the city's HR confirm, once, in the audit log."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from certification.policies import POLICIES, policies_unconfirmed, policy_confirm
from people.models import AuditEntry, StaffRole
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_hr(tree):
    return factories.staff(StaffRole.Role.CITY_HR, tree["city"])


def test_city_hr_reach_the_checklist_from_the_home_page_and_see_six_examples(client, city_hr):
    client.force_login(city_hr)
    home = client.get("/").content.decode()
    link = re.search(r'href="([^"]+)">首次使用清单<', home)
    assert link, "the checklist is one click from the home page"
    page = client.get(link.group(1)).content.decode()
    # Targets, staffing rules, hours, credits, event presence and calendar: six, each still an
    # example.
    assert page.count(">示例，未确认</span>") == len(POLICIES) == 6
    assert "还有 6 项规则为示例，未确认。" in page
    for words in ("持证率目标", "心理教师配备规则", "继续教育学时", "工作量折算与班主任工作量标准", "校历",
                  "南沙区已达到的水平，并非规定"):
        assert words in page


def test_the_dashboards_show_a_banner_until_every_policy_is_confirmed(client, tree, city_hr):
    hr = factories.district_hr(tree["district_x"])
    client.force_login(hr)
    for url in (reverse("certification:dashboard"), reverse("certification:holding_rates"),
                reverse("certification:workload_report")):
        assert "以下数据所依据的规则仍为示例" in client.get(url).content.decode(), url
    # District HR see the banner but confirm nothing.
    with pytest.raises(PermissionDenied):
        policy_confirm(key="holding_targets", organisation=tree["district_x"], by=hr)
    client.force_login(city_hr)
    for policy in POLICIES[:-1]:
        assert client.post(reverse("certification:policy_checklist"),
                           {"policy": policy.key}).status_code == 302
    assert [p.key for p in policies_unconfirmed(organisation=tree["school_a"])] == ["school_calendar"]
    client.post(reverse("certification:policy_checklist"), {"policy": "school_calendar"})
    assert policies_unconfirmed(organisation=tree["school_a"]) == []
    client.force_login(hr)
    assert "以下数据所依据的规则仍为示例" not in client.get(reverse("certification:dashboard")).content.decode()
    # Confirming twice records once.
    policy_confirm(key="school_calendar", organisation=tree["city"], by=city_hr)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.POLICY_CONFIRM).count() == 6


def test_district_hr_cannot_open_the_checklist(client, tree):
    client.force_login(factories.district_hr(tree["district_x"]))
    assert client.get(reverse("certification:policy_checklist")).status_code == 403
