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


def test_the_grid_page_shows_a_few_rows_and_adds_more_on_demand(client, me):
    page = client.get(reverse("certification:workload_week"), {"week": "2024-03-06"})
    html = page.content.decode()
    assert page.status_code == 200
    rows = html.split("data-rows>")[1].split("</tbody>")[0]
    assert rows.count("<tr") == 3  # not 40 empty cards on a phone
    assert rows.count('value="2024-03-04" selected') == 3  # a past week: its Monday
    # The script copies this empty row; without it, the link asks for more rows.
    assert 'name="rows-__prefix__-activity_type"' in html.split("data-row-template")[1]
    more = client.get(reverse("certification:workload_week"), {"week": "2024-03-06", "rows": "6"})
    assert more.content.decode().split("data-rows>")[1].split("</tbody>")[0].count("<tr") == 6
    capped = client.get(reverse("certification:workload_week"), {"week": "2024-03-06", "rows": "999"})
    assert capped.content.decode().split("data-rows>")[1].split("</tbody>")[0].count("<tr") == 40


def test_the_weeks_entries_come_first_and_saving_says_whether_submitted(client, me):
    from tests.html_text import visible_text

    counselling = activity("individual_counselling")
    draft = {1: {"activity_type": counselling.pk, "quantity": "1", "note": "学业压力"}}
    url = reverse("certification:workload_week")
    with translation.override("zh-hans"):
        page = client.post(url, grid_post(draft, submit=False), follow=True)
    text = visible_text(page.content.decode())
    assert "已保存 1 条为草稿：本周尚未提交审核。" in text
    assert "1 条记录尚未提交审核。" in text
    assert text.index("本周已登记") < text.index("继续登记")
    assert "个体心理辅导" in text.split("本周已登记")[1].split("继续登记")[0]
    with translation.override("zh-hans"):
        page = client.post(url, grid_post({2: {"activity_type": counselling.pk, "quantity": "2", "note": "人际关系"}}),
                           follow=True)
    text = visible_text(page.content.decode())
    assert "已保存 1 条并提交审核：由学校管理员审批。" in text
    assert "1 条记录尚未提交审核。" in text  # the earlier draft still is not


def test_thirty_entries_saved_in_one_submit(client, me, django_assert_max_num_queries):
    with django_assert_max_num_queries(13):  # not one per row (one more: the rates that apply)
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


def test_a_terms_entries_come_twenty_to_a_page_and_the_pages_keep_the_term(client, me):
    from .builders import entry

    for n in range(45):
        entry(me, day=MONDAY + timedelta(days=n % 60))
    url = reverse("certification:workload_my_entries")
    first = client.get(url, {"term": "2024-spring"}).content.decode()
    assert first.count('data-label="活动"') == 20 and "1 / 3" in first
    assert "?term=2024-spring&amp;page=2" in first
    last = client.get(url, {"term": "2024-spring", "page": 3}).content.decode()
    assert last.count('data-label="活动"') == 5 and "3 / 3" in last
