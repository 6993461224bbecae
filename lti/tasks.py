"""Results going back to the platforms that launched our courses."""

import logging

import requests
from celery import shared_task
from pylti1p3.exception import LtiServiceException

from . import services
from .models import LtiOutcome

log = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=6)
def outcome_report(self, outcome_id: int) -> None:
    """Send one completion to its platform's gradebook; retry later when the platform fails."""
    outcome = (LtiOutcome.objects.select_related("registration", "user", "course")
               .filter(pk=outcome_id).first())
    if outcome is None:
        return
    try:
        services.lti_outcome_report(outcome=outcome)
    except (LtiServiceException, requests.RequestException) as error:
        log.warning("LTI score for outcome %s failed (%s); retrying", outcome_id, error)
        raise self.retry(countdown=60 * 2 ** self.request.retries) from error
