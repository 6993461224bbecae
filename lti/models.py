"""What a launch from another platform leaves here: where to send the teacher's result back.

Registrations, deployments, keys and the platform's users are django-lti's models (lti_tool);
this app only adds the link from a teacher's course here to the platform's gradebook column.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LtiOutcome(models.Model):
    """A course here launched by a teacher from a platform's gradebook column (AGS line item):
    her completion of the course is reported to that column once."""

    registration = models.ForeignKey("lti_tool.LtiRegistration", on_delete=models.CASCADE,
                                     related_name="outcomes", verbose_name=_("platform"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="lti_outcomes", verbose_name=_("user"))
    course = models.ForeignKey("courses.CoursePage", on_delete=models.CASCADE,
                               related_name="lti_outcomes", verbose_name=_("course"))
    # The platform's identity of the teacher (the id_token's sub): scores are posted for it.
    sub = models.CharField(_("platform user"), max_length=255)
    lineitem = models.URLField(_("line item"), max_length=1000)
    scopes = models.JSONField(_("AGS scopes"), default=list)
    launched_at = models.DateTimeField(_("last launched"), default=timezone.now)
    reported_at = models.DateTimeField(_("completion reported"), null=True, blank=True)

    class Meta:
        verbose_name = _("LTI result link")
        verbose_name_plural = _("LTI result links")
        constraints = [models.UniqueConstraint(fields=["registration", "lineitem", "sub"],
                                               name="lti_outcome_once_per_column_and_user")]

    def __str__(self):
        return f"{self.course} → {self.lineitem}"
