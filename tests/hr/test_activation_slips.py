"""Day one for a district: a roster of 1,000 teachers without e-mail, activation codes and
slips produced by HR (sheet and printable PDF), and a teacher activating with a slip."""

import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from hr.services import JobError, job_export_create
from people.models import ActivationCode, AuditEntry, Teacher
from tests.factories import school_admin

from .builders import roster

HEADERS = ["工号", "姓名", "学校", "激活码", "有效期至"]


def pdf_text(path) -> str:
    reader = PdfReader(str(path))
    return reader, "".join(page.extract_text() for page in reader.pages[:2]).replace("\x00", "")


@pytest.fixture
def thousand(hr_x, tree, tmp_path):
    """1,000 teachers of school A imported from a roster with no e-mail column."""
    path = roster(tmp_path / "roster.xlsx", [
        {"employee_no": f"A{n:05d}", "name": f"教师{n}", "school_code": tree["school_a"].code}
        for n in range(1000)])
    call_command("import_sheet", "teachers", str(path), "--commit", "--user", hr_x.username)
    assert Teacher.objects.filter(school=tree["school_a"], user__email="").count() == 1000
    return tree["school_a"]


def test_a_thousand_teachers_get_codes_and_slips_and_one_activates(client, hr_x, thousand, tmp_path):
    out = tmp_path / "codes.xlsx"
    call_command("export_sheet", "activation", "--org", thousand.code, "--out", str(out),
                 "--user", hr_x.username)
    sheet = load_workbook(out, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS and len(rows) == 1001
    codes = {row[0]: row[3] for row in rows[1:]}
    assert len(set(codes.values())) == 1000 and all(len(c) == 9 for c in codes.values())
    valid_until = rows[1][4].date()
    assert valid_until == (timezone.localdate() + timedelta(days=30))
    assert ActivationCode.objects.filter(used_at=None, voided_at=None).count() == 1000
    audit = AuditEntry.objects.get(action=AuditEntry.Action.ACTIVATION_ISSUE)
    assert audit.actor == hr_x and "1000" in audit.detail

    # The slips: eight a page, each with the teacher, the code and the activation address.
    reader, text = pdf_text(out.with_suffix(".pdf"))
    assert len(reader.pages) == 125
    first = rows[1]
    assert first[1] in text and first[0] in text and first[3] in text and "有效期至" in text
    assert f"/accounts/activate/?no={first[0]}" in text
    links = [a.get_object()["/A"]["/URI"] for a in reader.pages[0]["/Annots"]]
    assert f"http://testserver/accounts/activate/?no={first[0]}" in links
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert any("/FontFile3" in str(f.get_object()["/DescendantFonts"][0].get_object()
                                   ["/FontDescriptor"].get_object()) for f in fonts.values())

    # One teacher activates with the slip and is logged in; the code is spent.
    number = rows[5][0]
    form = {"employee_no": number, "code": codes[number], "password1": "Lantern-on-the-hill-9",
            "password2": "Lantern-on-the-hill-9"}
    assert client.post(reverse("account_activate"), form).status_code == 302
    assert get_user(client).username == number
    client.logout()
    again = client.post(reverse("account_activate"), form, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "工号与激活码不匹配" in again.content.decode()
    assert client.login(username=number, password="Lantern-on-the-hill-9")

    # A second round leaves out who has logged in, and voids the first round's codes.
    call_command("export_sheet", "activation", "--org", thousand.code, "--out", str(out),
                 "--user", hr_x.username)
    second = list(load_workbook(out, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert len(second) == 1000 and number not in {row[0] for row in second}
    client.logout()
    other = rows[6][0]
    stale = client.post(reverse("account_activate"), {**form, "employee_no": other,
                                                       "code": codes[other]})
    assert get_user(client).is_anonymous and stale.status_code == 200


def test_another_schools_admin_cannot_produce_codes_for_this_school(tree, tmp_path):
    from tests.factories import TeacherFactory

    TeacherFactory(school=tree["school_a"])
    outsider = school_admin(tree["school_b"])
    with pytest.raises(CommandError, match="outside"):
        call_command("export_sheet", "activation", "--org", tree["school_a"].code,
                     "--out", str(tmp_path / "x.xlsx"), "--user", outsider.username)
    with pytest.raises(JobError):
        job_export_create(requester=outsider, sheet="activation", organisation=tree["school_a"])
    assert not ActivationCode.objects.exists()


def test_a_school_admin_produces_slips_at_the_desk(client, tree, django_capture_on_commit_callbacks):
    from tests.factories import TeacherFactory

    TeacherFactory(school=tree["school_a"], name="王芳")
    TeacherFactory(school=tree["school_b"])
    admin = school_admin(tree["school_a"])
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("hr:export_new"), {"sheet": "activation"})
    job_url = response["Location"]
    page = client.get(job_url).content.decode()
    assert "?part=attachment" in page
    job_id = job_url.rstrip("/").split("/")[-1]
    sheet = client.get(reverse("hr:job_download", args=[job_id]))
    rows = list(load_workbook(io.BytesIO(b"".join(sheet.streaming_content)), read_only=True)
                .worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == "王芳"  # only the admin's own school
    slips = client.get(reverse("hr:job_download", args=[job_id]) + "?part=attachment")
    assert slips["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(b"".join(slips.streaming_content))).pages[0].extract_text()
    assert "王芳" in text.replace("\x00", "")


@pytest.mark.parametrize("configured, host, expected", [
    ("", "xinyu.sz.edu.cn", "http://xinyu.sz.edu.cn"),
    ("https://peixun.jyj.gov.cn/", "xinyu.sz.edu.cn", "https://peixun.jyj.gov.cn"),
])
def test_slips_print_the_sites_own_address(client, tree, settings, django_capture_on_commit_callbacks,
                                           configured, host, expected):
    """The QR code and the printed address are the site's: DJANGO_BASE_URL when configured,
    otherwise the address the desk was opened at, never the development default."""
    from tests.factories import TeacherFactory

    settings.BASE_URL = configured
    settings.WAGTAILADMIN_BASE_URL = "http://127.0.0.1:8000"
    settings.ALLOWED_HOSTS = [host]
    teacher = TeacherFactory(school=tree["school_a"], name="王芳")
    client.force_login(school_admin(tree["school_a"]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("hr:export_new"), {"sheet": "activation"}, HTTP_HOST=host)
    job_id = response["Location"].rstrip("/").split("/")[-1]
    slips = client.get(reverse("hr:job_download", args=[job_id]) + "?part=attachment", HTTP_HOST=host)
    page = PdfReader(io.BytesIO(b"".join(slips.streaming_content))).pages[0]
    url = f"{expected}/accounts/activate/?no={teacher.employee_no}"
    assert url in page.extract_text().replace("\x00", "").replace("\n", "")
    assert {a.get_object()["/A"]["/URI"] for a in page["/Annots"]} == {url}
    assert "127.0.0.1" not in page.extract_text()
    audit = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert "base_url" not in audit.detail
