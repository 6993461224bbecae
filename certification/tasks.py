"""Daily certification jobs (beat): thin, idempotent wrappers over services."""

from datetime import date

from celery import group, shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from people.models import Organisation

from . import services
from .checkpoints import records_checkpoint_write
from .records import records_check_run
from .selectors import figures
from .selectors import figures_rebuild as rebuild
from .selectors.figures import figures_fill
from .selectors.pages import page_figures_compute


@shared_task(name="certification.certificates_daily")
def certificates_daily() -> dict:
    """Renew certificates whose renewal hours are met, then expire those past their date."""
    today = timezone.localdate()
    renewed = services.certificates_renew_due(on=today)
    expired = services.certificates_expire(on=today)
    return {"renewed": renewed, "expired": expired}


@shared_task(name="certification.expiry_reminders")
def expiry_reminders() -> int:
    """E-mail holders 90 and 30 days before their certificate expires (once each)."""
    return services.expiry_reminders_send(on=timezone.localdate())


@shared_task(name="certification.pace_reminders")
def pace_reminders() -> int:
    """E-mail teachers behind their continuing-education pace (at most monthly)."""
    return services.pace_reminders_send(on=timezone.localdate())


@shared_task(name="certification.figures_rebuild")
def figures_rebuild(full: bool = False, parts: int | None = None) -> int:
    """The night's stored per-school figures (the last 24 month ends and today): only what the
    writing services dropped since, and the new day; `full` recomputes everything. With
    `parts` (default FIGURES_REBUILD_PARTS) above 1 the schools are split into that many tasks
    for as many workers of the heavy queue; the count returned is then of schools sent."""
    today = timezone.localdate()
    parts = settings.FIGURES_REBUILD_PARTS if parts is None else parts
    if parts <= 1:
        return rebuild(on=today, full=full)
    if full:
        figures.figures_forget()
    pieces = figures.figures_rebuild_parts(on=today, parts=parts)
    group(figures_fill_part.s(days, schools) for days, schools in pieces).apply_async()
    return sum(len(schools) for _days, schools in pieces)


@shared_task(name="certification.figures_fill_part")
def figures_fill_part(days: list[str], school_ids: list[int]) -> int:
    """One piece of the night's figures: the missing days of these schools."""
    return figures_fill(days=[date.fromisoformat(d) for d in days], school_ids=school_ids)


@shared_task(name="certification.records_verify")
def records_verify() -> dict:
    """Walk the hash chains; a run with problems shows an alert to city HR on the desk."""
    check = records_check_run()
    return {"rows": check.rows, "problems": check.problem_count}


@shared_task(name="certification.records_checkpoint")
def records_checkpoint() -> int:
    """Sign today's checkpoint of every chain head (kept under the private root)."""
    return len(records_checkpoint_write().heads)


@shared_task(name="certification.page_figures_refresh", ignore_result=True)
def page_figures_refresh(page: str, org_id: int, on: str, user_id: int) -> None:
    """Compute a staff page's shared figures again (selectors.pages): the viewers meanwhile
    get the ones computed before."""
    org = Organisation.objects.filter(pk=org_id).first()
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if org is not None and user is not None:
        page_figures_compute(page, org, on=date.fromisoformat(on), user=user)
