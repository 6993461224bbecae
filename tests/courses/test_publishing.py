"""Trainers draft learning pages and submit them; only reviewers put them live (admin views)."""

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from cms.models import StandardPage
from courses.models import CoursePage, LessonPage, QuizPage
from courses.services import learning_publishing_setup
from people.models import StaffRole
from tests.factories import staff

from . import builders


def listblock(items):
    """Form data of a ListBlock, as the admin's editor posts it."""
    data = {"count": len(items)}
    for i, value in enumerate(items):
        data[str(i)] = {"value": value, "deleted": "", "order": i, "id": ""}
    return data


def course_form(title, action="action-submit", **extra):
    data = nested_form_data({
        "title": title, "slug": extra.pop("slug", "crisis-2024"), "summary": "识别与干预",
        "category": "crisis", "audience": "all_teachers", "credit_hours": "6.0",
        "completion_rule": "lessons_and_quiz", "cover_image": "",
        "comments": inline_formset([]), **extra,
    })
    if action:
        data[action] = "1"
    return data


@pytest.fixture
def setup(tree):
    sections = builders.sections()
    learning_publishing_setup()
    learning_publishing_setup()  # idempotent
    trainer = staff(StaffRole.Role.TRAINER, tree["city"])
    reviewer = staff(StaffRole.Role.REVIEWER, tree["city"])
    return sections, trainer, reviewer


def add_url(parent):
    return reverse("wagtailadmin_pages:add", args=("courses", "coursepage", parent.pk))


def test_trainer_submission_is_not_live_until_reviewer_approves(client, setup):
    sections, trainer, reviewer = setup
    client.force_login(trainer)
    response = client.post(add_url(sections["courses"]), course_form("心理危机识别与干预"))
    assert response.status_code == 302, response.content.decode()[:2000]
    page = CoursePage.objects.get(title="心理危机识别与干预")
    assert not page.live
    state = page.current_workflow_state
    assert state is not None and state.status == "in_progress"
    assert client.get(page.url or "/courses/crisis-2024/").status_code == 404

    # The trainer cannot approve their own submission.
    task_state = page.current_workflow_task_state
    client.post(reverse("wagtailadmin_pages:workflow_action",
                        args=(page.pk, "approve", task_state.pk)))
    page.refresh_from_db()
    assert not page.live

    client.force_login(reviewer)
    response = client.post(reverse("wagtailadmin_pages:workflow_action",
                                   args=(page.pk, "approve", task_state.pk)))
    assert response.status_code in (200, 302)
    page.refresh_from_db()
    assert page.live
    assert page.get_latest_revision().user_id == trainer.pk


def test_trainer_cannot_publish_directly(client, setup):
    sections, trainer, _ = setup
    client.force_login(trainer)
    client.post(add_url(sections["courses"]), course_form("直接发布", action="action-publish"))
    page = CoursePage.objects.get(title="直接发布")
    assert not page.live
    # Editing and publishing an existing live page keeps the live version unchanged.
    live = builders.course(title="已发布课程")
    client.post(reverse("wagtailadmin_pages:edit", args=(live.pk,)),
                course_form("改了标题", action="action-publish", slug=live.slug))
    live.refresh_from_db()
    assert live.title == "已发布课程" and live.live


def test_trainer_cannot_edit_another_section(client, setup):
    _, trainer, _ = setup
    home = builders.home()
    notice = home.add_child(instance=StandardPage(title="通知", slug="notice"))
    client.force_login(trainer)
    edit = reverse("wagtailadmin_pages:edit", args=(notice.pk,))
    assert client.get(edit).status_code in (302, 403)
    client.post(edit, nested_form_data({"title": "被改", "slug": "notice", "introduction": "",
                                        "body": "", "comments": inline_formset([]),
                                        "action-submit": "1"}))
    notice.refresh_from_db()
    assert notice.title == "通知"
    assert notice.get_latest_revision() is None or notice.get_latest_revision().user_id != trainer.pk
    # Nor add a course anywhere but its section (e.g. directly under the home page).
    response = client.get(reverse("wagtailadmin_pages:add",
                                  args=("cms", "standardpage", home.pk)))
    assert response.status_code in (302, 403)


def test_trainer_can_preview_a_draft(client, setup):
    sections, trainer, _ = setup
    client.force_login(trainer)
    url = reverse("wagtailadmin_pages:preview_on_add",
                  args=("courses", "coursepage", sections["courses"].pk))
    response = client.post(url, course_form("预览课程", action=None))
    assert response.json()["is_valid"]
    response = client.get(url)
    assert response.status_code == 200
    assert "预览课程" in response.content.decode()


def test_lesson_and_quiz_previews_work_before_saving(client, setup):
    _, trainer, _ = setup
    course = builders.course(lessons=0, quiz=False)
    client.force_login(trainer)
    lesson_url = reverse("wagtailadmin_pages:preview_on_add", args=("courses", "lessonpage", course.pk))
    data = nested_form_data({"title": "预览课时", "slug": "preview-lesson",
                             "embed_url": "https://player.example.invalid/p",
                             "video": "", "duration_seconds": "60", "required_share": "0.90",
                             "body": streamfield([]), "comments": inline_formset([])})
    assert client.post(lesson_url, data).json()["is_valid"]
    assert "预览课时" in client.get(lesson_url).content.decode()
    quiz_url = reverse("wagtailadmin_pages:preview_on_add", args=("courses", "quizpage", course.pk))
    data = nested_form_data({"title": "预览测验", "slug": "preview-quiz", "introduction": "",
                             "pass_mark": "80", "attempt_limit": "3",
                             "questions": streamfield([("question", {
                                 "text": "秘密题目", "multiple": "",
                                 "options": listblock([{"text": "对的", "correct": "on"},
                                                       {"text": "错的", "correct": ""}])})]),
                             "comments": inline_formset([])})
    response = client.post(quiz_url, data)
    assert response.json()["is_valid"], response.json()
    html = client.get(quiz_url).content.decode()
    main = html[html.index("<main"):html.index("</main>")]  # the userbar's checker says "Incorrect"
    assert "秘密题目" in main and "correct" not in main.lower()
    assert main.count('name="q0"') == 2


def test_quiz_question_needs_a_correct_option_and_lesson_a_video(client, setup):
    _, trainer, _ = setup
    course = builders.course(lessons=0, quiz=False)
    client.force_login(trainer)
    url = reverse("wagtailadmin_pages:add", args=("courses", "quizpage", course.pk))
    data = nested_form_data({"title": "无答案", "slug": "no-answer", "introduction": "",
                             "pass_mark": "80", "attempt_limit": "3",
                             "questions": streamfield([("question", {
                                 "text": "题目", "multiple": "",
                                 "options": listblock([{"text": "甲", "correct": ""},
                                                       {"text": "乙", "correct": ""}])})]),
                             "comments": inline_formset([]), "action-submit": "1"})
    assert client.post(url, data).status_code == 200  # the form comes back with the error
    assert not QuizPage.objects.filter(title="无答案").exists()
    url = reverse("wagtailadmin_pages:add", args=("courses", "lessonpage", course.pk))
    data = nested_form_data({"title": "无视频", "slug": "no-video", "embed_url": "", "video": "",
                             "duration_seconds": "60", "required_share": "0.90",
                             "body": streamfield([]), "comments": inline_formset([]),
                             "action-submit": "1"})
    assert client.post(url, data).status_code == 200
    assert not LessonPage.objects.filter(title="无视频").exists()


def test_the_superuser_submits_to_a_workflow_named_in_chinese(admin_client, tree):
    """Wagtail's default workflow (data of its migration) reads 页面审核, not "Moderators approval"."""
    home = builders.home()
    page = admin_client.get(reverse("wagtailadmin_pages:edit", args=[home.pk])).content.decode()
    assert "提交给页面审核" in page
    assert "Moderators approval" not in page


def test_a_lesson_with_a_taken_chinese_slug_gets_the_next_free_one(client, setup):
    """Adding 第3讲 twice: the second saves as 第3讲-认识危机-2, no English slug error; the
    add page opens with no autosave (an abandoned add leaves no draft)."""
    from wagtail.models import Page

    _, trainer, _ = setup
    course = builders.course(lessons=0, quiz=False)
    client.force_login(trainer)
    add = reverse("wagtailadmin_pages:add", args=("courses", "lessonpage", course.pk))
    before = Page.objects.count()
    opened = client.get(add).content.decode()
    assert "data-w-autosave-interval-value" not in opened and Page.objects.count() == before

    def lesson(slug):
        return nested_form_data({"title": "第3讲 认识危机", "slug": slug,
                                 "embed_url": "https://player.example.invalid/p", "video": "",
                                 "duration_seconds": "60", "required_share": "0.90",
                                 "body": streamfield([]), "comments": inline_formset([])})

    assert client.post(add, lesson("第3讲-认识危机")).status_code == 302
    second = client.post(add, lesson("第3讲-认识危机"))
    assert second.status_code == 302, second.content.decode()[-3000:]
    slugs = sorted(LessonPage.objects.child_of(course).values_list("slug", flat=True))
    assert slugs == ["第3讲-认识危机", "第3讲-认识危机-2"]
    # Editing the first onto the second's slug is refused, in Chinese.
    first = LessonPage.objects.child_of(course).get(slug="第3讲-认识危机")
    edit = client.post(reverse("wagtailadmin_pages:edit", args=[first.pk]), lesson("第3讲-认识危机-2"))
    page = edit.content.decode()
    assert "已被同一上级页面下的其他页面使用" in page and "is already in use" not in page
