"""Learning records: what each teacher did, kept so that certification can trust it."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from people.audiences import AudienceRule
from people.chain import SealedRecord

__all__ = ["Assignment", "Enrolment", "LessonProgress", "QuizAttempt", "CourseCompletion",
           "LiveAttendance", "LivePresence"]

USER = settings.AUTH_USER_MODEL


class Assignment(AudienceRule):
    """A course put on an audience (subtree, posts, stages, hired before/after) with a deadline.

    The audience is a rule: a teacher who comes to match it later (a new hire, a new post) is
    enrolled too, with `days_to_complete` from that day when the trainer chose it.
    """

    course = models.ForeignKey("courses.CoursePage", on_delete=models.PROTECT,
                               related_name="assignments", verbose_name=_("course"))
    organisation = models.ForeignKey("people.Organisation", on_delete=models.PROTECT,
                                     related_name="course_assignments",
                                     verbose_name=_("organisation"))
    deadline = models.DateField(_("deadline"))
    days_to_complete = models.PositiveSmallIntegerField(
        _("days to complete for newcomers"), null=True, blank=True,
        help_text=_("Teachers who join the audience later are due this many days after joining; "
                    "empty: the deadline above."))
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # The day overdue reminders last went out: at most one round per assignment per day.
    reminded_on = models.DateField(_("last reminded on"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["-deadline", "-pk"]

    def __str__(self):
        return f"{self.course.title} · {self.organisation.name} · {self.deadline:%Y-%m-%d}"


class Enrolment(models.Model):
    """A user taking a course, by their own choice or by an assignment."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="enrolments",
                             verbose_name=_("user"))
    course = models.ForeignKey("courses.CoursePage", on_delete=models.CASCADE,
                               related_name="enrolments", verbose_name=_("course"))
    assignment = models.ForeignKey(Assignment, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="enrolments", verbose_name=_("assignment"))
    # The assignment a leaver was released from (her unfinished enrolment keeps her progress):
    # the completion figures of days she was in post still count her as assigned.
    released_from = models.ForeignKey(Assignment, null=True, blank=True, editable=False,
                                      on_delete=models.SET_NULL, related_name="+",
                                      verbose_name=_("released from assignment"))
    enrolled_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    # A newcomer's own deadline (days_to_complete after joining); empty: the assignment's.
    due_on = models.DateField(_("due on"), null=True, blank=True)
    # Stamped in the same transaction as the CourseCompletion row, so rates are one COUNT.
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="enrolment_once")]
        indexes = [models.Index(fields=["assignment", "completed_at"])]

    def __str__(self):
        return f"{self.user} · {self.course_id}"


class LessonProgress(models.Model):
    """What a user has really watched of a lesson: merged intervals of credited seconds."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="lesson_progress",
                             verbose_name=_("user"))
    lesson = models.ForeignKey("courses.LessonPage", on_delete=models.CASCADE,
                               related_name="progress", verbose_name=_("lesson"))
    # Sorted, disjoint [start, end] pairs in seconds of video, merged on every report.
    intervals = models.JSONField(_("watched intervals"), default=list)
    credited_seconds = models.PositiveIntegerField(_("credited seconds"), default=0)
    furthest_position = models.FloatField(_("furthest credited position"), default=0)
    last_position = models.FloatField(_("last reported position"), null=True, blank=True)
    last_report_at = models.DateTimeField(_("last report at"), null=True, blank=True)
    # Where and when the current run of continuous playback began (see lesson_progress_report).
    run_started_at = models.DateTimeField(_("run started at"), null=True, blank=True)
    run_start_position = models.FloatField(_("run start position"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [models.UniqueConstraint(fields=["user", "lesson"], name="progress_once")]

    def __str__(self):
        return f"{self.user_id} · {self.lesson_id}"


class QuizAttempt(models.Model):
    """One submitted attempt at a quiz, scored on the server."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="quiz_attempts",
                             verbose_name=_("user"))
    quiz = models.ForeignKey("courses.QuizPage", on_delete=models.CASCADE,
                             related_name="attempts", verbose_name=_("quiz"))
    answers = models.JSONField(_("answers"), default=list)
    score = models.PositiveSmallIntegerField(_("score (%)"))
    passed = models.BooleanField(_("passed"))
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["submitted_at", "pk"]
        indexes = [models.Index(fields=["user", "quiz"])]

    def __str__(self):
        return f"{self.user_id} · {self.quiz_id} · {self.score}%"


class CourseCompletion(SealedRecord):
    """A user completed a course; certification credits its hours once per row."""

    SEALED_FIELDS = ("user_id", "course_id", "hours", "completed_at")

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="course_completions",
                             verbose_name=_("user"))
    course = models.ForeignKey("courses.CoursePage", on_delete=models.PROTECT,
                               related_name="completions", verbose_name=_("course"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    completed_at = models.DateTimeField(_("completed at"), default=timezone.now)

    class Meta:
        verbose_name = _("course completion")
        verbose_name_plural = _("course completions")
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="completion_once")]

    def __str__(self):
        return f"{self.user} · {self.course.title}"


class LiveAttendance(SealedRecord):
    """A teacher checked in to a live session while it ran; earns the session's hours."""

    SEALED_FIELDS = ("user_id", "session_id", "hours", "attended_at")

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="live_attendances",
                             verbose_name=_("user"))
    session = models.ForeignKey("courses.LiveSessionPage", on_delete=models.PROTECT,
                                related_name="attendances", verbose_name=_("live session"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    attended_at = models.DateTimeField(_("checked in at"), default=timezone.now)

    class Meta:
        verbose_name = _("live attendance")
        verbose_name_plural = _("live attendances")
        constraints = [models.UniqueConstraint(fields=["user", "session"], name="attendance_once")]


class LivePresence(models.Model):
    """A teacher's time at a live session, from the page's heartbeats while it runs (as a
    video's progress): seconds present, credited no faster than the clock. The hours
    (`LiveAttendance`) follow from it (`services.live_presence_beat`, `live_sessions_credit`)."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="live_presences",
                             verbose_name=_("user"))
    session = models.ForeignKey("courses.LiveSessionPage", on_delete=models.PROTECT,
                                related_name="presences", verbose_name=_("live session"))
    checked_in_at = models.DateTimeField(_("checked in at"), default=timezone.now)
    last_beat_at = models.DateTimeField(_("last heartbeat at"), default=timezone.now)
    seconds_present = models.PositiveIntegerField(_("seconds present"), default=0)

    class Meta:
        verbose_name = _("live presence")
        verbose_name_plural = _("live presences")
        constraints = [models.UniqueConstraint(fields=["user", "session"], name="presence_once")]

    def __str__(self):
        return f"{self.user_id} · {self.session_id}"
