"""Benchmark: the teachers roster export through the real code path (query, scope, formatting,
atomic write) beside a bare openpyxl write-only loop over the same rows (the floor).

    python bench/export_bench.py [--rows 10000 100000]

Each measurement runs in a fresh process; figures go to bench/results/latest.json.
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

FIELDS = ("employee_no", "name", "gender", "school__name", "school__code", "school__path", "role",
          "hire_date", "is_active")


def run(method: str, rows: int) -> dict:
    common.django_setup(common.teachers_db(rows))
    from django.contrib.auth import get_user_model
    from openpyxl import Workbook

    from hr.exports import TEACHER_COLUMNS
    from hr.services import export_run_to_path
    from people.models import Organisation, Teacher

    user = get_user_model().objects.get(username="bench")
    city = Organisation.objects.get(code=common.CITY_CODE)
    expected = Teacher.objects.filter(school__path__startswith=city.path).count()
    out = Path(tempfile.mkdtemp()) / "out.xlsx"
    with common.Meter() as meter:
        if method == "hr_export":
            count = export_run_to_path(user=user, sheet="teachers", path=out, organisation=city)
        else:
            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet("roster")
            sheet.append([c.title for c in TEACHER_COLUMNS])
            count = 0
            for row in Teacher.objects.order_by("school__path", "employee_no").values_list(
                    *FIELDS).iterator(chunk_size=2000):
                sheet.append(row)
                count += 1
            workbook.save(out)
    assert count == expected >= rows, (count, expected, rows)
    return meter.result(file_mb=round(out.stat().st_size / 1024 / 1024, 2))


def main(sizes: list[int]) -> None:
    entries = []
    for rows in sizes:
        common.teachers_db(rows)  # build outside the measurements
        bare = common.measured(Path(__file__), "bare_openpyxl", str(rows))
        runs = [("bare_openpyxl_write_only", bare),
                ("hr_teachers_roster_export", common.measured(Path(__file__), "hr_export", str(rows)))]
        if common.lxml_installed():
            # Same code, same file for users; openpyxl serialises with lxml instead of the stdlib.
            runs += [("bare_openpyxl_write_only_lxml",
                      common.measured(Path(__file__), "bare_openpyxl", str(rows), lxml=True)),
                     ("hr_teachers_roster_export_lxml",
                      common.measured(Path(__file__), "hr_export", str(rows), lxml=True))]
        for name, found in runs:
            ratios = {} if found is bare else {
                "time_vs_bare_openpyxl": round(found["seconds"] / bare["seconds"], 2),
                "peak_vs_bare_openpyxl": round(found["peak_mb"] / max(bare["peak_mb"], 0.1), 2)}
            entries.append({"name": name, "rows": rows, **found, "ratios": ratios})
            print(f"{rows:>7} rows  {name:<32} {found['seconds']:7.2f} s  {found['peak_mb']:6.1f} MB"
                  + (f"  {ratios['time_vs_bare_openpyxl']}x the bare loop's time" if ratios else ""))
    common.save(entries)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--run":
        print(json.dumps(run(sys.argv[2], int(sys.argv[3]))))
    else:
        parser = argparse.ArgumentParser()
        parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
        main(parser.parse_args().rows)
