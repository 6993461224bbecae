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
