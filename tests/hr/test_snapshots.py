"""Report snapshots: a district's submitted figures are kept byte for byte, the comparison with
today's computation names the back-dated change that moved them, another district never sees
them, and verify_records notices a stored file changed behind the platform's back."""

from datetime import date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from certification.models import RecordsCheck
from certification.records import records_verify
from hr.models import ReportSnapshot
from hr.snapshots import snapshot_compare, snapshot_submit
from people.models import AuditEntry, StudentCount
from tests import factories

from .builders import xlsx

TODAY = date(2027, 3, 2)       # the day the back-dated leaving is entered
ON = date(2027, 1, 15)         # the day the figures were submitted for
LEFT = date(2027, 1, 10)       # the leaving date entered late, before ON
SUBMITTED = datetime(2027, 1, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

ROSTER = ["工号", "姓名", "学校代码", "岗位", "入职日期", "在职状态", "离职日期", "调动日期"]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    monkeypatch.setattr("hr.imports.roster.import_today", lambda: TODAY)


@pytest.fixture
def district(db):
    city = factories.org("示范市", "city")
    district = factories.org("一区", "district", city)
    other = factories.org("二区", "district", city)
    one = factories.org("一校", "school", district, code="S1")
    two = factories.org("二校", "school", district, code="S2")
    for school in (one, two):
        StudentCount.objects.create(organisation=school, on=date(2020, 9, 1), count=1500)
    return {"district": district, "one": one, "two": two, "hr": factories.district_hr(district),
            "other_hr": factories.district_hr(other)}


def roster_rows() -> list[list]:
    rows = [[f"A{i}", f"一校教师{i}", "S1", "任课教师", "2015-09-01", "在职", None, None] for i in range(8)]
    rows += [[f"B{i}", f"二校教师{i}", "S2", "任课教师", "2015-09-01", "在职", None, None] for i in range(5)]
    return rows


def load(tmp_path, hr):
    """一校: 8 teachers, all holding C; 二校: 5 teachers, 4 holding C (B4 none)."""
    call_command("import_sheet", "teachers", str(xlsx(tmp_path / "r.xlsx", [ROSTER, *roster_rows()])),
                 "--commit", "--effective-on", "2015-09-01", "--user", hr.username)
    header = ["工号", "证书等级", "证书编号", "发证日期", "有效期至", "发证机关"]
    rows = [[n, "C", f"X-C-{n}", "2020-01-10", "2030-01-09", "外市教育局"]
            for n in [*(f"A{i}" for i in range(8)), *(f"B{i}" for i in range(4))]]
    call_command("import_sheet", "certificates", str(xlsx(tmp_path / "c.xlsx", [header, *rows])),
                 "--commit", "--user", hr.username)


def back_dated_leaving(tmp_path, hr):
    """Entered on TODAY: B0 (a C holder of 二校) left on LEFT, before the submitted day."""
    rows = [r for r in roster_rows() if r[0] != "B0"]
    rows.append(["B0", "二校教师0", "S2", "任课教师", "2015-09-01", "离职", LEFT.isoformat(), None])
    call_command("import_sheet", "teachers", str(xlsx(tmp_path / "later.xlsx", [ROSTER, *rows])),
                 "--commit", "--effective-on", TODAY.isoformat(), "--user", hr.username)


def school_rate(data: bytes, school: str):
    # Kind, district, school, teachers, new, counted, C holders, C rate …
    for row in load_workbook(BytesIO(data)).active.iter_rows(values_only=True):
        if row[2] == school:
            return row[7]
    raise AssertionError(school)


def test_submitted_holding_downloads_byte_identical_and_the_comparison_names_the_back_dated_leaving(
        district, tmp_path, client):
    hr = district["hr"]
    load(tmp_path, hr)
    client.force_login(hr)
    response = client.post(reverse("hr:snapshot_submit"), {
        "sheet": "holding", "organisation": district["district"].pk, "on": ON.isoformat()})
    assert response.status_code == 302
    snapshot = ReportSnapshot.objects.get()
    assert (snapshot.sheet, snapshot.on, snapshot.submitted_by) == ("holding", ON, hr)
    # The hash is on the district's audit chain.
    entry = AuditEntry.objects.get(action=AuditEntry.Action.REPORT_SUBMIT)
    assert entry.organisation == district["district"] and snapshot.sha256 in entry.detail
    first = client.get(reverse("hr:snapshot_download", args=[snapshot.pk]))
    submitted = b"".join(first.streaming_content) if first.streaming else first.content
    assert school_rate(submitted, "二校") == 0.8

    back_dated_leaving(tmp_path, hr)

    # Later, after the figure moved: the very same bytes.
    later = client.get(reverse("hr:snapshot_download", args=[snapshot.pk])).content
    assert later == submitted
    # Today's computation for the same day reads 3 of 4.
    comparison = snapshot_compare(snapshot, user=hr)
    changed = {c.key: c for c in comparison.changes}
    row = changed[("学校", "一区", "二校")]
    assert row.status == "changed"
    rates = {cell.column: (cell.old, cell.new) for cell in row.cells}
    assert rates["C证持证率"] == (0.8, 0.75)
    assert rates["教师数"] == (5, 4)
    assert ("学校", "一区", "一校") not in changed
    assert any("补录离职" in r and "2027-03-02" in r and "B0" in r for r in row.reasons), row.reasons
    # The page says the same.
    page = client.get(reverse("hr:snapshot_compare", args=[snapshot.pk])).content.decode()
    assert "二校" in page and "C证持证率: 80.0% → 75.0%" in page
    assert "二校：补录离职（2027-01-10 起）于 2027-03-02 录入，工号 B0" in page
    # The list of the district's snapshots offers it.
    listing = client.get(reverse("hr:snapshots"), {"organisation": district["district"].pk})
    assert reverse("hr:snapshot_download", args=[snapshot.pk]) in listing.content.decode()


def test_another_districts_hr_can_neither_list_nor_download_it(district, tmp_path, client):
    load(tmp_path, district["hr"])
    snapshot = snapshot_submit(user=district["hr"], sheet="staffing",
                               organisation=district["district"], on=ON, now=SUBMITTED)
    client.force_login(district["other_hr"])
    listing = client.get(reverse("hr:snapshots")).content.decode()
    assert reverse("hr:snapshot_download", args=[snapshot.pk]) not in listing
    assert client.get(reverse("hr:snapshot_download", args=[snapshot.pk])).status_code == 404
    assert client.get(reverse("hr:snapshot_compare", args=[snapshot.pk])).status_code == 404
    assert client.get(reverse("hr:snapshots"), {"organisation": district["district"].pk}).status_code == 404
    # Nor submit one for the other district.
    response = client.post(reverse("hr:snapshot_submit"), {
        "sheet": "holding", "organisation": district["district"].pk, "on": ON.isoformat()})
    assert response.status_code == 302 and ReportSnapshot.objects.count() == 1


def test_a_school_admin_may_read_but_not_submit(district, tmp_path, client):
    load(tmp_path, district["hr"])
    client.force_login(factories.school_admin(district["one"]))
    assert client.get(reverse("hr:snapshots")).status_code == 200
    response = client.post(reverse("hr:snapshot_submit"), {
        "sheet": "holding", "organisation": district["one"].pk, "on": ON.isoformat()})
    assert response.status_code == 403 and not ReportSnapshot.objects.exists()


def test_tampering_with_the_stored_file_is_reported_by_verify_records(district, tmp_path):
    load(tmp_path, district["hr"])
    snapshot = snapshot_submit(user=district["hr"], sheet="holding",
                               organisation=district["district"], on=ON, now=SUBMITTED)
    _checked, findings = records_verify()
    assert not [f for f in findings if f.stream == "snapshots"]
    # Nothing changed since: today's computation gives the same rows.
    assert snapshot_compare(snapshot, user=district["hr"]).unchanged
    with open(snapshot.file.path, "r+b") as handle:
        handle.seek(200)
        handle.write(b"X")
    _checked, findings = records_verify()
    found = [f for f in findings if f.stream == "snapshots"]
    assert [(f.problem, f.pk) for f in found] == [("changed", str(snapshot.pk))]
    assert "differs from what was submitted" in found[0].detail
    with pytest.raises(CommandError):
        call_command("verify_records")  # kept for the desk's alert to city HR
    assert RecordsCheck.objects.get().findings[0]["stream"] == "snapshots"
    # A row whose hash is rewritten to match the changed file breaks its seal instead.
    ReportSnapshot._base_manager.filter(pk=snapshot.pk).update(sha256="0" * 64)
    _checked, findings = records_verify()
    assert "report snapshot" in " ".join(f.detail for f in findings if f.stream == "snapshots")


def test_export_sheet_submit_keeps_the_file_it_writes(district, tmp_path):
    hr = district["hr"]
    load(tmp_path, hr)
    out = tmp_path / "staffing.xlsx"
    call_command("export_sheet", "staffing", "--org", district["district"].code, "--out", str(out),
                 "--on", ON.isoformat(), "--submit", "--user", hr.username)
    snapshot = ReportSnapshot.objects.get()
    assert (snapshot.sheet, snapshot.on) == ("staffing", ON)
    with snapshot.file.open("rb") as handle:
        assert handle.read() == out.read_bytes()
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    # The schools, then the district's line (配备率 per district).
    assert rows[0][0] == "学校" and {r[0] for r in rows[1:]} == {"一校", "二校", "一区（全部学校）"}
    with pytest.raises(CommandError, match="cannot be submitted"):
        call_command("export_sheet", "roster", "--org", district["district"].code, "--out",
                     str(out), "--on", ON.isoformat(), "--submit", "--user", hr.username)


def test_the_comparison_reads_in_english_too(district, tmp_path, client):
    hr = district["hr"]
    load(tmp_path, hr)
    snapshot = snapshot_submit(user=hr, sheet="holding", organisation=district["district"], on=ON,
                               language="en", now=SUBMITTED)
    back_dated_leaving(tmp_path, hr)
    client.force_login(hr)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("hr:snapshot_compare", args=[snapshot.pk])).content.decode()
    assert "C holding rate: 80.0% → 75.0%" in page
    assert "back-dated leaving (effective 2027-01-10) entered on 2027-03-02, employee B0" in page
    assert "Compare with today" in page and "补录" not in page


def test_a_back_dated_transfer_is_named_on_both_schools_rows(district, tmp_path):
    hr = district["hr"]
    load(tmp_path, hr)
    snapshot = snapshot_submit(user=hr, sheet="holding", organisation=district["district"], on=ON,
                               now=SUBMITTED)
    rows = [r for r in roster_rows() if r[0] != "A7"]
    rows.append(["A7", "一校教师7", "S2", "任课教师", "2015-09-01", "在职", None, LEFT.isoformat()])
    call_command("import_sheet", "teachers", str(xlsx(tmp_path / "moved.xlsx", [ROSTER, *rows])),
                 "--commit", "--effective-on", TODAY.isoformat(), "--user", hr.username)
    changed = {c.key: c for c in snapshot_compare(snapshot, user=hr).changes}
    one, two = changed[("学校", "一区", "一校")], changed[("学校", "一区", "二校")]
    assert {c.column: (c.old, c.new) for c in one.cells}["教师数"] == (8, 7)
    assert {c.column: (c.old, c.new) for c in two.cells}["教师数"] == (5, 6)
    for row in (one, two):
        assert any("补录调动或岗位变更（2027-01-10 起）于 2027-03-02 录入，工号 A7" in r
                   for r in row.reasons), row.reasons


def test_admin_edits_of_student_counts_and_rules_are_named_in_the_comparison(district, client, tmp_path):
    """Student counts and rules are not dated: an admin edit moves a submitted day's staffing
    figures, and the comparison names the edit (its audit line) on the rows it moved."""
    from people.models import StaffingRule

    hr = district["hr"]
    from people.models import Organisation, Stage, flags_mask

    city_hr = factories.staff("city_hr", district["district"].get_parent())
    Organisation.objects.filter(pk__in=[district["one"].pk, district["two"].pk]).update(
        stages=flags_mask(Stage, [Stage.JUNIOR]))
    load(tmp_path, hr)
    snapshot = snapshot_submit(user=hr, sheet="staffing", organisation=district["district"],
                               on=ON, now=SUBMITTED)
    client.force_login(city_hr)
    count = StudentCount.objects.get(organisation=district["two"])
    response = client.post(reverse("student_counts:edit", args=[count.pk]), {
        "organisation": district["two"].pk, "on": "2020-09-01", "count": 300})
    assert response.status_code == 302
    line = AuditEntry.objects.get(action=AuditEntry.Action.STUDENT_COUNT_CHANGE)
    assert (line.organisation, line.actor) == (district["two"], city_hr)

    comparison = snapshot_compare(snapshot, user=hr)
    row = {c.key: c for c in comparison.changes}[("二校",)]
    assert {cell.column: (cell.old, cell.new) for cell in row.cells}["学生数"] == (1500, 300)
    assert any("学生人数变更" in r and "S2" in r for r in row.reasons), row.reasons

    # A staffing rule the city adds for everywhere under it moves every school's row.
    response = client.post(reverse("staffing_rules:add"), {
        "organisation": district["district"].get_parent().pk, "stage": "", "min_students": 0,
        "counts": "full_time", "full_time_required": 3})
    assert response.status_code == 302, response.content.decode()[:500]
    rule = StaffingRule.objects.get(full_time_required=3)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.RULE_CHANGE,
                                     organisation=rule.organisation).count() == 1
    comparison = snapshot_compare(snapshot, user=hr)
    rows = {c.key: c for c in comparison.changes}
    assert {("一校",), ("二校",)} <= set(rows)
    for key in (("一校",), ("二校",)):
        assert any("规则变更" in r for r in rows[key].reasons), rows[key].reasons
    # Deleting it is audited too.
    assert client.post(reverse("staffing_rules:delete", args=[rule.pk])).status_code == 302
    assert AuditEntry.objects.filter(action=AuditEntry.Action.RULE_CHANGE).count() == 2
