"""Staff figures at city scale: the pages city HR, district HR and a school admin open, and
`holding_rates` alone, on a city built by the full `seed_demo --teachers N` (certificates,
ledger, assignments), through Django's test client.

    python bench/staff_bench.py 600 10000          # build (cached) and measure, print a table
    python bench/staff_bench.py --pg postgres://127.0.0.1:5454/lms   # a seeded PostgreSQL
    python bench/staff_bench.py --run DB           # one measurement run (JSON on the last line)

Each page: one warm request, then the median of BENCH_STAFF_REPEAT (2) requests; queries and
HTML size of the last. Results merge into bench/results/latest.json as `staff:<page>` entries.
With --pg, a PostgreSQL database seeded the same way (`staff:postgresql:<page>` entries). Each
entry carries the machine's load average when it was measured (the machine may be shared).

BENCH_STAFF_PERIODS=3 first gives every teacher two earlier closed periods at other schools
(three periods each, as a city with a few years of history has), and adds the first and a warm
view of a day 150 days back (its figures computed in the request, then read).
"""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

REPEAT = int(os.environ.get("BENCH_STAFF_REPEAT", "2"))


def staff_db(teachers: int) -> Path:
    """A migrated database with the full demo seeded at `teachers` teachers (built once, cached)."""
    common.CACHE.mkdir(exist_ok=True)
    path = common.CACHE / f"staff-{teachers}.sqlite3"
    if not path.exists():
        temp = common.CACHE / f"staff-{teachers}.building.sqlite3"
        temp.unlink(missing_ok=True)
        subprocess.run([sys.executable, __file__, "--build", str(temp), str(teachers)],
                       cwd=common.ROOT, check=True)
        temp.rename(path)
    return path


def _build(db: Path, teachers: int) -> None:
    common.django_setup(db)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", teachers=teachers, stdout=open(os.devnull, "w"))


PAGES = [
    # name, username, url
    ("dashboard city HR", "cityhr", "/certificates/dashboard/"),
    ("rates city HR", "cityhr", "/certificates/rates/"),
    ("dashboard district HR", "districthr", "/certificates/dashboard/"),
    ("rates district HR", "districthr", "/certificates/rates/"),
    ("dashboard school admin", "D0003", "/certificates/dashboard/"),
]


def _earlier_periods() -> int:
    """Two closed periods before each teacher's only period, at two other schools (6 to 3 years
    and 3 years to 0 before it began; a teacher whose start is unknown gets them before 2010).
    Idempotent: teachers with more than one period are left. How many periods were added."""
    from datetime import date

    from dateutil.relativedelta import relativedelta
    from django.db.models import Count

    from people.employment import EARLIEST
    from people.models import Employment, Organisation

    schools = list(Organisation.objects.filter(kind="school").order_by("path").values_list("pk", flat=True))
    position = {pk: i for i, pk in enumerate(schools)}
    single = (Employment.objects.values("teacher_id").annotate(n=Count("pk")).filter(n=1)
              .values_list("teacher_id", flat=True))
    added = 0
    batch = []
    for period in Employment.objects.filter(teacher_id__in=single).only(
            "pk", "teacher_id", "organisation_id", "posts", "start").iterator(chunk_size=5000):
        start = period.start if period.start > EARLIEST else date(2010, 9, 1)
        if period.start == EARLIEST:
            Employment.objects.filter(pk=period.pk).update(start=start)
        at = position[period.organisation_id]
        middle, first = start - relativedelta(years=3), start - relativedelta(years=6)
        batch += [Employment(teacher_id=period.teacher_id, posts=period.posts, start=first, end=middle,
                             organisation_id=schools[(at + 7) % len(schools)], end_status="transferred"),
                  Employment(teacher_id=period.teacher_id, posts=period.posts, start=middle, end=start,
                             organisation_id=schools[(at + 3) % len(schools)], end_status="transferred")]
        if len(batch) >= 10000:
            Employment.objects.bulk_create(batch)
            added, batch = added + len(batch), []
    Employment.objects.bulk_create(batch)
    return added + len(batch)


def _timed(fn):
    fn()  # warm
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), out


def _run(db: str) -> None:
    common.django_setup_database(db)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from certification import selectors
    from hr.services import export_run_to_path
    from people.models import Organisation, Teacher

    call_command("migrate", verbosity=0)  # a cached database from an older branch
    periods = os.environ.get("BENCH_STAFF_PERIODS") == "3"
    if periods:
        started = time.perf_counter()
        added = _earlier_periods()
        print(f"{added} earlier periods added in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    stored = hasattr(selectors, "figures_forget")  # False: measuring the code before them
    cold = os.environ.get("BENCH_STAFF_COLD", "1") == "1"
    if stored:
        selectors.figures_forget()
        if not cold:  # as deployed after a bulk load: `manage.py rebuild_figures` first
            started = time.perf_counter()
            selectors.figures_rebuild(on=timezone.localdate())
            out_rebuild = round(time.perf_counter() - started, 3)

    out = {"teachers": Teacher.objects.count(),
           "schools": Organisation.objects.filter(kind="school").count(), "pages": {}}
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in={p[1] for p in PAGES})}
    on = timezone.localdate()
    for name, username, url in PAGES:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(users[username])
        if name == "dashboard city HR" and stored and cold:
            # The first view with no figures stored computes the 24 month ends and today.
            started = time.perf_counter()
            assert client.get(url).status_code == 200
            out["pages"]["dashboard city HR, nothing stored"] = {
                "seconds": round(time.perf_counter() - started, 3)}

        def get(client=client, url=url):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return len(queries), len(response.content)

        seconds, (queries, size) = _timed(get)
        out["pages"][name] = {"seconds": round(seconds, 3), "queries": queries, "kb": round(size / 1024, 1)}
    if periods:
        from datetime import timedelta

        from people.models import Employment

        out["periods"] = Employment.objects.count()
        back = (on - timedelta(days=150)).isoformat()
        from certification.models import SchoolFigure

        for name, username, url in PAGES[:2]:
            client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
            client.force_login(users[username])
            # A day nobody has viewed: its own figures are computed, the month ends are stored.
            SchoolFigure.objects.filter(day=on - timedelta(days=150)).delete()
            started = time.perf_counter()
            assert client.get(url, {"on": back}).status_code == 200
            out["pages"][f"{name}, 150 days back, first view"] = {
                "seconds": round(time.perf_counter() - started, 3)}
            seconds, _ = _timed(lambda client=client, url=url: client.get(url, {"on": back}))
            out["pages"][f"{name}, 150 days back, warm"] = {"seconds": round(seconds, 3)}
            # After a change dated that day everywhere (every figure from it on dropped): the
            # day and the 5 month ends after it are computed again.
            selectors.figures_forget(since=on - timedelta(days=150))
            started = time.perf_counter()
            assert client.get(url, {"on": back}).status_code == 200
            out["pages"][f"{name}, 150 days back, after a change dated then"] = {
                "seconds": round(time.perf_counter() - started, 3)}
            selectors.figures_rebuild(on=on)
    city = Organisation.objects.get(depth=1) if Organisation.objects.filter(depth=1).count() == 1 \
        else Organisation.objects.filter(kind="city").first()
    seconds, _ = _timed(lambda: selectors.holding_rates(city, on=on))
    out["pages"]["holding_rates(city)"] = {"seconds": round(seconds, 3)}
    seconds, _ = _timed(lambda: selectors.hours_pace_distribution(user=users["cityhr"], on=on))
    out["pages"]["hours_pace_distribution(city)"] = {"seconds": round(seconds, 3)}
    # The compliance count as the rule counts it (a subquery per teacher), and as the rates page
    # reads it now (summed from the stored figures, with its first 50 teachers).
    seconds, _ = _timed(lambda: selectors.compliance_missing_count(city, on=on))
    out["pages"]["compliance_missing_count(city)"] = {"seconds": round(seconds, 3)}
    if hasattr(selectors, "stored_compliance"):
        seconds, _ = _timed(lambda: selectors.stored_compliance(city, on=on))
        out["pages"]["stored_compliance(city)"] = {"seconds": round(seconds, 3)}
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        seconds, _ = _timed(lambda: export_run_to_path(
            user=users["cityhr"], sheet="holding", path=Path(tmp) / "holding.xlsx"))
    out["pages"]["holding sheet (city)"] = {"seconds": round(seconds, 3)}
    if stored and cold:
        started = time.perf_counter()
        selectors.figures_rebuild(on=on)
        out_rebuild = round(time.perf_counter() - started, 3)
    if stored:
        out["pages"]["rebuild_figures"] = {"seconds": out_rebuild}
    out["loadavg"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(json.dumps(out, ensure_ascii=False))


def _measure(db: str, teachers: int | None, prefix: str, label: str) -> list[dict]:
    result = subprocess.run([sys.executable, __file__, "--run", db], cwd=common.ROOT,
                            capture_output=True, text=True)
    if result.returncode:
        sys.exit(result.stderr[-3000:])
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"\n{teachers or measured['teachers']} teachers ({measured['teachers']} in the city, "
          f"{measured['schools']} schools), {label}, load average {measured['loadavg']}:")
    entries = []
    for page, m in measured["pages"].items():
        extra = f", {m['queries']} queries, {m['kb']} KB" if "queries" in m else ""
        print(f"  {page:<34} {m['seconds'] * 1000:>9.0f} ms{extra}")
        entries.append({"name": f"{prefix}{page}", "rows": teachers or measured["teachers"],
                        **m, "loadavg": measured["loadavg"]})
    return entries


def main(sizes: list[int]) -> None:
    for teachers in sizes:
        # Saved size by size: a 100,000-teacher run takes long enough to be worth keeping alone.
        common.save(_measure(str(staff_db(teachers)), teachers, "staff:", "SQLite"))


if __name__ == "__main__":
    if sys.argv[1] == "--build":
        _build(Path(sys.argv[2]), int(sys.argv[3]))
    elif sys.argv[1] == "--run":
        _run(sys.argv[2])
    elif sys.argv[1] == "--pg":
        common.save(_measure(sys.argv[2], 100000, "staff:postgresql:", "PostgreSQL"))
    else:
        main([int(a) for a in sys.argv[1:]] or [10000, 100000])
