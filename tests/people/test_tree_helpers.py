"""Tops and districts of a scope: one helper, whatever depth a district sits at."""

from people.models import Organisation, StaffRole, Teacher
from people.selectors import (
    district_name_expression,
    district_names,
    district_of,
    organisation_tops,
    scope_tops,
    top_paths,
)
from tests import factories


def test_tops_of_overlapping_subtrees(tree):
    assert top_paths([tree["school_a"].path, tree["city"].path, tree["district_x"].path]) == [
        tree["city"].path]
    tops = organisation_tops(Organisation.objects.filter(
        pk__in=[tree["school_a"].pk, tree["district_x"].pk, tree["school_b"].pk]))
    assert [t.code for t in tops] == [tree["district_x"].code, tree["school_b"].code]


def test_scope_tops_of_a_user_with_two_bindings(tree):
    user = factories.school_admin(tree["school_b"])
    from people.services import staff_role_grant

    staff_role_grant(user=user, role=StaffRole.Role.SCHOOL_ADMIN, organisation=tree["school_a"])
    roles = [StaffRole.Role.SCHOOL_ADMIN]
    assert [t.code for t in scope_tops(user, roles=roles)] == [tree["school_a"].code,
                                                              tree["school_b"].code]
    assert [t.code for t in scope_tops(user, roles=roles, within=tree["district_y"])] == [
        tree["school_b"].code]


def test_the_district_of_a_school_at_any_depth(tree):
    # A district under a prefecture-level node sits at depth 3, not 2.
    province = factories.org("某省", "city")
    prefecture = factories.org("某市", "city", province)
    deep_district = factories.org("深区", "district", prefecture)
    school = factories.org("深一中", "school", factories.org("深镇", "township", deep_district))
    factories.TeacherFactory(school=school)

    assert district_of(tree["school_a"]) == tree["district_x"]
    assert district_of(school) == deep_district
    assert district_of(province) is None
    lookup = district_names()
    assert lookup(school.path) == "深区"
    assert lookup(tree["school_b2"].path) == "乙区"
    names = dict(Teacher.objects.annotate(d=district_name_expression("school__path"))
                 .values_list("school__name", "d"))
    assert names["深一中"] == "深区"
