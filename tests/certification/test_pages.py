import io
import secrets
import shutil
import subprocess
from datetime import date

import pytest
from django.urls import reverse
from pypdf import PdfReader

from certification.models import Application
from certification.services import application_submit
from tests.factories import TeacherFactory, district_hr, school_admin
from tests.html_text import visible_text

from .builders import certificate, hours, level


def pdf_of(client, cert):
    response = client.get(reverse("certification:certificate_pdf", args=[cert.verification_code]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(b"".join(response.streaming_content)
                                if response.streaming else response.content))


def test_pdf_reads_back_with_chinese_name_number_and_verification_link(client, tree):
    teacher = TeacherFactory(school=tree["school_a"], name="张晓明")
    cert = certificate(teacher, "B")
    client.force_login(teacher.user)
    reader = pdf_of(client, cert)
    # pypdf interleaves NULs when reading fpdf2's two-byte ToUnicode map; the text is intact.
    text = reader.pages[0].extract_text().replace("\x00", "")
    if shutil.which("pdftotext"):
        response = client.get(reverse("certification:certificate_pdf", args=[cert.verification_code]))
        poppler = subprocess.run(["pdftotext", "-", "-"], input=response.content,
                                 capture_output=True, check=True).stdout.decode()
        assert "张晓明" in poppler and cert.number in poppler
    assert "张晓明" in text and cert.number in text and "心理健康教育教师证书" in text
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert any("/FontFile3" in str(f.get_object()["/DescendantFonts"][0].get_object()
                                   ["/FontDescriptor"].get_object()) for f in fonts.values())
    verify_url = "http://testserver" + reverse("certification:verify",
                                               args=[cert.verification_code])
    # Links only: the signature's (invisible) widget is an annotation too.
    uris = [a.get_object()["/A"]["/URI"] for a in reader.pages[0]["/Annots"]
            if "/A" in a.get_object()]
    assert verify_url in uris  # the QR image and the printed URL both link to it
    client.logout()
    page = client.get(verify_url)
    assert page.status_code == 200
    body = page.content.decode()
    assert cert.number in body and "张*明" in body and "张晓明" not in body
    assert cert.level.name in body


def test_random_code_and_unknown_number_not_found(client, tree):
    response = client.get(reverse("certification:verify", args=[secrets.token_urlsafe(16)]))
    assert response.status_code == 404
    response = client.get(reverse("certification:verify_search"), {"number": "NO-SUCH-1"})
    assert response.status_code == 404


def test_search_by_number_finds_it(client, teacher_a):
    cert = certificate(teacher_a, "C")
    response = client.get(reverse("certification:verify_search"), {"number": cert.number})
    assert response.status_code == 200 and cert.verification_code not in response.content.decode()
    assert cert.number in response.content.decode()
    # As people type or paste it: lower case, spaces around, full-width characters.
    for typed in (cert.number.lower() + " ", f"  {cert.number} ", cert.number.replace("-", "－")):
        response = client.get(reverse("certification:verify_search"), {"number": typed})
        assert response.status_code == 200 and cert.number in response.content.decode(), typed


def test_verification_is_rate_limited(client, teacher_a, settings):
    settings.CERTIFICATE_VERIFY_RATE = 5
    cert = certificate(teacher_a, "C")
    url = reverse("certification:verify", args=[cert.verification_code])
    codes = [client.get(url).status_code for _ in range(7)]
    assert codes == [200] * 5 + [429] * 2


def test_teacher_cannot_see_another_teachers_pdf_hours_or_record(client, teacher_a, teacher_b):
    mine, theirs = certificate(teacher_a, "C"), certificate(teacher_b, "C")
    hours(teacher_b, 17, date(2024, 3, 3))
    client.force_login(teacher_a.user)
    assert client.get(reverse("certification:certificate_pdf", args=[theirs.verification_code])).status_code == 404
    assert client.get(reverse("certification:certificate_pdf", args=[mine.verification_code])).status_code == 200
    assert client.get(reverse("certification:teacher_record",
                              args=[teacher_b.pk])).status_code == 403
    page = client.get(reverse("certification:my_certificates")).content.decode()
    assert mine.number in page and theirs.number not in page
    # The other teacher's 17 hours of 2024-03-03 are not in my ledger (the CSRF token
    # may contain any digits, so the date is what is looked for).
    assert "2024-03-03" not in page and "暂无学时记录" in page


def test_apply_posts_only_for_self(client, teacher_a, teacher_b):
    client.force_login(teacher_a.user)
    client.post(reverse("certification:apply"), {"level": "C", "teacher": teacher_b.pk})
    assert list(Application.objects.values_list("teacher", flat=True)) == [teacher_a.pk]


def test_staff_in_scope_get_pdf_others_404(client, tree, teacher_a):
    cert = certificate(teacher_a, "C")
    url = reverse("certification:certificate_pdf", args=[cert.verification_code])
    client.force_login(school_admin(tree["school_a"]))
    assert client.get(url).status_code == 200
    client.force_login(school_admin(tree["school_a2"]))
    assert client.get(url).status_code == 404
    client.force_login(district_hr(tree["district_y"]))
    assert client.get(url).status_code == 404


def test_my_certificates_shows_progress_and_missing(client, teacher_a):
    from certification.models import CertificateLevel

    from .builders import course

    b = CertificateLevel.objects.get(code="B")
    b.required_courses.add(course("团体心理辅导"))
    certificate(teacher_a, "C", issued_on=date.today())
    hours(teacher_a, 86, date.today())
    client.force_login(teacher_a.user)
    page = client.get(reverse("certification:my_certificates")).content.decode()
    assert "86/120" in page and "团体心理辅导" in page


def test_hr_review_page_scoped_and_approves(client, tree, teacher_a):
    hours(teacher_a, 24, date.today())
    app = application_submit(teacher=teacher_a, level=level("C"), submitted_by=teacher_a.user)
    url = reverse("certification:application_review", args=[app.pk])
    client.force_login(district_hr(tree["district_y"]))
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "approve"}).status_code == 404
    client.force_login(district_hr(tree["district_x"]))
    listing = client.get(reverse("certification:application_list")).content.decode()
    assert teacher_a.name in listing
    assert client.post(url, {"decision": "approve"}).status_code == 302
    app.refresh_from_db()
    assert app.status == "approved" and app.certificate is not None


@pytest.mark.parametrize("name,masked", [("张三", "张*"), ("张晓明", "张*明"), ("欧阳晓明", "欧**明")])
def test_mask_name(name, masked):
    from certification.views.verify import mask_name

    assert mask_name(name) == masked


def test_hr_records_a_correction_teacher_cannot(client, tree, teacher_a, teacher_b):
    from certification.models import TrainingEntry

    hours(teacher_a, 12, date(2024, 3, 3))
    url = reverse("certification:training_correct", args=[teacher_a.pk])
    data = {"hours": "-4", "date": "2024-03-04", "reason": "重复登记"}
    client.force_login(teacher_b.user)
    assert client.post(url, data).status_code == 403
    client.force_login(district_hr(tree["district_y"]))
    assert client.post(url, data).status_code == 404
    client.force_login(district_hr(tree["district_x"]))
    assert client.post(url, data).status_code == 302
    entries = TrainingEntry.objects.filter(teacher=teacher_a).order_by("pk")
    assert [(e.source, e.hours, e.reason) for e in entries][-1] == (
        "correction", -4, "重复登记")
    page = client.get(reverse("certification:teacher_record", args=[teacher_a.pk]))
    assert "重复登记" in page.content.decode()


def test_a_levels_requirements_read_as_one_chinese_sentence(client, teacher_a):
    certificate(teacher_a, "C")
    hours(teacher_a, 30, date.today())
    client.force_login(teacher_a.user)
    text = visible_text(client.get(reverse("certification:my_certificates")).content.decode())
    [line] = [line for line in text.splitlines() if line.startswith("B")]
    # "已持 C 证，30/120 学时…": a Chinese comma straight after each requirement, no ASCII one.
    assert "证，" in line and ", " not in line and " ，" not in line, line


def test_the_record_of_a_teacher_who_left_says_so_and_warns_of_no_pace(client, tree, teacher_a):
    from people.models import Teacher

    certificate(teacher_a, "C", issued_on=date(2024, 1, 10))
    hours(teacher_a, 2, date(2024, 3, 3))
    client.force_login(district_hr(tree["district_x"]))
    url = reverse("certification:teacher_record", args=[teacher_a.pk])
    assert "进度落后" in visible_text(client.get(url).content.decode())  # in post: behind
    Teacher.objects.filter(pk=teacher_a.pk).update(status=Teacher.Status.LEFT, is_active=False)
    page = visible_text(client.get(url).content.decode())
    assert "离职：已不在岗。该教师无法登录，不计入任何比率，也不再收到提醒" in page
    assert "进度落后" not in page and "目前应达" not in page
