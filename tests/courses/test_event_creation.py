"""Trainers, school admins and district or city HR create offline events for their own scope,
from the site's 新建活动 link into the admin's form, and a reviewer publishes them."""

import re

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from courses.models import EventPage
from courses.services import learning_publishing_setup
from people.models import StaffRole
from tests import factories
from tests.html_text import visible_text

from .test_events import event_index

pytestmark = pytest.mark.django_db


def event_form(organiser, **extra):
    data = nested_form_data({
        "title": "校园心理危机个案研讨", "slug": "case-study", "kind": "case", "summary": "",
        "place": "区教师发展中心", "category": "crisis", "organiser": organiser.pk,
        "sessions": inline_formset([{"starts_at": "2026-03-02 09:00", "ends_at": "2026-03-02 11:30",
                                     "credit_hours": "2.5"}], min=1),
        "organisation": organiser.pk, "capacity": "0", "signup_mode": "open",
        "signup_deadline": "", "hired_after": "", "hired_before": "",
        "comments": inline_formset([]), **extra,
    })
    data["action-submit"] = "1"
    return data


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)[1]
    return [visible_text(label).strip() for attrs, label in
            re.findall(r"<option([^>]*)>(.*?)</option>", select, re.S) if 'value=""' not in attrs]


ROLES = {
    "trainer": (StaffRole.Role.TRAINER, "district_x"),
    "school_admin": (StaffRole.Role.SCHOOL_ADMIN, "school_a"),
    "district_hr": (StaffRole.Role.DISTRICT_HR, "district_x"),
    "city_hr": (StaffRole.Role.CITY_HR, "city"),
}


@pytest.mark.parametrize("who", sorted(ROLES))
def test_each_organising_role_creates_an_event_for_its_own_scope(client, tree, who):
    index = event_index()
    learning_publishing_setup()
    role, where = ROLES[who]
    user = factories.staff(role, tree[where])
    reviewer = factories.staff(StaffRole.Role.REVIEWER, tree["city"])
    client.force_login(user)

    # The site leads there: the events section (and the organisers' own list) offer 新建活动.
    page = visible_text(client.get(index.url).content.decode())
    assert "新建活动" in page and "提交后由审核员审核发布" in page
    add = reverse("wagtailadmin_pages:add", args=("courses", "eventpage", index.pk))
    assert f'href="{add}"' in client.get(index.url).content.decode()
    if who != "trainer":
        assert f'href="{add}"' in client.get(reverse("courses:event_manage_list")).content.decode()

    form = client.get(add)
    assert form.status_code == 200
    organisers = options(form.content.decode(), "organiser")
    expected = {"trainer": ["甲区", "甲镇", "甲一中", "甲二小"], "school_admin": ["甲一中"],
                "district_hr": ["甲区", "甲镇", "甲一中", "甲二小"],
                "city_hr": ["示范市", "甲区", "甲镇", "甲一中", "甲二小", "乙区", "乙镇", "乙一中", "乙二小"]}
    assert sorted(organisers) == sorted(expected[who])
    assert options(form.content.decode(), "organisation") == organisers

    if who != "city_hr":
        # Another district is not theirs to name, even by a forged post.
        refused = client.post(add, event_form(tree["district_y"]))
        assert refused.status_code == 200 and not EventPage.objects.exists()

    response = client.post(add, event_form(tree[where]))
    assert response.status_code == 302
    ev = EventPage.objects.get()
    assert ev.organiser == tree[where] and not ev.live
    assert ev.current_workflow_state.status == "in_progress"
    if who != "trainer":
        listed = visible_text(client.get(reverse("courses:event_manage_list")).content.decode())
        assert "校园心理危机个案研讨（尚未发布）" in listed.replace(" ", "")

    client.force_login(reviewer)
    task_state = ev.current_workflow_task_state
    client.post(reverse("wagtailadmin_pages:workflow_action", args=(ev.pk, "approve", task_state.pk)))
    ev.refresh_from_db()
    assert ev.live


def test_a_teacher_is_offered_no_new_event(client, tree):
    index = event_index()
    learning_publishing_setup()
    client.force_login(factories.TeacherFactory(school=tree["school_a"]).user)
    assert "新建活动" not in visible_text(client.get(index.url).content.decode())


def test_the_demo_seeds_the_events_section_with_the_districts_event(db):
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", "--teachers", "0", stdout=StringIO())
    from django.test import Client

    from people.demo import DEMO_PASSWORD

    client = Client()
    client.login(username="districthr", password=DEMO_PASSWORD)
    section = client.get(reverse("courses:event_index"), follow=True)
    assert section.status_code == 200 and "线下活动" in visible_text(section.content.decode())
    listed = visible_text(client.get(reverse("courses:event_manage_list")).content.decode())
    assert "心理危机识别与干预线下培训" in listed and "新建活动" in listed

