"""What certification does when courses reports learning (see courses/signals.py)."""

from django.dispatch import receiver
from django.utils import timezone

from courses.signals import course_completed, event_attended, live_attended, quiz_passed
from people.selectors import teacher_for_user

from .models import TrainingEntry
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
        reference=f"course-completion:{completion.pk}", course=course)


@receiver(live_attended, dispatch_uid="certification.live_attended")
def credit_live_attendance(sender, *, user, session, hours, attended_at, attendance, **kw):
    """Credit a confirmed live-session attendance once."""
    teacher = teacher_for_user(user)
    if teacher is None:
        return
    training_entry_record(
        teacher=teacher, hours=hours, date=timezone.localdate(attended_at), title=session.title,
        source=TrainingEntry.Source.LIVE_ATTENDANCE, reference=f"live-attendance:{attendance.pk}")


@receiver(event_attended, dispatch_uid="certification.event_attended")
def credit_event_attendance(sender, *, teacher, event, hours, attended_on, signup, **kw):
    """Credit a closed event's hours once per attendance (closing again credits nothing)."""
    training_entry_record(
        teacher=teacher, hours=hours, date=attended_on, title=event.title,
        source=TrainingEntry.Source.OFFLINE, reference=f"event-attendance:{signup.pk}")


@receiver(quiz_passed, dispatch_uid="certification.quiz_passed")
def record_exam_pass(sender, *, user, course, quiz, score, passed_at, attempt, **kw):
    """Record a passed course quiz as an exam pass, once per teacher and course."""
    teacher = teacher_for_user(user)
    if teacher is None:
        return
    exam_pass_record(teacher=teacher, course=course, passed_on=timezone.localdate(passed_at),
                     score=score)
