"""Demo learning content from the bureau replies, and a city-wide assignment half done.

Idempotent: pages are found by slug, media by title, the assignment by course and city,
and completions only added for teachers who have none. Dates follow `today`: the assignment
fell due two weeks ago, the completions came in the two months before it.
"""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from wagtail.models import Page, Site
from wagtail.rich_text import RichText
from wagtailmedia.models import get_media_model

from people.models import Teacher
from people.services import notices_close

from . import signals
from .models import (
    Assignment,
    CourseCompletion,
    CourseIndexPage,
    CoursePage,
    CoursewareLessonPage,
    Enrolment,
    EventIndexPage,
    EventPage,
    EventSession,
    EventSignup,
    LessonPage,
    LessonProgress,
    LiveSessionIndexPage,
    LiveSessionPage,
    MicroLectureIndexPage,
    MicroLecturePage,
    ParentLessonPage,
    ParentSchoolIndexPage,
    QuizAttempt,
    QuizPage,
)
from .services import assignment_create, course_notice_topic, learning_publishing_setup

VIDEO = Path(__file__).parent / "demo_media" / "lesson.mp4"
VIDEO_SECONDS = 30
DAYS_OVERDUE = 14  # the demo assignment fell due this many days before the seed's day


def deadline_for(today: date) -> date:
    """The demo assignment's deadline: two weeks before the seed's day (overdue for some)."""
    return today - timedelta(days=DAYS_OVERDUE)

CRISIS_LESSONS = [
    ("认识学生心理危机", "心理危机的概念、常见类型与中小学生的高发时段（开学季、考试前后、家庭变故）。"),
    ("危机预警信号的识别", "言语、行为、情绪三类预警信号：流露轻生念头、赠送心爱物品、情绪突然平静等。"),
    ("危机干预的基本流程", "发现—陪伴—报告—评估—转介：班主任与学校心理危机干预小组的分工与时限。"),
    ("家校协同与转介", "与家长沟通的要点，医教结合的转介渠道，事后的跟踪与保密要求。"),
]
CRISIS_QUESTIONS = [
    ("学生流露轻生念头时，班主任首先应当？", False,
     [("替学生保密，不告诉任何人", False), ("保持陪伴，并立即报告学校心理危机干预小组", True),
      ("在班会上公开批评教育", False)]),
    ("以下哪些可能是心理危机的预警信号？", True,
     [("把心爱的物品送给同学", True), ("长期低落后情绪突然平静", True), ("按时完成作业", False)]),
    ("心理危机干预的基本流程依次是？", False,
     [("发现—陪伴—报告—评估—转介", True), ("报告—批评—观察", False), ("等待学生主动求助", False)]),
    ("与家长沟通危机情况时，应当做到哪些？", True,
     [("及时、如实告知", True), ("提供转介渠道和建议", True), ("要求家长自行处理、学校不再跟进", False)]),
]
MICRO_LECTURES = [
    ("和它做朋友", "he-ta-zuo-peng-you", "认识情绪、接纳情绪，和自己的情绪做朋友。", ["情绪", "青春期教育"]),
    ("生命只有一次", "sheng-ming-zhi-you-yi-ci", "生命教育公益微课：珍爱生命，学会求助。", ["生命教育"]),
    ("考试焦虑怎么办", "kao-shi-jiao-lv", "考前放松训练与积极的自我对话。", ["情绪", "学习心理"]),
]


def _home() -> Page:
    return Site.objects.get(is_default_site=True).root_page


def _child(parent: Page, model, slug: str, **fields) -> Page:
    """The child page with this slug, created and published with a revision when missing."""
    existing = parent.get_children().filter(slug=slug).first()
    if existing is not None:
        return existing.specific
    parent.refresh_from_db()
    page = parent.add_child(instance=model(slug=slug, **fields))
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def _video(title: str):
    Media = get_media_model()
    media = Media.objects.filter(title=title).first()
    if media is None:
        with VIDEO.open("rb") as handle:
            media = Media(title=title, type="video", duration=VIDEO_SECONDS, width=320, height=180)
            media.file.save(f"{title}.mp4", File(handle), save=False)
            media.save()
    return media


def _body(text: str):
    return [("paragraph", RichText(f"<p>{text}</p>"))]


def _content(stdout, today: date) -> CoursePage:
    home = _home()
    courses = _child(home, CourseIndexPage, "courses", title="课程中心",
                     introduction="全员心理危机识别与干预培训、心理健康知识与辅导技能课程。")
    micro = _child(home, MicroLectureIndexPage, "micro-lectures", title="公益微课",
                   introduction="心理健康教育专家录制的公益微课，全天候免费观看。")
    parents = _child(home, ParentSchoolIndexPage, "parent-school", title="家长学校",
                     introduction="面向家长的线上公益讲座，无需登录。")
    live = _child(home, LiveSessionIndexPage, "live", title="专题直播",
                  introduction="心理健康教育系列直播课程与回放。")
    _child(home, EventIndexPage, "events", title="线下活动",
           introduction="面向教师的线下培训、教研、督导与个案研讨：报名、扫码签到，按出席计学时。")
    learning_publishing_setup()

    crisis = _child(courses, CoursePage, "crisis-intervention", title="中小学教师心理危机识别与干预",
                    summary="面向全体教师的必修培训：早预防、早发现、早干预校园心理危机，保障学生健康成长。",
                    category_id="crisis", audience="all_teachers", credit_hours=Decimal("6.0"))
    for n, (title, text) in enumerate(CRISIS_LESSONS, start=1):
        _child(crisis, LessonPage, f"lesson-{n}", title=f"第{n}讲 {title}", video=_video(f"危机识别第{n}讲"),
               duration_seconds=VIDEO_SECONDS, body=_body(text))
    _child(crisis, QuizPage, "quiz", title="结业测验", pass_mark=75, attempt_limit=3,
           introduction="共 4 题，答对 3 题及以上为通过。",
           questions=[("question", {"text": q, "multiple": multiple,
                                    "options": [{"text": t, "correct": c} for t, c in options]})
                      for q, multiple, options in CRISIS_QUESTIONS])
    head = _child(courses, CoursePage, "head-teacher-skills", title="班主任心理健康教育能力提升",
                  summary="班级心理辅导活动设计与个别谈心的基本技巧。", category_id="counselling",
                  audience="head_teachers", credit_hours=Decimal("4.0"))
    for n, title in enumerate(["班级心理辅导活动设计", "个别谈心的基本技巧"], start=1):
        _child(head, LessonPage, f"lesson-{n}", title=title, video=_video(f"班主任第{n}讲"),
               duration_seconds=VIDEO_SECONDS, body=_body(title))

    _courseware(courses)

    for title, slug, summary, tags in MICRO_LECTURES:
        page = _child(micro, MicroLecturePage, slug, title=title, summary=summary,
                      speaker="市心理健康教育指导中心", video=_video(f"微课·{title}"))
        if not page.tags.exists():
            page.tags.add(*tags)
            page.save_revision().publish()
    _child(parents, ParentLessonPage, "transition-new-term", title="做好衔接教育，迎接崭新学期",
           summary="家长学校开学必修课：帮助孩子做好幼小、小初衔接，平稳度过开学适应期。",
           video=_video("家长学校·衔接教育"),
           body=_body("作息调整、情绪陪伴与亲子沟通：开学前两周家长可以做的三件事。"))
    tz = timezone.get_current_timezone()
    _child(live, LiveSessionPage, "summer-life", title="如何经营好自己的暑假生活",
           summary="系列直播课程第一期（已结束，可看回放）。", speaker="市心理健康教育指导中心",
           starts_at=datetime.combine(today - timedelta(days=60), time(19, 0), tzinfo=tz),
           duration_minutes=60, credit_hours=Decimal("1.0"), replay=_video("直播回放·暑假生活"))
    _child(live, LiveSessionPage, "crisis-live", title="学生心理危机识别与干预专题直播",
           summary="案例研讨：开学季的危机识别。", speaker="区心理中心",
           starts_at=datetime.combine(today + timedelta(days=7), time(19, 0), tzinfo=tz),
           duration_minutes=90, stream_url="https://live.example.invalid/crisis")
    stdout.write("courses: sections, 3 courses (one of SCORM courseware), 3 micro-lectures, "
                 "1 parent lesson, 2 live sessions")
    return crisis


def _courseware(courses: Page) -> CoursePage:
    """A short course whose one lesson is a SCORM 1.2 package (courses.demo_packages)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .demo_packages import scorm12
    from .services import courseware_package_check, courseware_package_store

    course = _child(courses, CoursePage, "crisis-courseware", title="心理危机识别：互动课件",
                    summary="三页互动课件（SCORM）：看完即记学时，可在手机和电脑之间接着学。",
                    category_id="crisis", audience="all_teachers", credit_hours=Decimal("1.0"),
                    completion_rule=CoursePage.CompletionRule.LESSONS_ONLY)
    if not CoursewareLessonPage.objects.child_of(course).exists():
        upload = SimpleUploadedFile("危机识别互动课件.zip", scorm12(), content_type="application/zip")
        package = courseware_package_store(checked=courseware_package_check(upload=upload))
        _child(course, CoursewareLessonPage, "scorm-lesson", title="互动课件：识别危机信号",
               package=package, duration_seconds=300,
               body=_body("按“下一页”学完三页即完成本课时；中途离开，下次从离开的那一页继续。"))
    return course


def _complete(users, course: CoursePage, rng: random.Random, *, deadline: date) -> list[CourseCompletion]:
    """Finished records for these users, as if each had watched and passed in the two months
    before the deadline (bulk, demo only); their notices about the course are closed."""
    lessons = list(LessonPage.objects.child_of(course))
    quiz = QuizPage.objects.child_of(course).first()
    key = [sorted(j for j, o in enumerate(q.value["options"]) if o["correct"]) for q in quiz.questions]
    progress, attempts, completions = [], [], []
    for user_id in users:
        start = datetime.combine(deadline - timedelta(days=60), time(20))
        done = timezone.make_aware(start + timedelta(days=rng.randrange(58), minutes=rng.randrange(600)))
        for lesson in lessons:
            progress.append(LessonProgress(
                user_id=user_id, lesson=lesson, intervals=[[0, VIDEO_SECONDS]],
                credited_seconds=VIDEO_SECONDS, furthest_position=VIDEO_SECONDS,
                last_position=VIDEO_SECONDS, last_report_at=done, completed_at=done))
        attempts.append(QuizAttempt(user_id=user_id, quiz=quiz, answers=key, score=100,
                                    passed=True, submitted_at=done))
        completions.append(CourseCompletion(user_id=user_id, course=course,
                                            hours=course.credit_hours, completed_at=done))
    LessonProgress.objects.bulk_create(progress, batch_size=2000, ignore_conflicts=True)
    QuizAttempt.objects.bulk_create(attempts, batch_size=2000)
    CourseCompletion.objects.bulk_create(completions, batch_size=2000)
    wanted = set(users)
    created = [c for c in CourseCompletion.objects.filter(course=course).select_related("user")
               if c.user_id in wanted]
    # One UPDATE for all enrolments, each taking its completion's time.
    Enrolment.objects.filter(course=course, completed_at__isnull=True).update(
        completed_at=Subquery(CourseCompletion.objects.filter(
            course=course, user_id=OuterRef("user_id")).values("completed_at")[:1]))
    for completion in created:
        notices_close(user_ids=[completion.user_id], topic=course_notice_topic(course.pk),
                      now=completion.completed_at)
    return created


def _events(city, stdout, today: date) -> None:
    """One upcoming training organised by the demo district, for its teachers, two weeks ahead."""
    index = EventIndexPage.objects.get()
    starts = datetime.combine(today + timedelta(days=14), time(9), tzinfo=timezone.get_current_timezone())
    organiser = city.accounts["district_hr"]
    event = _child(index, EventPage, "crisis-training-district", title="心理危机识别与干预线下培训",
                   kind=EventPage.Kind.TRAINING, organiser=city.demo_district,
                   organisation=city.demo_district, owner=organiser,
                   summary="案例研讨与情景演练：危机预警信号的识别、陪伴与转介。",
                   place="区教师发展中心 201 报告厅", starts_at=starts,
                   ends_at=starts + timedelta(hours=3), credit_hours=Decimal("3.0"), capacity=60)
    stdout.write(f"courses: events section, 1 event ({event.title}, {event.starts_at:%Y-%m-%d})")
    _three_day_event(city, stdout, today, index)


# Who came when to the three-day course, by a teacher's place in the list: every day; days 1 and 3;
# day 1 until noon, then days 2 and 3; days 1 and 2 but no check-out on day 2; never.
_PATTERNS = (((9, 0, 16, 0), (9, 0, 16, 0), (9, 0, 16, 0)),
             ((8, 50, 16, 0), None, (9, 10, 16, 0)),
             ((9, 0, 12, 0), (9, 0, 16, 0), (9, 0, 15, 50)),
             ((9, 0, 16, 0), (9, 0, None, None), None),
             (None, None, None))


def _three_day_event(city, stdout, today: date, index) -> None:
    """A three-day course of the demo district three weeks ago (09:00–16:00, 6 hours a day), with
    mixed attendance, closed: each day credited on its own date (the demo counsellor came on
    days 1 and 3; the demo teacher's hours stay those her journey starts from)."""
    from . import event_services

    tz = timezone.get_current_timezone()
    days = [today - timedelta(days=23 - n) for n in range(3)]
    slug = "crisis-intervention-three-days"
    event = EventPage.objects.filter(slug=slug).first()
    if event is None:
        organiser = city.accounts["district_hr"]
        event = EventPage(slug=slug, title="2026年心理危机干预骨干教师三日研修班",
                          kind=EventPage.Kind.TRAINING, organiser=city.demo_district,
                          organisation=city.demo_district, owner=organiser,
                          summary="三天集中研修：危机评估、干预会谈与转介演练，每天单独签到、按当天在场时间计学时。",
                          place="区教师发展中心 301 研修室")
        event.sessions = [EventSession(starts_at=datetime.combine(d, time(9), tzinfo=tz),
                                       ends_at=datetime.combine(d, time(16), tzinfo=tz),
                                       credit_hours=Decimal("6.0")) for d in days]
        index.refresh_from_db()
        event = index.add_child(instance=event)
        event.save_revision().publish()
        event.refresh_from_db()
    if event_services.event_is_closed(event):
        return
    organiser = city.accounts["district_hr"]
    teacher = city.accounts["counsellor"].teacher
    journeys = [city.accounts["teacher"].teacher.pk, teacher.pk]
    others = list(Teacher.objects.filter(school__path__startswith=city.demo_district.path,
                                         is_active=True).exclude(pk__in=journeys)
                  .order_by("employee_no")[:19])
    sessions = event_services.event_sessions(event)
    before = sessions[0].starts_at - timedelta(days=7)
    for n, person in enumerate([teacher, *others]):
        if not event_services.event_in_audience(event=event, teacher=person):
            continue
        event_services.event_signup(event=event, teacher=person, now=before)
        signup = EventSignup.objects.get(event=event, teacher=person)
        pattern = _PATTERNS[1] if person == teacher else _PATTERNS[n % len(_PATTERNS)]
        for session, times in zip(sessions, pattern, strict=True):
            if times is None:
                continue
            day = session.day
            checked_in = datetime.combine(day, time(times[0], times[1]), tzinfo=tz)
            checked_out = (datetime.combine(day, time(times[2], times[3]), tzinfo=tz)
                           if times[2] is not None else None)
            event_services.event_attendance_mark(signup=signup, marked_by=organiser,
                                                 session=session, checked_in_at=checked_in,
                                                 checked_out_at=checked_out)
    closure = event_services.event_close(
        event=event, closed_by=organiser,
        now=datetime.combine(days[-1], time(17), tzinfo=tz))
    stdout.write(f"courses: a three-day event ({days[0]:%Y-%m-%d} to {days[-1]:%Y-%m-%d}), "
                 f"{closure.attended} teachers credited, each day on its date")


@transaction.atomic
def seed(*, city, stdout, today: date | None = None) -> None:
    """Learning sections and content, an event, a city-wide crisis-course assignment, and
    progress on it, dated around `today` (the seed's day)."""
    today = today or timezone.localdate()
    crisis = _content(stdout, today)
    _events(city, stdout, today)
    assignment = Assignment.objects.filter(course=crisis, organisation=city.city).first()
    if assignment is None:
        assignment = assignment_create(course=crisis, organisation=city.city,
                                       deadline=deadline_for(today),
                                       created_by=city.accounts["city_hr"])
    deadline = assignment.deadline
    finished = set(CourseCompletion.objects.filter(course=crisis).values_list("user_id", flat=True))
    # Teachers still holding an unused activation slip have never logged in: nothing online.
    from people.models import ActivationCode

    never_in = set(ActivationCode.objects.filter(used_at__isnull=True, voided_at__isnull=True)
                   .values_list("teacher__user_id", flat=True))
    rng = random.Random(20240630)
    # Each school finishes at its own rate (30–95%), so the rates page shows real differences.
    rates = {school.pk: rng.randint(30, 95) for school in city.schools}
    to_finish = []
    teacher = city.accounts["teacher"]
    for user_id, school_id in (Teacher.objects.filter(school__in=city.schools, is_active=True)
                               .order_by("employee_no").values_list("user_id", "school_id")):
        # Draw for everyone, finished or not, so a second run picks the same teachers.
        draw = rng.randrange(100)
        if user_id in finished or user_id == teacher.pk or user_id in never_in:
            continue
        if draw < rates.get(school_id, 60):
            to_finish.append(user_id)
    created = (_complete(to_finish, crisis, random.Random(len(to_finish)), deadline=deadline)
               if to_finish else [])
    # The demo teacher is halfway and overdue: two lessons watched, the third begun.
    lessons = list(LessonPage.objects.child_of(crisis))
    if not LessonProgress.objects.filter(user=teacher, lesson__in=lessons).exists():
        at = timezone.make_aware(datetime.combine(deadline - timedelta(days=10), time(21)))
        LessonProgress.objects.bulk_create([
            LessonProgress(user=teacher, lesson=lessons[0], intervals=[[0, 30]], credited_seconds=30,
                           furthest_position=30, last_position=30, last_report_at=at, completed_at=at),
            LessonProgress(user=teacher, lesson=lessons[1], intervals=[[0, 30]], credited_seconds=30,
                           furthest_position=30, last_position=30, last_report_at=at, completed_at=at),
            LessonProgress(user=teacher, lesson=lessons[2], intervals=[[0, 12]], credited_seconds=12,
                           furthest_position=12, last_position=12, last_report_at=at),
        ])
    for completion in created:
        # Certification credits hours from this signal, as for a completion made online.
        transaction.on_commit(lambda c=completion: signals.course_completed.send(
            sender=CourseCompletion, user=c.user, course=crisis, hours=c.hours,
            completed_at=c.completed_at, completion=c))
    total = assignment.enrolments.count()
    done = assignment.enrolments.filter(completed_at__isnull=False).count()
    stdout.write(f"courses: assignment due {deadline}: {done} of {total} teachers completed "
                 f"({len(created)} new)")
