"""The HTTP API as another system uses it: a service account made from the shell, a bearer key,
scoped reads, an idempotent hours push, figures equal to the HR desk's sheets, the schema."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from api.models import ApiCall, ApiKey
from certification.models import TrainingEntry
from people import purposes
from tests.certification.builders import certificate
from tests.factories import TeacherFactory, district_hr

pytestmark = pytest.mark.django_db


def _account(tree, *purpose_keys, org="district_x", rate=600) -> str:
    out = io.StringIO()
    call_command("api_key", "create", "--name", f"平台-{org}-{'-'.join(purpose_keys)}",
                 "--org", tree[org].code, *[a for k in purpose_keys for a in ("--purpose", k)],
                 "--rate", str(rate), stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def people(tree):
    return {
        "a": [TeacherFactory(school=tree["school_a"]) for _ in range(3)],
        "b": [TeacherFactory(school=tree["school_b"]) for _ in range(2)],
    }


def _get(client, key, url, **headers):
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}", **headers)


def _push(client, key, entries, *, idem="push-1", **extra):
    return client.post("/api/v1/hours/", {"entries": entries, **extra}, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_IDEMPOTENCY_KEY=idem)


def test_a_districts_key_lists_its_own_teachers_by_cursor_and_never_another_district(
        client, tree, people):
    key = _account(tree, purposes.HR_DESK.key)
    first = _get(client, key, "/api/v1/teachers/?page_size=2")
    assert first.status_code == 200
    body = first.json()
    seen = [t["employee_no"] for t in body["results"]]
    assert len(seen) == 2 and body["next"]
    rest = _get(client, key, body["next"].replace("http://testserver", "")).json()
    seen += [t["employee_no"] for t in rest["results"]]
    assert sorted(seen) == sorted(t.employee_no for t in people["a"])
    assert rest["next"] is None
    assert body["results"][0]["school_code"] == tree["school_a"].code
    # Another district's school, asked for by code, is not found.
    assert _get(client, key, f"/api/v1/teachers/?org={tree['school_b'].code}").status_code == 404


def test_each_endpoint_needs_its_purpose_and_a_live_key(client, tree, people):
    key = _account(tree, purposes.HR_DESK.key)
    refused = _get(client, key, "/api/v1/certificates/")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "此服务账号未获授予该接口所服务的用途。"}
    assert _push(client, key, [{"employee_no": "x", "hours": "1", "date": "2026-01-05",
                                "title": "t", "reference": "r"}]).status_code == 403
    assert client.get("/api/v1/teachers/").status_code == 401
    assert _get(client, "nope.nope", "/api/v1/teachers/").status_code == 401
    ApiKey.objects.update(revoked_at=timezone.now())
    assert _get(client, key, "/api/v1/teachers/").status_code == 401
    # Every call is kept, the refused ones too.
    assert list(ApiCall.objects.order_by("pk").values_list("path", "status"))[:3] == [
        ("/api/v1/certificates/", 403), ("/api/v1/hours/", 403), ("/api/v1/teachers/", 401)]


def test_hours_pushed_twice_with_one_key_are_credited_once(client, tree, people):
    key = _account(tree, purposes.HR_IMPORT.key)
    teacher = people["a"][0]
    entries = [{"employee_no": teacher.employee_no, "hours": "2.5", "date": "2026-03-02",
                "title": "省平台：危机识别", "reference": f"prov-{n}"} for n in range(3)]
    first = _push(client, key, entries)
    assert first.status_code == 201
    assert first.json() == {"credited": 3, "already_credited": 0, "hours": "7.50", "replayed": False}
    replay = _push(client, key, entries)
    assert replay.status_code == 200 and replay.json()["replayed"] is True
    assert TrainingEntry.objects.filter(teacher=teacher).count() == 3
    # The same key for other entries is refused; a new key with known references credits nothing.
    conflict = _push(client, key, entries[:1])
    assert conflict.status_code == 409
    again = _push(client, key, entries, idem="push-2").json()
    assert again["credited"] == 0 and again["already_credited"] == 3
    total = sum(TrainingEntry.objects.filter(teacher=teacher).values_list("hours", flat=True))
    assert total == Decimal("7.5")


def test_bad_hours_are_refused_naming_the_field_and_nothing_is_written(client, tree, people):
    key = _account(tree, purposes.HR_IMPORT.key)
    good = {"employee_no": people["a"][0].employee_no, "hours": "1", "date": "2026-03-02",
            "title": "线上课程", "reference": "ok-1"}
    outside = dict(good, employee_no=people["b"][0].employee_no, reference="ok-2")
    answer = _push(client, key, [good, outside])
    assert answer.status_code == 400
    assert answer.json() == {"entries": {"1": {"employee_no": ["本账户范围内没有此工号的教师。"]}}}
    unknown = _push(client, key, [dict(good, minutes=30)], idem="push-3")
    assert unknown.status_code == 400
    assert unknown.json() == {"entries": {"0": {"minutes": ["未知字段。"]}}}
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    late = _push(client, key, [dict(good, date=future)], idem="push-4").json()
    assert late == {"entries": {"0": {"date": ["不能为将来的日期登记学时。"]}}}
    negative = _push(client, key, [dict(good, hours="-1")], idem="push-5")
    assert "hours" in negative.json()["entries"]["0"]
    twice = _push(client, key, [good, dict(good, hours="2")], idem="push-6")
    assert twice.json() == {"entries": {"1": {"reference": ["本次推送中该编号出现了两次。"]}}}
    assert not TrainingEntry.objects.exists()
    no_key = client.post("/api/v1/hours/", {"entries": [good]}, content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {key}")
    assert no_key.status_code == 400 and "Idempotency-Key" in no_key.json()


def test_holding_figures_equal_the_holding_sheet_on_the_same_day(client, tree, people, tmp_path):
    for teacher in people["a"][:2]:
        certificate(teacher, "C", issued_on=date(2025, 3, 1))
    certificate(people["b"][0], "C", issued_on=date(2025, 3, 1))
    key = _account(tree, purposes.HR_DESK.key)
    answer = _get(client, key, f"/api/v1/figures/holding/?org={tree['district_x'].code}&on=2026-01-15")
    assert answer.status_code == 200
    body = answer.json()
    path = tmp_path / "holding.xlsx"
    hr = district_hr(tree["district_x"])
    call_command("export_sheet", "holding", "--org", tree["district_x"].code, "--out", str(path),
                 "--on", "2026-01-15", "--user", hr.username, stdout=io.StringIO())
    sheet = load_workbook(path, read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True) if any(c is not None for c in r)]
    header_at = next(i for i, r in enumerate(rows) if r[: len(body["columns"])] == body["columns"])
    sheet_rows = rows[header_at + 1:]
    assert len(sheet_rows) == len(body["rows"]) >= 2

    def same(a, b):
        if isinstance(a, (int, float)) or isinstance(b, (int, float)):
            return a is not None and b not in (None, "") and abs(float(a) - float(b)) < 1e-9
        return (a or "") == (b or "")

    for api_row, sheet_row in zip(body["rows"], sheet_rows, strict=True):
        assert all(same(x, y) for x, y in zip(api_row, sheet_row, strict=False)), (api_row, sheet_row)
    # 2 of 3 teachers of school A hold C; nothing of district Y is there.
    assert tree["school_b"].name not in str(body["rows"])


def test_certificates_with_their_status_on_a_day_and_a_teachers_cycle(client, tree, people):
    teacher = people["a"][0]
    certificate(teacher, "C", issued_on=date(2020, 3, 1), expires_on=date(2025, 2, 28))
    key = _account(tree, purposes.CERTIFICATE_ROSTER.key, purposes.HR_DESK.key)
    before = _get(client, key, "/api/v1/certificates/?on=2024-06-01").json()["results"]
    after = _get(client, key, "/api/v1/certificates/?on=2025-06-01").json()["results"]
    assert [(c["employee_no"], c["status_on"]) for c in before] == [(teacher.employee_no, "active")]
    assert [c["status_on"] for c in after] == ["expired"]
    cycle = _get(client, key, f"/api/v1/teachers/{teacher.employee_no}/cycle/?on=2026-01-15")
    assert cycle.status_code == 200 and cycle.json()["earned"] == "0.00"
    assert _get(client, key, f"/api/v1/teachers/{people['b'][0].employee_no}/cycle/").status_code == 404
    bad = _get(client, key, "/api/v1/certificates/?on=15.01.2026")
    assert bad.status_code == 400 and bad.json() == {"on": ["请按 YYYY-MM-DD 输入日期。"]}


def test_an_accounts_rate_is_enforced(client, tree, people):
    key = _account(tree, purposes.HR_DESK.key, rate=3)
    codes = [_get(client, key, "/api/v1/teachers/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_a_purpose_the_organisation_cannot_have_is_refused_from_the_shell(tree):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="hr_import"):
        _account(tree, purposes.HR_IMPORT.key, org="school_a")


def test_the_schema_validates_and_speaks_both_languages(client, tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/hours/" in text and "/api/v1/figures/{sheet}/" in text and "/cms-api" not in text
    zh = client.get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    en = client.get("/api/schema/?format=json&lang=en").content.decode()
    assert "平台自己的记录编号" in zh and "The platform's own id of this record" in en
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_district_hr_creates_an_account_in_the_admin_sees_its_key_once_and_it_works(
        client, tree, people):
    from api.models import ServiceAccount

    hr_x = district_hr(tree["district_x"])
    client.force_login(hr_x)
    page = client.get("/admin/api-accounts/").content.decode()
    assert "新建服务账号" in page and tree["district_x"].name in page
    assert tree["district_y"].name not in page  # organisations to choose: its own scope only
    answer = client.post("/admin/api-accounts/", {
        "name": "甲区学时同步", "organisation": tree["district_x"].pk,
        "purposes": [purposes.HR_IMPORT.key, purposes.HR_DESK.key], "rate_per_minute": 600})
    account = ServiceAccount.objects.get(name="甲区学时同步")
    assert answer.status_code == 302 and answer["Location"] == f"/admin/api-accounts/{account.pk}/"
    shown = client.get(answer["Location"]).content.decode()
    key = shown.split("<code>")[1].split("</code>")[0]
    assert "新密钥仅显示这一次" in shown
    assert "新密钥仅显示这一次" not in client.get(answer["Location"]).content.decode()
    client.logout()
    listed = _get(client, key, "/api/v1/teachers/").json()["results"]
    assert sorted(t["employee_no"] for t in listed) == sorted(t.employee_no for t in people["a"])

    # Another district's HR neither lists nor opens it, nor makes one over district X.
    hr_y = district_hr(tree["district_y"])
    client.force_login(hr_y)
    assert "甲区学时同步" not in client.get("/admin/api-accounts/").content.decode()
    assert client.get(f"/admin/api-accounts/{account.pk}/").status_code == 404
    refused = client.post("/admin/api-accounts/", {
        "name": "越权", "organisation": tree["district_x"].pk, "purposes": [purposes.HR_DESK.key],
        "rate_per_minute": 60})
    assert refused.status_code == 200 and not ServiceAccount.objects.filter(name="越权").exists()


def test_ten_thousand_teachers_upserted_in_one_call_then_a_bad_row_refuses_the_whole_call(
        client, tree, people):
    from people.models import Teacher

    key = _account(tree, purposes.HR_IMPORT.key, purposes.HR_DESK.key)
    school = tree["school_a"]
    rows = [{"employee_no": f"U{n:05d}", "name": f"教师{n}", "gender": "女",
             "school_code": school.code, "role": "任课教师", "hire_date": "2019-09-01"}
            for n in range(10_000)]
    answer = client.post("/api/v1/teachers/", {"teachers": rows}, content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {key}")
    assert answer.status_code == 200, answer.content[:500]
    assert answer.json() == {"rows": 10_000, "created": 10_000, "updated": 0}
    assert Teacher.objects.filter(employee_no__startswith="U").count() == 10_000

    # One renamed, one in another district's school, one with a field the roster lacks.
    changed = [dict(rows[0], name="改名"), dict(rows[1], school_code=tree["school_b"].code)]
    refused = client.post("/api/v1/teachers/", {"teachers": changed}, content_type="application/json",
                          HTTP_AUTHORIZATION=f"Bearer {key}")
    assert refused.status_code == 400
    body = refused.json()
    assert list(body["teachers"]) == ["1"] and "school_code" in body["teachers"]["1"]
    assert Teacher.objects.get(employee_no="U00000").name == "教师0"  # nothing written
    unknown = client.post("/api/v1/teachers/", {"teachers": [dict(rows[0], salary=1)]},
                          content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert unknown.json() == {"teachers": {"0": {"salary": ["未知字段。"]}}}
    # The list reads them back by cursor, 1,000 a page.
    pages, url = 0, "/api/v1/teachers/?page_size=1000"
    while url:
        page = _get(client, key, url).json()
        pages += 1
        url = page["next"] and page["next"].replace("http://testserver", "")
    assert pages == 11  # 10,003 teachers in district X
