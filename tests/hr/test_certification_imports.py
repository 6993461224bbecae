"""Certificates held and offline training hours, imported end to end: desk pages and command line."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from certification.models import Certificate, CertificateEvent, TrainingEntry
from certification.selectors import cycle_status, training_entry_list
from hr.models import Job
from tests.factories import TeacherFactory

from .builders import xlsx


@pytest.fixture
def teachers(tree):
    return {
        "li": TeacherFactory(school=tree["school_a"], employee_no="E1", name="李梅"),
        "wang": TeacherFactory(school=tree["school_a2"], employee_no="E2", name="王强"),
        "outside": TeacherFactory(school=tree["school_b"], employee_no="EY", name="外区"),
    }


@pytest.fixture
def desk(client, hr_x, django_capture_on_commit_callbacks):
    """Upload through the desk's form, follow to the preview page, confirm through its button."""
    client.force_login(hr_x)

    def upload(path, sheet):
        with django_capture_on_commit_callbacks(execute=True), path.open("rb") as handle:
            response = client.post(reverse("hr:import_new"), {"sheet": sheet, "file": handle})
        assert response.status_code == 302, response.content.decode()[:2000]
        job = Job.objects.order_by("-created_at").first()
        return job, client.get(response.url).content.decode()

    def confirm(job):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("hr:job_confirm", args=[job.pk]))
        job.refresh_from_db()
        return job

    return upload, confirm


def clean_certificates(tmp_path):
    return xlsx(tmp_path / "证书.xlsx", title_rows=[["甲区心理健康教育教师持证情况"]], rows=[
        ["证书编号", "工号", "姓名", "证书等级", "发证日期", "有效期至", "发证机关"],
        ["ＸＹ-2023-001", "E1", "李梅", "C证", "2023年6月19日", "2028/6/18", "甲区教育局"],
        ["XY-2022-007", " E2 ", "王强", "b", date(2022, 3, 1), None, None],
    ])


def test_certificates_preview_commit_and_reimport_through_the_desk(desk, teachers, tmp_path):
    upload, confirm = desk
    path = clean_certificates(tmp_path)
    job, page = upload(path, "certificates")
    assert job.status == Job.Status.PREVIEW_READY, job.error
    assert (job.preview["counts"]["create"], job.preview["counts"]["errors"]) == (2, 0)
    assert "XY-2023-001" in page and reverse("hr:job_confirm", args=[job.pk]) in page
    assert not Certificate.objects.exists()  # the preview writes nothing

    job = confirm(job)
    assert job.status == Job.Status.DONE, job.error
    li = Certificate.objects.get(number="XY-2023-001")
    assert (li.teacher, li.level.code, li.issued_on, li.expires_on, li.authority, li.source) == (
        teachers["li"], "C", date(2023, 6, 19), date(2028, 6, 18), "甲区教育局",
        Certificate.Source.IMPORTED)
    wang = Certificate.objects.get(number="XY-2022-007")
    assert wang.level.code == "B" and wang.expires_on > wang.issued_on  # from the level's rule
    assert CertificateEvent.objects.filter(kind=CertificateEvent.Kind.IMPORTED).count() == 2

    again, _page = upload(path, "certificates")
    assert again.preview["counts"]["create"] == 0 and again.preview["counts"]["unchanged"] == 2
    again = confirm(again)
    assert again.status == Job.Status.DONE
    assert again.preview["result"]["created"] == 0
    assert Certificate.objects.count() == 2
    assert CertificateEvent.objects.count() == 2


def test_certificate_rows_outside_scope_bad_level_and_expiry_are_named_by_row(desk, teachers, tmp_path):
    upload, confirm = desk
    Certificate.objects.create(number="TAKEN-1", level=_level("C"),
                               teacher=teachers["wang"], issued_on=date(2020, 1, 1),
                               expires_on=date(2030, 1, 1), authority="x")
    path = xlsx(tmp_path / "c.xlsx", [
        ["工号", "证书等级", "证书编号", "发证日期", "有效期至"],
        ["E1", "C", "OK-1", "2023-06-19", None],                 # row 2: fine
        ["EY", "C", "OK-2", "2023-06-19", None],                 # row 3: district Y
        ["E1", "D证", "OK-3", "2023-06-19", None],               # row 4: no such level
        ["E1", "B", "OK-4", "2023-06-19", "2023/1/1"],           # row 5: expires before issue
        ["E1", "B", "TAKEN-1", "2023-06-19", None],              # row 6: another teacher's number
    ])
    job, page = upload(path, "certificates")
    errors = {(e["row"], e["column"].split(" ")[0]): e["reason"] for e in job.preview["errors"]}
    assert set(errors) == {(3, "工号"), (4, "证书等级"), (5, "有效期至"), (6, "证书编号")}
    assert errors[(3, "工号")] == "该工号的教师属于您管理范围以外的学校"
    assert errors[(4, "证书等级")] == "证书等级应为 A、B 或 C"
    assert errors[(5, "有效期至")] == "有效期应晚于发证日期"
    assert errors[(6, "证书编号")] == "该证书编号已属于另一位教师"
    assert "该工号的教师属于您管理范围以外的学校" in page and reverse("hr:job_confirm", args=[job.pk]) not in page
    confirm(job)  # refused: the file has errors
    job.refresh_from_db()
    assert job.status == Job.Status.PREVIEW_READY
    assert not Certificate.objects.filter(number__startswith="OK-").exists()


def _level(code):
    from certification.models import CertificateLevel

    return CertificateLevel.objects.get(code=code)


def training_sheet(tmp_path):
    return xlsx(tmp_path / "学时.xlsx", [
        ["工号", "姓名", "培训日期", "培训名称", "学时", "记录编号"],
        ["E1", "李梅", "2024/3/2", "心理危机识别与干预", "６", None],
        ["E1", "李梅", "2024年3月9日", "个案督导", 2.5, None],
        ["E2", "王强", date(2024, 3, 2), "心理危机识别与干预", 6, "QX-2024-17"],
    ])


def test_training_hours_appear_on_the_teachers_record_once_however_often_imported(desk, teachers, tmp_path):
    upload, confirm = desk
    path = training_sheet(tmp_path)
    li = teachers["li"]
    before = cycle_status(li, on=date(2024, 6, 1)).earned
    for attempt in range(2):
        job, _page = upload(path, "training")
        counts = job.preview["counts"]
        assert (counts["create"], counts["unchanged"]) == ((3, 0) if attempt == 0 else (0, 3))
        job = confirm(job)
        assert job.status == Job.Status.DONE, job.error
    ledger = list(training_entry_list(li).values_list("title", "hours", "date", "source"))
    assert ledger == [("个案督导", Decimal("2.5"), date(2024, 3, 9), TrainingEntry.Source.IMPORT),
                      ("心理危机识别与干预", Decimal("6"), date(2024, 3, 2), TrainingEntry.Source.IMPORT)]
    assert cycle_status(li, on=date(2024, 6, 1)).earned == before + Decimal("8.5")
    assert TrainingEntry.objects.get(teacher=teachers["wang"]).reference == "QX-2024-17"
    assert TrainingEntry.objects.count() == 3


def test_training_rows_of_a_teacher_outside_scope_are_refused(desk, teachers, tmp_path):
    upload, _confirm = desk
    path = xlsx(tmp_path / "t.xlsx", [["工号", "培训日期", "培训名称", "学时"],
                                      ["EY", "2024-03-02", "心理危机识别与干预", 6]])
    job, page = upload(path, "training")
    assert [(e["row"], e["value"]) for e in job.preview["errors"]] == [(2, "EY")]
    assert "该工号的教师属于您管理范围以外的学校" in page
    assert not TrainingEntry.objects.exists()


def test_training_rows_carry_the_hour_category_written_as_its_name_or_code(desk, teachers, tmp_path):
    upload, confirm = desk
    path = xlsx(tmp_path / "类别.xlsx", [
        ["工号", "培训日期", "培训名称", "学时", "学时类别"],
        ["E1", "2024-03-02", "危机干预演练", 6, "心理危机识别与干预"],
        ["E1", "2024-03-03", "家长沟通", 2, "Family education"],
        ["E1", "2024-03-04", "团体辅导", 3, "counselling"],
        ["E1", "2024-03-05", "校本研修", 1, None],
    ])
    job, page = upload(path, "training")
    assert job.preview["counts"]["create"] == 4
    assert [row["category"] for row in job.preview["creates"]] == [
        "心理危机识别与干预", "家庭教育", "心理辅导技能", "其他"]
    assert "学时类别" in page
    job = confirm(job)
    assert job.status == Job.Status.DONE, job.error
    assert dict(TrainingEntry.objects.values_list("title", "category_id")) == {
        "危机干预演练": "crisis", "家长沟通": "family", "团体辅导": "counselling", "校本研修": "other"}


def test_a_training_row_with_an_unknown_or_inactive_category_is_refused_and_nothing_written(
        desk, teachers, tmp_path):
    from courses.models import HourCategory

    HourCategory.objects.filter(code="family").update(active=False)
    upload, confirm = desk
    path = xlsx(tmp_path / "坏类别.xlsx", [
        ["工号", "培训日期", "培训名称", "学时", "学时类别"],
        ["E1", "2024-03-02", "危机干预演练", 6, "心理危机识别与干预"],
        ["E1", "2024-03-03", "沙盘", 2, "沙盘游戏"],
        ["E1", "2024-03-04", "家长沟通", 2, "家庭教育"],
    ])
    job, page = upload(path, "training")
    assert [(e["row"], e["column"], e["value"]) for e in job.preview["errors"]] == [
        (3, "学时类别 (E)", "沙盘游戏"), (4, "学时类别 (E)", "家庭教育")]
    assert "没有这个学时类别" in page
    confirm(job)
    assert not TrainingEntry.objects.exists()


def test_certificates_and_training_through_the_command_line(hr_x, teachers, tmp_path, capsys):
    certs = clean_certificates(tmp_path)
    call_command("import_sheet", "certificates", str(certs), "--user", hr_x.username)
    assert "2 to create" in capsys.readouterr().out and not Certificate.objects.exists()
    call_command("import_sheet", "certificates", str(certs), "--commit", "--user", hr_x.username)
    assert Certificate.objects.count() == 2
    call_command("import_sheet", "certificates", str(certs), "--commit", "--user", hr_x.username)
    out = capsys.readouterr().out
    assert "0 to create" in out and "2 unchanged" in out and Certificate.objects.count() == 2

    hours = training_sheet(tmp_path)
    for _ in range(2):
        call_command("import_sheet", "training", str(hours), "--commit", "--user", hr_x.username)
    assert TrainingEntry.objects.filter(teacher=teachers["li"]).count() == 2

    bad = xlsx(tmp_path / "bad.xlsx", [["工号", "证书等级", "证书编号", "发证日期", "有效期至"],
                                      ["E1", "Z", "N-9", "2023-06-19", None],
                                      ["EY", "C", "N-8", "2023-06-19", None],
                                      ["E2", "C", "N-7", "2023-06-19", "2020-01-01"]])
    with pytest.raises(CommandError, match="3 errors"):
        call_command("import_sheet", "certificates", str(bad), "--commit", "--user", hr_x.username)
    out = capsys.readouterr().out
    assert "Row 2 · 证书等级 (B): Level must be A, B or C" in out  # the header as the file writes it
    assert "Row 3 · 工号 (A): This teacher belongs to a school outside your scope" in out
    assert "Row 4 · 有效期至 (E): Expiry must be after the issue date" in out
    assert not Certificate.objects.filter(number__startswith="N-").exists()
