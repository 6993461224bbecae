"""The dashboard's and rates page's figures are computed once and shared for
STAFF_FIGURES_MAX_AGE seconds: a reload inside that age reads them back (the page says when
they were computed, on Shanghai's clock); the first view after it still gets them at once
while a task computes them again, and the next view has the new ones; sharing never crosses
the scope: the dashboard's are the viewer's own, and an organisation outside a viewer's scope
stays a 404 whoever viewed it before."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from certification.selectors import pages
from tests.certification.builders import certificate
from tests.factories import TeacherFactory, district_hr
from tests.hr.builders import city_hr

OLD = date(2015, 9, 1)


@pytest.fixture
def teachers(tree):
    return [TeacherFactory(school=tree["school_a"], hire_date=OLD) for _ in range(4)]


def c_rate(response, name: str):
    [c] = [lv for lv in response.context["holding"] if lv["code"] == "C"]
    return {row["org"].name: row["rate"] for row in c["rows"]}[name]


def queries(client, url, params=None) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured.captured_queries), response


@pytest.mark.parametrize("page", ["certification:dashboard", "certification:holding_rates"])
def test_a_reload_within_the_age_reads_the_figures_back(client, tree, teachers, page):
    client.force_login(city_hr(tree["city"]))
    url, params = reverse(page), {"org": tree["district_x"].pk}
    client.get(url, params)  # the day's per-school figures stored, nothing shared yet
    with override_settings(STAFF_FIGURES_MAX_AGE=60):
        first, _response = queries(client, url, params)
        again, response = queries(client, url, params)
    assert again < first
    at = timezone.localtime(response.context["computed_at"])
    assert at.tzinfo is not None and str(at.tzinfo) == "Asia/Shanghai"
    assert f"数据计算于 {at:%H:%M}。" in response.content.decode()


@override_settings(STAFF_FIGURES_MAX_AGE=60)
def test_a_change_shows_once_the_age_has_passed(client, tree, teachers, monkeypatch):
    client.force_login(city_hr(tree["city"]))
    url = reverse("certification:dashboard")
    first = client.get(url)
    assert c_rate(first, "甲区") == 0.0
    certificate(teachers[0], "C", issued_on=timezone.localdate() - timedelta(days=3))
    # Within the age, the figures computed before the certificate.
    assert c_rate(client.get(url), "甲区") == 0.0
    # A minute later (the pages' clock moved on, not the test's):
    later = timezone.now() + timedelta(seconds=61)
    monkeypatch.setattr(pages, "timezone", SimpleNamespace(now=lambda: later))
    # the page comes at once with the figures it had, computed when the first view was; the
    # refresh it queued (run at once here: tasks are eager in tests) has the certificate for
    # the next view.
    stale = client.get(url)
    assert c_rate(stale, "甲区") == 0.0
    assert stale.context["computed_at"] == first.context["computed_at"]
    fresh = client.get(url)
    assert c_rate(fresh, "甲区") == 25.0
    assert fresh.context["computed_at"] == later


@override_settings(STAFF_FIGURES_MAX_AGE=60)
def test_shared_figures_stay_within_each_viewers_scope(client, tree, teachers):
    certificate(teachers[0], "C", issued_on=timezone.localdate() - timedelta(days=3))
    x_hr, y_hr = district_hr(tree["district_x"]), district_hr(tree["district_y"])
    client.force_login(x_hr)
    dashboard, rates = reverse("certification:dashboard"), reverse("certification:holding_rates")
    x_page = client.get(dashboard)
    assert x_page.context["org"] == tree["district_x"]
    assert client.get(rates, {"org": tree["district_x"].pk}).status_code == 200
    client.force_login(y_hr)
    y_page = client.get(dashboard)
    assert y_page.context["org"] == tree["district_y"]
    assert "甲一中" not in y_page.content.decode()
    assert c_rate(y_page, "乙镇") is None
    # What district X's HR was shown is no way in for district Y's.
    assert client.get(dashboard, {"org": tree["district_x"].pk}).status_code == 404
    assert client.get(rates, {"org": tree["district_x"].pk}).status_code == 404
