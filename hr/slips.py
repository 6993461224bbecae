"""Activation slips: a print-ready A4 PDF, eight slips a page with cut lines, each with the
teacher's 工号 and code, and the activation address (工号 filled in) as text and QR code."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.urls import reverse
from fpdf import FPDF

# The certificate's embedded CJK font (a GB2312 subset of Noto Sans SC, OFL).
from certification.pdf import FONT

logging.getLogger("fontTools").setLevel(logging.WARNING)

COLUMNS, ROWS = 2, 4


def activation_url(employee_no: str, *, base_url: str | None = None) -> str:
    """The address a slip's QR code opens: the activation page with the 工号 filled in, on
    `base_url` (the site's address as the request for the slips saw it)."""
    base = (base_url or settings.BASE_URL or settings.WAGTAILADMIN_BASE_URL).rstrip("/")
    return f"{base}{reverse('account_activate')}?{urlencode({'no': employee_no})}"


def slips_pdf(rows: Sequence[tuple], *, base_url: str | None = None) -> bytes:
    """The slips of activation-export rows (工号, 姓名, 学校, 激活码, 有效期至) as PDF bytes."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title("教师账号激活通知单")
    pdf.set_auto_page_break(False)
    pdf.add_font("cjk", fname=str(FONT))
    w, h = pdf.w / COLUMNS, pdf.h / ROWS
    per_page = COLUMNS * ROWS
    for index, (employee_no, name, school, code, valid_until) in enumerate(rows):
        if index % per_page == 0:
            pdf.add_page()
            _cut_lines(pdf, w, h)
        cell = index % per_page
        x, y = (cell % COLUMNS) * w, (cell // COLUMNS) * h
        _slip(pdf, x, y, w, h, employee_no=employee_no, name=name, school=school, code=code,
              valid_until=valid_until, url=activation_url(employee_no, base_url=base_url))
    if not rows:
        pdf.add_page()
        pdf.set_font("cjk", size=14)
        pdf.set_xy(20, 30)
        pdf.cell(0, 10, "没有需要激活的教师。")
    return bytes(pdf.output())


def _cut_lines(pdf: FPDF, w: float, h: float) -> None:
    pdf.set_draw_color(150, 150, 150)
    pdf.set_line_width(0.2)
    with pdf.local_context():
        pdf.set_dash_pattern(dash=2, gap=1.5)
        for col in range(1, COLUMNS):
            pdf.line(col * w, 0, col * w, pdf.h)
        for row in range(1, ROWS):
            pdf.line(0, row * h, pdf.w, row * h)
    pdf.set_font("cjk", size=6)
    pdf.set_text_color(150, 150, 150)
    pdf.set_xy(2, h - 4)
    pdf.cell(20, 3, "沿虚线剪开")


def _slip(pdf: FPDF, x: float, y: float, w: float, h: float, *, employee_no, name, school, code,
          valid_until, url: str) -> None:
    pad = 6
    pdf.set_text_color(30, 30, 30)
    pdf.set_font("cjk", size=11)
    pdf.set_xy(x + pad, y + pad)
    pdf.cell(w - 2 * pad, 6, f"{settings.WAGTAIL_SITE_NAME} · 教师账号激活通知")
    pdf.set_font("cjk", size=9)
    lines = [("姓名", name), ("工号", employee_no), ("学校", school)]
    top = y + pad + 9
    for label, value in lines:
        pdf.set_xy(x + pad, top)
        pdf.cell(12, 5, label)
        pdf.cell(w - 2 * pad - 42, 5, str(value)[:20])
        top += 5.5
    pdf.set_xy(x + pad, top + 1)
    pdf.cell(12, 7, "激活码")
    pdf.set_font("cjk", size=16)
    pdf.cell(40, 7, str(code))
    pdf.set_font("cjk", size=8)
    pdf.set_xy(x + pad, top + 9)
    until = valid_until.strftime("%Y年%m月%d日") if hasattr(valid_until, "strftime") else str(valid_until)
    pdf.cell(w - 2 * pad - 34, 4, f"有效期至 {until}，仅可使用一次")
    pdf.set_xy(x + pad, top + 14)
    pdf.multi_cell(w - 2 * pad - 34, 3.6,
                   "手机扫描右侧二维码，或在浏览器打开下方地址，输入工号和激活码并设置密码。", align="L")
    pdf.set_font("cjk", size=6.5)
    pdf.set_xy(x + pad, y + h - pad - 4)
    pdf.cell(w - 2 * pad, 4, url, link=url)

    # A fixed mask skips segno's search for the best of eight (most of a slip's time);
    # any mask scans.
    qr = segno.make(url, error="m", mask=2, micro=False)
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=4, border=1)
    buffer.seek(0)
    size = 30
    pdf.image(buffer, x=x + w - pad - size, y=y + pad + 9, w=size, h=size, link=url)
