"""What certification does when courses reports learning (see courses/signals.py)."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from courses.signals import course_completed, event_attended, live_attended, quiz_passed
from people.employment import employment_changed
from people.models import Employment, Organisation, Teacher
from people.selectors import teacher_for_user

from .models import TrainingEntry
from .selectors.figures import figures_forget
from .services import exam_pass_record, training_entry_record


@receiver(course_completed, dispatch_uid="certification.course_completed")
def credit_course_completion(sender, *, user, course, hours, completed_at, completion, **kw):
    """Credit a completed course's hours once per completion."""
    teacher = teacher_for_user(user)
    if teacher is None:
        return
    training_entry_record(
        teacher=teacher, hours=hours, date=timezone.localdate(completed_at), title=course.title,
        source=TrainingEntry.Source.COURSE_COMPLETION,
        reference=f"course-completion:{completion.pk}", course=course,
        category=getattr(course, "category_id", None))


@receiver(live_attended, dispatch_uid="certification.live_attended")
def credit_live_attendance(sender, *, user, session, hours, attended_at, attendance, **kw):
    """Credit a confirmed live-session attendance once."""
    teacher = teacher_for_user(user)
    if teacher is None:
        return
    training_entry_record(
        teacher=teacher, hours=hours, date=timezone.localdate(attended_at), title=session.title,
        source=TrainingEntry.Source.LIVE_ATTENDANCE, reference=f"live-attendance:{attendance.pk}",
        category=getattr(session, "category_id", None))


@receiver(event_attended, dispatch_uid="certification.event_attended")
def credit_event_attendance(sender, *, teacher, event, hours, attended_on, signup, session=None,
                            **kw):
    """Credit a closed event's session hours once per teacher and session, on the session's
    own day (closing again credits nothing)."""
    reference = f"event-attendance:{signup.pk}" + (f":{session.pk}" if session else "")
    training_entry_record(
        teacher=teacher, hours=hours, date=attended_on, title=event.title,
        source=TrainingEntry.Source.OFFLINE, reference=reference, category=event.category_id)


@receiver(quiz_passed, dispatch_uid="certification.quiz_passed")
def record_exam_pass(sender, *, user, course, quiz, score, passed_at, attempt, **kw):
    """Record a passed course quiz as an exam pass, once per teacher and course."""
    teacher = teacher_for_user(user)
    if teacher is None:
        return
    exam_pass_record(teacher=teacher, course=course, passed_on=timezone.localdate(passed_at),
                     score=score)


# --- Stored per-school figures: dropped from the first day a change touches ---------------
# Certificates, credentials and hours are written only by certification's services, which drop
# the figures themselves (`figures_teachers_changed`), and the rules the figures read by the
# admin's views that edit them (viewsets.FiguresReadRuleMixin). What people writes (teachers,
# dated employment, organisations) is dropped here: people may not import certification.

# What of a teacher the figures read; a change to anything else (a name, a gender, the
# account) leaves the school's stored figures as they are.
FIGURE_FIELDS = ("school_id", "role", "posts", "hire_date", "first_work_date", "is_active")


@receiver(pre_save, sender=Teacher, dispatch_uid="figures.teacher_before")
def _teacher_before(sender, instance, **kw):
    instance._figures_old = (
        Teacher.objects.filter(pk=instance.pk).values_list(*FIGURE_FIELDS).first()
        if instance.pk else None)


@receiver([post_save, post_delete], sender=Teacher, dispatch_uid="figures.teacher")
def _teacher_changed(sender, instance, **kw):
    old = getattr(instance, "_figures_old", None)
    new = tuple(getattr(instance, name) for name in FIGURE_FIELDS)
    if kw.get("signal") is post_save and old == new:
        return
    # What of a teacher is read as it is now (hire and first-work dates, and without a dated
    # change, posts and status) moves every day: all days go, at every school she was counted
    # at, her employment periods' schools included (a past day's figure is her school then).
    schools = {instance.school_id, old[0] if old else None} - {None}
    if instance.pk:
        schools |= set(Employment.objects.filter(teacher_id=instance.pk)
                       .values_list("organisation_id", flat=True))
    figures_forget(school_ids=schools)


@receiver(employment_changed, dispatch_uid="figures.employment")
def _employment_changed(sender, schools, since, **kw):
    # The periods changed from `since` on: figures stored for earlier days still hold.
    figures_forget(school_ids=schools, since=since)


@receiver([post_save, post_delete], sender=Organisation, dispatch_uid="figures.organisation")
def _organisation_changed(sender, **kw):
    figures_forget()
