"""A teacher holds several posts: queries, requirements and counsellor pages read the set."""

from datetime import date

from certification.models import CertificateLevel, RoleRequirement
from certification.selectors import compliance_missing_level
from people.audiences import posts_mask
from people.models import Teacher
from people.selectors import counsellor_q, teacher_posts_q
from tests.factories import TeacherFactory


def test_posts_include_the_primary_post(tree):
    t = TeacherFactory(school=tree["school_a"], role=Teacher.Role.HEAD_TEACHER)
    assert t.post_list == [Teacher.Role.HEAD_TEACHER]
    t.posts = posts_mask([Teacher.Role.PART_TIME_COUNSELLOR])
    t.save()
    assert t.post_list == [Teacher.Role.HEAD_TEACHER, Teacher.Role.PART_TIME_COUNSELLOR]
    assert t.is_counsellor
    assert t.get_posts_display()


def test_post_queries(tree):
    both = TeacherFactory(school=tree["school_a"], role=Teacher.Role.HEAD_TEACHER,
                          posts=posts_mask([Teacher.Role.PART_TIME_COUNSELLOR]))
    TeacherFactory(school=tree["school_a"], role=Teacher.Role.SUBJECT_TEACHER)
    assert list(Teacher.objects.filter(counsellor_q())) == [both]
    assert list(Teacher.objects.filter(teacher_posts_q([Teacher.Role.HEAD_TEACHER]))) == [both]


def test_required_level_is_the_highest_among_posts(tree, db):
    levels = {lv.code: lv for lv in CertificateLevel.objects.all()}
    if not levels:
        return
    RoleRequirement.objects.all().delete()
    low, high = sorted(levels.values(), key=lambda lv: lv.rank)[:2]
    RoleRequirement.objects.create(role=Teacher.Role.HEAD_TEACHER, level=low)
    RoleRequirement.objects.create(role=Teacher.Role.PART_TIME_COUNSELLOR, level=high)
    t = TeacherFactory(school=tree["school_a"], role=Teacher.Role.HEAD_TEACHER,
                       posts=posts_mask([Teacher.Role.PART_TIME_COUNSELLOR]))
    missing = list(compliance_missing_level(tree["city"], on=date(2025, 1, 1)))
    assert missing == [t] and missing[0].required_rank == high.rank
