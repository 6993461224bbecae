"""Every write of the learning side: enrolment, progress, quizzes, completion, assignments."""

from __future__ import annotations

import re
import secrets
import tempfile
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.models import GroupPagePermission, Page, Task, Workflow, WorkflowPage, WorkflowTask

from people import purposes
from people.audiences import posts_mask, stages_mask
from people.models import Notice, Organisation, StaffRole, Stage, Teacher
from people.roles import role_group
from people.selectors import user_is_staff_in_scope
from people.services import notices_close, notices_send_many
from people.storage import private_files

from . import packages, signals
from .models import (
    LEARNING_SECTION_MODELS,
    Assignment,
    CourseCompletion,
    CoursePage,
    CoursewareAttempt,
    CoursewareLessonPage,
    CoursewarePackage,
    Enrolment,
    EventIndexPage,
    LessonPage,
    LessonProgress,
    LiveAttendance,
    LivePresence,
    LiveSessionPage,
    QuizAttempt,
    QuizPage,
)

# Seconds of slack between the player's clock and ours (network delay), per run of playback:
# whatever a teacher does, a run never earns more than its wall-clock time plus this.
PROGRESS_TOLERANCE = 3.0
# The player reports every 5 s while playing and on every seek. A longer gap between reports
# (a pause, a closed lid) or a longer step of the position (a drag) starts a new run.
MAX_REPORT_GAP = 30.0
MAX_REPORT_STEP = 30.0


def enrolment_create(*, user, course: CoursePage, assignment: Assignment | None = None,
                     now: datetime | None = None) -> Enrolment:
    """Enrol a user in a live course (idempotent: an existing enrolment is returned)."""
    if not course.live:
        raise ValidationError(_("This course is not published."))
    enrolment, _created = Enrolment.objects.get_or_create(
        user=user, course=course,
        defaults={"assignment": assignment, "enrolled_at": now or timezone.now()},
    )
    return enrolment


def _merge(intervals: Iterable[Sequence[float]]) -> list[list[float]]:
    merged: list[list[float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


@transaction.atomic
def lesson_progress_report(*, user, lesson: LessonPage, position: float,
                           now: datetime | None = None) -> LessonProgress:
    """Record the player's position and credit only what was really watched since the last report.

    Reports form runs of continuous playback; a pause, a seek or a drag starts a new run. The
    step from the previous position to this one is credited when it goes forward, starts
    within what is already credited (so a jump past the furthest watched point earns nothing)
    and keeps the run no faster than the wall-clock time since the run began (so a sped-up
    or forged player earns at most PROGRESS_TOLERANCE per run). Credited steps are merged
    into intervals, so watching a part twice counts once.
    """
    now = now or timezone.now()
    if lesson.specific_class is not LessonPage:
        # A courseware lesson is completed by its package's commits, never by a position.
        raise PermissionDenied(_("This lesson reports its progress itself."))
    course = lesson.get_parent().specific
    if not Enrolment.objects.filter(user=user, course_id=course.pk).exists():
        raise PermissionDenied(_("Enrol in the course first."))
    LessonProgress.objects.get_or_create(user=user, lesson=lesson)
    # The row lock serialises two tabs (or two workers) reporting for the same lesson.
    progress = LessonProgress.objects.select_for_update().get(user=user, lesson=lesson)
    position = max(0.0, min(float(position), float(lesson.duration_seconds)))
    start = progress.last_position
    continues_run = (
        progress.last_report_at is not None and start is not None
        and progress.run_started_at is not None
        and (now - progress.last_report_at).total_seconds() <= MAX_REPORT_GAP
        and 0 <= position - start <= MAX_REPORT_STEP
    )
    if not continues_run:
        progress.run_started_at, progress.run_start_position = now, position
    else:
        run_watched = position - progress.run_start_position
        run_elapsed = (now - progress.run_started_at).total_seconds()
        if (position > start
                and start <= progress.furthest_position + PROGRESS_TOLERANCE
                and run_watched <= run_elapsed + PROGRESS_TOLERANCE):
            progress.intervals = _merge([*progress.intervals, [start, position]])
            progress.credited_seconds = int(sum(e - s for s, e in progress.intervals))
            progress.furthest_position = max(progress.furthest_position, position)
    progress.last_position = position
    progress.last_report_at = now
    newly_complete = (progress.completed_at is None
                      and progress.credited_seconds >= lesson.required_seconds)
    if newly_complete:
        progress.completed_at = now
    progress.save()
    if newly_complete:
        course_completion_check(user=user, course=course, now=now)
    return progress


def _grade(quiz: QuizPage, answers: dict[int, Iterable[int]]) -> tuple[int, list[list[int]]]:
    key = quiz.answer_key()
    chosen = [sorted({int(a) for a in answers.get(i, [])}) for i in range(len(key))]
    right = sum(1 for i, correct in enumerate(key) if set(chosen[i]) == correct)
    score = round(100 * right / len(key)) if key else 0
    return score, chosen


@transaction.atomic
def quiz_attempt_submit(*, user, quiz: QuizPage, answers: dict[int, Iterable[int]],
                        now: datetime | None = None) -> QuizAttempt:
    """Score a submitted quiz on the server and record the attempt, within the attempt limit."""
    now = now or timezone.now()
    course = quiz.get_parent().specific
    try:
        # Locking the enrolment serialises concurrent submissions against the attempt limit.
        Enrolment.objects.select_for_update().get(user=user, course_id=course.pk)
    except Enrolment.DoesNotExist:
        raise PermissionDenied(_("Enrol in the course first.")) from None
    previous = list(QuizAttempt.objects.filter(user=user, quiz=quiz).values_list("passed", flat=True))
    if any(previous):
        raise ValidationError(_("You have already passed this quiz."))
    if len(previous) >= quiz.attempt_limit:
        raise ValidationError(_("No attempts left."))
    score, chosen = _grade(quiz, answers)
    attempt = QuizAttempt.objects.create(user=user, quiz=quiz, answers=chosen, score=score,
                                         passed=score >= quiz.pass_mark, submitted_at=now)
    if attempt.passed:
        transaction.on_commit(lambda: signals.quiz_passed.send(
            sender=QuizAttempt, user=user, course=course, quiz=quiz, score=score,
            passed_at=now, attempt=attempt))
        course_completion_check(user=user, course=course, now=now)
    return attempt


def course_notice_topic(course_id: int) -> str:
    """The task an assignment's notices ask for: finishing this course (closes them)."""
    return f"course:{course_id}"


@transaction.atomic
def course_completion_check(*, user, course: CoursePage,
                            now: datetime | None = None) -> CourseCompletion | None:
    """Complete the course when its rule is met; signal course_completed once per completion."""
    now = now or timezone.now()
    lesson_ids = list(LessonPage.objects.child_of(course).live().values_list("pk", flat=True))
    done = LessonProgress.objects.filter(user=user, lesson_id__in=lesson_ids,
                                         completed_at__isnull=False).count()
    if done < len(lesson_ids):
        return None
    quizzes = QuizPage.objects.child_of(course).live()
    if (course.completion_rule == CoursePage.CompletionRule.LESSONS_AND_QUIZ and quizzes.exists()
            and not QuizAttempt.objects.filter(user=user, quiz__in=quizzes, passed=True).exists()):
        return None
    completion, created = CourseCompletion.objects.get_or_create(
        user=user, course=course, defaults={"hours": course.credit_hours, "completed_at": now})
    if created:
        Enrolment.objects.filter(user=user, course=course).update(completed_at=now)
        notices_close(user_ids=[user.pk], topic=course_notice_topic(course.pk), now=now)
        transaction.on_commit(lambda: signals.course_completed.send(
            sender=CourseCompletion, user=user, course=course, hours=completion.hours,
            completed_at=completion.completed_at, completion=completion))
    return completion


# The live page beats every LIVE_BEAT_SECONDS while open; a gap longer than LIVE_BEAT_MAX_GAP
# (a closed tab, a sleeping phone) credits nothing for the gap.
LIVE_BEAT_SECONDS = 60
LIVE_BEAT_MAX_GAP = 150


@transaction.atomic
def live_attendance_check_in(*, user, session: LiveSessionPage,
                             now: datetime | None = None) -> LivePresence:
    """Check a teacher in to a live session while its window is open: from then on the page's
    heartbeats count the time present (`live_presence_beat`); the hours follow from it."""
    now = now or timezone.now()
    if not session.check_in_open(now):
        raise ValidationError(_("Check-in is open from 15 minutes before the start to the end."))
    presence, _created = LivePresence.objects.get_or_create(
        user=user, session=session, defaults={"checked_in_at": now, "last_beat_at": now})
    return presence


def live_presence_percent(user) -> int:
    """The share of a live session's time needed for its full hours: the presence rule over
    the teacher's school (as for offline events), else the default."""
    from people.selectors import teacher_for_user

    from .event_services import presence_percent_of
    from .models import DEFAULT_PRESENCE_PERCENT

    teacher = teacher_for_user(user)
    return presence_percent_of(teacher.school) if teacher else DEFAULT_PRESENCE_PERCENT


def live_credit_hours(session: LiveSessionPage, seconds: int, percent: int) -> Decimal:
    """Hours for `seconds` present: the full hours from `percent` of the session's time, else
    the hours for the time present (to 0.1 h, rounded down)."""
    scheduled = session.duration_minutes * 60
    if seconds * 100 >= scheduled * percent:
        return session.credit_hours
    return (session.credit_hours * seconds / scheduled).quantize(Decimal("0.1"), ROUND_DOWN)


def _live_attendance_record(presence: LivePresence, hours: Decimal, now: datetime) -> None:
    attendance, created = LiveAttendance.objects.get_or_create(
        user=presence.user, session=presence.session,
        defaults={"hours": hours, "attended_at": presence.checked_in_at})
    if created:
        transaction.on_commit(lambda: signals.live_attended.send(
            sender=LiveAttendance, user=presence.user, session=presence.session,
            hours=attendance.hours, attended_at=attendance.attended_at, attendance=attendance))


@transaction.atomic
def live_presence_beat(*, user, session: LiveSessionPage,
                       now: datetime | None = None) -> LivePresence:
    """A heartbeat from a checked-in teacher's live page: the time since the last beat counts
    (within the session's schedule, no gap over LIVE_BEAT_MAX_GAP); once the required share of
    the session is present its full hours are credited (once)."""
    now = now or timezone.now()
    presence = LivePresence.objects.select_for_update().filter(user=user, session=session).first()
    if presence is None:
        raise ValidationError(_("Check in first."))
    gap = (now - presence.last_beat_at).total_seconds()
    if 0 < gap <= LIVE_BEAT_MAX_GAP:
        start, end = max(presence.last_beat_at, session.starts_at), min(now, session.ends_at)
        presence.seconds_present += max(int((end - start).total_seconds()), 0)
    presence.last_beat_at = max(now, presence.last_beat_at)
    presence.save(update_fields=["seconds_present", "last_beat_at"])
    percent = live_presence_percent(user)
    if live_credit_hours(session, presence.seconds_present, percent) == session.credit_hours:
        _live_attendance_record(presence, session.credit_hours, now)
    return presence


@transaction.atomic
def live_sessions_credit(*, now: datetime | None = None) -> int:
    """Credit the hours for time present of ended live sessions to those below the full share
    (the full share was credited at once); returns how many were credited."""
    now = now or timezone.now()
    credited = 0
    for presence in (LivePresence.objects.select_related("session", "user")
                     .exclude(user__live_attendances__session=F("session"))):
        session = presence.session
        if session.ends_at >= now:
            continue
        hours = live_credit_hours(session, presence.seconds_present,
                                  live_presence_percent(presence.user))
        if hours > 0:
            _live_attendance_record(presence, hours, now)
            credited += 1
    return credited


@transaction.atomic
def assignment_create(*, course: CoursePage, organisation: Organisation, deadline: date,
                      created_by, roles: Sequence[str] = (), stages: Sequence[str] = (),
                      hired_after: date | None = None, hired_before: date | None = None,
                      days_to_complete: int | None = None) -> Assignment:
    """Put a course on an audience (subtree, posts `roles`, stages, hire dates) and enrol
    everyone in it now; later newcomers are enrolled by `assignment_audiences_enrol`."""
    if not user_is_staff_in_scope(created_by, organisation, roles=purposes.ASSIGNMENTS):
        raise PermissionDenied(_("This organisation is outside your scope."))
    unknown = set(roles) - set(Teacher.Role.values)
    if unknown:
        raise ValidationError(_("Unknown roles: %s") % ", ".join(sorted(unknown)))
    if set(stages) - set(Stage.values):
        raise ValidationError(_("Unknown stages: %s") % ", ".join(sorted(set(stages) - set(Stage.values))))
    if not course.live:
        raise ValidationError(_("This course is not published."))
    assignment = Assignment.objects.create(
        course=course, organisation=organisation, deadline=deadline, created_by=created_by,
        posts=posts_mask(roles), stages=stages_mask(stages), hired_after=hired_after,
        hired_before=hired_before, days_to_complete=days_to_complete)
    _enrol_audience(assignment, newcomers=False)
    return assignment


def _enrol_audience(assignment: Assignment, *, newcomers: bool, today: date | None = None) -> int:
    """Enrol the assignment's audience members who are not enrolled in its course yet, and
    count the ones who had enrolled on their own; returns how many were newly enrolled."""
    audience = assignment.audience()
    enrolled = Enrolment.objects.filter(course=assignment.course_id).values("user_id")
    user_ids = list(audience.exclude(user_id__in=enrolled).values_list("user_id", flat=True))
    due_on = None
    if newcomers and assignment.days_to_complete:
        due_on = (today or timezone.localdate()) + timedelta(days=assignment.days_to_complete)
    now = timezone.now()
    Enrolment.objects.bulk_create(
        [Enrolment(user_id=uid, course_id=assignment.course_id, assignment=assignment,
                   enrolled_at=now, due_on=due_on) for uid in user_ids],
        batch_size=2000, ignore_conflicts=True,
    )
    # Teachers who had enrolled on their own now count towards the assignment too
    # (a subquery, not the id list: a city's list is longer than SQLite's parameter limit).
    Enrolment.objects.filter(course=assignment.course_id, user_id__in=audience.values("user_id"),
                             assignment__isnull=True).update(assignment=assignment)
    deadline = due_on or assignment.deadline
    # Every newly assigned teacher hears of it in the site, addressed or not.
    with translation.override(settings.LANGUAGE_CODE):
        notices_send_many(
            user_ids=user_ids, kind=Notice.Kind.ASSIGNMENT_NEW,
            title=_("Assigned training: %(course)s, due %(deadline)s") % {
                "course": assignment.course.title, "deadline": deadline.isoformat()},
            body=_("Please complete “%(course)s” on the platform by %(deadline)s.") % {
                "course": assignment.course.title, "deadline": deadline.isoformat()},
            url=reverse("courses:my_learning"), topic=course_notice_topic(assignment.course_id))
    return len(user_ids)


def assignment_audiences_enrol(*, today: date | None = None) -> int:
    """Enrol every teacher who has come to match a pending assignment's audience (a new hire,
    a new post, a transfer in) since it was made. Idempotent: run on import and daily."""
    today = today or timezone.localdate()
    pending = Assignment.objects.filter(Q(deadline__gte=today) | Q(days_to_complete__isnull=False))
    total = 0
    for assignment in pending.select_related("organisation"):
        with transaction.atomic():
            total += _enrol_audience(assignment, newcomers=True, today=today)
    return total


def assignment_leavers_release(*, user_ids: Sequence[int]) -> int:
    """Teachers no longer in post leave the assignments they have not finished (their progress
    stays, as a course of their own, and the assignment is kept as `released_from` for the
    figures of the days they were in post); returns how many enrolments were released."""
    released = 0
    for start in range(0, len(user_ids), 5000):
        released += Enrolment.objects.filter(
            user_id__in=user_ids[start:start + 5000], assignment__isnull=False,
            completed_at__isnull=True).update(released_from=F("assignment"), assignment=None,
                                              due_on=None)
    return released


def assignment_reminders_send(*, today: date | None = None) -> int:
    """Remind the unfinished teachers of every overdue assignment (a notice, and e-mail where the
    kind's channels say so), at most once a day each; returns the e-mails sent."""
    today = today or timezone.localdate()
    sent = 0
    overdue = Assignment.objects.filter(deadline__lt=today).exclude(reminded_on=today)
    for assignment in overdue.select_related("course"):
        # Claiming the day with a conditional UPDATE makes two beat runs send one round.
        claimed = (Assignment.objects.filter(pk=assignment.pk).exclude(reminded_on=today)
                   .update(reminded_on=today))
        if not claimed:
            continue
        user_ids = list(assignment.enrolments.filter(completed_at__isnull=True, user__is_active=True)
                        .values_list("user_id", flat=True))
        with translation.override(settings.LANGUAGE_CODE):
            sent += notices_send_many(
                user_ids=user_ids, kind=Notice.Kind.ASSIGNMENT_OVERDUE,
                title=_("Overdue training: %(course)s") % {"course": assignment.course.title},
                body=_("The course “%(course)s” was due on %(deadline)s and you have not finished it "
                       "yet. Please complete it on the platform as soon as possible.") % {
                    "course": assignment.course.title, "deadline": assignment.deadline.isoformat()},
                url=reverse("courses:my_learning"), topic=course_notice_topic(assignment.course_id))
    return sent


# Names staff read in the admin ("提交给…"): data, in the site's language (one per screen).
REVIEW_WORKFLOW_NAME = "学习内容审核"
REVIEW_TASK_NAME = "审核员审批"
_EARLIER_WORKFLOW_NAMES = ["Learning content review", "学习内容审核 / Learning content review"]
_EARLIER_TASK_NAMES = ["Reviewer approval", "审核员审批 / Reviewer approval"]


@transaction.atomic
def learning_publishing_setup() -> Workflow:
    """Put the learning sections under reviewer approval and let trainers draft there (idempotent).

    Trainers get add and change (never publish) on each learning section page only; reviewers
    get change and publish there; a GroupApprovalTask for "Reviewers" guards publication. The
    events section also takes events from their organisers (school admins, district and city
    HR): add only, so each edits the events they created and none publishes.
    """
    from wagtail.models import GroupApprovalTask

    trainers, _c = Group.objects.get_or_create(name=role_group(StaffRole.Role.TRAINER))
    reviewers, _c = Group.objects.get_or_create(name=role_group(StaffRole.Role.REVIEWER))
    # Sites set up under earlier names keep their workflow, renamed.
    Workflow.objects.filter(name__in=_EARLIER_WORKFLOW_NAMES).update(name=REVIEW_WORKFLOW_NAME)
    Task.objects.filter(name__in=_EARLIER_TASK_NAMES).update(name=REVIEW_TASK_NAME)
    workflow, _c = Workflow.objects.get_or_create(name=REVIEW_WORKFLOW_NAME)
    task = GroupApprovalTask.objects.filter(name=REVIEW_TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=REVIEW_TASK_NAME)
    task.groups.add(reviewers)
    # workflow_tasks is a ParentalKey: create the row directly, the cluster manager only buffers.
    WorkflowTask.objects.get_or_create(workflow=workflow, task=Task.objects.get(pk=task.pk),
                                       defaults={"sort_order": 0})
    perms = {p.codename: p for p in Permission.objects.filter(
        content_type__app_label="wagtailcore",
        codename__in=["add_page", "change_page", "publish_page"])}
    sections = Page.objects.type(*LEARNING_SECTION_MODELS)
    for section in sections:
        WorkflowPage.objects.update_or_create(page=section, defaults={"workflow": workflow})
        for codename in ("add_page", "change_page"):
            GroupPagePermission.objects.get_or_create(group=trainers, page=section,
                                                      permission=perms[codename])
        for codename in ("change_page", "publish_page"):
            GroupPagePermission.objects.get_or_create(group=reviewers, page=section,
                                                      permission=perms[codename])
    organisers = [Group.objects.get_or_create(name=role_group(role))[0]
                  for role in purposes.EVENT_CREATING if role != StaffRole.Role.TRAINER]
    for section in Page.objects.type(EventIndexPage):
        for group in organisers:
            GroupPagePermission.objects.get_or_create(group=group, page=section,
                                                      permission=perms["add_page"])
    # Trainers upload the videos and cover images their pages use.
    from wagtail.models import Collection, GroupCollectionPermission

    root = Collection.get_first_root_node()
    for permission in Permission.objects.filter(
            content_type__app_label__in=["wagtailmedia", "wagtailimages"],
            codename__in=["add_media", "change_media", "choose_media",
                          "add_image", "change_image", "choose_image"]):
        GroupCollectionPermission.objects.get_or_create(group=trainers, collection=root,
                                                        permission=permission)
    return workflow


@transaction.atomic
def learning_traces_erase(*, user) -> None:
    """Remove a user's lesson progress, quiz attempts and live attendance (personal-data
    erasure); completions stay, since the hours ledger counts them."""
    from .models import LessonProgress, LiveAttendance, QuizAttempt

    LessonProgress.objects.filter(user=user).delete()
    QuizAttempt.objects.filter(user=user).delete()
    LiveAttendance.objects.filter(user=user).delete()


# ---------------------------------------------------------------- courseware (SCORM, H5P)

# Seconds of slack between the package's clock and ours, per commit (network delay).
COURSEWARE_TOLERANCE = 5.0
COURSEWARE_SESSION_SALT = "courses.courseware.session"


@contextmanager
def _upload_path(upload):
    """A path to the uploaded file's bytes (Django's own temporary file when it made one)."""
    if hasattr(upload, "temporary_file_path"):
        yield Path(upload.temporary_file_path())
        return
    upload.seek(0)
    with tempfile.NamedTemporaryFile(suffix=".zip") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        yield Path(handle.name)


def courseware_package_check(*, upload) -> packages.Package:
    """Check and read an uploaded package without storing anything; PackageRefused says why not."""
    with _upload_path(upload) as path:
        checked = packages.package_check(path, name=upload.name or "")
    checked.upload = upload
    return checked


@transaction.atomic
def courseware_package_store(*, checked: packages.Package, uploaded_by=None) -> CoursewarePackage:
    """Unpack a checked package into private storage and record it, once per content hash."""
    existing = CoursewarePackage.objects.filter(sha256=checked.sha256).first()
    if existing is not None:
        return existing
    upload = checked.upload
    with _upload_path(upload) as path:
        again = packages.package_check(path, name=upload.name or "")
        if again.sha256 != checked.sha256:
            raise packages.PackageRefused(_("The package changed while it was uploaded."))
        packages.package_unpack(path, again, root=Path(private_files().path("")))
    return CoursewarePackage.objects.create(
        sha256=checked.sha256, kind=checked.kind, version=checked.version,
        title=checked.title[:255], launch=checked.launch, items=checked.items,
        file_name=(upload.name or "")[:255], file_count=checked.file_count,
        unpacked_bytes=checked.unpacked_bytes,
        uploaded_by=uploaded_by if getattr(uploaded_by, "pk", None) else None)


def courseware_session_start(*, user, lesson: CoursewareLessonPage, now: datetime | None = None) -> str:
    """A signed token for one opening of a courseware lesson: who, which lesson, since when.

    Commits carry it: it names the session whose reported time is credited, dates its start (the
    first commit's time is capped by it), and, unguessable from another site, it stands in for
    the CSRF token on the package's last commit, which the browser sends as a beacon."""
    now = now or timezone.now()
    return signing.dumps({"u": user.pk, "l": lesson.pk, "t": now.timestamp(),
                          "n": secrets.token_hex(8)}, salt=COURSEWARE_SESSION_SALT)


def courseware_session_read(*, token: str, user, lesson: CoursewareLessonPage) -> datetime:
    """When the session of `token` began; PermissionDenied for a token not of this user and lesson."""
    try:
        data = signing.loads(token, salt=COURSEWARE_SESSION_SALT, max_age=2 * 86400)
    except signing.BadSignature:
        raise PermissionDenied(_("This lesson's session has expired: reload the page.")) from None
    if data.get("u") != user.pk or data.get("l") != lesson.pk:
        raise PermissionDenied(_("This lesson's session has expired: reload the page."))
    return datetime.fromtimestamp(data["t"], tz=UTC)


_SCORM12_TIME = re.compile(r"^(\d{1,4}):(\d{1,2}):(\d{1,2}(?:\.\d{1,2})?)$")
_ISO_DURATION = re.compile(
    r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def courseware_seconds(value) -> float:
    """Seconds in a SCORM time span: 1.2's HHHH:MM:SS.SS or 2004's ISO 8601 duration (PT1H2M3S)."""
    value = str(value or "").strip()
    if match := _SCORM12_TIME.match(value):
        hours, minutes, seconds = match.groups()
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    if (match := _ISO_DURATION.match(value)) and value not in ("P", "PT"):
        years, months, days, hours, minutes, seconds = (float(g or 0) for g in match.groups())
        return (((years * 365 + months * 30 + days) * 24 + hours) * 60 + minutes) * 60 + seconds
    return 0.0


def _float(value) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def courseware_cmi_read(*, kind: str, data: dict) -> dict:
    """What a commit says, whichever the run-time: statuses, score, location, suspend data and
    session time. SCORM 1.2 commits {cmi: {core: {...}, suspend_data}}; SCORM 2004 and our H5P
    bridge commit {cmi: {completion_status, success_status, score, location, ...}}."""
    cmi = data.get("cmi") if isinstance(data.get("cmi"), dict) else {}
    if kind == CoursewarePackage.Kind.SCORM12:
        core = cmi.get("core") if isinstance(cmi.get("core"), dict) else {}
        score = core.get("score") if isinstance(core.get("score"), dict) else {}
        return {
            "lesson_status": str(core.get("lesson_status") or "")[:20],
            "completion_status": "", "success_status": "",
            "score_raw": _float(score.get("raw")), "score_scaled": None,
            "location": str(core.get("lesson_location") or "")[:1000],
            "suspend_data": str(cmi.get("suspend_data") or "")[:64000],
            "session_seconds": courseware_seconds(core.get("session_time")),
        }
    score = cmi.get("score") if isinstance(cmi.get("score"), dict) else {}
    return {
        "lesson_status": "",
        "completion_status": str(cmi.get("completion_status") or "")[:20],
        "success_status": str(cmi.get("success_status") or "")[:20],
        "score_raw": _float(score.get("raw")), "score_scaled": _float(score.get("scaled")),
        "location": str(cmi.get("location") or "")[:1000],
        "suspend_data": str(cmi.get("suspend_data") or "")[:64000],
        "session_seconds": courseware_seconds(cmi.get("session_time")),
    }


@transaction.atomic
def courseware_commit(*, user, lesson: CoursewareLessonPage, session: str, data: dict,
                      now: datetime | None = None) -> CoursewareAttempt:
    """Keep what the package committed (so the learner resumes anywhere), credit its session time
    no faster than the wall clock, and complete the lesson (and so perhaps the course) when the
    package reports completed or passed, as the trainer's rule says.

    The credited time of a commit is the growth of the session time the package reports since
    the session's previous commit, capped by the wall-clock time since then (or since the session
    began) plus COURSEWARE_TOLERANCE: a package cannot claim ten hours in ten minutes.
    """
    now = now or timezone.now()
    started_at = courseware_session_read(token=session, user=user, lesson=lesson)
    course = lesson.get_parent().specific
    if not Enrolment.objects.filter(user=user, course_id=course.pk).exists():
        raise PermissionDenied(_("Enrol in the course first."))
    if lesson.package_id is None:
        raise PermissionDenied(_("This lesson has no package yet."))
    CoursewareAttempt.objects.get_or_create(user=user, lesson=lesson,
                                            defaults={"package_id": lesson.package_id})
    attempt = CoursewareAttempt.objects.select_for_update().get(user=user, lesson=lesson)
    if attempt.package_id != lesson.package_id:
        # A new package: the old one's location and suspend data mean nothing to it.
        attempt.package_id = lesson.package_id
        attempt.location = attempt.suspend_data = ""
    state = courseware_cmi_read(kind=lesson.package.kind, data=data)
    reported = state.pop("session_seconds")
    if attempt.session_key != session:
        attempt.session_key, attempt.session_seconds, since = session, 0.0, started_at
    else:
        since = attempt.last_commit_at or started_at
    wall = max(0.0, (now - since).total_seconds()) + COURSEWARE_TOLERANCE
    credit = min(max(0.0, reported - attempt.session_seconds), wall)
    attempt.session_seconds = max(attempt.session_seconds, reported)
    attempt.time_credited += credit
    for name, value in state.items():
        setattr(attempt, name, value)
    attempt.last_commit_at = now
    attempt.commits += 1
    attempt.save()

    LessonProgress.objects.get_or_create(user=user, lesson=lesson)
    progress = LessonProgress.objects.select_for_update().get(user=user, lesson=lesson)
    progress.credited_seconds = int(attempt.time_credited)
    progress.last_report_at = now
    newly_complete = progress.completed_at is None and lesson.is_done(attempt)
    if newly_complete:
        progress.completed_at = now
    progress.save()
    if newly_complete:
        course_completion_check(user=user, course=course, now=now)
    return attempt
