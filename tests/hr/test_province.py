"""A province above the cities: the organisation sheet and the admin accept it, province HR is a
staff role like city HR's, and sees the whole province, city by city, down to any school."""

from datetime import date

import pytest
from django.urls import reverse

from hr.imports.organisations import organisations_commit, organisations_plan
from people import purposes
from people.models import Organisation, StaffRole
from people.selectors import organisation_scope
from tests.certification.builders import certificate
from tests.factories import TeacherFactory, UserFactory, org, staff

from .builders import xlsx

HEADER = ["上级代码", "机构代码", "机构名称", "类型", "学段", "学生数", "寄宿制", "统计日期"]


@pytest.fixture
def province(db):
    """A province of two cities, each with one district and one school."""
    top = org("示范省", "province", code="P")
    t = {"province": top}
    for key, name in (("a", "甲市"), ("b", "乙市")):
        city = org(name, "city", top, code=f"C{key.upper()}")
        district = org(f"{name}一区", "district", city, code=f"D{key.upper()}")
        t[f"city_{key}"], t[f"district_{key}"] = city, district
        t[f"school_{key}"] = org(f"{name}一中", "school", district, code=f"S{key.upper()}")
    return t


def test_the_organisation_sheet_builds_a_province_of_cities(tmp_path, db):
    admin = UserFactory(is_superuser=True, is_staff=True)
    path = xlsx(tmp_path / "o.xlsx", [
        HEADER,
        [None, "PROV", "示范省", "省", None, None, None, None],
        ["PROV", "CITY-1", "甲市", "市", None, None, None, None],
        ["PROV", "CITY-2", "乙市", "市", None, None, None, None],
        ["CITY-2", "DIST-2", "乙市一区", "区县", None, None, None, None],
    ])
    plan = organisations_plan(path=path, user=admin)
    assert not plan.errors
    organisations_commit(path=path, user=admin)
    province = Organisation.objects.get(code="PROV")
    assert province.kind == Organisation.Kind.PROVINCE and province.is_root()
    assert [c.code for c in province.get_children()] == ["CITY-1", "CITY-2"]
    assert Organisation.objects.get(code="DIST-2").get_parent().code == "CITY-2"


def test_a_wrong_kind_names_the_province_among_the_choices(tmp_path, db):
    admin = UserFactory(is_superuser=True, is_staff=True)
    path = xlsx(tmp_path / "o.xlsx", [HEADER, [None, "X", "某地", "国", None, None, None, None]])
    [error] = organisations_plan(path=path, user=admin).errors
    assert error.row == 2 and "省、市、区县" in error.reason


def test_province_hr_sees_every_city_and_drills_down_to_a_school(client, province):
    hr = staff(StaffRole.Role.PROVINCE_HR, province["province"])
    for key, holders in (("a", 1), ("b", 0)):
        for n in range(2):
            teacher = TeacherFactory(school=province[f"school_{key}"], hire_date=date(2015, 9, 1))
            if n < holders:
                certificate(teacher, "C", issued_on=date(2024, 1, 10))
    # The scope of every HR purpose is the province; city HR keep to their city.
    assert set(organisation_scope(hr, roles=purposes.DASHBOARD)) == set(Organisation.objects.all())
    city_hr = staff(StaffRole.Role.CITY_HR, province["city_a"])
    assert province["school_b"] not in organisation_scope(city_hr, roles=purposes.DASHBOARD)
    client.force_login(hr)
    page = client.get(reverse("certification:dashboard"), {"on": "2025-01-01"})
    assert page.context["org"] == province["province"]
    [c] = [lv for lv in page.context["holding"] if lv["code"] == "C"]
    assert {r["org"].name: r["rate"] for r in c["rows"]} == {"甲市": 50.0, "乙市": 0.0}
    assert all(r["drill"] for r in c["rows"]) and "各市 C 证持证率" in page.content.decode()
    school = client.get(reverse("certification:dashboard"),
                        {"org": province["school_b"].pk, "on": "2025-01-01"})
    assert school.status_code == 200 and school.context["org"] == province["school_b"]


def test_province_hr_may_grant_city_hr_and_city_hr_not_province_hr(province):
    from people.selectors import staff_role_grantable

    hr = staff(StaffRole.Role.PROVINCE_HR, province["province"])
    city_hr = staff(StaffRole.Role.CITY_HR, province["city_a"])
    assert staff_role_grantable(hr, role=StaffRole.Role.CITY_HR, organisation=province["city_b"])
    assert not staff_role_grantable(city_hr, role=StaffRole.Role.PROVINCE_HR,
                                    organisation=province["province"])
    assert not staff_role_grantable(city_hr, role=StaffRole.Role.CITY_HR,
                                    organisation=province["city_b"])
