"""The staff roles are declared once (people/roles.py) and every purpose once (people/purposes.py):
a role, purpose or group found anywhere else and not there fails here."""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission

from people import purposes, roles
from people.models import Organisation, StaffRole
from people.roles import ROLES, WAGTAIL_GROUPS, role_groups_sync
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
APPS = ("people", "courses", "certification", "hr", "cms", "lms", "lti", "api")


def _group_permissions(name: str) -> set[str]:
    return {f"{app}.{codename}" for app, codename in Group.objects.get(name=name).permissions
            .values_list("content_type__app_label", "codename")}


def test_every_purpose_defined_is_in_the_table():
    """A Purpose built in people/purposes.py, or anywhere in the apps, is in PURPOSES: a purpose
    left out of the table is not found by its key (a job's, a service account's)."""
    defined = {name: value for name, value in vars(purposes).items()
               if isinstance(value, purposes.Purpose)}
    missing = sorted(name for name, value in defined.items()
                     if purposes.PURPOSES.get(value.key) is not value)
    assert not missing, f"purposes left out of people.purposes.PURPOSES: {missing}"
    assert len(purposes.PURPOSES) == len(defined)
    elsewhere = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if path.name == "purposes.py" and path.parent.name == "people":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and (getattr(node.func, "attr", None) == "Purpose"
                                                   or getattr(node.func, "id", None) == "Purpose"):
                    elsewhere.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not elsewhere, f"purposes defined outside people/purposes.py: {elsewhere}"


def test_the_table_lists_each_purpose_once_under_its_key():
    for key, purpose in purposes.PURPOSES.items():
        assert purpose.key == key
        assert purposes.purpose_get(key) is purpose
        assert purpose.roles and set(purpose.roles) <= set(ROLES), key


def test_every_role_is_declared_in_the_registry_and_nowhere_else():
    assert set(ROLES) == set(StaffRole.Role.values)
    assert all(key == spec.role for key, spec in ROLES.items())
    groups = [spec.group for spec in ROLES.values()]
    assert len(set(groups)) == len(groups) and not set(groups) & set(WAGTAIL_GROUPS)
    assert {spec.binds_to for spec in ROLES.values()} <= set(Organisation.Kind.values)
    # The model keeps no copies of role sets or ranks.
    assert not {"HR_ROLES", "ADMIN_ROLES", "RANK"} & set(vars(StaffRole))


def test_group_names_are_written_only_in_the_registry():
    """Code asks people.roles for a role's group; a group name typed elsewhere would drift."""
    names = {spec.group for spec in ROLES.values()}
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if (path.name == "roles.py" and path.parent.name == "people") \
                    or "migrations" in path.parts:  # choices frozen in history
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            labels = {id(arg) for node in ast.walk(tree) if isinstance(node, ast.Call)
                      and getattr(node.func, "id", None) in ("_", "gettext", "gettext_lazy")
                      for arg in node.args}  # a role's label may read like its group
            found += [f"{path.relative_to(ROOT)}:{node.lineno}" for node in ast.walk(tree)
                      if isinstance(node, ast.Constant) and node.value in names
                      and id(node) not in labels]
    assert not found, f"group names outside people/roles.py: {found}"


def test_trainers_and_reviewers_are_shown_no_people():
    """They write content: the menu and creating events are all their purposes give them."""
    assert [p.key for p in roles.role_purposes(StaffRole.Role.TRAINER)] == [
        "event_creating", "staff_menu"]
    assert [p.key for p in roles.role_purposes(StaffRole.Role.REVIEWER)] == ["staff_menu"]


def test_every_registry_permission_names_a_real_one():
    """A typo would create a permission nothing checks: each is one of its model's own."""
    for spec in ROLES.values():
        for dotted in spec.permissions:
            app_label, codename = dotted.split(".", 1)
            _action, _sep, model_name = codename.partition("_")
            model = apps.get_model(app_label, model_name)
            codenames = {f"{a}_{model._meta.model_name}" for a in model._meta.default_permissions}
            codenames |= {name for name, _label in model._meta.permissions}
            assert codename in codenames, dotted


@pytest.mark.django_db
def test_the_groups_in_the_database_are_the_registrys():
    """After migrate every staff group holds exactly its role's permissions, and no other group
    exists than the roles' and Wagtail's own."""
    names = set(Group.objects.values_list("name", flat=True))
    assert names - set(WAGTAIL_GROUPS) == {spec.group for spec in ROLES.values()}
    for spec in ROLES.values():
        assert _group_permissions(spec.group) == set(spec.permissions), spec.group


@pytest.mark.django_db
def test_the_sync_puts_a_group_back_as_declared():
    city = Group.objects.get(name=ROLES[StaffRole.Role.CITY_HR].group)
    city.permissions.add(Permission.objects.get(codename="delete_teacher"))
    district = Group.objects.get(name=ROLES[StaffRole.Role.DISTRICT_HR].group)
    district.permissions.clear()
    role_groups_sync()
    assert _group_permissions(city.name) == set(ROLES[StaffRole.Role.CITY_HR].permissions)
    assert _group_permissions(district.name) == set(ROLES[StaffRole.Role.DISTRICT_HR].permissions)


def test_the_admin_follows_the_registry(tree):
    """A role's holder may do in the admin what its line grants, and no more."""
    city = factories.staff(StaffRole.Role.CITY_HR, tree["city"])
    district = factories.district_hr(tree["district_x"])
    admin = factories.school_admin(tree["school_a"])
    assert city.has_perm("certification.change_certificatelevel")
    assert not district.has_perm("certification.change_certificatelevel")
    assert district.has_perm("people.change_teacher") and district.has_perm("people.add_staffrole")
    assert admin.has_perm("people.view_teacher") and not admin.has_perm("people.change_teacher")
    assert admin.has_perm("certification.add_parentsessionrecorder")
    assert not city.has_perm("certification.add_parentsessionrecorder")
