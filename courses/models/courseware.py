"""Courseware lessons: a SCORM 1.2 / SCORM 2004 / H5P package played in a sandboxed frame.

A courseware lesson is a lesson (it inherits LessonPage), so a course's completion rule, its
outline, the learner's LessonProgress and the ledger's single credit all treat it as they treat
a video lesson; only how the lesson is completed differs (the package reports it).
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.models import Page

from .pages import LessonPage, LessonPageForm

__all__ = ["CoursewareAttempt", "CoursewareLessonPage", "CoursewarePackage"]


class CoursewarePackage(models.Model):
    """A checked, unpacked package, kept once per content (its SHA-256) in private storage."""

    class Kind(models.TextChoices):
        SCORM12 = "scorm12", "SCORM 1.2"
        SCORM2004 = "scorm2004", "SCORM 2004"
        H5P = "h5p", "H5P"

    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    version = models.CharField(_("package version"), max_length=40)
    title = models.CharField(_("title"), max_length=255, blank=True)
    launch = models.CharField(_("launch file"), max_length=500, blank=True)
    items = models.JSONField(_("package items"), default=list)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_count = models.PositiveIntegerField(_("number of files"), default=0)
    unpacked_bytes = models.PositiveBigIntegerField(_("unpacked size (bytes)"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("courseware package")
        verbose_name_plural = _("courseware packages")

    def __str__(self):
        return f"{self.title or self.file_name} ({self.version})"


class CoursewareLessonPageForm(LessonPageForm):
    """The lesson's package is uploaded here; it is checked in clean() (nothing written) and
    stored by save(), so a refused package or any other error on the page stores nothing."""

    package_file = forms.FileField(
        label=_("package"), required=False,
        help_text=_("A SCORM 1.2 or SCORM 2004 (3rd/4th edition) .zip, or an H5P .h5p file."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.package_id:
            self.fields["package_file"].help_text = _(
                "Current: %(package)s. Upload a new file to replace it.") % {
                "package": self.instance.package}
        self._checked = None

    def clean(self):
        from ..services import courseware_package_check

        cleaned = super().clean()
        upload = cleaned.get("package_file")
        if upload:
            try:
                self._checked = courseware_package_check(upload=upload)
            except ValidationError as error:
                self.add_error("package_file", error)
        elif not self.instance.package_id:
            self.add_error("package_file", _("Upload a SCORM or H5P package."))
        return cleaned

    def save(self, commit=True):
        from ..services import courseware_package_store

        page = super().save(commit=False)
        if self._checked is not None:
            page.package = courseware_package_store(checked=self._checked,
                                                    uploaded_by=getattr(self, "for_user", None))
        if commit:
            page.save()
        return page


class CoursewareLessonPage(LessonPage):
    """A lesson whose content is a SCORM or H5P package; completed when the package says so."""

    package = models.ForeignKey(CoursewarePackage, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="lessons", verbose_name=_("package"))
    passed_required = models.BooleanField(
        _("“passed” required"), default=False,
        help_text=_("Ticked: the lesson counts only when the package reports the learner passed "
                    "(its test). Unticked: “completed” or “passed” both count."))

    content_panels = Page.content_panels + [
        MultiFieldPanel([FieldPanel("package_file"), FieldPanel("passed_required")],
                        heading=_("Courseware")),
        FieldPanel("duration_seconds", heading=_("expected time (seconds)"),
                   help_text=_("How long the package takes, shown in the course outline.")),
        FieldPanel("body"),
    ]
    parent_page_types = ["courses.CoursePage"]
    subpage_types: list = []
    base_form_class = CoursewareLessonPageForm
    template = "courses/courseware_lesson_page.html"

    class Meta:
        verbose_name = _("courseware lesson")

    def clean(self):
        # Not LessonPage.clean: a courseware lesson has neither a video nor an embedded player.
        # Its package is required by its form, which stores the upload only once all is valid.
        Page.clean(self)

    def is_done(self, attempt: "CoursewareAttempt") -> bool:
        """The lesson's completion rule: the package reported completed or passed (passed only,
        when the trainer requires it). SCORM 1.2 says both in lesson_status; SCORM 2004 and H5P
        in completion_status and success_status."""
        passed = "passed" in (attempt.lesson_status, attempt.success_status)
        if self.passed_required:
            return passed
        return passed or "completed" in (attempt.lesson_status, attempt.completion_status)

    def get_context(self, request, *args, **kwargs):
        from ..selectors import courseware_launch

        context = super().get_context(request, *args, **kwargs)
        context["launch"] = courseware_launch(lesson=self, user=request.user,
                                              enrolment=context["enrolment"],
                                              preview=getattr(request, "is_preview", False))
        return context


class CoursewareAttempt(models.Model):
    """A learner's run-time data in one courseware lesson, as the package last committed it, so
    she resumes where she left off on any device; and the session clock behind her credited time."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="courseware_attempts", verbose_name=_("user"))
    lesson = models.ForeignKey(CoursewareLessonPage, on_delete=models.CASCADE,
                               related_name="attempts", verbose_name=_("lesson"))
    # The state belongs to one package: a lesson given a new package starts afresh.
    package = models.ForeignKey(CoursewarePackage, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("package"))
    lesson_status = models.CharField(_("lesson status (SCORM 1.2)"), max_length=20, blank=True)
    completion_status = models.CharField(_("completion status"), max_length=20, blank=True)
    success_status = models.CharField(_("success status"), max_length=20, blank=True)
    score_raw = models.FloatField(_("score"), null=True, blank=True)
    score_scaled = models.FloatField(_("scaled score"), null=True, blank=True)
    location = models.CharField(_("location in the package"), max_length=1000, blank=True)
    suspend_data = models.TextField(_("suspend data"), blank=True)
    # The current session (one opening of the lesson page), the session time it has reported
    # so far, and when it last committed: what caps the time credited.
    session_key = models.CharField(_("learning session"), max_length=200, blank=True)
    session_seconds = models.FloatField(_("session time reported"), default=0)
    time_credited = models.FloatField(_("time credited (seconds)"), default=0)
    last_commit_at = models.DateTimeField(_("last commit at"), null=True, blank=True)
    commits = models.PositiveIntegerField(_("commits"), default=0)

    class Meta:
        verbose_name = _("courseware attempt")
        verbose_name_plural = _("courseware attempts")
        constraints = [models.UniqueConstraint(fields=["user", "lesson"], name="courseware_attempt_once")]

    def __str__(self):
        return f"{self.user_id} · {self.lesson_id}"
