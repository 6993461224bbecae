import io
from datetime import date

from django.core.management import call_command

from certification.models import Application, Certificate, TrainingEntry
from certification.selectors import holding_rates
from people.models import Organisation


def test_seed_demo_is_idempotent_and_near_the_seeds_figures(db):
    call_command("seed_demo", "--teachers", "300", stdout=io.StringIO())
    # One numbering scheme, the issuing one; what is issued next follows the demo's numbers.
    import re

    from certification.services import certificate_number_next

    numbers = set(Certificate.objects.values_list("number", flat=True))
    assert all(re.fullmatch(r"SF-[ABC]-\d{4}-\d{5}", n) for n in numbers), sorted(numbers)[:5]
    year = max(int(n.split("-")[2]) for n in numbers if n.startswith("SF-C-"))
    assert certificate_number_next(region="SF", level_code="C", year=year) not in numbers
    counts = (TrainingEntry.objects.count(), Certificate.objects.count(),
              Application.objects.count())
    call_command("seed_demo", "--teachers", "300", stdout=io.StringIO())
    assert (TrainingEntry.objects.count(), Certificate.objects.count(),
            Application.objects.count()) == counts
    assert set(Certificate.objects.values_list("status", flat=True)) == {
        "active", "expired", "revoked", "superseded"}
    assert set(Certificate.objects.values_list("level__code", flat=True)) == {"A", "B", "C"}
    rows = {r.organisation.code: r for r in
            holding_rates(Organisation.objects.get(depth=1), on=date.today())}
    ns = next(r for code, r in rows.items() if code.endswith("-NS"))
    cx = next(r for code, r in rows.items() if code.endswith("-CX"))
    assert 0.65 <= ns.rate("C") <= 0.92
    assert cx.rate("C") >= 0.95
    # A believable spread of hours in the cycle (issue 26 §4: not 551 of 605 far behind).
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from certification.selectors import hours_pace_distribution

    pace = hours_pace_distribution(user=get_user_model().objects.get(username="cityhr"),
                                   on=timezone.localdate())
    total = sum(pace.values())
    assert pace["on_pace"] > total / 2 and 0 < pace["far_behind"] < total / 4 and pace["behind"]
    hr_pending = Application.objects.filter(status="pending",
                                            teacher__school__path__startswith=ns.organisation.path)
    assert hr_pending.exists()
    # The bulk-inserted demo history is sealed onto its chains: the check finds nothing.
    from certification.records import records_verify

    checked, findings = records_verify()
    assert checked >= TrainingEntry.objects.count() and findings == []


def test_demo_pages_have_something_true_to_show(client, db):
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    call_command("seed_demo", "--teachers", "120", stdout=io.StringIO())
    User = get_user_model()
    client.force_login(User.objects.get(username="D0001"))
    page = client.get(reverse("certification:my_certificates")).content.decode()
    assert "SF-C-" in page and "/120" in page
    client.force_login(User.objects.get(username="districthr"))
    listing = client.get(reverse("certification:application_list")).content.decode()
    assert "林晓雨" in listing
    client.force_login(User.objects.get(username="cityhr"))
    rates = client.get(reverse("certification:holding_rates"))
    assert rates.status_code == 200 and "南沙区" in rates.content.decode()
    # The reporting rounds the city asked of its districts: the holding rate, which 南沙区 has
    # submitted (city HR decide on it), and the staffing, which it has not (district HR submit).
    from hr.models import ReportRound

    rounds = {r.sheet: r for r in ReportRound.objects.all()}
    assert set(rounds) == {"holding", "staffing"}
    holding = client.get(reverse("hr:round", args=[rounds["holding"].pk])).content.decode()
    assert "1 份已提交，4 份未提交" in holding and "通过" in holding and "退回" in holding
    client.force_login(User.objects.get(username="districthr"))
    listing = client.get(reverse("hr:rounds")).content.decode()
    assert listing.count('href="/hr/rounds/') >= 2
    staffing = client.get(reverse("hr:round", args=[rounds["staffing"].pk])).content.decode()
    assert ">提交</button>" in staffing


def test_no_demo_teacher_has_the_crisis_course_twice_in_the_ledger(db):
    from django.db.models import Count

    call_command("seed_demo", "--teachers", "120", stdout=io.StringIO())
    # Online learning of the crisis course: the site's own completion, at most once (the
    # offline workshop of the same theme is another training).
    crisis = (TrainingEntry.objects.filter(title__contains="危机识别").exclude(source="offline")
              .values("teacher").annotate(n=Count("pk")).filter(n__gt=1))
    assert not crisis.exists()
    # A completion in the ledger is always of a course of this site.
    assert not TrainingEntry.objects.filter(source="course_completion",
                                            course__isnull=True).exists()


def test_demo_live_session_is_in_the_evening_local_time(db):
    from django.utils import timezone

    from courses.models import LiveSessionPage

    call_command("seed_demo", "--teachers", "20", stdout=io.StringIO())
    upcoming = LiveSessionPage.objects.get(slug="crisis-live")
    assert timezone.localtime(upcoming.starts_at).hour == 19
