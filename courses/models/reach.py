"""Parent-school reach per school: views of parent-school lessons that came through a school's
own link or QR code (?school=<code>), counted per lesson, school and day."""

from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["ParentLessonSchoolView", "SCHOOL_COOKIE", "parent_school_view_count"]

# The school a parent's link named, kept for the lessons opened afterwards (no account, no session row).
SCHOOL_COOKIE = "parent_school"


class ParentLessonSchoolView(models.Model):
    lesson = models.ForeignKey("courses.ParentLessonPage", on_delete=models.CASCADE,
                               related_name="school_views", verbose_name=_("lesson"))
    school = models.ForeignKey("people.Organisation", on_delete=models.CASCADE,
                               related_name="parent_lesson_views", verbose_name=_("school"))
    day = models.DateField(_("day"))
    views = models.PositiveIntegerField(_("views"), default=0)

    class Meta:
        verbose_name = _("parent-school views per school")
        verbose_name_plural = _("parent-school views per school")
        constraints = [models.UniqueConstraint(fields=["lesson", "school", "day"],
                                               name="parentlessonschoolview_once")]

    def __str__(self):
        return f"{self.lesson_id} · {self.school_id} · {self.day}: {self.views}"


def parent_school_view_count(*, lesson, school) -> None:
    """Count one view of a lesson for a school today (one UPDATE, or the day's first row)."""
    day = timezone.localdate()
    updated = ParentLessonSchoolView.objects.filter(lesson=lesson, school=school, day=day).update(
        views=F("views") + 1)
    if not updated:
        row, created = ParentLessonSchoolView.objects.get_or_create(
            lesson=lesson, school=school, day=day, defaults={"views": 1})
        if not created:
            ParentLessonSchoolView.objects.filter(pk=row.pk).update(views=F("views") + 1)
