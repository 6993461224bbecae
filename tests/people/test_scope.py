"""The scope rule: staff see their subtree and nothing else; teachers reach no staff page."""

import pytest
from django.urls import reverse

from people import purposes
from people.models import Organisation, StaffRole
from people.selectors import organisation_scope, teacher_list_in_scope
from tests import factories


def codes(qs):
    return {o.code for o in qs}


def test_school_admin_sees_only_their_school(tree):
    admin = factories.school_admin(tree["school_a"])
    assert codes(organisation_scope(admin, roles=purposes.TEACHER_ADMIN)) == {tree["school_a"].code}


def test_district_hr_sees_their_district_subtree(tree):
    hr = factories.district_hr(tree["district_x"])
    expected = {tree[k].code for k in ("district_x", "town_x", "school_a", "school_a2")}
    assert codes(organisation_scope(hr, roles=purposes.TEACHER_ADMIN)) == expected


def test_roles_narrow_the_scope(tree):
    user = factories.school_admin(tree["school_a"])
    from people.services import staff_role_grant

    staff_role_grant(user=user, role=StaffRole.Role.TRAINER, organisation=tree["district_y"])
    assert tree["school_b"].code in codes(organisation_scope(user, roles=StaffRole.Role.values))
    assert tree["school_b"].code not in codes(organisation_scope(user, roles=purposes.TEACHER_ADMIN))
    assert codes(organisation_scope(user, roles=[StaffRole.Role.SCHOOL_ADMIN])) == {tree["school_a"].code}


def test_teacher_and_anonymous_have_empty_scope(teacher_a, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    assert not organisation_scope(teacher_a.user, roles=purposes.TEACHER_ADMIN).exists()
    assert not organisation_scope(AnonymousUser(), roles=purposes.TEACHER_ADMIN).exists()


def test_superuser_sees_everything(tree, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.test", "pw")
    assert organisation_scope(root, roles=purposes.TEACHER_ADMIN).count() == Organisation.objects.count()


def test_teachers_in_scope_follow_the_tree(tree, teacher_a, teacher_b):
    hr = factories.district_hr(tree["district_x"])
    assert list(teacher_list_in_scope(hr, roles=purposes.TEACHER_ADMIN)) == [teacher_a]


@pytest.mark.parametrize("viewset", ["teachers", "organisations"])
def test_admin_listing_is_scoped(client, tree, teacher_a, teacher_b, viewset):
    admin = factories.school_admin(tree["school_a"])
    client.force_login(admin)
    response = client.get(reverse(f"{viewset}:index"))
    assert response.status_code == 200
    body = response.content.decode()
    if viewset == "teachers":
        assert teacher_a.name in body and teacher_b.name not in body
    else:
        assert tree["school_a"].name in body and tree["school_b"].name not in body


def test_admin_edit_outside_scope_is_404(client, tree, teacher_a, teacher_b):
    hr = factories.district_hr(tree["district_x"])
    client.force_login(hr)
    assert client.get(reverse("teachers:edit", args=[teacher_a.pk])).status_code == 200
    assert client.get(reverse("teachers:edit", args=[teacher_b.pk])).status_code == 404
    assert client.get(reverse("teachers:inspect", args=[teacher_b.pk])).status_code == 404
    assert client.get(reverse("organisations:inspect", args=[tree["school_a"].pk])).status_code == 200
    assert client.get(reverse("organisations:inspect", args=[tree["school_b"].pk])).status_code == 404


def test_teacher_reaches_no_staff_page(client, teacher_a):
    client.force_login(teacher_a.user)
    response = client.get(reverse("teachers:index"))
    assert response.status_code in (302, 403)
    response = client.get("/admin/")
    assert response.status_code in (302, 403)


def test_hr_cannot_move_a_teacher_to_a_school_outside_scope(client, tree, teacher_a):
    from wagtail.test.utils.form_data import nested_form_data

    hr = factories.district_hr(tree["district_x"])
    client.force_login(hr)
    data = nested_form_data({"name": teacher_a.name, "gender": "F", "role": teacher_a.role,
                             "hire_date": "2015-09-01", "status": "active"})
    response = client.post(reverse("teachers:edit", args=[teacher_a.pk]),
                           {**data, "school": tree["school_b"].pk})
    teacher_a.refresh_from_db()
    assert teacher_a.school == tree["school_a"]
    assert response.status_code == 200  # the form comes back with the error
    client.post(reverse("teachers:edit", args=[teacher_a.pk]), {**data, "school": tree["school_a2"].pk})
    teacher_a.refresh_from_db()
    assert teacher_a.school == tree["school_a2"]


def test_history_of_a_teacher_in_scope_opens(client, tree, teacher_a, teacher_b):
    """The history view lists log entries: the scope applies to its teacher, not to them."""
    hr = factories.district_hr(tree["district_x"])
    client.force_login(hr)
    assert client.get(reverse("teachers:history", args=[teacher_a.pk])).status_code == 200
    assert client.get(reverse("teachers:history", args=[teacher_b.pk])).status_code == 404
