"""Builders for test data: one small function or factory per thing, no fixtures files."""

import itertools
from datetime import date

import factory
from django.contrib.auth import get_user_model

from people.models import Organisation, StaffRole, Teacher
from people.services import organisation_create, staff_role_grant

User = get_user_model()
_codes = itertools.count(1)


def org(name: str, kind: str, parent: Organisation | None = None, code: str | None = None,
        **fields) -> Organisation:
    """An organisation node; parent None makes a root. Reload parents: treebeard caches numchild."""
    if parent is not None:
        parent.refresh_from_db()
    return organisation_create(code=code or f"T{next(_codes):05d}", name=name, kind=kind,
                               parent=parent, **fields)


def city_tree() -> dict[str, Organisation]:
    """A small city: two districts, each with a township and two schools.

    Keys: city, district_x, district_y, town_x, town_y, school_a, school_a2 (district X),
    school_b, school_b2 (district Y).
    """
    city = org("示范市", "city")
    dx = org("甲区", "district", city)
    dy = org("乙区", "district", city)
    tx = org("甲镇", "township", dx)
    ty = org("乙镇", "township", dy)
    return {
        "city": city, "district_x": dx, "district_y": dy, "town_x": tx, "town_y": ty,
        "school_a": org("甲一中", "school", tx),
        "school_a2": org("甲二小", "school", tx),
        "school_b": org("乙一中", "school", ty),
        "school_b2": org("乙二小", "school", ty),
    }


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username.lower()}@example.test")
    password = factory.PostGenerationMethodCall("set_password", "pass-1234")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TeacherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Teacher

    employee_no = factory.Sequence(lambda n: f"E{n:06d}")
    user = factory.SubFactory(UserFactory, username=factory.SelfAttribute("..employee_no"))
    name = factory.Sequence(lambda n: f"教师{n}")
    gender = "F"
    role = Teacher.Role.SUBJECT_TEACHER
    hire_date = date(2015, 9, 1)
    school = None  # always pass a school


def staff(role: str, organisation: Organisation, **user_fields):
    """A user holding one staff role over `organisation`'s subtree."""
    user = UserFactory(**user_fields)
    staff_role_grant(user=user, role=role, organisation=organisation)
    return user


def school_admin(school: Organisation, **kw):
    return staff(StaffRole.Role.SCHOOL_ADMIN, school, **kw)


def district_hr(district: Organisation, **kw):
    return staff(StaffRole.Role.DISTRICT_HR, district, **kw)
