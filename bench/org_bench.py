"""Benchmark: importing an organisation sheet of N schools (a city, 20 districts, 10 townships
each, the schools under them; parents listed after their children), preview then commit in one
transaction, then previewing the same file again (nothing to change), on SQLite.

    python bench/org_bench.py [--schools 10000]

Runs in a fresh process on a freshly migrated database; figures go to bench/results/latest.json
beside the roster import's (hr_teachers_roster_import), which the summary line quotes.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

STAGES = ["小学", "初中", "初中、高中", "九年一贯制", "高中", "完全中学"]


def org_sheet(schools: int, path: Path) -> Path:
    """The sheet as a bureau would send it: schools first, then townships, districts, the city."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("机构")
    sheet.append(["上级代码", "学校代码", "学校名称", "类型", "学段", "学生数", "寄宿制", "统计日期"])
    townships = [f"B-D{d:02d}-T{t:02d}" for d in range(20) for t in range(10)]
    for i in range(schools):
        sheet.append([townships[i % len(townships)], f"B-S{i:06d}", f"第{i}学校", "学校",
                      STAGES[i % len(STAGES)], 300 + (i * 37) % 2500, "否", date(2024, 9, 1)])
    for code in townships:
        sheet.append([code[:5], code, f"镇街{code[-6:]}", "镇街", None, None, None, None])
    for d in range(20):
        sheet.append(["B", f"B-D{d:02d}", f"区{d:02d}", "区县", None, None, None, None])
    sheet.append([None, "B", "基准市", "市", None, None, None, None])
    workbook.save(path)
    return path


def run(schools: int, db: str) -> dict:
    common.django_setup(Path(db))
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_superuser("bench", "bench@example.test", "bench-pass")
    from hr.imports.organisations import organisations_commit, organisations_plan

    sheet = org_sheet(schools, Path(db).parent / "organisations.xlsx")  # built before the meter starts
    phases = {}
    with common.Meter() as meter:
        started = time.perf_counter()
        plan = organisations_plan(path=sheet, user=user)
        assert len(plan.creates) == schools + 221 and not plan.errors, plan.counts()
        phases["preview_seconds"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        result = organisations_commit(path=sheet, user=user, plan=plan)
        assert result["created"] == schools + 221, result
        phases["commit_seconds"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        again = organisations_plan(path=sheet, user=user)
        assert again.unchanged == schools + 221, again.counts()
        phases["reimport_preview_seconds"] = round(time.perf_counter() - started, 2)
    return meter.result(**phases)


def main(sizes: list[int]) -> None:
    entries = []
    results = json.loads(common.RESULTS.read_text()) if common.RESULTS.exists() else []
    roster = {e["rows"]: e for e in results if e["name"] == "hr_teachers_roster_import"}
    for schools in sizes:
        db = Path(tempfile.mkdtemp()) / "org.sqlite3"
        found = common.measured(Path(__file__), str(schools), str(db), repeat=1)
        shutil.rmtree(db.parent)
        total = round(found["preview_seconds"] + found["commit_seconds"], 2)
        entries.append({"name": "hr_organisations_import", "rows": schools, **found,
                        "ratios": {"preview_plus_commit_seconds": total}})
        beside = roster.get(10_000)
        quoted = (f"; roster import of 10,000 teachers: preview {beside['preview_seconds']} s, "
                  f"commit {beside['commit_seconds']} s" if beside else "")
        print(f"{schools:>7} schools  preview {found['preview_seconds']:6.2f} s  commit "
              f"{found['commit_seconds']:6.2f} s  re-import preview {found['reimport_preview_seconds']:6.2f} s"
              f"  peak {found['peak_mb']} MB{quoted}")
    common.save(entries)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--run":
        os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        print(json.dumps(run(int(sys.argv[2]), sys.argv[3])))
    else:
        parser = argparse.ArgumentParser()
        parser.add_argument("--schools", type=int, nargs="+", default=[10_000])
        main(parser.parse_args().schools)
