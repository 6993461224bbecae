"""District HR, on a phone and at a desk, all by clicking from the home page: a roster sheet
uploaded, previewed and written; the certificate roster and the holding rates exported,
downloaded and opened; a C application approved and its PDF downloaded and read."""

import io
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from certification import demo as certification_demo
from certification import services
from certification.models import Application, Certificate, CertificateLevel, TrainingEntry
from hr.models import Job
from people import demo
from people.models import Organisation, Teacher
from tests.factories import TeacherFactory

from .conftest import log_in


def _roster(path, school, existing: Teacher):
    """The sheet as HR keep it: a title row, then the header on row 3, Chinese headers."""
    book = Workbook()
    sheet = book.active
    sheet.append(["南沙区2026年秋季教师花名册"])
    sheet.append([])
    sheet.append(["工号", "姓名", "性别", "学校代码", "岗位", "入职日期"])
    sheet.append(["N2026001", "黄思远", "男", school.code, "任课教师", "2026年9月1日"])
    sheet.append(["N2026002", "梁雅婷", "女", school.code, "班主任", date(2026, 9, 1)])
    # The existing teacher becomes a part-time counsellor: one row to update.
    sheet.append([existing.employee_no, existing.name, existing.get_gender_display() or "女",
                  school.code, "兼职心理教师", existing.hire_date])
    book.save(path)


def _applicant(city) -> Teacher:
    """A teacher of the demo school with 24 hours and no certificate, who has applied for C."""
    teacher = TeacherFactory(school=city.demo_school, name="郑可欣", employee_no="N2025088")
    TrainingEntry.objects.create(teacher=teacher, source=TrainingEntry.Source.OFFLINE,
                                 hours=Decimal("24"), date=date.today() - timedelta(days=30),
                                 title="心理危机识别与干预工作坊", reference="e2e:offline:applicant")
    services.application_submit(teacher=teacher, level=CertificateLevel.objects.get(code="C"),
                                submitted_by=teacher.user)
    return teacher


def test_hr_imports_a_roster_exports_certificates_and_issues_a_c(page, shot, migrated_data, tmp_path):
    city = demo.seed(teachers=30)
    certification_demo.seed(city=city)
    hr = city.accounts["district_hr"]
    existing = (Teacher.objects.filter(school=city.demo_school, role=Teacher.Role.SUBJECT_TEACHER)
                .exclude(user__in=city.accounts.values()).order_by("pk").first())
    applicant = _applicant(city)
    sheet = tmp_path / "花名册.xlsx"
    _roster(sheet, city.demo_school, existing)

    log_in(page, hr.username)
    page.get_by_role("link", name="人事工作台").first.click()
    assert page.get_by_role("heading", name="人事工作台").is_visible()
    page.get_by_role("link", name="上传表格").first.click()
    page.get_by_label("表格内容").select_option(label="教师名册")
    page.get_by_label("Excel 或 CSV 文件（.xlsx、.xls、.xlsb、.ods、.et、.csv）").set_input_files(str(sheet))
    shot("hr-upload")
    page.get_by_role("button", name="上传并预览").click()
    page.wait_for_selector("text=预览")
    counts = {row.locator("th").inner_text(): row.locator("td").inner_text()
              for row in page.locator("section.card", has_text="预览").locator("tr").all()}
    assert counts["读取行数"] == "3" and counts["新增"] == "2" and counts["更新"] == "1" \
        and counts["错误"] == "0", counts
    main = page.inner_text("main")
    assert "黄思远" in main and "岗位: 任课教师 → 兼职心理教师" in main, main
    sample = page.locator("section.card", has_text="新增行示例")
    assert sample.locator("th").all_inner_texts()[:4] == ["行", "工号", "姓名", "学校代码"]
    # Nothing is written before the confirmation.
    assert not Teacher.objects.filter(employee_no__in=["N2026001", "N2026002"]).exists()
    shot("hr-import-preview")
    page.get_by_role("button", name="确认写入").click()
    assert page.get_by_text(re.compile(r"已写入：新增 2，更新 1")).is_visible()
    shot("hr-import-written")
    assert Teacher.objects.get(employee_no="N2026001").school == city.demo_school
    existing.refresh_from_db()
    assert existing.role == Teacher.Role.PART_TIME_COUNSELLOR

    # The certificate roster of the whole district, exported, downloaded and opened.
    page.get_by_role("link", name="人事工作台").first.click()
    page.get_by_role("combobox", name=re.compile(r"^导出")).select_option(label="持证名册")
    page.get_by_role("button", name="开始导出").click()
    page.wait_for_url(re.compile(r"/hr/jobs/"))
    bar = page.get_by_role("progressbar")
    assert bar.is_visible()
    download_link = page.get_by_role("link", name="下载")
    download_link.wait_for(timeout=60_000)
    assert bar.get_attribute("aria-valuenow") == "100"
    shot("hr-export-done")
    with page.expect_download() as info:
        download_link.click()
    book = load_workbook(io.BytesIO(open(info.value.path(), "rb").read()), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    # Chinese only, as the desk was used in Chinese: no "证书编号/cert_no" pairs, in headers or
    # in values ("有效/valid"), and no English word in any header.
    assert header[:3] == ("姓名", "工号", "学校") and not any("/" in str(h) for h in header), header
    assert not any(re.search(r"[A-Za-z]{3,}", str(h)) for h in header), header
    pairs = [v for row in body for v in row if isinstance(v, str) and re.search(r"[一-鿿]+/[A-Za-z]", v)]
    assert not pairs, pairs[:5]
    finished = Job.objects.get(requester=hr, kind=Job.Kind.EXPORT).finished_at
    # The file is named for when it was written, on Shanghai's clock.
    assert info.value.suggested_filename == f"持证名册-{timezone.localtime(finished):%Y%m%d-%H%M}.xlsx"
    number_col = header.index("证书编号")
    numbers = {row[number_col] for row in body}
    in_scope = set(Certificate.objects.filter(
        teacher__school__path__startswith=city.demo_district.path).values_list("number", flat=True))
    # Exactly the district's certificates: none missing, none from another district.
    assert numbers == in_scope and len(numbers) > 0
    job = Job.objects.get(requester=hr, kind=Job.Kind.EXPORT)
    assert job.status == Job.Status.DONE

    # The holding rates: a line per school of the district, then the district's total.
    page.get_by_role("link", name="人事工作台").first.click()
    page.get_by_role("combobox", name=re.compile(r"^导出")).select_option(label="持证率")
    page.get_by_role("button", name="开始导出").click()
    page.wait_for_url(re.compile(r"/hr/jobs/"))
    page.get_by_role("link", name="下载").wait_for(timeout=60_000)
    with page.expect_download() as info:
        page.get_by_role("link", name="下载").click()
    book = load_workbook(io.BytesIO(open(info.value.path(), "rb").read()), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header = list(rows[0])
    assert header[0] == "类别" and header[2] == "学校" and "C证持证率" in header, header
    kind, name, counted = 0, 2, header.index("计入人数")
    holders, rate = header.index("C证及以上人数"), header.index("C证持证率")
    schools = [r for r in rows[1:] if r[kind] == "学校"]
    # Exactly the district's schools, none of another district's.
    assert {r[name] for r in schools} == set(Organisation.objects.filter(
        path__startswith=city.demo_district.path, kind=Organisation.Kind.SCHOOL).values_list("name", flat=True))
    subtotal = rows[-1]  # the district's total line
    assert subtotal[kind] == "合计" and subtotal[name] == city.demo_district.name, subtotal
    assert subtotal[counted] == sum(r[counted] for r in schools)
    assert subtotal[holders] == sum(r[holders] for r in schools)
    for r in schools + [subtotal]:
        # The rate the sheet states is its own holders over its own count.
        assert r[rate] is None if not r[counted] else abs(r[rate] - r[holders] / r[counted]) < 0.001, r

    # The pending C application: approved, the certificate issued, its PDF read back.
    # The menu leads to the queue, with the number waiting.
    nav = page.locator("nav.site-nav")
    pending = Application.objects.filter(
        status="pending", teacher__school__path__startswith=city.demo_district.path).count()
    review_link = nav.get_by_role("link", name=re.compile("^证书审核"))
    assert review_link.inner_text().split()[-1] == str(pending)
    expect_nav_desk = nav.get_by_role("link", name="人事工作台")
    assert expect_nav_desk.is_visible() or page.viewport_size["width"] < 600
    # Applied at a known instant, 02:30 UTC of today's Shanghai date: HR reads it on Shanghai's
    # clock, 10:30 (the date stays today's, so the requirements are read as before).
    today = timezone.localdate()
    Application.objects.filter(teacher=applicant, level__code="C").update(
        created_at=datetime.combine(today, time(2, 30), tzinfo=UTC))
    review_link.click()
    row = page.locator("tr", has_text=applicant.name)
    assert "C" in row.inner_text()
    row.get_by_role("link", name="审核").click()
    assert page.get_by_role("heading", name=re.compile(f"{applicant.name}.*C")).is_visible()
    # What HR reads: each requirement with what she has, what C needs, and whether it is met.
    rows = [r.inner_text().split("\t") for r in page.locator("#requirements tbody tr").all()]
    rows = [[cell.strip() for cell in r] for r in rows]
    assert ["近 5 年培训学时", "24 学时", "24 学时", "已符合"] in rows, rows
    assert all(r[-1] == "已符合" for r in rows), rows
    assert "合计 24" in " ".join(page.locator("#evidence").inner_text().split())
    # Applied-at in Shanghai time: 02:30 UTC reads 10:30, never the UTC clock.
    history = page.locator("#history").inner_text()
    assert f"{today:%Y-%m-%d} 10:30" in history and "02:30" not in history, history
    shot("hr-application-review")
    page.get_by_label("通过").check()
    page.get_by_role("button", name="提交审核结果").click()
    message = page.get_by_text(re.compile(r"已通过：颁发证书")).inner_text()
    cert = Certificate.objects.get(teacher=applicant, level__code="C")
    assert cert.number in message
    assert Application.objects.get(teacher=applicant, level__code="C").status == "approved"
    # Her record, through the approved applications.
    page.get_by_role("link", name="已通过", exact=True).click()
    page.locator("tr", has_text=applicant.name).get_by_role("link", name="查看").click()
    page.get_by_role("link", name="完整档案").click()
    page.get_by_role("heading", name=re.compile(applicant.name)).first.wait_for()
    shot("hr-teacher-record")
    # The PDF opens inline in the browser's viewer; the same link, fetched with HR's session,
    # gives the bytes to read back.
    href = page.locator("tr", has_text=cert.number).get_by_role("link", name="PDF").get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages).replace("\x00", "")
    assert cert.number in text and applicant.name in text

    # Everything HR did is in the audit log, newest first, with numbers and no names.
    page.get_by_role("link", name="人事工作台").first.click()
    page.get_by_role("link", name="操作日志").click()
    rows = page.locator("#audit tbody tr")
    actions = [rows.nth(i).locator("td").nth(2).inner_text() for i in range(rows.count())]
    # Below them, the demo's own activation slips issued in this district when it was seeded.
    assert actions[:4] == ["颁发证书", "表格导出", "表格导出", "表格导入"], actions
    assert set(actions[4:]) <= {"发放激活码"}, actions
    assert cert.number in rows.first.inner_text() and applicant.name not in page.inner_text("main")
    shot("hr-audit-log")
