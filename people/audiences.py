"""Audiences: a rule (subtree, posts, stages, hired before/after) that says which teachers a
thing is for. Assignments use it, and so can anything else aimed at "these teachers": whoever
matches the rule now is in the audience, so a new hire is in it without anyone re-running it.
"""

from collections.abc import Iterable
from datetime import date

from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import FlagSetField, Organisation, Stage, Teacher, flags_codes, flags_mask


def audience_q(*, organisation: Organisation, posts: int = 0, stages: int = 0,
               hired_after: date | None = None, hired_before: date | None = None,
               prefix: str = "") -> Q:
    """The condition on Teacher (or on a model reaching Teacher through `prefix`, e.g.
    "user__teacher__") that an audience rule stands for. Empty sets mean "any"."""
    condition = Q(**{f"{prefix}school__path__startswith": organisation.path})
    if posts:
        condition &= Q(**{f"{prefix}posts__hasany": posts})
    if stages:
        condition &= Q(**{f"{prefix}school__stages__hasany": stages})
    if hired_after:
        condition &= Q(**{f"{prefix}hire_date__gt": hired_after})
    if hired_before:
        condition &= Q(**{f"{prefix}hire_date__lt": hired_before})
    return condition


class AudienceRule(models.Model):
    """The fields of an audience rule; the concrete model declares its `organisation` foreign key
    (the subtree), so each keeps its own related name."""

    posts = FlagSetField(_("posts"), default=0, blank=True,
                         help_text=_("Only teachers holding one of these posts; none ticked: every post."))
    stages = FlagSetField(_("stages"), default=0, blank=True,
                          help_text=_("Only schools of these stages; none ticked: every school."))
    hired_after = models.DateField(_("hired after"), null=True, blank=True)
    hired_before = models.DateField(_("hired before"), null=True, blank=True)

    class Meta:
        abstract = True

    def audience_q(self, *, prefix: str = "") -> Q:
        return audience_q(organisation=self.organisation, posts=self.posts, stages=self.stages,
                          hired_after=self.hired_after, hired_before=self.hired_before, prefix=prefix)

    def audience(self) -> QuerySet[Teacher]:
        """The active teachers in this audience now."""
        return Teacher.objects.filter(is_active=True).filter(self.audience_q())

    @property
    def post_list(self) -> list[str]:
        return flags_codes(Teacher.Role, self.posts)

    @property
    def stage_list(self) -> list[str]:
        return flags_codes(Stage, self.stages)


def posts_mask(codes: Iterable[str]) -> int:
    """The FlagSetField value of some post codes."""
    return flags_mask(Teacher.Role, codes)


def stages_mask(codes: Iterable[str]) -> int:
    """The FlagSetField value of some stage codes."""
    return flags_mask(Stage, codes)
