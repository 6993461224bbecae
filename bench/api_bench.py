"""Benchmark: the HTTP API at a city's size. Hours pushed 1,000 entries a request (entries per
second), and every teacher of the city listed by cursor, 1,000 a page, with the process's memory
read after the first tenth of the pages and at the end (flat: it does not grow with the list).
Through the whole view stack (Django's test client, bearer key, scope, rate), on SQLite.

    python bench/api_bench.py [--teachers 100000] [--pushes 10]

Figures go to bench/results/latest.json (api_hours_push, api_teachers_cursor).
"""

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(db: Path, pushes: int) -> list[dict]:
    common.django_setup(db)
    import io

    from django.core.management import call_command
    from django.test import Client

    from certification.models import TrainingEntry
    from people.models import Organisation, Teacher

    city = Organisation.objects.get(code=common.CITY_CODE)
    out = io.StringIO()
    call_command("api_key", "create", "--name", f"bench-{time.time_ns()}", "--org", city.code,
                 "--purpose", "hr_import", "--purpose", "hr_desk", "--rate", "100000", stdout=out)
    key = out.getvalue().strip()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    numbers = list(Teacher.objects.values_list("employee_no", flat=True)[: pushes * 1000])
    before = TrainingEntry.objects.count()
    started = time.perf_counter()
    for push in range(pushes):
        entries = [{"employee_no": numbers[(push * 1000 + i) % len(numbers)], "hours": "1.5",
                    "date": "2026-05-20", "title": "省平台：心理危机识别",
                    "reference": f"bench-{started}-{push}-{i}"} for i in range(1000)]
        answer = client.post("/api/v1/hours/", {"entries": entries}, content_type="application/json",
                             HTTP_IDEMPOTENCY_KEY=f"bench-{started}-{push}")
        assert answer.status_code == 201, answer.content[:300]
    push_seconds = time.perf_counter() - started
    assert TrainingEntry.objects.count() == before + pushes * 1000

    total = Teacher.objects.count()
    pages = 0
    url = "/api/v1/teachers/?page_size=1000"
    seen = 0
    rss_start = _rss_mb()
    rss_tenth = None
    started = time.perf_counter()
    while url:
        body = json.loads(client.get(url).content)
        seen += len(body["results"])
        pages += 1
        if pages == max(1, total // 10000):
            rss_tenth = _rss_mb()
        url = body["next"] and body["next"].replace("http://testserver", "")
    list_seconds = time.perf_counter() - started
    assert seen == total
    return [
        {"name": "api_hours_push", "rows": pushes * 1000, "seconds": round(push_seconds, 2),
         "entries_per_second": round(pushes * 1000 / push_seconds), "per_request": 1000},
        {"name": "api_teachers_cursor", "rows": total, "seconds": round(list_seconds, 2),
         "pages": pages, "rss_mb_start": round(rss_start, 1), "rss_mb_after_tenth": round(rss_tenth or 0, 1),
         "rss_mb_end": round(_rss_mb(), 1)},
    ]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--teachers", type=int, default=100_000)
    parser.add_argument("--pushes", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "api.sqlite3"
        shutil.copy(common.teachers_db(args.teachers), db)
        results = run(db, args.pushes)
    for result in results:
        print(json.dumps(result, ensure_ascii=False))
    common.save(results)


if __name__ == "__main__":
    main()
