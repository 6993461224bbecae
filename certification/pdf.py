"""The printable A4 certificate: fpdf2 with an embedded CJK font subset and a QR code linking
to the public verification page, signed (PAdES) with the issuing authority's key."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import segno
from fpdf import FPDF

from .models import Certificate
from .signing import pdf_sign

# fontTools logs every subsetting step at INFO; one PDF would flood the log.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-GB2312.otf"


def certificate_record_data(cert: Certificate) -> dict:
    """What a certificate PDF states, as checked against the record when it is uploaded."""
    return {"number": cert.number, "name": cert.teacher.name, "level": cert.level.code,
            "issued_on": cert.issued_on.isoformat(), "expires_on": cert.expires_on.isoformat()}


def certificate_pdf(certificate: Certificate, *, verify_url: str, sign: bool = True) -> bytes:
    """The certificate as PDF bytes (A4 landscape), with a QR code of `verify_url`, signed."""
    cert = certificate
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(f"{cert.level.name} {cert.number}")
    pdf.set_author(cert.authority)
    # What a reader's document properties show; the record checked on upload is signed in
    # under its own key (pdf_sign's record).
    pdf.set_subject(f"{cert.level.name} · {cert.number} · {cert.teacher.name}")
    pdf.set_auto_page_break(False)
    pdf.add_font("cjk", fname=str(FONT))
    pdf.add_page()
    w, h = pdf.w, pdf.h

    pdf.set_draw_color(150, 40, 40)
    pdf.set_line_width(1.6)
    pdf.rect(10, 10, w - 20, h - 20)
    pdf.set_line_width(0.4)
    pdf.rect(14, 14, w - 28, h - 28)

    pdf.set_text_color(150, 40, 40)
    pdf.set_font("cjk", size=34)
    pdf.set_xy(0, 34)
    pdf.cell(w, 16, "心理健康教育教师证书", align="C")
    pdf.set_font("cjk", size=16)
    pdf.set_xy(0, 52)
    pdf.cell(w, 10, cert.level.name, align="C")

    pdf.set_text_color(30, 30, 30)
    pdf.set_font("cjk", size=15)
    pdf.set_xy(40, 78)
    body = (f"{cert.teacher.name} 同志（工号 {cert.teacher.employee_no}）经审核，"
            f"符合{cert.level.code}级证书的各项要求，特发此证。")
    pdf.multi_cell(w - 80, 10, body, align="L")

    pdf.set_font("cjk", size=12)
    lines = [
        ("证书编号", cert.number),
        ("发证日期", cert.issued_on.strftime("%Y年%m月%d日")),
        ("有效期至", cert.expires_on.strftime("%Y年%m月%d日")),
        ("发证机关", cert.authority),
    ]
    y = 112
    for label, value in lines:
        pdf.set_xy(40, y)
        pdf.cell(30, 8, label)
        pdf.cell(120, 8, value)
        y += 10

    # The QR code points at the public page; the same URL is printed and linked beside it.
    qr = segno.make(verify_url, error="m")
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=8, border=2)
    buf.seek(0)
    size = 42
    qx, qy = w - 40 - size, 104
    pdf.image(buf, x=qx, y=qy, w=size, h=size, link=verify_url)
    pdf.set_font("cjk", size=8)
    pdf.set_xy(qx - 30, qy + size + 1)
    pdf.cell(size + 60, 5, "扫码或访问以下地址核验", align="C")
    pdf.set_xy(qx - 30, qy + size + 6)
    pdf.cell(size + 60, 5, verify_url, align="C", link=verify_url)

    pdf.set_font("cjk", size=14)
    pdf.set_xy(40, h - 40)
    pdf.cell(w - 80, 10, cert.authority, align="R")
    data = bytes(pdf.output())
    if not sign:
        return data
    return pdf_sign(data, reason=f"{cert.authority} 颁发 · 证书编号 {cert.number}",
                    location=cert.authority, record=certificate_record_data(cert))
