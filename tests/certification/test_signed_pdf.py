"""Certificate PDFs signed with the authority's key (PAdES): pyHanko's validator accepts them and
refuses an edited copy; the public page checks an uploaded file against the record."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certification.pdf import certificate_pdf
from certification.services import certificate_revoke
from certification.signing import fingerprint, trusted_certs
from tests.certification.builders import certificate
from tests.factories import district_hr
from tests.html_text import visible_text


def _validate(data: bytes):
    from asn1crypto import pem, x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    return validate_pdf_signature(
        PdfFileReader(io.BytesIO(data)).embedded_signatures[0],
        ValidationContext(trust_roots=[x509.Certificate.load(
            pem.unarmor(_validate.cert_pem)[2])], allow_fetching=False))


@pytest.fixture
def cert(teacher_a, signing_pair):
    _validate.cert_pem = signing_pair[1].read_bytes()
    return certificate(teacher_a, "C")


@pytest.fixture
def pdf(cert):
    return certificate_pdf(cert, verify_url=f"http://testserver/verify/{cert.verification_code}/")


def _edited(data: bytes) -> bytes:
    # One byte of the signed content: the creation date's first digit.
    marker = b"/CreationDate (D:2"
    assert marker in data
    return data.replace(marker, b"/CreationDate (D:1", 1)


def _upload(client, data: bytes):
    return client.post(reverse("certification:verify_upload"),
                       {"pdf": SimpleUploadedFile("证书.pdf", data, "application/pdf")})


def test_a_signed_pdf_validates_with_pyhanko_and_a_changed_byte_does_not(pdf):
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    status = _validate(pdf)
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert "测试教育局" in status.signing_cert.subject.human_friendly
    broken = _validate(_edited(pdf))
    assert not (broken.intact and broken.valid)


def test_the_teacher_downloads_a_signed_pdf(client, cert, teacher_a):
    client.force_login(teacher_a.user)
    response = client.get(reverse("certification:certificate_pdf", args=[cert.verification_code]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert _validate(response.content).intact and b"/ByteRange" in response.content


def test_the_verification_page_shows_the_signing_certificates_fingerprint(client, cert):
    page = client.get(reverse("certification:verify", args=[cert.verification_code]))
    expected = fingerprint(trusted_certs()[0])
    assert len(expected) == 95 and expected in page.content.decode()


def test_the_upload_accepts_the_real_pdf_and_refuses_the_edited_one(client, cert, pdf):
    real = _upload(client, pdf)
    page = real.content.decode()
    assert real.status_code == 200 and "文件为真" in page and cert.number in page
    # The signer in the page's words, not X.509's field names.
    assert "签名者 名称：测试教育局 (test)，国家：CN" in visible_text(page).replace("\n", " ")
    assert "Common Name" not in page and "Organization" not in page
    edited = _upload(client, _edited(pdf))
    page = edited.content.decode()
    assert edited.status_code == 422 and "文件未通过核验" in page and "文件为真" not in page
    # Not a PDF at all, and a PDF never signed here.
    assert _upload(client, b"hello").status_code == 400
    unsigned = certificate_pdf(cert, verify_url="http://testserver/x/", sign=False)
    assert _upload(client, unsigned).status_code == 422


def test_an_upload_over_the_size_bound_is_refused(client, cert, pdf, settings):
    settings.CERTIFICATE_UPLOAD_MAX_BYTES = 1024
    response = _upload(client, pdf)
    assert response.status_code in (400, 413) and "文件为真" not in response.content.decode()


def test_a_revoked_certificates_pdf_still_validates_but_the_page_says_revoked(
        client, tree, cert, pdf):
    certificate_revoke(certificate=cert, revoked_by=district_hr(tree["district_x"]),
                       reason="材料不实")
    status = _validate(pdf)
    assert status.intact and status.valid and status.trusted
    response = _upload(client, pdf)
    page = response.content.decode()
    assert response.status_code == 200 and "已撤销" in page and "不再有效" in page


def test_a_pdf_of_a_record_changed_since_is_flagged(client, cert, pdf):
    from certification.models import Certificate

    Certificate.objects.filter(pk=cert.pk).update(expires_on=cert.expires_on.replace(year=2040))
    page = _upload(client, pdf).content.decode()
    assert "与记录不符" in page and "文件为真" not in page


def test_the_pdfs_properties_read_as_words_not_as_data(pdf, cert):
    from pypdf import PdfReader

    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert meta.subject == f"{cert.level.name} · {cert.number} · {cert.teacher.name}"
    assert "{" not in meta.subject and "xinyu-certificate" not in meta.subject
