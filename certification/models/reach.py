"""Parent-school sessions any school records (家长会, 讲座, 线上, 其他): the reach the seeds count
("受益家长100余万人", "近13万个家庭"), whether or not a counsellor logged them as workload."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .declarations import private_storage

__all__ = ["ParentSession", "ParentSessionRecorder"]


def session_evidence_path(instance, filename) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    if extension not in ("pdf", "jpg", "jpeg", "png"):
        extension = "bin"
    return f"parent_sessions/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class ParentSession(models.Model):
    """One parent-school session a school held."""

    class Form(models.TextChoices):
        # The sheet's 形式 column writes these labels.
        MEETING = "meeting", _("Parents' meeting")
        LECTURE = "lecture", _("Lecture")
        ONLINE = "online", _("Online")
        OTHER = "other", _("Other")

    school = models.ForeignKey("people.Organisation", on_delete=models.PROTECT,
                               related_name="parent_sessions", verbose_name=_("school"),
                               limit_choices_to={"kind": "school"})
    date = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=120)
    form = models.CharField(_("form"), max_length=16, choices=Form.choices, default=Form.MEETING)
    speaker = models.CharField(_("speaker"), max_length=60, blank=True)
    parents_reached = models.PositiveIntegerField(_("parents reached (person-times)"), default=0)
    households = models.PositiveIntegerField(_("households"), null=True, blank=True)
    evidence = models.FileField(_("evidence"), storage=private_storage,
                                upload_to=session_evidence_path, blank=True)
    # Set when the session comes from a counsellor's approved parent-session workload entry.
    workload_entry = models.OneToOneField("certification.WorkloadEntry", on_delete=models.SET_NULL,
                                          null=True, blank=True, related_name="parent_session",
                                          verbose_name=_("workload entry"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("parent-school session")
        verbose_name_plural = _("parent-school sessions")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["school", "date"])]

    def __str__(self):
        return f"{self.school} · {self.date} · {self.topic}"


class ParentSessionRecorder(models.Model):
    """A teacher a school names to record its parent-school sessions (besides its admins)."""

    school = models.ForeignKey("people.Organisation", on_delete=models.CASCADE,
                               related_name="parent_session_recorders", verbose_name=_("school"),
                               limit_choices_to={"kind": "school"})
    teacher = models.ForeignKey("people.Teacher", on_delete=models.CASCADE,
                                related_name="+", verbose_name=_("teacher"))

    class Meta:
        verbose_name = _("parent-session recorder")
        verbose_name_plural = _("parent-session recorders")
        constraints = [models.UniqueConstraint(fields=["school", "teacher"],
                                               name="parentsessionrecorder_once")]

    def __str__(self):
        return f"{self.school} · {self.teacher}"
