"""Which shipped policies city HR have confirmed as their own (until then they are examples)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["PolicyConfirmation"]


class PolicyConfirmation(models.Model):
    """City HR confirmed that a policy (targets, staffing rules, hours, credits, calendar) is
    the rule of their city, not the shipped example."""

    # The keys are declared once, in certification.policies.POLICIES.
    policy = models.CharField(_("policy"), max_length=32)
    organisation = models.ForeignKey("people.Organisation", on_delete=models.CASCADE,
                                     related_name="policy_confirmations",
                                     verbose_name=_("organisation"))
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("confirmed by"))
    confirmed_at = models.DateTimeField(_("confirmed at"), default=timezone.now)

    class Meta:
        verbose_name = _("policy confirmation")
        verbose_name_plural = _("policy confirmations")
        constraints = [models.UniqueConstraint(fields=["policy", "organisation"],
                                               name="policyconfirmation_once")]

    def __str__(self):
        return f"{self.organisation} · {self.policy}"
