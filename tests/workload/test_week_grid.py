"""The week grid: 30 entries in one submit, all or none, the bad row named."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from certification.models import WorkloadDecision, WorkloadEntry

from .builders import activity, counsellor

pytestmark = pytest.mark.django_db

MONDAY = date(2024, 3, 4)


def grid_post(rows: dict[int, dict], submit=True) -> dict:
    """POST data for the 40-row grid with the given rows (1-based) filled in."""
    data = {"week": MONDAY.isoformat(), "rows-TOTAL_FORMS": "40", "rows-INITIAL_FORMS": "40",
            "rows-MIN_NUM_FORMS": "0", "rows-MAX_NUM_FORMS": "40"}
    for i in range(40):
        data[f"rows-{i}-date"] = (MONDAY + timedelta(days=min(i // 8, 4))).isoformat()
    for number, row in rows.items():
        for key, value in row.items():
            data[f"rows-{number - 1}-{key}"] = value
    if submit:
        data["submit"] = "1"
    return data


def thirty_rows():
    counselling, duty, klass = (activity(c) for c in ("individual_counselling", "room_duty", "psychology_class"))
    rows = {}
    for n in range(1, 31):
        kind = (counselling, duty, klass)[n % 3]
        rows[n] = {"activity_type": kind.pk, "quantity": "2" if kind is duty else "1",
                   "group_size": "45" if kind is klass else "", "note": "学业压力" if kind is counselling else ""}
    return rows


@pytest.fixture
def me(client, tree):
    teacher = counsellor(tree["school_a"])
    client.force_login(teacher.user)
    return teacher


def test_the_grid_page_prefills_the_weeks_dates(client, me):
    page = client.get(reverse("certification:workload_week"), {"week": "2024-03-06"})
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('name="rows-') >= 40 * 5
    assert 'value="2024-03-04" selected' in html and 'value="2024-03-08" selected' in html


def test_thirty_entries_saved_in_one_submit(client, me, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):  # not one per row
        response = client.post(reverse("certification:workload_week"), grid_post(thirty_rows()))
    assert response.status_code == 302
    entries = WorkloadEntry.objects.filter(teacher=me)
    assert entries.count() == 30
    assert set(entries.values_list("status", flat=True)) == {"submitted"}
    assert WorkloadDecision.objects.filter(entry__teacher=me, action="submitted").count() == 30
    assert {e.date for e in entries} <= {MONDAY + timedelta(days=i) for i in range(5)}


def test_one_bad_row_saves_none_and_names_the_row(client, me):
    rows = thirty_rows()
    rows[7]["note"] = "家长电话13812345678"
    with translation.override("zh-hans"):
        response = client.post(reverse("certification:workload_week"), grid_post(rows))
    assert response.status_code == 200
    html = response.content.decode()
    assert "第 7 行" in html and "手机号" in html
    assert not WorkloadEntry.objects.exists()


def test_a_row_with_a_missing_quantity_is_named(client, me):
    rows = thirty_rows()
    rows[23]["quantity"] = ""
    response = client.post(reverse("certification:workload_week"), grid_post(rows),
                           HTTP_ACCEPT_LANGUAGE="en")
    assert "第 23 行" in response.content.decode() or "Row 23" in response.content.decode()
    assert not WorkloadEntry.objects.exists()


def test_a_fractional_count_for_a_per_occurrence_type_is_refused(client, me):
    rows = {1: {"activity_type": activity("psychology_class").pk, "quantity": "1.5", "group_size": "40"}}
    response = client.post(reverse("certification:workload_week"), grid_post(rows))
    assert "第 1 行" in response.content.decode()
    assert not WorkloadEntry.objects.exists()


def test_rows_saved_as_drafts(client, me):
    client.post(reverse("certification:workload_week"), grid_post(thirty_rows(), submit=False))
    assert WorkloadEntry.objects.filter(teacher=me, status="draft").count() == 30
    assert not WorkloadDecision.objects.exists()


def test_an_empty_grid_saves_nothing(client, me):
    response = client.post(reverse("certification:workload_week"), grid_post({}))
    assert response.status_code == 200
    assert not WorkloadEntry.objects.exists()


def test_the_grid_page_loads_activity_types_once(client, me, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert client.get(reverse("certification:workload_week")).status_code == 200
