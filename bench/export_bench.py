"""Benchmark: the certificate-roster export through the real code path (scope, query, labels,
formatting, atomic write) beside the same export done with django-import-export (the peer a
Django user would pick) and beside a bare openpyxl write-only loop over the same rows (the floor).

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
import common  # noqa: E402


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
    with common.Meter() as meter:
        if method == "hr_export":
            count = export_run_to_path(user=user, sheet="roster", path=out, organisation=city)
        elif method == "import_export":
            # The same rows as model instances with their relations and annotations, as a
            # ModelResource reads them; tablib then writes the .xlsx.
            instances = (Certificate.objects.filter(teacher__school__path__startswith=city.path)
                         .select_related("teacher__school", "level")
                         .annotate(**{k: v for k, v in query.query.annotations.items()})
                         .order_by("teacher__school__path", "teacher__employee_no", "level__rank"))
            dataset = _import_export_resource().export(queryset=instances)
            out.write_bytes(dataset.export("xlsx"))
            count = len(dataset)
        else:
            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet("roster")
            sheet.append([c.title for c in ROSTER_COLUMNS])
            count = 0
            for row in query.iterator(chunk_size=2000):
                sheet.append(row)
                count += 1
            workbook.save(out)
    assert count == expected >= rows, (count, expected, rows)
    return meter.result(file_mb=round(out.stat().st_size / 1024 / 1024, 2))


METHODS = [("bare_openpyxl_write_only", "bare_openpyxl"),
           ("hr_certificate_roster_export", "hr_export"),
           ("django_import_export", "import_export")]


def main(sizes: list[int]) -> None:
    entries = []
    for rows in sizes:
        common.certificates_db(rows)  # build outside the measurements
        found = {name: common.measured(Path(__file__), method, str(rows)) for name, method in METHODS}
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
