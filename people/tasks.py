"""Background jobs about people and their accounts."""

from celery import shared_task
from celery.signals import task_prerun
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone

from .employment import employment_due_apply
from .invitations import account_invitation_send
from .replica import primary_pin

User = get_user_model()
INVITATION_KEY = "people:invitation:{pk}:{day}"


@task_prerun.connect
def _task_starts_on_the_replica(**kwargs):
    """Each task starts free to read figures from the replica: the worker's thread may have
    written in the task before (people.replica)."""
    primary_pin(False)


@shared_task
def send_account_invitations(user_ids: list[int]) -> int:
    """E-mail a password-set link to each user, at most once per user per day; returns the count sent."""
    day = timezone.localdate().isoformat()
    sent = 0
    for user in User.objects.filter(pk__in=user_ids, is_active=True).select_related("teacher"):
        key = INVITATION_KEY.format(pk=user.pk, day=day)
        # add() is atomic where it matters (Redis, database), so two deliveries send once.
        if not cache.add(key, True, timeout=24 * 3600):
            continue
        try:
            sent += account_invitation_send(user=user, request_base_url=settings.WAGTAILADMIN_BASE_URL)
        except Exception:
            cache.delete(key)  # a failed send must not block the retry
            raise
    return sent


@shared_task(name="people.employment_due")
def employment_due() -> dict:
    """Apply the leavings and transfers entered ahead of their date whose day has come."""
    return employment_due_apply()
