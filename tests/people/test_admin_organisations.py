"""Organisations added, edited and moved in the admin (treebeard places them), and staff roles
granted and revoked by HR, within scope, audited."""

from django.urls import reverse

from people import purposes
from people.models import AuditEntry, Organisation, StaffRole
from people.selectors import organisation_scope
from tests import factories


def _post_org(client, url, parent, **fields):
    data = {"name": "新建学校", "code": "NEW-01", "kind": "school", "stages": ["primary"],
            "parent": parent.pk if parent else "", **fields}
    return client.post(url, data)


def test_district_hr_adds_a_school_under_their_district(client, tree):
    hr = factories.district_hr(tree["district_x"])
    client.force_login(hr)
    response = _post_org(client, reverse("organisations:add"), tree["town_x"])
    assert response.status_code == 302, response.content.decode()[:2000]
    school = Organisation.objects.get(code="NEW-01")
    assert school.get_parent() == tree["town_x"] and school.depth == 4
    assert school.stage_list == ["primary"]
    assert school in organisation_scope(hr, roles=purposes.ORGANISATION_TREE)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.ORGANISATION_CHANGE, target="NEW-01").exists()


def test_a_parent_outside_the_scope_is_refused(client, tree):
    client.force_login(factories.district_hr(tree["district_x"]))
    response = _post_org(client, reverse("organisations:add"), tree["town_y"])
    assert response.status_code == 200
    assert not Organisation.objects.filter(code="NEW-01").exists()


def test_edit_moves_a_school_keeping_its_teachers(client, tree, teacher_a):
    school = tree["school_a"]
    client.force_login(factories.staff(StaffRole.Role.CITY_HR, tree["city"]))
    response = client.post(reverse("organisations:edit", args=[school.pk]), {
        "name": school.name, "code": school.code, "kind": "school", "parent": tree["town_y"].pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    school.refresh_from_db()
    assert school.get_parent() == tree["town_y"]
    teacher_a.refresh_from_db()
    assert teacher_a.school == school
    hr_y = factories.district_hr(tree["district_y"])
    assert school in organisation_scope(hr_y, roles=purposes.ORGANISATION_TREE)


def test_a_node_cannot_move_under_itself(client, tree):
    client.force_login(factories.staff(StaffRole.Role.CITY_HR, tree["city"]))
    district = tree["district_x"]
    response = client.post(reverse("organisations:edit", args=[district.pk]), {
        "name": district.name, "code": district.code, "kind": "district", "parent": tree["town_x"].pk})
    assert response.status_code == 200
    district.refresh_from_db()
    assert district.get_parent() == tree["city"]


def test_district_hr_grants_a_school_admin_and_nothing_above(client, tree, teacher_a):
    hr = factories.district_hr(tree["district_x"])
    client.force_login(hr)
    url = reverse("staff_roles:add")
    refused = client.post(url, {"person": teacher_a.employee_no, "role": "district_hr",
                                "organisation": tree["district_x"].pk})
    assert refused.status_code == 200
    assert not StaffRole.objects.filter(user=teacher_a.user, role="district_hr").exists()
    response = client.post(url, {"person": teacher_a.employee_no, "role": "school_admin",
                                 "organisation": tree["school_a"].pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    binding = StaffRole.objects.get(user=teacher_a.user, role="school_admin")
    assert AuditEntry.objects.filter(action=AuditEntry.Action.STAFF_ROLE_GRANT,
                                     target=teacher_a.employee_no).count() == 1
    response = client.post(reverse("staff_roles:delete", args=[binding.pk]))
    assert response.status_code == 302
    assert not StaffRole.objects.filter(pk=binding.pk).exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.STAFF_ROLE_REVOKE).count() == 1


def test_hr_cannot_grant_to_someone_outside_their_scope(client, tree, teacher_b):
    client.force_login(factories.district_hr(tree["district_x"]))
    response = client.post(reverse("staff_roles:add"), {
        "person": teacher_b.employee_no, "role": "school_admin", "organisation": tree["school_a"].pk})
    assert response.status_code == 200
    assert not StaffRole.objects.filter(user=teacher_b.user).exists()


def test_city_hr_grants_district_hr(client, tree, teacher_a):
    client.force_login(factories.staff(StaffRole.Role.CITY_HR, tree["city"]))
    response = client.post(reverse("staff_roles:add"), {
        "person": teacher_a.employee_no, "role": "district_hr", "organisation": tree["district_x"].pk})
    assert response.status_code == 302
    assert StaffRole.objects.filter(user=teacher_a.user, role="district_hr").exists()


def test_a_teacher_marked_retired_in_the_admin_loses_log_in(client, tree, teacher_a):
    from people.models import Teacher

    client.force_login(factories.district_hr(tree["district_x"]))
    response = client.post(reverse("teachers:edit", args=[teacher_a.pk]), {
        "name": teacher_a.name, "gender": "F", "school": teacher_a.school_id, "role": "head_teacher",
        "posts": ["head_teacher", "part_time_counsellor"], "hire_date": "2015-09-01", "status": "retired"})
    assert response.status_code == 302, response.content.decode()[:1000]
    teacher = Teacher.objects.select_related("user").get(pk=teacher_a.pk)
    assert (teacher.status, teacher.is_active, teacher.user.is_active) == ("retired", False, False)
    assert teacher.post_list == ["head_teacher", "part_time_counsellor"]


def test_city_hr_edits_staffing_rules_for_their_subtree(client, tree):
    from people.models import StaffingRule

    client.force_login(factories.staff(StaffRole.Role.CITY_HR, tree["city"]))
    response = client.post(reverse("staffing_rules:add"), {
        "organisation": tree["district_y"].pk, "stage": "", "min_students": 0, "counts": "any",
        "full_time_required": 1, "per_stage": "on"})
    assert response.status_code == 302, response.content.decode()[:1000]
    rule = StaffingRule.objects.get()
    assert (rule.organisation, rule.counts) == (tree["district_y"], "any")
