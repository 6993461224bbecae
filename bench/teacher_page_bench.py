"""Where a teacher's course page spends its time (issue 30 §5): the page, and the floor
(`/healthz/`) beside it, through Django's test client in one process, with the time split into
what the request does: the session and user, the page cache, Wagtail's routing, the database
(queries; their time is the database driver's share), the templates, and the rest.

    python bench/teacher_page_bench.py DB              # SQLite file or a postgres:// URL

DB is a database seeded by `seed_demo` (e.g. the one `bench/staff_bench.py` caches, or the load
run's PostgreSQL). Each page: 5 warm requests, then BENCH_TEACHER_REPEAT (40) timed requests
(median and p95), and one more under cProfile whose cumulative times, grouped by the code they
run in, give the split. Results merge into bench/results/latest.json as `teacher_page:<part>`.
"""

import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

REPEAT = int(os.environ.get("BENCH_TEACHER_REPEAT", "40"))

# (part, path fragments of the code it runs): each function's own time (not its callees')
# counts for the first part whose fragment its file contains, so the parts add up to the whole.
PARTS = [
    ("session and user", ("django/contrib/sessions/", "django/contrib/auth/")),
    ("cache", ("django/core/cache/", "django/middleware/cache.py", "django_redis/", "/redis/")),
    ("database driver", ("django/db/backends/", "sqlite3", "psycopg")),
    ("ORM (building queries, rows to objects)", ("django/db/models/",)),
    ("templates", ("django/template/", "django/templatetags/", "jinja2/")),
    ("Wagtail", ("/wagtail/",)),
    ("the project's code", (str(common.ROOT) + "/",)),
]


def _split(profile: cProfile.Profile) -> dict[str, float]:
    """Seconds of own time (cProfile's tottime) by part; the rest is Django's request handling,
    middleware and the standard library."""
    out = dict.fromkeys([part for part, _ in PARTS] + ["rest (Django, middleware, stdlib)"], 0.0)
    for (filename, _line, _name), (_cc, _nc, own, _ct, _callers) in pstats.Stats(profile).stats.items():
        part = next((part for part, marks in PARTS if any(m in filename for m in marks)),
                    "rest (Django, middleware, stdlib)")
        out[part] += own
    return out


def run(db: str) -> dict:
    common.django_setup_database(db)
    from contextlib import ExitStack

    from django.db import connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from courses.models import CoursePage, Enrolment
    from courses.services import enrolment_create
    from people.models import Teacher

    course = CoursePage.objects.live().filter(category_id="crisis").first()
    teacher = Teacher.objects.filter(user__isnull=False, is_active=True).order_by("employee_no").first()
    if not Enrolment.objects.filter(user=teacher.user, course_id=course.pk).exists():
        enrolment_create(user=teacher.user, course=course)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(teacher.user)
    out = {}
    for name, url in (("floor", "/healthz/"), ("course page", course.url)):
        for _ in range(5):
            assert client.get(url).status_code == 200
        times = []
        for _ in range(REPEAT):
            started = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - started)
        times.sort()
        with ExitStack() as stack:
            captured = [stack.enter_context(CaptureQueriesContext(connections[alias]))
                        for alias in connections]
            response = client.get(url)
        queries = [q for c in captured for q in c.captured_queries]
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        client.get(url)
        profile.disable()
        profiled = time.perf_counter() - started
        out[name] = {"median_ms": round(1000 * statistics.median(times), 1),
                     "p95_ms": round(1000 * times[int(0.95 * (len(times) - 1))], 1),
                     "status": response.status_code, "kb": round(len(response.content) / 1024, 1),
                     "queries": len(queries),
                     "split_ms (profiled)": {k: round(1000 * v, 1) for k, v in
                                             _split(profile).items()},
                     "profiled_ms": round(1000 * profiled, 1)}
    out["ratio p95"] = round(out["course page"]["p95_ms"] / out["floor"]["p95_ms"], 2)
    out["ratio median"] = round(out["course page"]["median_ms"] / out["floor"]["median_ms"], 2)
    out["teachers"] = Teacher.objects.count()
    out["loadavg"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return out


if __name__ == "__main__":
    measured = run(sys.argv[1])
    print(json.dumps(measured, ensure_ascii=False, indent=1))
    prefix = "teacher_page:postgresql:" if "://" in sys.argv[1] else "teacher_page:"
    common.save([{"name": f"{prefix}{page}", "rows": measured["teachers"], **measured[page],
                  "loadavg": measured["loadavg"]} for page in ("floor", "course page")])
