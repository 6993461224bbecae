"""Hour categories (学时类别) as data: what courses, events, declarations and every ledger line
are filed under, and what a cycle policy may require a minimum of. City HR edit them in the
admin; a category's code never changes once given, so sheets and old rows keep meaning it."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

__all__ = ["HourCategory", "DEFAULT_CATEGORY", "COURSE_DEFAULT_CATEGORY"]

# Where a line has no better category (imports without the column, corrections, old rows).
DEFAULT_CATEGORY = "other"
# What a new course, event or live session is filed under until its editor picks another.
COURSE_DEFAULT_CATEGORY = "knowledge"


class HourCategoryQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class HourCategory(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True,
                            help_text=_("Letters, digits and hyphens; fixed once saved."))
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(
        _("active"), default=True,
        help_text=_("Inactive categories are no longer offered; lines already filed under "
                    "them keep them."))

    objects = HourCategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("hour category")
        verbose_name_plural = _("hour categories")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """The name in the language of the screen: English where one is given, else Chinese."""
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name
