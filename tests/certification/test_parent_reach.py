"""Parent-school reach per school: a school's link counts lesson views for that school (also
for lessons opened after landing on the section), and the term's rows flag schools with none."""


import pytest
from django.utils import timezone

from certification.models import WorkloadActivityType, WorkloadEntry
from certification.reach import parent_school_reach_rows, parent_sessions_from_workload
from certification.workload.selectors import workload_term_containing
from courses.models import ParentLessonPage, ParentLessonSchoolView
from tests import factories
from tests.courses.builders import _child, sections

pytestmark = pytest.mark.django_db


def test_views_through_a_schools_link_count_for_that_school_and_the_term_flags_none(client, tree):
    index = sections()["parents"]
    lesson = _child(index, ParentLessonPage(title="如何与青春期孩子沟通", embed_url="https://v.example.invalid/1"))
    a, b = tree["school_a"], tree["school_b"]
    client.get(f"{lesson.url}?school={a.code}")
    client.get(lesson.url)  # the cookie from A's link still names A
    other = client.__class__()
    other.get(f"{index.url}?school={b.code}")  # lands on the section from B's QR code
    other.get(lesson.url)
    client.__class__().get(lesson.url)  # no school: counted in the total only
    counts = dict(ParentLessonSchoolView.objects.values_list("school__code", "views"))
    assert counts == {a.code: 2, b.code: 1}
    lesson.refresh_from_db()
    assert lesson.view_count == 4

    counsellor = factories.TeacherFactory(school=a, role="full_time_counsellor")
    entry = WorkloadEntry.objects.create(
        teacher=counsellor, activity_type=WorkloadActivityType.objects.get(code="parent_session"),
        date=timezone.localdate(), quantity=1, credit=1, status="approved")
    parent_sessions_from_workload([entry])
    term = workload_term_containing(timezone.localdate())
    if term is None:
        pytest.skip("today is between terms")
    rows = {r.school.name: r for r in parent_school_reach_rows(
        user=factories.district_hr(tree["district_x"]), term=term)}
    assert set(rows) == {"甲一中", "甲二小"}
    assert (rows["甲一中"].sessions, rows["甲一中"].views, rows["甲一中"].none_held) == (1, 2, False)
    assert (rows["甲二小"].sessions, rows["甲二小"].none_held) == (0, True)


def test_the_reach_export_lists_every_school_of_the_scope_per_term(tree, django_capture_on_commit_callbacks):
    from openpyxl import load_workbook

    from hr.models import Job
    from hr.services import job_export_create

    index = sections()["parents"]
    lesson = _child(index, ParentLessonPage(title="亲子沟通", embed_url="https://v.example.invalid/2"))
    from django.test import Client
    Client().get(f"{lesson.url}?school={tree['school_a2'].code}")
    hr = factories.district_hr(tree["district_x"])
    with django_capture_on_commit_callbacks(execute=True):
        job = job_export_create(requester=hr, sheet="parent_reach", organisation=None, params={})
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    rows = list(load_workbook(job.result_file.path).active.iter_rows(values_only=True))
    assert rows[0] == ("学期", "区（县）", "学校", "学校代码", "家长学校活动场次", "参与家长人次", "家庭数",
                       "家长课程观看次数", "本学期未开展")
    by_school = {r[2]: r for r in rows[1:]}
    assert set(by_school) == {"甲一中", "甲二小"}
    assert by_school["甲二小"][4:9] == (0, 0, 0, 1, "是") and by_school["甲二小"][1] == "甲区"

    # Asked for in English, the same sheet reads in English only.
    with django_capture_on_commit_callbacks(execute=True):
        job = job_export_create(requester=hr, sheet="parent_reach", organisation=None, params={},
                                language="en")
    job.refresh_from_db()
    rows = list(load_workbook(job.result_file.path).active.iter_rows(values_only=True))
    assert rows[0] == ("Term", "District", "School", "School code", "Parent-school sessions held",
                       "Parents reached (person-times)", "Households", "Parent lesson views",
                       "None held this term")
    assert "Yes" in {r[8] for r in rows[1:]} <= {"Yes", "", None}


def test_the_reach_page_shows_each_school_its_link_and_flags_none(client, tree):
    from django.urls import reverse

    sections()
    client.force_login(factories.school_admin(tree["school_a"]))
    page = client.get(reverse("certification:parent_reach")).content.decode()
    assert "甲一中" in page and "甲二小" not in page
    assert f"?school={tree['school_a'].code}" in page and "本学期未开展" in page
    client.force_login(factories.TeacherFactory(school=tree["school_a"]).user)
    assert client.get(reverse("certification:parent_reach")).status_code == 403


def test_a_session_from_workload_counts_for_the_school_its_counsellor_served_that_day(tree):
    """Approved after she moved (1 May 2024), her 10 April session is still her old school's."""
    from datetime import date

    from certification.models import ParentSession
    from certification.workload.selectors import WorkloadTerm
    from people import employment
    from people.models import Teacher

    a, b = tree["school_a"], tree["school_b"]
    counsellor = factories.TeacherFactory(school=a, role="full_time_counsellor")
    employment.employment_changes_apply(changes=[employment.Change(
        counsellor.pk, date(2024, 5, 1), b.pk, counsellor.posts, Teacher.Status.ACTIVE)],
        today=date(2024, 5, 20))
    Teacher.objects.filter(pk=counsellor.pk).update(school=b)
    counsellor.refresh_from_db()
    entry = WorkloadEntry.objects.create(
        teacher=counsellor, activity_type=WorkloadActivityType.objects.get(code="parent_session"),
        date=date(2024, 4, 10), quantity=1, credit=1, group_size=40, status="approved")
    assert parent_sessions_from_workload([entry]) == 1
    assert ParentSession.objects.get(workload_entry=entry).school == a
    spring = WorkloadTerm(key="spring", year=2024, label="", start=date(2024, 2, 1),
                          end=date(2024, 7, 31))
    held = {r.school.name: (r.sessions, r.parents) for r in parent_school_reach_rows(
        user=factories.staff("city_hr", tree["city"]), term=spring)}
    assert held["甲一中"] == (1, 40) and held["乙一中"] == (0, 0)
