"""Staff figures read from the read replica; writes, and reads after a write, stay on the primary.
The replica alias is a test mirror of the primary (lms/settings/test.py): the same rows, another
connection, so which connection ran a query says where it was routed. Heavy Celery jobs have
their own queue."""

from datetime import date

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from people.models import Organisation, StaffRole
from people.replica import PIN_COOKIE, primary_pin, replica_reads
from tests.certification.builders import certificate
from tests.factories import TeacherFactory, city_tree, staff

both = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture
def replica_on(settings):
    settings.DATABASE_REPLICA_READS = True


def _sql(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries]


@both
def test_figure_reads_go_to_the_replica_until_something_is_written(replica_on):
    tree = city_tree()
    primary_pin(False)
    with CaptureQueriesContext(connections["replica"]) as replica, \
            CaptureQueriesContext(connections["default"]) as primary:
        with replica_reads():
            assert Organisation.objects.filter(path__startswith=tree["city"].path).count() == 9
            n = len(_sql(replica))
            assert n == 1 and not _sql(primary)
            # A write goes to the primary, and every read after it in this unit of work too.
            Organisation.objects.filter(pk=tree["school_a"].pk).update(name="甲一中（新）")
            assert Organisation.objects.get(pk=tree["school_a"].pk).name == "甲一中（新）"
        # Outside the figure selectors nothing reads the replica.
        primary_pin(False)
        assert Organisation.objects.count() == 9
    assert len(_sql(replica)) == n
    assert any(s.startswith("UPDATE") for s in _sql(primary))
    assert not any(s.startswith(("UPDATE", "INSERT", "DELETE")) for s in _sql(replica))


@both
def test_the_dashboard_reads_its_figures_from_the_replica_and_stores_them_on_the_primary(
        client, replica_on):
    tree = city_tree()
    for n in range(2):
        teacher = TeacherFactory(school=tree["school_a"], hire_date=date(2015, 9, 1))
        if n == 0:
            certificate(teacher, "C", issued_on=date(2024, 1, 10))
    client.force_login(staff(StaffRole.Role.CITY_HR, tree["city"]))
    with CaptureQueriesContext(connections["replica"]) as replica, \
            CaptureQueriesContext(connections["default"]) as primary:
        page = client.get(reverse("certification:dashboard"), {"on": "2025-01-01"})
    assert page.status_code == 200
    [c] = [lv for lv in page.context["holding"] if lv["code"] == "C"]
    assert {r["org"].name: r["rate"] for r in c["rows"]}["甲区"] == 50.0
    # The first figure reads came from the replica; the day's figures it lacked were computed
    # and stored on the primary, never written to the replica.
    assert any("certification_schoolfigure" in s for s in _sql(replica))
    assert any(s.startswith("INSERT") and "certification_schoolfigure" in s for s in _sql(primary))
    assert not any(s.startswith(("UPDATE", "INSERT", "DELETE")) for s in _sql(replica))
    assert PIN_COOKIE not in page.cookies  # a page that only stored figures pins nobody


@both
def test_after_saving_the_browser_reads_the_primary_for_a_while(client, replica_on):
    tree = city_tree()
    client.force_login(staff(StaffRole.Role.CITY_HR, tree["city"]))
    from django.http import HttpResponse
    from django.test import RequestFactory

    from people.replica import ReplicaPinMiddleware

    def save(request):
        Organisation.objects.filter(pk=tree["school_a"].pk).update(name="甲一中（新）")
        return HttpResponse()

    def look(request):
        Organisation.objects.count()
        return HttpResponse()

    saved = ReplicaPinMiddleware(save)(RequestFactory().post("/"))
    assert saved.cookies[PIN_COOKIE]["max-age"] == 10
    assert PIN_COOKIE not in ReplicaPinMiddleware(look)(RequestFactory().post("/")).cookies
    client.cookies[PIN_COOKIE] = saved.cookies[PIN_COOKIE].value
    with CaptureQueriesContext(connections["replica"]) as replica:
        assert client.get(reverse("certification:dashboard"), {"on": "2025-01-01"}).status_code == 200
    assert not _sql(replica)


def test_heavy_jobs_and_notices_are_on_separate_queues():
    from lms.celery import app

    def queue(name):
        route = app.amqp.router.route({}, name, (), {})
        return route["queue"].name

    for heavy in ("hr.tasks.job_export", "hr.tasks.job_commit", "hr.tasks.job_preview",
                  "certification.figures_rebuild", "certification.page_figures_refresh"):
        assert queue(heavy) == "heavy"
    for light in ("courses.send_overdue_reminders", "certification.expiry_reminders",
                  "people.tasks.send_account_invitations", "api.webhooks.webhook_deliver",
                  "hr.tasks.report_round_reminders"):
        assert queue(light) == "default"
