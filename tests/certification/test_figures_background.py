"""The first view of a day never computes a large subtree in the request: a task computes it,
and the page says 计算中 with how many schools are done, until the figures are there."""

from datetime import date

import pytest
from django.test import override_settings
from django.urls import reverse

from certification.selectors import pages
from certification.selectors.figures import school_figures
from tests.factories import TeacherFactory
from tests.hr.builders import city_hr

ON = date(2025, 1, 1)


@pytest.fixture
def asked(monkeypatch):
    """The refresh task's calls, not run (a worker would run them)."""
    from certification import tasks

    calls = []
    monkeypatch.setattr(tasks.page_figures_refresh, "delay", lambda *args: calls.append(args))
    return calls


@pytest.mark.parametrize("page", ["certification:dashboard", "certification:holding_rates"])
def test_a_day_with_no_figures_says_computing_with_progress(client, tree, asked, page):
    TeacherFactory(school=tree["school_a"], hire_date=date(2015, 9, 1))
    hr = city_hr(tree["city"])
    client.force_login(hr)
    school_figures(tree["district_x"], [ON])  # district X's two schools are done already
    params = {"org": tree["city"].pk, "on": ON.isoformat()}
    with override_settings(STAFF_FIGURES_MAX_AGE=60, STAFF_FIGURES_BACKGROUND_SCHOOLS=3):
        response = client.get(reverse(page), params)
        text = response.content.decode()
        assert response.status_code == 200 and "计算中" in text
        assert "已完成 2 / 4 所学校" in text and 'http-equiv="refresh"' in text
        assert len(asked) == 1 and asked[0][1:3] == (tree["city"].pk, ON.isoformat())
        client.get(reverse(page), params)
        assert len(asked) == 1  # one task per page and day, however many reload
        # The task has run: the page has its figures.
        pages.page_figures_compute(page.split(":")[1].replace("holding_rates", "rates"),
                                   tree["city"], on=ON, user=hr)
        response = client.get(reverse(page), params)
        assert "计算中" not in response.content.decode()
        # A district (under the limit) is computed in the request, as before.
        response = client.get(reverse(page), {"org": tree["district_y"].pk, "on": ON.isoformat()})
        assert "计算中" not in response.content.decode() and len(asked) == 1


@pytest.mark.parametrize("page", ["certification:dashboard", "certification:holding_rates"])
def test_a_new_day_shows_the_latest_figures_with_their_day_while_it_computes(client, tree, asked, page):
    """The first view of a new day of a large subtree shows the last figures computed (their
    day, when computed, and how far the new day has come) instead of an empty 计算中 page; a
    past day asked for never shows a later day's figures."""
    TeacherFactory(school=tree["school_a"], hire_date=date(2015, 9, 1))
    hr = city_hr(tree["city"])
    client.force_login(hr)
    name = page.split(":")[1].replace("holding_rates", "rates")
    later = date(2025, 1, 2)
    with override_settings(STAFF_FIGURES_MAX_AGE=60, STAFF_FIGURES_BACKGROUND_SCHOOLS=3):
        pages.page_figures_compute(name, tree["city"], on=ON, user=hr)  # yesterday's, by the task
        school_figures(tree["district_x"], [later])  # the night has done two schools of four
        response = client.get(reverse(page), {"org": tree["city"].pk, "on": later.isoformat()})
        text = response.content.decode()
        assert response.status_code == 200 and "计算中" not in text
        assert "当前显示 2025-01-01 的数据（计算于" in text and "2025-01-02 的数据正在后台计算" in text
        assert "已完成 2 / 4 所学校" in text and 'value="2025-01-01"' in text
        assert len(asked) == 1 and asked[0][1:3] == (tree["city"].pk, later.isoformat())
        # The day's figures are there: the page shows them, without the notice.
        pages.page_figures_compute(name, tree["city"], on=later, user=hr)
        text = client.get(reverse(page), {"org": tree["city"].pk, "on": later.isoformat()}).content.decode()
        assert "figures-earlier" not in text and "当前显示" not in text
        # A day before the latest is never answered with the latest's figures.
        earlier = date(2024, 12, 31)
        text = client.get(reverse(page), {"org": tree["city"].pk, "on": earlier.isoformat()}).content.decode()
        assert "计算中" in text and "当前显示" not in text
