"""Notices in the site: every reminder and decision reaches the bell, addressed or not; e-mail
and text messages are extra channels chosen per kind in settings."""

from datetime import date

from django.core import mail
from django.urls import reverse

from courses import services as course_services
from people.models import Notice, StaffRole
from people.services import notice_send
from tests.courses import builders
from tests.courses.test_assignments import city  # noqa: F401 (fixture)
from tests.factories import TeacherFactory, staff


def no_email_teacher(school, **kw):
    teacher = TeacherFactory(school=school, **kw)
    teacher.user.email = ""
    teacher.user.save()
    return teacher


def test_an_assignment_puts_its_deadline_in_every_teachers_bell(client, tree):
    course = builders.course(title="心理危机识别与干预", lessons=1, quiz=False)
    quiet = no_email_teacher(tree["school_a"])
    other = TeacherFactory(school=tree["school_a"])
    hr = staff(StaffRole.Role.DISTRICT_HR, tree["district_x"])
    mail.outbox.clear()
    course_services.assignment_create(course=course, organisation=tree["school_a"],
                                      deadline=date(2024, 6, 30), created_by=hr)
    assert mail.outbox == []  # a new assignment is a notice only, by default
    for teacher in (quiet, other):
        [notice] = Notice.objects.filter(user=teacher.user)
        assert "心理危机识别与干预" in notice.title and "2024-06-30" in notice.title

    client.force_login(quiet.user)
    page = client.get(reverse("courses:my_learning")).content.decode()
    assert 'id="bell"' in page and 'class="bell-count"' in page
    listing = client.get(reverse("people:notices")).content.decode()
    assert "心理危机识别与干预" in listing and "2024-06-30" in listing
    notice = Notice.objects.get(user=quiet.user)
    opened = client.get(reverse("people:notice", args=[notice.pk]))
    assert opened.status_code == 302 and opened["Location"] == reverse("courses:my_learning")
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert 'class="bell-count"' not in client.get(reverse("people:notices")).content.decode()


def test_overdue_reminders_reach_teachers_without_an_address(city):
    quiet = city["teachers"][next(iter(city["teachers"]))][-1]
    quiet.user.email = ""
    quiet.user.save()
    mail.outbox.clear()
    sent = course_services.assignment_reminders_send(today=date(2024, 7, 1))
    assert sent == len(mail.outbox) == 7  # e-mail to those with an address
    assert Notice.objects.filter(kind=Notice.Kind.ASSIGNMENT_OVERDUE).count() == 8
    assert Notice.objects.filter(kind=Notice.Kind.ASSIGNMENT_OVERDUE, user=quiet.user).exists()


def test_channels_per_kind_come_from_settings(tree, settings):
    from people import sms
    from people.services import login_phone_set

    teacher = TeacherFactory(school=tree["school_a"])
    login_phone_set(user=teacher.user, number="+8613800138000")
    sms.outbox.clear()
    mail.outbox.clear()
    settings.NOTICE_CHANNELS = {Notice.Kind.WORKLOAD_RETURNED: ["sms"]}
    notice_send(user=teacher.user, kind=Notice.Kind.WORKLOAD_RETURNED, title="退回")
    notice_send(user=teacher.user, kind=Notice.Kind.PACE_BEHIND, title="学时落后")
    assert mail.outbox == []
    assert [(m["phone"], m["text"]) for m in sms.outbox] == [("+8613800138000", "退回")]
    assert Notice.objects.filter(user=teacher.user).count() == 2


def test_a_rejected_application_is_a_notice(tree):
    from certification import services as cert_services
    from certification.models import CertificateLevel

    teacher = no_email_teacher(tree["school_a"])
    level = CertificateLevel.objects.order_by("rank").first()
    hr = staff(StaffRole.Role.DISTRICT_HR, tree["district_x"])
    app = cert_services.application_submit(teacher=teacher, level=level, submitted_by=teacher.user)
    cert_services.application_reject(application=app, decided_by=hr, reason="学时不足")
    [notice] = Notice.objects.filter(user=teacher.user, kind=Notice.Kind.APPLICATION_DECIDED)
    assert "学时不足" in notice.body


def test_notices_of_others_are_not_found(client, tree):
    mine = TeacherFactory(school=tree["school_a"])
    theirs = TeacherFactory(school=tree["school_a"])
    notice_send(user=theirs.user, kind=Notice.Kind.PACE_BEHIND, title="x")
    client.force_login(mine.user)
    assert client.get(reverse("people:notice", args=[Notice.objects.get().pk])).status_code == 404


def test_finishing_the_course_closes_its_assignment_notices(client, tree):
    from courses.models import LessonPage, LessonProgress

    course = builders.course(title="心理危机识别与干预", lessons=1, quiz=False)
    teacher = TeacherFactory(school=tree["school_a"])
    hr = staff(StaffRole.Role.DISTRICT_HR, tree["district_x"])
    course_services.assignment_create(course=course, organisation=tree["school_a"],
                                      deadline=date(2024, 6, 30), created_by=hr)
    client.force_login(teacher.user)
    before = client.get(reverse("people:notices")).content.decode()
    assert "请于 2024-06-30 前" in before and ">新<" in before and 'class="bell-count"' in before

    lesson = LessonPage.objects.child_of(course).get()
    LessonProgress.objects.create(user=teacher.user, lesson=lesson, intervals=[[0, 60]],
                                  credited_seconds=60, furthest_position=60, last_position=60,
                                  completed_at="2024-06-20T12:00:00+08:00")
    course_services.course_completion_check(user=teacher.user, course=course)

    after = client.get(reverse("people:notices")).content.decode()
    assert ">已完成<" in after and ">新<" not in after and 'class="bell-count"' not in after
    notice = Notice.objects.get(user=teacher.user)
    detail = client.get(reverse("people:notice", args=[notice.pk]), follow=False)
    assert detail.status_code == 302  # opening still leads to the course list
    # Another teacher's notice about the same course stays open.
    other = TeacherFactory(school=tree["school_a"])
    course_services.assignment_audiences_enrol(today=date(2024, 6, 1))
    assert Notice.objects.get(user=other.user).done_at is None
