"""Admin writes are scoped by the purpose of the write, never by a second role or a group.

The user of the issue: district HR of X who is also school admin of B (district Y). Her school
admin binding shows her B in the admin; her HR group carries the change permissions. Neither may
combine into a write over B, and a move of a school between districts needs one role above
both.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from people.models import AuditEntry, Organisation, StaffingRule, StaffRole, Teacher
from people.services import organisation_update, staff_role_grant, teacher_update
from tests.factories import TeacherFactory, district_hr, org, staff


@pytest.fixture
def hr_x_admin_b(tree):
    """District HR of X who is also school admin of school B (in district Y)."""
    user = district_hr(tree["district_x"])
    staff_role_grant(user=user, role=StaffRole.Role.SCHOOL_ADMIN, organisation=tree["school_b"])
    return user


def test_she_cannot_move_bs_school_under_her_district(client, tree, hr_x_admin_b):
    school = tree["school_b"]
    client.force_login(hr_x_admin_b)
    response = client.post(reverse("organisations:edit", args=[school.pk]), {
        "name": school.name, "code": school.code, "kind": "school", "parent": tree["town_x"].pk})
    assert response.status_code in (403, 404)
    school.refresh_from_db()
    assert school.get_parent() == tree["town_y"]
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.ORGANISATION_CHANGE,
                                         target=school.code).exclude(detail="create").exists()


def test_she_cannot_rename_bs_school_or_make_it_a_district(client, tree, hr_x_admin_b):
    school = tree["school_b"]
    client.force_login(hr_x_admin_b)
    response = client.post(reverse("organisations:edit", args=[school.pk]), {
        "name": "改名的区", "code": school.code, "kind": "district",
        "parent": tree["town_y"].pk})
    assert response.status_code in (403, 404)
    school.refresh_from_db()
    assert (school.name, school.kind) == ("乙一中", Organisation.Kind.SCHOOL)


def test_she_cannot_edit_move_or_mark_left_bs_teachers(client, tree, hr_x_admin_b):
    teacher = TeacherFactory(school=tree["school_b"], name="乙校教师")
    client.force_login(hr_x_admin_b)
    url = reverse("teachers:edit", args=[teacher.pk])
    assert client.get(url).status_code in (403, 404)
    response = client.post(url, {
        "name": "改过的名字", "gender": "F", "school": tree["school_a"].pk,
        "role": Teacher.Role.SUBJECT_TEACHER, "posts": [Teacher.Role.SUBJECT_TEACHER],
        "hire_date": "2015-09-01", "status": Teacher.Status.LEFT})
    assert response.status_code in (403, 404)
    teacher.refresh_from_db()
    assert (teacher.name, teacher.school, teacher.status, teacher.is_active) == (
        "乙校教师", tree["school_b"], Teacher.Status.ACTIVE, True)
    # Her own district's teachers she still edits.
    own = TeacherFactory(school=tree["school_a"], name="甲校教师")
    response = client.post(reverse("teachers:edit", args=[own.pk]), {
        "name": "甲校教师", "gender": "F", "school": tree["school_a2"].pk,
        "role": Teacher.Role.SUBJECT_TEACHER, "posts": [Teacher.Role.SUBJECT_TEACHER],
        "hire_date": "2015-09-01", "status": Teacher.Status.ACTIVE})
    assert response.status_code == 302, response.content.decode()[:2000]
    own.refresh_from_db()
    assert own.school == tree["school_a2"]


def test_moving_a_school_out_of_a_district_needs_hr_above_both(tree):
    school = tree["school_a"]
    hr_x = district_hr(tree["district_x"])
    # HR of both districts, as two roles: still no single role over both places.
    staff_role_grant(user=hr_x, role=StaffRole.Role.DISTRICT_HR, organisation=tree["district_y"])
    with pytest.raises(PermissionDenied):
        organisation_update(organisation=school, parent=tree["town_y"], actor=hr_x,
                            name=school.name)
    school.refresh_from_db()
    assert school.get_parent() == tree["town_x"]
    # Inside her district she moves it.
    organisation_update(organisation=school, parent=tree["district_x"], actor=hr_x,
                        name=school.name)
    school.refresh_from_db()
    assert school.get_parent() == tree["district_x"]
    # City HR, above both, moves it out.
    city_hr = staff(StaffRole.Role.CITY_HR, tree["city"])
    organisation_update(organisation=school, parent=tree["town_y"], actor=city_hr,
                        name=school.name)
    school.refresh_from_db()
    assert school.get_parent() == tree["town_y"]


def test_district_hr_cannot_move_or_retype_her_own_district(tree):
    hr_x = district_hr(tree["district_x"])
    district = tree["district_x"]
    with pytest.raises(PermissionDenied):
        organisation_update(organisation=district, parent=tree["district_y"], actor=hr_x,
                            name=district.name)
    with pytest.raises(PermissionDenied):
        organisation_update(organisation=district, parent=tree["city"], actor=hr_x,
                            name=district.name, kind=Organisation.Kind.CITY)
    district.refresh_from_db()
    assert (district.get_parent(), district.kind) == (tree["city"], Organisation.Kind.DISTRICT)


def test_teacher_update_checks_the_write_scope(tree, hr_x_admin_b):
    teacher = TeacherFactory(school=tree["school_b"])
    teacher.status = Teacher.Status.LEFT
    with pytest.raises(PermissionDenied):
        teacher_update(teacher=teacher, by=hr_x_admin_b, changed=["status"])
    assert Teacher.objects.get(pk=teacher.pk).status == Teacher.Status.ACTIVE


def test_staffing_rules_are_written_only_under_the_editing_purpose(client, tree):
    """City HR of another city who is district HR here: the district role reads this city's
    staffing rules, the City HR group may delete rules, but only city HR *here* deletes them."""
    other_city = org("另一市", "city")
    user = staff(StaffRole.Role.CITY_HR, other_city)
    staff_role_grant(user=user, role=StaffRole.Role.DISTRICT_HR, organisation=tree["district_x"])
    rule = StaffingRule.objects.create(organisation=tree["district_x"], min_students=500,
                                       full_time_required=1)
    client.force_login(user)
    assert client.get(reverse("staffing_rules:index")).status_code == 200
    assert client.post(reverse("staffing_rules:delete", args=[rule.pk])).status_code in (403, 404)
    response = client.post(reverse("staffing_rules:edit", args=[rule.pk]), {
        "organisation": tree["district_x"].pk, "stage": "", "min_students": 1,
        "full_time_required": 9})
    assert response.status_code in (403, 404)
    rule.refresh_from_db()
    assert (rule.min_students, rule.full_time_required) == (500, 1)


def test_holding_rules_are_written_only_inside_the_city_hr_scope(client, tree):
    """City HR of another city holds the City HR group's permissions on holding targets and
    new-teacher periods: they count only inside that city."""
    from certification.models import CertificateLevel, HoldingTarget, NewTeacherPeriod

    level_c = CertificateLevel.objects.get(code="C")
    target = HoldingTarget.objects.create(organisation=tree["district_x"], level=level_c,
                                          percent=90)
    everywhere = HoldingTarget.objects.get(organisation=None, level=level_c)
    client.force_login(staff(StaffRole.Role.CITY_HR, org("另一市", "city")))
    for rule in (target, everywhere):
        response = client.post(reverse("holding_targets:edit", args=[rule.pk]), {
            "organisation": tree["district_x"].pk, "level": level_c.pk, "percent": "10"})
        assert response.status_code in (302, 403, 404) and "/admin/holding_targets/" not in \
            response.get("Location", "/admin/holding_targets/")
    assert sorted(HoldingTarget.objects.filter(level=level_c).values_list("percent", flat=True)) \
        == sorted([90, everywhere.percent])
    response = client.post(reverse("new_teacher_periods:add"), {
        "organisation": tree["district_y"].pk, "months": "1"})
    assert response.status_code == 200  # the district is not among the choices
    assert not NewTeacherPeriod.objects.filter(organisation=tree["district_y"]).exists()
    # City HR of this city edits the district's target.
    client.force_login(staff(StaffRole.Role.CITY_HR, tree["city"]))
    response = client.post(reverse("holding_targets:edit", args=[target.pk]), {
        "organisation": tree["district_x"].pk, "level": level_c.pk, "percent": "95"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.percent == 95


def test_the_seeds_rule_screens_write_only_under_their_purpose(tree, hr_x_admin_b):
    """The calendar, workload credit rates and school types follow the same write scope: the HR
    group's change permission counts only where an HR role covers the row (district HR of X is
    refused a district Y calendar row though her group may change calendars); school types, rows
    of the whole city, are written by city HR only."""
    from datetime import date

    from wagtail.permissions import policy_registry

    from certification.models import CalendarPeriod, WorkloadActivityType, WorkloadCreditRate
    from people.models import SchoolType

    reverse("school_calendar:index")  # the admin's viewsets register their policies with its URLs
    y_term = CalendarPeriod.objects.create(organisation=tree["district_y"], term="2025春",
                                           start=date(2025, 2, 17), end=date(2025, 7, 4))
    x_term = CalendarPeriod.objects.create(organisation=tree["district_x"], term="2025春",
                                           start=date(2025, 2, 17), end=date(2025, 7, 4))
    rate = WorkloadCreditRate.objects.create(
        organisation=tree["district_y"], activity_type=WorkloadActivityType.objects.first(),
        credit_per_unit=2)
    calendar = policy_registry.get_by_type(CalendarPeriod)
    assert calendar.user_has_permission_for_instance(hr_x_admin_b, "change", x_term)
    assert not calendar.user_has_permission_for_instance(hr_x_admin_b, "change", y_term)
    assert not calendar.user_has_permission_for_instance(hr_x_admin_b, "delete", y_term)
    assert not policy_registry.get_by_type(WorkloadCreditRate).user_has_permission_for_instance(
        hr_x_admin_b, "change", rate)
    types = policy_registry.get_by_type(SchoolType)
    city_hr = staff(StaffRole.Role.CITY_HR, tree["city"])
    assert types.user_has_permission(city_hr, "change")
    # A district officer whose account was put in the City HR group by hand writes no types.
    from django.contrib.auth.models import Group

    hr_x_admin_b.groups.add(Group.objects.get(name="City HR"))
    assert not types.user_has_permission(hr_x_admin_b, "change")


def test_holding_target_rows_are_links_with_actions_where_one_may_write_them(client, tree):
    from certification.models import CertificateLevel, HoldingTarget

    level_c = CertificateLevel.objects.get(code="C")
    target = HoldingTarget.objects.create(organisation=tree["district_x"], level=level_c,
                                          percent=90)
    everywhere = HoldingTarget.objects.get(organisation=None, level=level_c)
    client.force_login(staff(StaffRole.Role.CITY_HR, tree["city"]))
    page = client.get(reverse("holding_targets:index")).content.decode()
    edit, delete = (reverse("holding_targets:edit", args=[target.pk]),
                    reverse("holding_targets:delete", args=[target.pk]))
    assert f'href="{edit}"' in page and f'href="{delete}"' in page
    import re

    assert re.search(rf'<a href="{edit}">\s*{tree["district_x"].name}\s*</a>', page)
    assert re.search(r"</svg>\s*修改\s*</a>", page) and re.search(r"</svg>\s*删除\s*</a>", page)
    # The rule for everywhere is the superuser's: listed, plain text, no actions.
    assert reverse("holding_targets:edit", args=[everywhere.pk]) not in page
    assert "—" in page
