"""What the LTI tool does when courses reports learning (see courses/signals.py)."""

from django.db import transaction

from . import services


def course_completed(sender, *, user, course, completion, **kw):
    """A completed course goes back to every platform column it was launched from, once.
    Hours are not credited here: certification credits the completion itself, once."""
    from .tasks import outcome_report

    for pk in services.lti_outcomes_to_report(user=user, course=course):
        transaction.on_commit(lambda pk=pk: outcome_report.delay(pk))
