"""The five exports HR hands to bureaus, opened with openpyxl as HR would open them."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from certification.models import Certificate
from certification.selectors import certificate_roster_list, training_hours_list
from hr.exports import EXPORTS
from hr.models import Job
from hr.services import job_export_create
from tests.certification import builders as cert
from tests.factories import TeacherFactory, school_admin
from tests.workload import builders as work

from .builders import city_hr

HYPERLINK = '=HYPERLINK("http://x")'


@pytest.fixture
def run_export(django_capture_on_commit_callbacks):
    def run(user, sheet, organisation=None, **params):
        with django_capture_on_commit_callbacks(execute=True):
            job = job_export_create(requester=user, sheet=sheet, organisation=organisation,
                                    params=params)
        job.refresh_from_db()
        assert job.status == Job.Status.DONE, job.error
        return job
    return run


def cells(job):
    """The rows of the first sheet as cells (header first)."""
    return list(load_workbook(job.result_file.path).active.iter_rows())


def header_of(sheet):
    return [column.title for column in EXPORTS[sheet].get_columns()]


@pytest.fixture
def certified(tree):
    """Certificates in both districts, one of them held by a teacher with a formula for a name."""
    odd = TeacherFactory(school=tree["school_a"], name=HYPERLINK, employee_no="E1", role="head_teacher")
    li = TeacherFactory(school=tree["school_a2"], name="李梅", employee_no="E2")
    out = TeacherFactory(school=tree["school_b"], name="外区", employee_no="EY")
    cert.certificate(odd, "C", issued_on=date(2023, 6, 19))
    cert.certificate(li, "B", issued_on=date(2022, 3, 1))
    cert.certificate(li, "C", issued_on=date(2015, 3, 1), status=Certificate.Status.EXPIRED)
    cert.certificate(out, "C")
    cert.hours(odd, 12.5, timezone.localdate() - timedelta(days=1))
    return {"odd": odd, "li": li, "out": out}


def test_certificate_roster_header_rows_dates_status_and_inert_names(hr_x, tree, certified, run_export):
    job = run_export(hr_x, "roster")
    rows = cells(job)
    assert [c.value for c in rows[0]] == header_of("roster")
    expected = certificate_roster_list(user=hr_x).count()
    assert len(rows) - 1 == expected == 3 == job.progress_done  # district Y is not there
    by_number = {r[1].value + r[5].value: r for r in rows[1:]}
    odd = by_number["E1C"]
    assert odd[0].value == HYPERLINK and odd[0].data_type == "s"
    assert odd[7].is_date and odd[7].value == datetime(2023, 6, 19)
    assert odd[8].is_date and odd[4].value == "班主任"
    assert odd[9].value == "有效" and by_number["E2C"][9].value == "已过期"
    assert odd[10].value == 12.5 and odd[10].number_format == "0.0"
    assert {r[3].value for r in rows[1:]} == {"甲区"}


def test_roster_filters_and_one_organisation(hr_x, tree, certified, run_export):
    rows = cells(run_export(hr_x, "roster", status="active"))
    assert {r[9].value for r in rows[1:]} == {"有效"} and len(rows) == 3
    rows = cells(run_export(hr_x, "roster", level="B"))
    assert [r[6].value for r in rows[1:]] == [certified["li"].certificates.get(level__code="B").number]
    rows = cells(run_export(hr_x, "roster", expiring_before="2026-01-01"))
    assert [r[5].value for r in rows[1:]] == ["C"] and rows[1][1].value == "E2"
    rows = cells(run_export(hr_x, "roster", organisation=tree["school_a"]))
    assert [r[1].value for r in rows[1:]] == ["E1"]


def test_holding_rates_per_school_with_district_subtotals_and_total(tree, certified, run_export):
    user = city_hr(tree["city"])
    job = run_export(user, "holding")
    rows = cells(job)
    assert [c.value for c in rows[0]] == header_of("holding")
    lines = [(r[0].value, r[1].value, r[2].value, r[3].value) for r in rows[1:]]
    assert lines == [
        ("学校", "甲区", "甲一中", 1), ("学校", "甲区", "甲二小", 1),
        ("区县小计", "甲区", None, 2),
        ("学校", "乙区", "乙一中", 1), ("学校", "乙区", "乙二小", 0),
        ("区县小计", "乙区", None, 1),
        ("合计", None, "示范市", 3),
    ]
    title = [c.value for c in rows[0]]
    c_rate = title.index("C证持证率")
    # Factory teachers are hired long ago, so all count: C or above is held by all three.
    rate = rows[3][c_rate]
    assert rate.data_type == "n" and rate.value == 1 and rate.number_format == "0.0%"
    b_rate = rows[7][title.index("B证持证率")]
    assert b_rate.value == pytest.approx(1 / 3) and b_rate.number_format == "0.0%"
    assert rows[5][c_rate].value is None  # no teacher counted: no rate, not 0 %


def test_district_hr_holding_is_their_district_and_a_school_admin_their_school(hr_x, tree, certified,
                                                                               run_export):
    rows = cells(run_export(hr_x, "holding"))
    assert [(r[0].value, r[2].value) for r in rows[1:]] == [
        ("学校", "甲一中"), ("学校", "甲二小"), ("合计", "甲区")]
    rows = cells(run_export(school_admin(tree["school_a"]), "holding"))
    assert [(r[0].value, r[2].value, r[3].value) for r in rows[1:]] == [
        ("学校", "甲一中", 1), ("合计", "甲一中", 1)]


def test_training_hours_per_teacher_in_the_cycle(hr_x, tree, certified, run_export):
    TeacherFactory(school=tree["school_a"], is_active=False)  # left: not listed
    job = run_export(hr_x, "hours")
    rows = cells(job)
    assert [c.value for c in rows[0]] == header_of("hours")
    assert len(rows) - 1 == training_hours_list(user=hr_x).count() == 2
    odd, li = rows[1], rows[2]
    assert odd[1].value == HYPERLINK and odd[1].data_type == "s"
    assert odd[5].is_date and odd[6].is_date and odd[5].value.year <= timezone.localdate().year
    assert odd[7].value == 12.5 and li[7].value == 0
    assert odd[9].number_format == "0.0%" and odd[9].value == pytest.approx(12.5 / float(odd[8].value))
    assert odd[10].is_date and li[10].value is None


def test_workload_per_counsellor_and_term(tree, run_export):
    admin = school_admin(tree["school_a"])
    counsellor = work.counsellor(tree["school_a"], name=HYPERLINK)
    work.approved(counsellor, admin, quantity="3", day=date(2024, 3, 4))
    work.counsellor(tree["school_a"])  # logged nothing: still listed, with zero
    job = run_export(admin, "workload", term="2024-spring")
    rows = cells(job)
    assert [c.value for c in rows[0]] == header_of("workload")
    assert len(rows) == 3
    first = {r[2].value: r for r in rows[1:]}[HYPERLINK]
    assert first[2].data_type == "s" and first[0].value.startswith("2024")
    title = [c.value for c in rows[0]]
    total = first[title.index("合计")].value
    assert total > 0
    ratio = first[title.index("与班主任工作量之比")]
    assert ratio.number_format == "0.0%" and ratio.value == pytest.approx(total / 120, abs=0.01)


def test_assignment_completion_per_school(tree, run_export):
    from courses.models import Enrolment
    from courses.services import assignment_create
    from tests.courses import builders as course_builders

    hr = city_hr(tree["city"])
    teachers = [TeacherFactory(school=tree["school_a"]) for _ in range(4)]
    TeacherFactory(school=tree["school_b"])
    course = course_builders.course(lessons=0, quiz=False)
    assignment_create(course=course, organisation=tree["city"], deadline=date(2024, 6, 30), created_by=hr)
    Enrolment.objects.filter(user__in=[t.user for t in teachers[:3]]).update(completed_at=timezone.now())
    rows = cells(run_export(hr, "assignments"))
    assert [c.value for c in rows[0]] == header_of("assignments")
    assert [(r[0].value, r[1].value, r[3].value, r[4].value, r[5].value) for r in rows[1:]] == [
        ("甲区", "甲一中", 4, 3, 1), ("乙区", "乙一中", 1, 0, 1)]
    rate = rows[1][6]
    assert rate.value == 0.75 and rate.number_format == "0.0%"
    rows = cells(run_export(hr, "assignments", organisation=tree["district_y"]))
    assert [r[1].value for r in rows[1:]] == ["乙一中"]


@pytest.mark.parametrize("sheet", ["roster", "holding", "hours", "workload", "assignments"])
def test_export_sheet_writes_each_kind_for_one_organisation(sheet, hr_x, tree, certified, tmp_path):
    out = tmp_path / f"{sheet}.xlsx"
    call_command("export_sheet", sheet, "--org", tree["school_a"].code, "--out", str(out),
                 "--user", hr_x.username)
    rows = list(load_workbook(out).active.values)
    assert list(rows[0]) == header_of(sheet)
    text = " ".join(str(v) for row in rows for v in row)
    assert "乙" not in text and "外区" not in text  # nothing of district Y
    if sheet in ("roster", "hours"):
        assert len(rows) == 2 and HYPERLINK in text


def test_export_sheet_applies_filters(hr_x, tree, certified, tmp_path):
    out = tmp_path / "r.xlsx"
    call_command("export_sheet", "roster", "--org", tree["district_x"].code, "--out", str(out),
                 "--level", "B", "--user", hr_x.username)
    assert [r[5] for r in list(load_workbook(out).active.values)[1:]] == ["B"]


def test_the_desk_form_exports_one_organisation_with_filters(client, hr_x, tree, certified,
                                                              django_capture_on_commit_callbacks):
    client.force_login(hr_x)
    page = client.get(reverse("hr:export_new")).content.decode()
    assert tree["school_a"].name in page and tree["school_b"].name not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("hr:export_new"), {
            "sheet": "roster", "organisation": tree["school_a2"].pk, "status": "active",
            "expiring_before": "", "level": "", "role": "", "term": ""})
    job = Job.objects.get()
    assert response.status_code == 302 and job.params == {"status": "active"}
    job.refresh_from_db()
    rows = list(load_workbook(job.result_file.path).active.values)
    assert [(r[1], r[5]) for r in rows[1:]] == [("E2", "B")]
    # HR of district Y may not pick district X's school.
    client.force_login(city_hr(tree["city"]))  # sanity: the city sees both districts
    assert tree["school_b"].name in client.get(reverse("hr:export_new")).content.decode()


def test_hr_of_another_district_gets_404_for_each_kind(client, hr_x, hr_y, tree, certified, run_export):
    for sheet in ("roster", "holding", "hours"):
        job = run_export(hr_x, sheet)
        client.force_login(hr_y)
        assert client.get(reverse("hr:job_download", args=[job.pk])).status_code == 404
        assert client.get(reverse("hr:job", args=[job.pk])).status_code == 404


def test_decimal_hours_are_numbers(hr_x, tree, run_export):
    teacher = TeacherFactory(school=tree["school_a"])
    cert.hours(teacher, Decimal("2.5"), timezone.localdate())
    rows = cells(run_export(hr_x, "hours"))
    assert rows[1][7].data_type == "n" and rows[1][7].value == 2.5


def test_training_hours_have_a_column_per_hour_category(hr_x, tree, run_export):
    teacher = TeacherFactory(school=tree["school_a"], employee_no="K1")
    today = timezone.localdate()
    cert.hours(teacher, 4, today - timedelta(days=2), category="crisis")
    cert.hours(teacher, Decimal("1.5"), today - timedelta(days=1), category="crisis")
    cert.hours(teacher, 3, today, category="family")
    rows = cells(run_export(hr_x, "hours"))
    title = [c.value for c in rows[0]]
    assert title[11:] == ["心理危机识别与干预学时", "心理健康知识学时", "心理辅导技能学时",
                          "家庭教育学时", "其他学时"]
    line = {r[0].value: [c.value for c in r] for r in rows[1:]}["K1"]
    assert line[7] == 8.5
    assert line[11:] == [5.5, 0, 0, 3, 0]


def test_the_hours_sheet_in_english_names_the_categories_in_english(hr_x, tree,
                                                                     django_capture_on_commit_callbacks):
    TeacherFactory(school=tree["school_a"])
    with django_capture_on_commit_callbacks(execute=True):
        job = job_export_create(requester=hr_x, sheet="hours", language="en")
    job.refresh_from_db()
    title = [c.value for c in cells(job)[0]]
    assert title[11:] == ["Crisis recognition and intervention (hours)",
                          "Mental-health knowledge (hours)", "Counselling skills (hours)",
                          "Family education (hours)", "Other (hours)"]
    assert not any("学时" in str(t) for t in title)


def test_every_export_is_offered_by_its_label_in_chinese_and_english(client, tree):
    """One registry (hr.exports.EXPORTS) gives each kind its label: the desk's export form lists
    every kind by it, in Chinese, and the labels of submittable sheets are the same words."""
    from django.utils import translation

    from hr.snapshots import SNAPSHOT_LABELS

    client.force_login(city_hr(tree["city"]))
    page = client.get(reverse("hr:desk")).content.decode()
    for key, kind in EXPORTS.items():
        with translation.override("en"):
            english = str(kind.label)
        with translation.override("zh-hans"):
            chinese = str(kind.label)
        assert chinese != english, f"{key}: its label has no Chinese"
        assert f'value="{key}"' in page and chinese.split("（")[0] in page
    assert set(SNAPSHOT_LABELS) <= set(EXPORTS)
    assert all(SNAPSHOT_LABELS[key] == EXPORTS[key].label for key in SNAPSHOT_LABELS)
