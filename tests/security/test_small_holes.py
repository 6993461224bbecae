"""Issue 27 §5, the smaller holes: organisation codes compared folded, clear 4xx answers
instead of 500s, and the production headers and checks."""


import pytest
from django.core import checks
from django.core.exceptions import ValidationError
from django.urls import reverse

from hr.imports.organisations import organisations_plan
from people.models import Organisation, StaffRole
from people.services import organisation_create
from tests.factories import district_hr, staff
from tests.hr.builders import xlsx

pytestmark = pytest.mark.django_db


# --- Organisation codes ------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["sf-xy-01-001", "ＳＦ-ＸＹ-01-001", "Sf-Xy-01-001 "])
def test_a_code_differing_only_in_case_or_width_cannot_be_created_beside_it(tree, spelling):
    organisation_create(code="SF-XY-01-001", name="示范一中", kind="school",
                        parent=tree["town_x"])
    with pytest.raises(ValidationError, match="仅大小写或全角半角不同"):
        organisation_create(code=spelling, name="影子学校", kind="school", parent=tree["town_x"])
    assert Organisation.objects.filter(name="影子学校").count() == 0


def test_the_admin_form_refuses_the_same_code_in_lower_case(client, tree):
    organisation_create(code="SF-XY-01-001", name="示范一中", kind="school",
                        parent=tree["town_x"])
    client.force_login(staff(StaffRole.Role.CITY_HR, tree["city"]))
    response = client.post(reverse("organisations:add"), {
        "parent": tree["town_x"].pk, "name": "影子学校", "code": "sf-xy-01-001",
        "kind": "school"})
    assert response.status_code == 200 and "仅大小写或全角半角不同" in response.content.decode()
    assert not Organisation.objects.filter(name="影子学校").exists()


def test_the_organisation_sheet_refuses_the_same_code_in_lower_case(tmp_path, tree):
    organisation_create(code="SF-XY-01-001", name="示范一中", kind="school",
                        parent=tree["town_x"])
    path = xlsx(tmp_path / "o.xlsx", [
        ["上级代码", "机构代码", "机构名称", "类型", "学段", "学生数", "寄宿制", "统计日期"],
        [tree["town_x"].code, "sf-xy-01-001", "影子学校", "学校", "小学", None, None, None],
        [tree["town_x"].code, "NEW-1", "新学校", "学校", "小学", None, None, None],
        [tree["town_x"].code, "ｎｅｗ-1", "新学校二", "学校", "小学", None, None, None],
    ])
    plan = organisations_plan(path=path, user=staff(StaffRole.Role.CITY_HR, tree["city"]))
    errors = {e.row: e.reason for e in plan.errors}
    assert "SF-XY-01-001" in errors[2] and "同一代码" in errors[2]
    assert errors[4] == "机构代码与第 3 行重复"


# --- 500s, each a clear 4xx ----------------------------------------------------------------------


def test_an_empty_post_for_a_log_in_code_is_a_form_error(client, db, settings):
    response = client.post(reverse("account_request_login_code"), {})
    assert response.status_code in (200, 400)
    assert "请输入手机号" in response.content.decode()


def test_an_empty_post_to_the_external_link_chooser_is_a_400(client, tree):
    client.force_login(district_hr(tree["district_x"]))
    response = client.post("/admin/choose-external-link/", {})
    assert response.status_code == 400 and "请填写链接的网址" in response.content.decode()
    # A proper post still works.
    ok = client.post("/admin/choose-external-link/",
                     {"external-link-chooser-url": "https://example.org/"})
    assert ok.status_code == 200


def test_adding_a_teacher_in_the_admin_is_gone_and_not_offered(client, tree):
    client.force_login(district_hr(tree["district_x"]))
    assert client.get("/admin/teachers/new/").status_code == 404
    assert client.post("/admin/teachers/new/", {"name": "新老师"}).status_code == 404
    listing = client.get(reverse("teachers:index")).content.decode()
    assert "/admin/teachers/new/" not in listing


# --- Production ------------------------------------------------------------------------------------


def _deploy_ids():
    return {m.id for m in checks.run_checks(include_deployment_checks=True, tags=["security"])}


def test_check_deploy_warns_when_the_signing_key_is_missing(settings, tmp_path):
    assert "certification.W001" not in _deploy_ids()  # the test run's own pair is in place
    settings.CERTIFICATE_SIGNING_KEY = settings.CERTIFICATE_SIGNING_CERT = ""
    settings.CERTIFICATE_SIGNING_SELF_SIGNED = False
    assert "certification.W001" in _deploy_ids()
    settings.CERTIFICATE_SIGNING_KEY = str(tmp_path / "gone-key.pem")
    settings.CERTIFICATE_SIGNING_CERT = str(tmp_path / "gone-cert.pem")
    assert "certification.W003" in _deploy_ids()


def test_every_page_says_which_browser_features_it_never_uses(client, db):
    response = client.get(reverse("account_login"))
    policy = response["Permissions-Policy"]
    assert "camera=()" in policy and "microphone=()" in policy and "geolocation=()" in policy


def test_the_admin_log_in_page_has_the_sites_strict_policy(client, db):
    strict = client.get(reverse("account_login"))["Content-Security-Policy"]
    admin_login = client.get("/admin/login/")["Content-Security-Policy"]
    assert admin_login == strict and "'unsafe-eval'" not in admin_login
    assert "'unsafe-inline'" not in admin_login.split("script-src")[1].split(";")[0]
