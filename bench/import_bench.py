"""Benchmark: importing a teachers roster of N rows as a job does (upload stored, preview kept on
the job, then the confirmed commit: the sheet read again and written in one transaction with its
audit entry), then previewing the same file again (a no-op), on SQLite — as .xlsx, as a GBK CSV,
as .xls and as .xlsb.

    python bench/import_bench.py [--rows 10000 100000]

Each run is a fresh process on a fresh copy of the base database (the demo city's
organisations, `seed_demo --teachers 0`); figures go to bench/results/latest.json. Target:
preview + commit of the 100,000-row .xlsx no slower than the bare openpyxl write-only loop of
100,000 rows measured by bench/export_bench.py in the same `make bench` run, and a process peak
under 400 MB. An .xls sheet holds at most 65,536 rows (BIFF8), so the .xls runs at 65,000.

The commit queues one follow-on task when its transaction commits: the stored staff figures,
dropped by the import, are rebuilt by a worker (`certification.tasks.figures_rebuild`). The job
is done before it runs, so it is timed apart (`figures_rebuild_seconds`), run by the bench
itself right after the commit instead of by a worker.
"""

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

ROLES = ["任课教师", "班主任", "专职心理教师", "兼职心理教师", "学校领导"]


HEADER = ["序号", "工号", "姓名", "性别", "学校代码", "岗位", "入职日期"]
XLS_MAX_ROWS = 65_000


def _roster_rows(rows: int):
    from people.models import Organisation

    schools = list(Organisation.objects.filter(kind="school").order_by("path").values_list("code", flat=True))
    for i in range(rows):
        hired = date(2000 + i % 24, 1 + i % 12, 1 + i % 28)
        when = hired if i % 3 == 0 else hired.strftime("%Y/%m/%d") if i % 3 == 1 else \
            f"{hired.year}年{hired.month}月{hired.day}日"
        yield [i + 1, f"I{i:07d}", f"教师{i}", "男女"[i % 2], schools[i % len(schools)], ROLES[i % 5], when]


def roster_file(rows: int, path: Path, fmt: str = "xlsx") -> Path:
    """A roster as HR would send it: title rows, Chinese headers, dates in several styles."""
    if fmt == "csv_gbk":
        import csv

        path = path.with_suffix(".csv")
        with path.open("w", encoding="gbk", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerows([["示范市教师花名册"], [], HEADER])
            writer.writerows([[v.isoformat() if isinstance(v, date) else v for v in row]
                              for row in _roster_rows(rows)])
        return path
    if fmt == "xls":
        import xlwt

        path = path.with_suffix(".xls")
        workbook = xlwt.Workbook(encoding="utf-8")
        sheet = workbook.add_sheet("教师名册")
        day = xlwt.easyxf(num_format_str="yyyy-mm-dd")
        sheet.write(0, 0, "示范市教师花名册")
        for c, v in enumerate(HEADER):
            sheet.write(2, c, v)
        for r, row in enumerate(_roster_rows(rows), start=3):
            for c, v in enumerate(row):
                sheet.write(r, c, v, day) if isinstance(v, date) else sheet.write(r, c, v)
        workbook.save(str(path))
        return path
    if fmt == "xlsb":
        sys.path.insert(0, str(common.ROOT))
        from tests.hr import xlsb

        path = path.with_suffix(".xlsb")
        sheet = xlsb.XlsbSheet()
        for row in [["示范市教师花名册"], [], HEADER, *_roster_rows(rows)]:
            sheet.append(row)
        return xlsb.save(sheet, path, sheet_name="教师名册")
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("教师名册")
    sheet.append(["示范市教师花名册"])
    sheet.append([])
    sheet.append(HEADER)
    for row in _roster_rows(rows):
        sheet.append(row)
    workbook.save(path)
    return path


def run(rows: int, db: str, fmt: str = "xlsx") -> dict:
    common.django_setup(Path(db))
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from certification.selectors.figures import figures_rebuild
    from hr.imports import roster as roster_import
    from hr.models import Job
    from hr.services import job_commit_request, job_import_create

    user = get_user_model().objects.get(username="bench")
    roster = roster_file(rows, Path(db).parent / "roster.xlsx", fmt)  # built before the meter starts
    data = roster.read_bytes()
    queued = []
    # The follow-on task the commit queues is recorded here and run below, timed apart.
    roster_import._rebuild_figures = lambda: queued.append("figures_rebuild")
    phases = {}
    with common.Meter() as meter:
        started = time.perf_counter()
        job = job_import_create(requester=user, sheet="teachers",
                                upload=SimpleUploadedFile(roster.name, data))
        job.refresh_from_db()
        assert job.status == Job.Status.PREVIEW_READY, job.error
        assert job.preview["counts"]["create"] == rows, job.preview["counts"]
        phases["preview_seconds"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        job_commit_request(job=job, user=user)
        job.refresh_from_db()
        assert job.status == Job.Status.DONE and job.preview["result"]["created"] == rows, job.error
        phases["commit_seconds"] = round(time.perf_counter() - started, 2)
        assert queued == ["figures_rebuild"], queued
        started = time.perf_counter()
        figures_rebuild(on=timezone.localdate())
        phases["figures_rebuild_seconds"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        again = roster_import.teachers_plan(path=roster, user=user)
        assert again.unchanged == rows, again.counts()
        phases["reimport_preview_seconds"] = round(time.perf_counter() - started, 2)
    return meter.result(file_mb=round(roster.stat().st_size / 1024 / 1024, 2), **phases)


FORMATS = [("hr_teachers_roster_import", "xlsx"), ("hr_teachers_roster_import_csv_gbk", "csv_gbk"),
           ("hr_teachers_roster_import_xls", "xls"), ("hr_teachers_roster_import_xlsb", "xlsb")]


def _bare_loop_seconds(rows: int) -> float | None:
    """The bare openpyxl write-only loop of `rows` rows, from export_bench's run just before."""
    if not common.RESULTS.exists():
        return None
    for entry in json.loads(common.RESULTS.read_text()):
        if entry["name"] == "bare_openpyxl_write_only" and entry["rows"] == rows:
            return entry["seconds"]
    return None


def main(sizes: list[int]) -> None:
    entries = []
    for rows in sizes:
        for name, fmt in FORMATS:
            count = min(rows, XLS_MAX_ROWS) if fmt == "xls" else rows
            db = Path(tempfile.mkdtemp()) / "import.sqlite3"
            shutil.copy(common.base_db(), db)
            found = common.measured(Path(__file__), str(count), str(db), fmt, repeat=1)
            shutil.rmtree(db.parent)
            total = round(found["preview_seconds"] + found["commit_seconds"], 2)
            ratios = {"preview_plus_commit_seconds": total}
            bare = _bare_loop_seconds(rows)
            if bare and count == rows:
                ratios["vs_bare_openpyxl_write_loop"] = round(total / bare, 2)
                ratios["with_figures_rebuild_vs_bare_openpyxl_write_loop"] = round(
                    (total + found["figures_rebuild_seconds"]) / bare, 2)
            entries.append({"name": name, "rows": count, **found, "ratios": ratios})
            print(f"{count:>7} rows {fmt:<8} preview {found['preview_seconds']:6.2f} s  commit "
                  f"{found['commit_seconds']:6.2f} s  (preview + commit {total} s; bare openpyxl loop "
                  f"{bare} s)  figures rebuilt after {found['figures_rebuild_seconds']:6.2f} s  "
                  f"re-import preview {found['reimport_preview_seconds']:6.2f} s  "
                  f"peak {found['peak_mb']} MB, process {found['process_peak_mb']} MB")
    common.save(entries)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--run":
        print(json.dumps(run(int(sys.argv[2]), sys.argv[3], *sys.argv[4:5])))
    else:
        parser = argparse.ArgumentParser()
        parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
        main(parser.parse_args().rows)
