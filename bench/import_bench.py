"""Benchmark: importing a teachers roster of N rows (preview, then commit in one transaction),
then importing the same file again (a no-op), on SQLite.

    python bench/import_bench.py [--rows 10000 100000]

Each size runs in a fresh process on a fresh copy of the base database (the demo city's
organisations, `seed_demo --teachers 0`); figures go to
bench/results/latest.json. Target: preview + commit of 100,000 rows under 60 s.
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
import common  # noqa: E402

ROLES = ["任课教师", "班主任", "专职心理教师", "兼职心理教师", "学校领导"]


def roster_file(rows: int, path: Path) -> Path:
    """A roster as HR would send it: title rows, Chinese headers, dates in several styles."""
    from openpyxl import Workbook

    from people.models import Organisation

    schools = list(Organisation.objects.filter(kind="school").order_by("path").values_list("code", flat=True))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("教师名册")
    sheet.append(["示范市教师花名册"])
    sheet.append([])
    sheet.append(["序号", "工号", "姓名", "性别", "学校代码", "岗位", "入职日期"])
    for i in range(rows):
        hired = date(2000 + i % 24, 1 + i % 12, 1 + i % 28)
        when = hired if i % 3 == 0 else hired.strftime("%Y/%m/%d") if i % 3 == 1 else \
            f"{hired.year}年{hired.month}月{hired.day}日"
        sheet.append([i + 1, f"I{i:07d}", f"教师{i}", "男女"[i % 2], schools[i % len(schools)],
                      ROLES[i % 5], when])
    workbook.save(path)
    return path


def run(rows: int, db: str) -> dict:
    common.django_setup(Path(db))
    from django.contrib.auth import get_user_model

    from hr.imports import teachers_commit, teachers_plan

    user = get_user_model().objects.get(username="bench")
    roster = roster_file(rows, Path(db).parent / "roster.xlsx")  # built before the meter starts
    phases = {}
    with common.Meter() as meter:
        started = time.perf_counter()
        plan = teachers_plan(path=roster, user=user)
        assert len(plan.creates) == rows and not plan.errors, plan.counts()
        phases["preview_seconds"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        result = teachers_commit(path=roster, user=user)
        assert result["created"] == rows, result
        phases["commit_seconds"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        again = teachers_plan(path=roster, user=user)
        assert again.unchanged == rows, again.counts()
        phases["reimport_preview_seconds"] = round(time.perf_counter() - started, 2)
    return meter.result(**phases)


def main(sizes: list[int]) -> None:
    entries = []
    for rows in sizes:
        db = Path(tempfile.mkdtemp()) / "import.sqlite3"
        shutil.copy(common.base_db(), db)
        found = common.measured(Path(__file__), str(rows), str(db), repeat=1)
        shutil.rmtree(db.parent)
        total = round(found["preview_seconds"] + found["commit_seconds"], 2)
        entries.append({"name": "hr_teachers_roster_import", "rows": rows, **found,
                        "ratios": {"preview_plus_commit_seconds": total,
                                   "vs_60_second_target": round(total / 60, 2)}})
        print(f"{rows:>7} rows  preview {found['preview_seconds']:6.2f} s  commit {found['commit_seconds']:6.2f} s"
              f"  (preview + commit {total} s, target < 60 s)  re-import preview "
              f"{found['reimport_preview_seconds']:6.2f} s  peak {found['peak_mb']} MB")
    common.save(entries)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--run":
        print(json.dumps(run(int(sys.argv[2]), sys.argv[3])))
    else:
        parser = argparse.ArgumentParser()
        parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
        main(parser.parse_args().rows)
