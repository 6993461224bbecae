"""Hour categories as data: seeded under today's codes, edited by city HR in the admin; every
ledger line carries the category of what produced it; a cycle policy's minimum per category
decides, with the total, whether a teacher is on pace, the same way for one teacher's page and
for the counts of a city; a level may require hours of a category."""

from datetime import date, timedelta
from decimal import Decimal
from importlib import import_module

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from certification.models import (
    CertificateLevel,
    CycleCategoryMinimum,
    CyclePolicy,
    LevelCategoryMinimum,
    TrainingEntry,
)
from certification.selectors import (
    cycle_status,
    eligibility_for_teacher,
    hours_pace_distribution,
    stored_pace,
)
from certification.services import training_entry_correct, training_entry_record
from courses.models import HourCategory
from tests import factories
from tests.hr.builders import city_hr

from .builders import hours

pytestmark = pytest.mark.django_db

ON = date(2023, 12, 31)  # the third of five years of the 2021 cycle: 60% elapsed


def test_the_five_categories_are_seeded_under_the_codes_rows_already_store():
    assert list(HourCategory.objects.values_list("code", "name")) == [
        ("crisis", "心理危机识别与干预"), ("knowledge", "心理健康知识"),
        ("counselling", "心理辅导技能"), ("family", "家庭教育"), ("other", "其他")]


def test_city_hr_adds_and_renames_a_category_in_the_admin_and_its_code_stays(client, tree):
    client.force_login(factories.district_hr(tree["district_x"]))
    assert client.get(reverse("hour_categories:add")).status_code in (302, 403)
    client.force_login(factories.staff("city_hr", tree["city"]))
    response = client.post(reverse("hour_categories:add"), {
        "code": "general", "name": "通识", "name_en": "General", "order": "60", "active": "on"})
    assert response.status_code == 302
    general = HourCategory.objects.get(code="general")
    response = client.post(reverse("hour_categories:edit", args=[general.pk]), {
        "code": "renamed", "name": "通识培训", "name_en": "General", "order": "5", "active": "on"})
    assert response.status_code == 302
    general.refresh_from_db()
    assert (general.code, general.name) == ("general", "通识培训")
    # The teacher's declaration form offers it now, first by its order.
    teacher = factories.TeacherFactory(school=tree["school_a"])
    client.force_login(teacher.user)
    html = client.get(reverse("certification:my_declarations")).content.decode()
    assert html.index("通识培训") < html.index("心理危机识别与干预")


def test_an_inactive_category_is_no_longer_offered_but_old_lines_keep_it(client, tree):
    teacher = factories.TeacherFactory(school=tree["school_a"])
    line = hours(teacher, 3, date(2024, 3, 1), category="family")
    HourCategory.objects.filter(code="family").update(active=False)
    client.force_login(teacher.user)
    html = client.get(reverse("certification:my_declarations")).content.decode()
    assert "家庭教育" not in html
    line.refresh_from_db()
    assert line.category_id == "family"
    from certification.declarations import declaration_submit
    with pytest.raises(ValidationError, match="学时类别"):
        declaration_submit(teacher=teacher, files=[], title="家庭教育讲座", organiser="区妇联",
                           started_on=date(2024, 5, 1), ended_on=date(2024, 5, 1), hours="2",
                           category="family")


def test_city_hr_sets_a_cycle_minimum_per_category_as_an_inline_of_the_policy(client, tree):
    client.force_login(factories.staff("city_hr", tree["city"]))
    data = {"organisation": tree["district_x"].pk, "years": "5", "hours": "360",
            "yearly_minimum": "", "start_year": "2021", "pace_rule": "prorated", "grace_days": "0",
            "category_minimums-TOTAL_FORMS": "1", "category_minimums-INITIAL_FORMS": "0",
            "category_minimums-MIN_NUM_FORMS": "0", "category_minimums-MAX_NUM_FORMS": "1000",
            "category_minimums-0-category": "crisis", "category_minimums-0-hours": "24",
            "category_minimums-0-id": "", "category_minimums-0-ORDER": "",
            "category_minimums-0-DELETE": ""}
    response = client.post(reverse("cycle_policies:add"), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    policy = CyclePolicy.objects.get(organisation=tree["district_x"])
    assert [(m.category_id, m.hours) for m in policy.category_minimums.all()] == [
        ("crisis", Decimal("24"))]
    listing = client.get(reverse("cycle_policies:index")).content.decode()
    assert "心理危机识别与干预 24" in listing


def _policy(organisation, **minimums):
    policy = CyclePolicy.objects.create(organisation=organisation, years=5,
                                        hours=Decimal("100"), start_year=2021)
    for code, minimum in minimums.items():
        CycleCategoryMinimum.objects.create(policy=policy, category_id=code,
                                            hours=Decimal(minimum))
    return policy


def test_the_cycle_reports_each_category_had_needed_met_and_the_worst_pace_counts(tree):
    _policy(tree["district_x"], crisis="20", family="10")
    teacher = factories.TeacherFactory(school=tree["school_a"])
    hours(teacher, 70, date(2022, 5, 1), category="knowledge")
    hours(teacher, 5, date(2023, 5, 1), category="crisis")
    hours(teacher, 10, date(2023, 6, 1), category="family")
    status = cycle_status(teacher, on=ON)
    # 1095 of the cycle's 1826 days: 59.97 of 100 hours due, 11.99 of the 20 crisis hours.
    assert status.earned == Decimal("85") and status.expected == Decimal("59.97")
    rows = {c.category.code: c for c in status.categories}
    crisis, family, knowledge = rows["crisis"], rows["family"], rows["knowledge"]
    assert (crisis.had, crisis.needed, crisis.met, crisis.missing) == (
        Decimal("5"), Decimal("20"), False, Decimal("15"))
    assert crisis.due == Decimal("11.99") and crisis.pace == "far_behind"
    assert (family.had, family.needed, family.met) == (Decimal("10"), Decimal("10"), True)
    assert (knowledge.needed, knowledge.required) == (Decimal("0"), False)
    # The total is well ahead, yet crisis hours are far behind: so is the teacher.
    assert status.pace == "far_behind" and not status.on_pace and not status.met
    hours(teacher, 4, date(2023, 7, 1), category="crisis")  # 9 of 11.99 due: behind, not far
    assert cycle_status(teacher, on=ON).pace == "behind"
    hours(teacher, 11, date(2023, 8, 1), category="crisis")  # 20 of 20
    status = cycle_status(teacher, on=ON)
    assert status.pace == "on_pace" and all(c.met for c in status.required_categories)


def test_the_city_counts_and_stored_figures_agree_with_each_teachers_page(tree):
    _policy(tree["district_x"], crisis="20")
    _policy(tree["district_y"])  # the same total, no category minimum
    a = factories.TeacherFactory(school=tree["school_a"])  # ahead in total, crisis short
    b = factories.TeacherFactory(school=tree["school_a"])  # on pace in both
    c = factories.TeacherFactory(school=tree["school_b"])  # district Y: no category minimum
    hours(a, 80, date(2023, 1, 1), category="knowledge")
    hours(b, 50, date(2023, 1, 1), category="knowledge")
    hours(b, 15, date(2023, 2, 1), category="crisis")
    hours(c, 70, date(2023, 1, 1), category="other")
    pages = {t.pk: cycle_status(t, on=ON).pace for t in (a, b, c)}
    assert pages == {a.pk: "far_behind", b.pk: "on_pace", c.pk: "on_pace"}
    hr = city_hr(tree["city"])
    expected = {"on_pace": 2, "behind": 0, "far_behind": 1}
    assert hours_pace_distribution(user=hr, on=ON) == expected
    assert stored_pace(tree["city"], on=ON) == expected


def test_every_ledger_line_carries_the_category_of_what_produced_it(tree):
    from tests.courses import builders as course_builders

    teacher = factories.TeacherFactory(school=tree["school_a"])
    course = course_builders.course(lessons=1, quiz=False, category_id="counselling")
    entry, _ = training_entry_record(teacher=teacher, hours=Decimal("6"), date=date(2024, 1, 2),
                                     title=course.title, source="course_completion",
                                     reference="course-completion:x", course=course,
                                     category=course.category_id)
    assert entry.category_id == "counselling"
    plain, _ = training_entry_record(teacher=teacher, hours=Decimal("2"), date=date(2024, 1, 3),
                                     title="导入", source="import", reference="sheet:1")
    assert plain.category_id == "other"
    hr = factories.district_hr(tree["district_x"])
    fix = training_entry_correct(teacher=teacher, hours=Decimal("-2"), date=date(2024, 1, 4),
                                 reason="重复", recorded_by=hr, category="crisis")
    assert fix.category_id == "crisis"
    with pytest.raises(ValidationError):
        training_entry_record(teacher=teacher, hours=Decimal("1"), date=date(2024, 1, 5),
                              title="x", source="import", reference="sheet:2", category="nope")


def test_the_migration_fills_existing_lines_from_their_course_event_and_declaration(tree):
    """Lines written before categories existed take their producer's category."""
    from tests.courses import builders as course_builders

    teacher = factories.TeacherFactory(school=tree["school_a"])
    course = course_builders.course(lessons=1, quiz=False, category_id="crisis")
    done, _ = training_entry_record(teacher=teacher, hours=Decimal("6"), date=date(2024, 1, 2),
                                    title=course.title, source="course_completion",
                                    reference="course-completion:1", course=course,
                                    category="crisis")
    from certification.models import HourDeclaration
    declaration = HourDeclaration.objects.create(
        teacher=teacher, title="省培", organiser="省厅", started_on=date(2024, 2, 1),
        ended_on=date(2024, 2, 2), hours=Decimal("8"), category_id="family")
    declared, _ = training_entry_record(teacher=teacher, hours=Decimal("8"), date=date(2024, 2, 2),
                                        title="省培", source="declared",
                                        reference=f"declaration:{declaration.pk}",
                                        category="family")
    imported, _ = training_entry_record(teacher=teacher, hours=Decimal("3"), date=date(2024, 2, 3),
                                        title="导入", source="import", reference="sheet:abc",
                                        category="knowledge")
    # As the rows stood before the migration: the default everywhere.
    from django.db.models import QuerySet
    QuerySet(TrainingEntry).update(category_id="other")
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    name = ("certification", "0011_backfill_ledger_categories")
    state = MigrationLoader(connection).project_state(name, at_end=True)
    import_module(f"certification.migrations.{name[1]}").backfill(state.apps, None)
    got = dict(TrainingEntry.objects.values_list("pk", "category_id"))
    assert got == {done.pk: "crisis", declared.pk: "family", imported.pk: "other"}


def test_a_level_may_require_hours_of_a_category_and_the_rows_say_so(client, tree):
    level = CertificateLevel.objects.get(code="C")
    LevelCategoryMinimum.objects.create(level=level, category_id="crisis", hours=Decimal("12"))
    teacher = factories.TeacherFactory(school=tree["school_a"])
    today = timezone.localdate()
    hours(teacher, 30, today - timedelta(days=30), category="knowledge")
    hours(teacher, 4, today - timedelta(days=20), category="crisis")
    result = dict(eligibility_for_teacher(teacher, on=today))[level]
    row = next(r for r in result.requirements if r.kind == "category")
    assert (row.label, row.have, row.need, row.missing, row.met) == ("crisis", "4", "12", "8", False)
    assert not result.eligible
    from certification.evidence import requirement_rows
    shown = [r for r in requirement_rows(result.as_json()) if "心理危机" in r["label"]]
    assert shown == [{"label": "近 5 年心理危机识别与干预学时", "have": "4 学时", "need": "12 学时",
                      "met": False}]
    client.force_login(teacher.user)
    html = client.get(reverse("certification:my_certificates")).content.decode()
    assert "心理危机识别与干预 4/12 学时" in html


def test_the_teachers_hours_page_shows_have_and_need_per_category(client, tree):
    _policy(tree["district_x"], crisis="20")
    teacher = factories.TeacherFactory(school=tree["school_a"])
    today = timezone.localdate()
    hours(teacher, 5, today - timedelta(days=3), category="crisis")
    hours(teacher, 7, today - timedelta(days=2), category="knowledge")
    client.force_login(teacher.user)
    from tests.html_text import visible_text
    page = visible_text(client.get(reverse("certification:my_certificates")).content.decode())
    assert "按类别统计的学时" in page
    assert "心理危机识别与干预 5 学时 20 学时 缺 15 学时" in page
    assert "心理健康知识 7 学时 — —" in page


def test_hr_corrects_hours_of_a_category_and_the_record_shows_it(client, tree):
    _policy(tree["district_x"], crisis="20")
    teacher = factories.TeacherFactory(school=tree["school_a"])
    today = timezone.localdate()
    hours(teacher, 8, today - timedelta(days=5), category="crisis")
    client.force_login(factories.district_hr(tree["district_x"]))
    record = reverse("certification:teacher_record", args=[teacher.pk])
    form = client.get(record).context["correction_form"]
    assert [code for code, _label in form.fields["category"].choices][:2] == ["crisis", "knowledge"]
    response = client.post(reverse("certification:training_correct", args=[teacher.pk]), {
        "hours": "-3", "date": today.isoformat(), "reason": "重复登记", "category": "crisis"})
    assert response.status_code == 302
    line = TrainingEntry.objects.get(source="correction")
    assert (line.hours, line.category_id) == (Decimal("-3"), "crisis")
    from tests.html_text import visible_text
    page = visible_text(client.get(record).content.decode())
    assert "心理危机识别与干预 5 学时 20 学时 缺 15 学时" in page
    assert "重复登记" in page


def test_the_pace_reminder_names_categories_behind_their_minimum(tree):
    from django.core import mail

    from certification.services import pace_reminders_send

    _policy(tree["district_x"], crisis="20")
    ahead = factories.TeacherFactory(school=tree["school_a"])
    hours(ahead, 90, date(2023, 1, 1), category="knowledge")  # total ahead, no crisis hours
    pace_reminders_send(on=ON)
    assert [m.to[0] for m in mail.outbox] == [ahead.user.email]
    assert "部分学时类别未达到本周期应完成的最低学时" in mail.outbox[0].body


def test_no_one_deletes_a_category_in_the_admin(client, tree):
    from django.contrib.auth import get_user_model

    category = HourCategory.objects.get(code="crisis")
    admin = get_user_model().objects.create_superuser("root", "root@example.invalid", "pw-12345")
    client.force_login(admin)
    response = client.post(reverse("hour_categories:delete", args=[category.pk]))
    assert response.status_code in (302, 403)
    assert HourCategory.objects.filter(code="crisis").exists()
    assert reverse("hour_categories:delete", args=[category.pk]) not in client.get(
        reverse("hour_categories:edit", args=[category.pk])).content.decode()
