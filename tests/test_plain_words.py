"""Screens that showed English or raw values to Chinese readers: each reads in words now."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from tests import factories
from tests.html_text import visible_text

pytestmark = pytest.mark.django_db


def test_the_home_page_title_names_the_site_once(client):
    html = client.get("/").content.decode()
    title = html.split("<title>")[1].split("</title>")[0].strip()
    assert title == "心育研修 · 教师心理健康培训与证书管理"


def test_an_events_kind_reads_training_and_the_course_panel_training_settings():
    from courses.models import EventPage

    with translation.override("zh-hans"):
        assert EventPage(kind="training").get_kind_display() == "培训"
        assert str(EventPage._meta.get_field("kind").choices[0][1]) == "培训"


def test_the_parent_reach_export_is_named_in_chinese():
    from hr.exports import EXPORTS

    with translation.override("zh-hans"):
        assert EXPORTS["parent_reach"].title == "家长学校开展情况"


def test_staffing_rules_list_per_stage_as_yes_or_no(client, tree):
    from people.models import StaffingRule, StaffRole

    StaffingRule.objects.create(organisation=tree["district_x"], stage="", min_students=0,
                                full_time_required=1, per_stage=True)
    client.force_login(factories.staff(StaffRole.Role.CITY_HR, tree["city"]))
    page = visible_text(client.get(reverse("staffing_rules:index")).content.decode())
    assert "True" not in page and "False" not in page
    assert re.search(r"甲区\s+0\s+仅计专职心理教师\s+1\s+是", page), page
