"""Pages of people, courses and certification take hr's links from hr's hook (people.links), so
they render when hr is not installed: no hook, no hr URLs, the page still answers."""

import pytest
from django.urls import reverse
from wagtail import hooks

from lms import urls as site_urls
from people.links import PAGE_LINKS
from tests.factories import district_hr

pytestmark = pytest.mark.django_db

# The site without hr's URLs: a page that still named one would fail to render.
urlpatterns = [pattern for pattern in site_urls.urlpatterns if getattr(pattern, "namespace", None) != "hr"]


@pytest.fixture
def without_hr(monkeypatch):
    hooks.get_hooks(PAGE_LINKS)  # every app's hooks loaded first, then hr's taken away
    monkeypatch.setitem(hooks._hooks, PAGE_LINKS, [])


def test_hr_adds_its_links_through_its_hook(client, tree, teacher_a):
    client.force_login(district_hr(tree["district_x"]))
    record = client.get(reverse("certification:teacher_record", args=[teacher_a.pk])).content.decode()
    assert reverse("hr:teacher_data_export", args=[teacher_a.pk]) in record and "下载个人信息（JSON）" in record
    log = client.get(reverse("people:audit_log")).content.decode()
    assert f'href="{reverse("hr:desk")}">← 人事工作台' in log


@pytest.mark.urls("tests.people.test_page_links")
def test_pages_render_without_hr(client, tree, teacher_a, without_hr):
    client.force_login(district_hr(tree["district_x"]))
    record = client.get(reverse("certification:teacher_record", args=[teacher_a.pk]))
    assert record.status_code == 200
    page = record.content.decode()
    assert "/hr/" not in page and "下载个人信息" not in page and "个人信息" not in page
    log = client.get(reverse("people:audit_log"))
    assert log.status_code == 200 and "人事工作台" not in log.content.decode()
