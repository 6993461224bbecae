"""Declared outside hours: evidence checked by content and size (nothing stored when refused),
school check then district HR approval onto the ledger once, return and resubmit, scope."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from certification import declarations as svc
from certification.models import DeclarationEvidence, HourDeclaration, TrainingEntry
from people.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None}}}
    yield tmp_path / "private"


def declare(teacher, *files, **fields):
    data = {"title": "省级心理健康骨干教师培训", "organiser": "省教育厅", "started_on": date(2024, 7, 1),
                "ended_on": date(2024, 7, 5), "hours": "24", "category": "knowledge"}
    data.update(fields)
    return svc.declaration_submit(teacher=teacher, files=list(files), **data)


def stored_files(root):
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("upload, message", [
    (SimpleUploadedFile("证书.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"),
     "不是 PDF、JPEG 或 PNG"),
    (SimpleUploadedFile("证书.jpg", b"<svg onload=alert(1)>", content_type="image/jpeg"),
     "不是 PDF、JPEG 或 PNG"),
    (SimpleUploadedFile("大.png", PNG + b"\x00" * (10 * 1024 * 1024), content_type="image/png"),
     "大于 10 MB"),
])
def test_a_wrong_type_or_oversized_file_is_refused_and_nothing_is_stored(
        tree, private_root, upload, message):
    teacher = factories.TeacherFactory(school=tree["school_a"])
    good = SimpleUploadedFile("ok.png", PNG, content_type="image/png")
    with pytest.raises(ValidationError, match=message):
        declare(teacher, good, upload)
    assert not HourDeclaration.objects.exists() and not DeclarationEvidence.objects.exists()
    assert stored_files(private_root) == []


def test_school_checks_hr_approves_and_the_hours_land_once_with_the_evidence(tree, private_root):
    teacher = factories.TeacherFactory(school=tree["school_a"])
    d = declare(teacher, SimpleUploadedFile("证书.jpg", b"\xff\xd8\xff\xe0" + b"1" * 32),
                SimpleUploadedFile("通知.pdf", PDF))
    assert sorted(e.content_type for e in d.evidence.all()) == ["application/pdf", "image/jpeg"]
    assert len(stored_files(private_root)) == 2
    assert not any("证书" in p.name for p in stored_files(private_root))  # unguessable names

    admin_a, hr_x = factories.school_admin(tree["school_a"]), factories.district_hr(tree["district_x"])
    assert list(svc.declaration_queue(user=admin_a)) == [d]
    assert list(svc.declaration_queue(user=hr_x)) == []
    with pytest.raises(ValidationError):  # HR cannot skip the school's check
        svc.declaration_approve(declaration=d, decided_by=hr_x)
    svc.declaration_school_check(declaration=d, checked_by=admin_a)
    assert list(svc.declaration_queue(user=hr_x)) == [d] and list(svc.declaration_queue(user=admin_a)) == []
    d = svc.declaration_approve(declaration=d, decided_by=hr_x)
    assert d.status == "approved"
    entry = TrainingEntry.objects.get(teacher=teacher)
    assert (entry.hours, entry.source, entry.reference) == (Decimal("24.0"), "declared", f"declaration:{d.pk}")
    assert entry.declaration.evidence.count() == 2
    with pytest.raises(ValidationError):
        svc.declaration_approve(declaration=d, decided_by=hr_x)
    assert TrainingEntry.objects.filter(teacher=teacher).count() == 1
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "declaration.check", "declaration.approve"]


def test_returned_with_a_reason_then_resubmitted_and_approved(tree):
    teacher = factories.TeacherFactory(school=tree["school_a"])
    d = declare(teacher, SimpleUploadedFile("a.png", PNG), hours="40")
    admin_a, hr_x = factories.school_admin(tree["school_a"]), factories.district_hr(tree["district_x"])
    svc.declaration_school_check(declaration=d, checked_by=admin_a)
    with pytest.raises(ValidationError):
        svc.declaration_return(declaration=d, returned_by=hr_x, reason=" ")
    d = svc.declaration_return(declaration=d, returned_by=hr_x, reason="证书只能认定 24 学时")
    assert d.status == "returned" and d.return_reason == "证书只能认定 24 学时"
    other = factories.TeacherFactory(school=tree["school_a"])
    fields = {"title": "省级培训", "organiser": "省教育厅", "started_on": date(2024, 7, 1),
                  "ended_on": date(2024, 7, 5), "hours": "24", "category": "knowledge"}
    with pytest.raises(PermissionDenied):
        svc.declaration_resubmit(declaration=d, teacher=other, **fields)
    d = svc.declaration_resubmit(declaration=d, teacher=teacher,
                                 files=[SimpleUploadedFile("b.pdf", PDF)], **fields)
    assert d.status == "submitted" and d.evidence.count() == 2
    svc.declaration_school_check(declaration=d, checked_by=admin_a)
    svc.declaration_approve(declaration=d, decided_by=hr_x)
    assert TrainingEntry.objects.get(teacher=teacher).hours == Decimal("24.0")
    assert AuditEntry.objects.filter(action="declaration.return").count() == 1


@pytest.mark.parametrize("who", ["school_admin_other", "district_hr_y", "hr_as_checker", "teacher"])
def test_every_review_step_is_limited_to_its_role_and_scope(tree, who):
    teacher = factories.TeacherFactory(school=tree["school_a"])
    d = declare(teacher, SimpleUploadedFile("a.png", PNG))
    user = {"school_admin_other": lambda: factories.school_admin(tree["school_a2"]),
            "district_hr_y": lambda: factories.district_hr(tree["district_y"]),
            "hr_as_checker": lambda: factories.district_hr(tree["district_x"]),
            "teacher": lambda: teacher.user}[who]()
    with pytest.raises(PermissionDenied):
        svc.declaration_school_check(declaration=d, checked_by=user)
    with pytest.raises(PermissionDenied):
        svc.declaration_return(declaration=d, returned_by=user, reason="x")
    svc.declaration_school_check(declaration=d, checked_by=factories.school_admin(tree["school_a"]))
    if who != "hr_as_checker":
        with pytest.raises(PermissionDenied):
            svc.declaration_approve(declaration=d, decided_by=user)
    assert list(svc.declaration_queue(user=user)) == ([d] if who == "hr_as_checker" else [])
    assert not TrainingEntry.objects.exists()


def test_the_pages_declare_with_a_photo_review_and_show_the_status(client, tree, private_root):
    from django.urls import reverse

    teacher = factories.TeacherFactory(school=tree["school_a"])
    client.force_login(teacher.user)
    form = {"title": "心理咨询师培训", "organiser": "市心理协会", "started_on": "2024-05-01",
            "ended_on": "2024-05-02", "hours": "12", "category": "counselling"}
    refused = client.post(reverse("certification:my_declarations"),
                          {**form, "evidence": SimpleUploadedFile("x.png", b"GIF89a....")})
    assert refused.status_code == 400 and "不是 PDF、JPEG 或 PNG" in refused.content.decode()
    assert stored_files(private_root) == []
    client.post(reverse("certification:my_declarations"),
                {**form, "evidence": SimpleUploadedFile("证书照片.jpg", b"\xff\xd8\xff\xe0" + b"2" * 40)})
    d = HourDeclaration.objects.get()
    assert "待学校审核" in client.get(reverse("certification:my_declarations")).content.decode()
    evidence = d.evidence.get()

    outsider = factories.school_admin(tree["school_b"])
    client.force_login(outsider)
    assert client.get(reverse("certification:evidence_download", args=[evidence.pk])).status_code == 404
    assert "心理咨询师培训" not in client.get(reverse("certification:declaration_queue")).content.decode()
    assert client.post(reverse("certification:declaration_decide", args=[d.pk]),
                       {"action": "check"}).status_code == 403
    client.force_login(factories.school_admin(tree["school_a"]))
    assert "心理咨询师培训" in client.get(reverse("certification:declaration_queue")).content.decode()
    shown = client.get(reverse("certification:evidence_download", args=[evidence.pk]))
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    client.post(reverse("certification:declaration_decide", args=[d.pk]), {"action": "check"})
    client.force_login(factories.district_hr(tree["district_x"]))
    client.post(reverse("certification:declaration_decide", args=[d.pk]), {"action": "approve"})
    assert TrainingEntry.objects.get(teacher=teacher).hours == Decimal("12.0")
    client.force_login(teacher.user)
    assert "已通过" in client.get(reverse("certification:my_declarations")).content.decode()


def test_hr_records_an_outside_credential_that_counts_toward_holding_rates(client, tree, private_root):
    from django.urls import reverse

    from certification.models import TeacherCredential
    from certification.selectors import holding_rates

    teacher = factories.TeacherFactory(school=tree["school_a"])
    hr_x, hr_y = factories.district_hr(tree["district_x"]), factories.district_hr(tree["district_y"])
    with pytest.raises(PermissionDenied):
        svc.teacher_credential_record(teacher=teacher, name="省级B证", level_code="B",
                                      obtained_on=date(2023, 1, 1), recorded_by=hr_y)
    with pytest.raises(ValidationError, match="等级对应"):
        svc.teacher_credential_record(teacher=teacher, name="某协会证书",
                                      obtained_on=date(2023, 1, 1), recorded_by=hr_x)
    with pytest.raises(ValidationError, match="不是 PDF"):
        svc.teacher_credential_record(teacher=teacher, name="省级B证", level_code="B",
                                      obtained_on=date(2023, 1, 1), recorded_by=hr_x,
                                      evidence=SimpleUploadedFile("a.pdf", b"nope"))
    assert not TeacherCredential.objects.exists() and stored_files(private_root) == []
    held = svc.teacher_credential_record(
        teacher=teacher, name="省级B证", level_code="B", issuer="省教育厅",
        obtained_on=date(2023, 1, 1), expires_on=date(2028, 1, 1), recorded_by=hr_x,
        evidence=SimpleUploadedFile("b.pdf", PDF))
    assert held.evidence.name and len(stored_files(private_root)) == 1
    rows = {r.organisation.name: r for r in holding_rates(tree["school_a"], on=date(2024, 6, 30))}
    assert rows["甲一中"].holders["B"] == 1 and rows["甲一中"].holders["A"] == 0
    client.force_login(hr_x)
    page = client.get(reverse("certification:teacher_record", args=[teacher.pk])).content.decode()
    assert "省级B证" in page and "等同 B 级" in page and "省教育厅" in page


def test_hr_records_a_credential_in_the_admin_within_scope(client, tree, private_root):
    from django.urls import reverse

    from certification.models import RecognisedCredential, TeacherCredential

    mine = factories.TeacherFactory(school=tree["school_a"])
    theirs = factories.TeacherFactory(school=tree["school_b"])
    credential = RecognisedCredential.objects.get(name="国家三级心理咨询师")
    client.force_login(factories.district_hr(tree["district_x"]))
    url = reverse("teacher_credentials:add")
    form = {"credential": credential.pk, "issuer": "人社部", "obtained_on": "2015-05-01",
            "expires_on": ""}
    refused = client.post(url, {**form, "teacher": theirs.pk,
                                "evidence": SimpleUploadedFile("a.pdf", PDF)})
    assert refused.status_code == 200 and not TeacherCredential.objects.exists()
    refused = client.post(url, {**form, "teacher": mine.pk,
                                "evidence": SimpleUploadedFile("a.pdf", b"not a pdf")})
    assert refused.status_code == 200 and not TeacherCredential.objects.exists()
    assert stored_files(private_root) == []
    saved = client.post(url, {**form, "teacher": mine.pk,
                              "evidence": SimpleUploadedFile("a.pdf", PDF)})
    assert saved.status_code == 302
    assert TeacherCredential.objects.get().teacher == mine
    assert len(stored_files(private_root)) == 1


def test_a_credential_recorded_and_corrected_in_the_admin_goes_through_the_service_and_is_audited(
        client, tree, private_root, django_capture_on_commit_callbacks):
    from django.urls import reverse

    from certification.models import RecognisedCredential, TeacherCredential

    mine = factories.TeacherFactory(school=tree["school_a"])
    other_mine = factories.TeacherFactory(school=tree["school_a2"])
    theirs = factories.TeacherFactory(school=tree["school_b"])
    three = RecognisedCredential.objects.get(name="国家三级心理咨询师")
    two = RecognisedCredential.objects.get(name="国家二级心理咨询师")
    hr = factories.district_hr(tree["district_x"])
    client.force_login(hr)
    form = {"teacher": mine.pk, "credential": three.pk, "issuer": "人社部",
            "obtained_on": "2015-05-01", "expires_on": ""}
    assert client.post(reverse("teacher_credentials:add"), {
        **form, "evidence": SimpleUploadedFile("a.pdf", PDF)}).status_code == 302
    held = TeacherCredential.objects.get()
    assert held.recorded_by == hr and held.issuer == "人社部"
    audits = AuditEntry.objects.filter(actor=hr, target=mine.employee_no)
    assert [a.detail for a in audits] == ["credential · 国家三级心理咨询师"]
    first_file = held.evidence.name
    edit = reverse("teacher_credentials:edit", args=[held.pk])
    # Moved to a teacher outside the scope: refused, nothing changed.
    refused = client.post(edit, {**form, "teacher": theirs.pk})
    assert refused.status_code == 200
    held.refresh_from_db()
    assert held.teacher == mine
    # Corrected: another credential, another teacher of the scope, a new file replacing the old.
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(edit, {**form, "teacher": other_mine.pk, "credential": two.pk,
                                   "expires_on": "2030-05-01",
                                   "evidence": SimpleUploadedFile("b.png", PNG)})
    assert saved.status_code == 302, saved.content.decode()[-2000:]
    held.refresh_from_db()
    assert (held.teacher, held.credential, held.expires_on) == (other_mine, two, date(2030, 5, 1))
    assert held.evidence.name != first_file
    assert [p.name for p in stored_files(private_root)] == [held.evidence.name.rsplit("/", 1)[-1]]
    assert AuditEntry.objects.filter(
        actor=hr, target=other_mine.employee_no, detail="credential edit · 国家二级心理咨询师").exists()
    # The same credential twice for one teacher is refused on the form.
    TeacherCredential.objects.create(teacher=mine, credential=two, obtained_on=date(2016, 1, 1))
    clash = client.post(edit, {**form, "teacher": mine.pk, "credential": two.pk})
    assert clash.status_code == 200 and "已持有" in clash.content.decode()


def test_returned_on_the_pages_the_teacher_resubmits_a_big_file_is_refused_and_the_hours_keep_the_category(
        client, tree, private_root):
    from django.urls import reverse

    from tests.html_text import visible_text

    teacher = factories.TeacherFactory(school=tree["school_a"])
    d = declare(teacher, SimpleUploadedFile("a.png", PNG), hours="40", category="crisis")
    client.force_login(factories.school_admin(tree["school_a"]))
    refused = client.post(reverse("certification:declaration_decide", args=[d.pk]),
                          {"action": "return", "reason": " "}, follow=True)
    assert "请填写退回理由" in visible_text(refused.content.decode())
    client.post(reverse("certification:declaration_decide", args=[d.pk]),
                {"action": "return", "reason": "证书只能认定 24 学时"})
    client.force_login(teacher.user)
    mine = visible_text(client.get(reverse("certification:my_declarations")).content.decode())
    assert "已退回" in mine and "证书只能认定 24 学时 修改后重新提交" in mine
    url = reverse("certification:declaration_resubmit", args=[d.pk])
    form = {"title": "省级心理健康骨干教师培训", "organiser": "省教育厅", "started_on": "2024-07-01",
            "ended_on": "2024-07-05", "hours": "24", "category": "crisis"}
    before = stored_files(private_root)
    big = SimpleUploadedFile("大.pdf", PDF + b"0" * (10 * 1024 * 1024), content_type="application/pdf")
    page = client.post(url, {**form, "evidence": big})
    assert "大于 10 MB" in visible_text(page.content.decode())
    d.refresh_from_db()
    assert (d.status, d.hours, d.evidence.count()) == ("returned", Decimal("40.0"), 1)
    assert stored_files(private_root) == before
    assert client.post(url, form).status_code == 302
    d.refresh_from_db()
    assert (d.status, d.hours) == ("submitted", Decimal("24.0"))
    svc.declaration_school_check(declaration=d, checked_by=factories.school_admin(tree["school_a"]))
    svc.declaration_approve(declaration=d, decided_by=factories.district_hr(tree["district_x"]))
    entry = TrainingEntry.objects.get(teacher=teacher)
    assert (entry.hours, entry.category_id) == (Decimal("24.0"), "crisis")
    page = visible_text(client.get(reverse("certification:my_certificates")).content.decode())
    assert "省级心理健康骨干教师培训 外部学时申报 心理危机识别与干预 24" in page


def test_evidence_is_served_as_every_upload_a_pdf_as_a_sandboxed_download(client, tree, private_root):
    """Issue 27 §5: a PDF (which can carry scripts) is a download, an image shows inline; both
    carry the sandboxing CSP and nosniff."""
    from django.urls import reverse

    teacher = factories.TeacherFactory(school=tree["school_a"])
    d = declare(teacher, SimpleUploadedFile("通知.pdf", PDF),
                SimpleUploadedFile("证书.png", PNG))
    client.force_login(teacher.user)
    served = {e.content_type: client.get(reverse("certification:evidence_download", args=[e.pk]))
              for e in d.evidence.all()}
    pdf, png = served["application/pdf"], served["image/png"]
    assert pdf["Content-Disposition"].startswith("attachment")
    assert png["Content-Disposition"].startswith("inline")
    for response in (pdf, png):
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert response["X-Content-Type-Options"] == "nosniff"


def test_reviewers_are_told_and_find_the_queue_with_its_count_from_header_and_desk(client, tree):
    """Declared hours do not wait unseen: the school admin, then district HR, gets a notice
    and a counted link in the header and on the desk; other districts' HR see nothing."""
    from django.urls import reverse

    from tests.html_text import visible_text

    teacher = factories.TeacherFactory(school=tree["school_a"])
    school_admin = factories.school_admin(tree["school_a"])
    hr_x, hr_y = factories.district_hr(tree["district_x"]), factories.district_hr(tree["district_y"])
    queue = reverse("certification:declaration_queue")

    def header(user):
        client.force_login(user)
        html = client.get("/").content.decode()
        return html.split('class="site-nav"')[1].split("</nav>")[0]

    def bell(user):
        return [(n.title, n.url) for n in user.notices.all()]

    declaration = declare(teacher, SimpleUploadedFile("ok.png", PNG, content_type="image/png"))
    assert bell(school_admin) == [(f"学时申报待审核：{teacher.name}，24 学时", queue)]
    assert bell(hr_x) == [] and bell(teacher.user) == []
    nav = header(school_admin)
    assert f'href="{queue}"' in nav and "学时申报" in visible_text(nav) and ">1</span>" in nav
    desk = visible_text(client.get(reverse("hr:desk")).content.decode())
    assert "待审核的学时申报1" in desk
    assert f'href="{queue}"' not in header(hr_x)  # nothing waits at HR's step yet

    svc.declaration_school_check(declaration=declaration, checked_by=school_admin)
    assert bell(hr_x) == [(f"学时申报待审核：{teacher.name}，24 学时", queue)] and bell(hr_y) == []
    nav = header(hr_x)
    assert f'href="{queue}"' in nav and ">1</span>" in nav
    assert f'href="{queue}"' not in header(school_admin) and f'href="{queue}"' not in header(hr_y)
    # The desk keeps the link when nothing waits, without a count.
    client.force_login(hr_y)
    desk = visible_text(client.get(reverse("hr:desk")).content.decode())
    assert "待审核的学时申报" in desk and "待审核的学时申报1" not in desk
