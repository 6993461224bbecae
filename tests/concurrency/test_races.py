"""Races a busy week produces, run for real on PostgreSQL: threads with their own connections
hit the same rows at the same moment. SQLite serialises every write, so there they skip."""

import threading
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files import File
from django.db import connection
from django.utils import timezone

from certification.models import Certificate
from certification.services import application_approve, application_submit
from courses import services as learning
from courses.models import LessonPage, LessonProgress
from hr.models import Job
from hr.services import job_run_commit
from people.models import Teacher
from tests.certification.builders import hours, level
from tests.courses import builders as course_builders
from tests.factories import TeacherFactory, district_hr
from tests.hr.builders import roster

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) need PostgreSQL; SQLite serialises writes")




def race(*calls, rounds: int = 1) -> list[Exception]:
    """Run each call in its own thread (own connection), released together; the errors."""
    barrier = threading.Barrier(len(calls))
    errors: list[Exception] = []

    def run(call):
        from django.db import connection as conn

        try:
            for _ in range(rounds):
                barrier.wait(timeout=30)
                call()
        except Exception as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def test_two_reviewers_approving_one_application_issue_one_certificate(tree):
    hr = district_hr(tree["district_x"])
    teacher = TeacherFactory(school=tree["school_a"])
    hours(teacher, Decimal("24"), date.today())
    app = application_submit(teacher=teacher, level=level("C"), submitted_by=teacher.user)

    errors = race(*[lambda: application_approve(application=app, decided_by=hr)] * 4)

    assert not errors
    certs = Certificate.objects.filter(teacher=teacher)
    assert certs.count() == 1
    app.refresh_from_db()
    assert app.certificate_id == certs.get().pk and app.status == "approved"


def test_two_tabs_reporting_one_lesson_lose_nothing_and_count_nothing_twice(tree):
    teacher = TeacherFactory(school=tree["school_a"])
    course = course_builders.course(lessons=1, quiz=False, duration=600)
    lesson = LessonPage.objects.child_of(course).get()
    learning.enrolment_create(user=teacher.user, course=course)
    t0 = timezone.make_aware(datetime(2026, 3, 2, 9, 0))
    step = {"n": 0}
    lock = threading.Lock()

    def report():
        # Both tabs play the same video in step: each report is the position both reach.
        with lock:
            n = step["n"] // 2
            step["n"] += 1
        learning.lesson_progress_report(user=teacher.user, lesson=lesson, position=10 * n,
                                        now=t0 + timedelta(seconds=10 * n))

    # The first reports race to create the progress row as well.
    errors = race(report, report, rounds=30)

    assert not errors
    progress = LessonProgress.objects.get(user=teacher.user, lesson=lesson)
    # 30 steps of 10 s by two tabs: the distinct seconds watched, 0..290, once.
    assert progress.credited_seconds == 290
    assert progress.intervals == [[0, 290]]


def test_an_import_confirmed_twice_at_once_is_written_once(tree, tmp_path, settings):
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None}}}
    hr = district_hr(tree["district_x"])
    school = tree["school_a"]
    rows = [{"employee_no": f"R{n:04d}", "name": f"教师{n}", "gender": "女",
             "school_code": school.code, "role": "任课教师", "hire_date": "2020-09-01"}
            for n in range(200)]
    path = roster(Path(tmp_path) / "roster.xlsx", rows)
    jobs = []
    for _ in range(2):  # the same file uploaded twice and confirmed in two tabs
        job = Job(kind=Job.Kind.IMPORT, sheet="teachers", requester=hr, scope=tree["district_x"].path,
                  status=Job.Status.COMMITTING, expires_at=timezone.now() + timedelta(days=1))
        with path.open("rb") as handle:
            job.source_file.save("source.xlsx", File(handle), save=False)
        job.save()
        jobs.append(job)
    before = Teacher.objects.count()

    # Each job delivered twice at once (a redelivery racing the first run), both jobs together.
    errors = race(*[lambda j=j: job_run_commit(job_id=j.pk) for j in jobs for _ in range(2)])

    assert not errors
    assert Teacher.objects.count() == before + 200
    assert Teacher.objects.filter(employee_no__startswith="R").count() == 200
    statuses = sorted(Job.objects.filter(pk__in=[j.pk for j in jobs])
                      .values_list("status", flat=True))
    # One job wrote the rows; the other found them written (done, nothing changed) or, having
    # planned them before they landed, was refused with its reason: never written twice.
    assert Job.Status.DONE in statuses
    for job in Job.objects.filter(pk__in=[j.pk for j in jobs]):
        assert job.status in (Job.Status.DONE, Job.Status.FAILED)
        if job.status == Job.Status.FAILED:
            assert job.error
