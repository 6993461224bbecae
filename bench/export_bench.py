"""Benchmark: the certificate-roster export through the real code path (scope, query, labels,
formatting, atomic write, the streamed writer of hr/sheets/writing.py) beside the same export done
with django-import-export (the peer a Django user would pick), beside a bare openpyxl write-only
loop over the same rows (yesterday's floor), and beside the writers we could have adopted, each
writing the same file (header row bold on a fill, frozen, filtered, dates and numbers formatted,
widths set, formula-like text inert) from the same rows: xlsxwriter in constant-memory mode and
rustpy-xlsxwriter (Rust). `hr_export_traced` runs the real export under tracemalloc for its
Python-traced peak (a separate run: tracing slows it).

    python bench/export_bench.py [--rows 10000 100000]

The database is `seed_demo --teachers N` plus one certificate and one training entry per
teacher (bench/common.py), so the roster has about N rows of 11 columns. Each measurement runs
in a fresh process; figures go to bench/results/latest.json.
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common


def _import_export_resource():
    """The roster as a django-import-export ModelResource, the way its docs build one."""
    from import_export import fields, resources

    from certification.models import Certificate

    class CertificateRosterResource(resources.ModelResource):
        name = fields.Field(attribute="teacher__name", column_name="姓名/name")
        employee_no = fields.Field(attribute="teacher__employee_no", column_name="工号/employee_no")
        school = fields.Field(attribute="teacher__school__name", column_name="学校/school")
        district = fields.Field(attribute="district_name", column_name="区县/district")
        role = fields.Field(attribute="teacher__role", column_name="岗位/role")
        level = fields.Field(attribute="level__code", column_name="证书等级/level")
        cert_no = fields.Field(attribute="number", column_name="证书编号/cert_no")
        issued_on = fields.Field(attribute="issued_on", column_name="发证日期/issued_on")
        expires_on = fields.Field(attribute="expires_on", column_name="有效期至/expires_on")
        state = fields.Field(attribute="status", column_name="状态/status")
        hours = fields.Field(attribute="cycle_hours", column_name="本周期学时/hours_this_cycle")

        class Meta:
            model = Certificate
            fields = ("name", "employee_no", "school", "district", "role", "level", "cert_no",
                      "issued_on", "expires_on", "state", "hours")

    return CertificateRosterResource()


def run(method: str, rows: int) -> dict:
    common.django_setup(common.certificates_db(rows))
    from django.contrib.auth import get_user_model
    from openpyxl import Workbook

    from certification.models import Certificate
    from certification.selectors import certificate_roster_list
    from hr.exports import ROSTER_COLUMNS
    from hr.services import export_run_to_path
    from people.models import Organisation

    user = get_user_model().objects.get(username="bench")
    city = Organisation.objects.get(code=common.CITY_CODE)
    query = certificate_roster_list(user=user, organisation=city)
    expected = query.count()
    out = Path(tempfile.mkdtemp()) / "out.xlsx"
    traced = None
    if method == "hr_export_traced":
        import tracemalloc

        tracemalloc.start()
    with common.Meter() as meter:
        if method in ("hr_export", "hr_export_traced"):
            count = export_run_to_path(user=user, sheet="roster", path=out, organisation=city,
                                       language="zh-hans")
        elif method == "xlsxwriter":
            count = _xlsxwriter(query, out)
        elif method == "rustpy":
            count = _rustpy(query, out)
        elif method == "import_export":
            # The same rows as model instances with their relations and annotations, as a
            # ModelResource reads them; tablib then writes the .xlsx.
            instances = (Certificate.objects.filter(teacher__school__path__startswith=city.path)
                         .select_related("teacher__school", "level")
                         .annotate(**dict(query.query.annotations))
                         .order_by("teacher__school__path", "teacher__employee_no", "level__rank"))
            dataset = _import_export_resource().export(queryset=instances)
            out.write_bytes(dataset.export("xlsx"))
            count = len(dataset)
        else:
            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet("roster")
            sheet.append([str(c.title) for c in ROSTER_COLUMNS])
            count = 0
            for row in query.iterator(chunk_size=2000):
                sheet.append(row)
                count += 1
            workbook.save(out)
    if method == "hr_export_traced":
        traced = round(tracemalloc.get_traced_memory()[1] / 1024 / 1024, 1)
        tracemalloc.stop()
    assert count == expected >= rows, (count, expected, rows)
    extra = {"traced_peak_mb": traced} if traced is not None else {}
    return meter.result(file_mb=round(out.stat().st_size / 1024 / 1024, 2), **extra)


def _labelled(query):
    """The roster's rows with labels, as the real export shapes them."""
    from certification.models import Certificate
    from people.models import Teacher

    roles = {code: str(label) for code, label in Teacher.Role.choices}
    statuses = {code: str(label) for code, label in Certificate.Status.choices}
    for row in query.iterator(chunk_size=2000):
        yield (*row[:4], roles.get(row[4], row[4]), *row[5:9], statuses.get(row[9], row[9]), row[10])


TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _xlsxwriter(query, out) -> int:
    """The same file with xlsxwriter in constant-memory mode (rows must come in order)."""
    import xlsxwriter

    from hr.exports import ROSTER_COLUMNS

    workbook = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    sheet = workbook.add_worksheet("持证名册")
    header = workbook.add_format({"bold": True, "bg_color": "#E8EEF4", "valign": "vcenter"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    number = workbook.add_format({"num_format": "0.0"})
    quoted = workbook.add_format({"quote_prefix": True})
    for col, column in enumerate(ROSTER_COLUMNS):
        sheet.write_string(0, col, str(column.title), header)
        sheet.set_column(col, col, 14)
    sheet.freeze_panes(1, 0)
    count = 0
    for count, values in enumerate(_labelled(query), start=1):
        for col, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(count, col, value, quoted if value[:1] in TRIGGERS else None)
            elif col in (7, 8):
                sheet.write_datetime(count, col, value, day)
            else:
                sheet.write_number(count, col, float(value), number)
    sheet.autofilter(0, 0, count, len(ROSTER_COLUMNS) - 1)
    workbook.close()
    return count


def _rustpy(query, out) -> int:
    """The same rows with rustpy-xlsxwriter: it takes dicts keyed by header, and formats only per
    column, so formula-like text cannot be quote-prefixed cell by cell (it is written as a string)."""
    import rustpy_xlsxwriter as rx

    from hr.exports import ROSTER_COLUMNS

    titles = [str(c.title) for c in ROSTER_COLUMNS]
    count = 0

    def records():
        nonlocal count
        for values in _labelled(query):
            count += 1
            yield {t: (float(v) if i == 10 and v is not None else v) for i, (t, v) in enumerate(zip(titles, values, strict=True))}

    header = rx.Format().set_bold().set_background_color("#E8EEF4")
    rx.write_worksheet(records(), str(out), sheet_name="持证名册", freeze_row=1, autofilter=True,
                       datetime_format="yyyy-mm-dd", float_format="0.0", header_format=header,
                       column_widths=[14] * len(titles))
    return count


METHODS = [("bare_openpyxl_write_only", "bare_openpyxl"),
           ("hr_certificate_roster_export", "hr_export"),
           ("django_import_export", "import_export"),
           ("xlsxwriter_constant_memory", "xlsxwriter"),
           ("rustpy_xlsxwriter", "rustpy")]


def main(sizes: list[int]) -> None:
    entries = []
    for rows in sizes:
        common.certificates_db(rows)  # build outside the measurements
        found = {name: common.measured(Path(__file__), method, str(rows)) for name, method in METHODS}
        traced = common.measured(Path(__file__), "hr_export_traced", str(rows), repeat=1)
        found["hr_certificate_roster_export"]["traced_peak_mb"] = traced["traced_peak_mb"]
        bare, peer = found["bare_openpyxl_write_only"], found["django_import_export"]
        for name, result in found.items():
            ratios = {}
            if name != "bare_openpyxl_write_only":
                ratios["time_vs_bare_openpyxl"] = round(result["seconds"] / bare["seconds"], 2)
                ratios["peak_vs_bare_openpyxl"] = round(result["peak_mb"] / max(bare["peak_mb"], 0.1), 2)
            if name != "django_import_export":
                ratios["speedup_vs_django_import_export"] = round(peer["seconds"] / result["seconds"], 2)
            entries.append({"name": name, "rows": rows, **result, "ratios": ratios})
            print(f"{rows:>7} rows  {name:<30} {result['seconds']:7.2f} s  {result['peak_mb']:6.1f} MB  "
                  + "  ".join(f"{k} {v}" for k, v in ratios.items()))
    common.save(entries)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--run":
        print(json.dumps(run(sys.argv[2], int(sys.argv[3]))))
    else:
        parser = argparse.ArgumentParser()
        parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
        main(parser.parse_args().rows)
