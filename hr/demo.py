"""The demo city's organisation tree comes in as a district's would: through the organisation
import, from the sample sheet the HR desk offers as its template."""

from django.contrib.auth import get_user_model

from .imports.organisations import organisations_commit, organisations_plan
from .sheets.templates import SAMPLE_ORGANISATIONS


def organisations_seed(*, stdout=None, username: str = "admin") -> dict:
    """Import the sample organisation sheet as the demo's superuser (idempotent: a second run
    finds nothing to change; a city grown beyond the sample for benchmarks is left as it is)."""
    from people.demo import demo_superuser

    user = get_user_model().objects.filter(username=username).first() or demo_superuser()
    plan = organisations_plan(path=SAMPLE_ORGANISATIONS, user=user)
    counts = plan.counts()
    if plan.errors:
        if stdout:
            stdout.write(f"organisations: the city has grown beyond the sample sheet; left as it is "
                         f"({plan.errors.total} differences)")
        return counts
    if plan.creates or plan.updates or plan.removals:
        organisations_commit(path=SAMPLE_ORGANISATIONS, user=user, plan=plan)
    if stdout:
        stdout.write(f"organisations: {SAMPLE_ORGANISATIONS.name} imported: {counts['create']} created, "
                     f"{counts['update']} updated, {counts['unchanged']} unchanged")
    return counts


def seed(*, city, stdout=None, today=None) -> None:
    """Two reporting rounds the city asked of its districts for the last month end: the holding
    rate, which the demo district has submitted (city HR have one to approve or return), and
    the counsellor staffing, which it has not (district HR have one to submit). Once only."""
    from datetime import timedelta

    from django.utils import timezone

    from .models import ReportRound, RoundSubmission
    from .rounds import round_open, round_submit

    today = today or timezone.localdate()
    on = today.replace(day=1) - timedelta(days=1)
    if ReportRound.objects.filter(organisation=city.city).exists():
        return
    city_hr, district_hr = city.accounts["city_hr"], city.accounts["district_hr"]
    for sheet in ("holding", "staffing"):
        round_ = round_open(user=city_hr, organisation=city.city, sheet=sheet, on=on,
                            due_on=today + timedelta(days=7), members=city.districts,
                            language="zh-hans")
        if sheet == "holding":
            round_submit(user=district_hr, submission=RoundSubmission.objects.get(
                round=round_, organisation=city.demo_district))
    if stdout:
        stdout.write(f"hr: 2 reporting rounds as of {on.isoformat()} asked of "
                     f"{len(city.districts)} districts")
