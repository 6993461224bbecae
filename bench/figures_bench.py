"""The night's stored figures at city scale: a full rebuild against the incremental run the beat
does (nothing changed; one school's certificate issued), and the same figures split into parts
as several heavy-queue workers would take them, on a city seeded by `seed_demo --teachers N`.

    python bench/figures_bench.py 20000          # build (cached) and measure
    python bench/figures_bench.py --run DB       # one measurement run (JSON on the last line)

Results merge into bench/results/latest.json as `figures:nightly` entries, with the machine's load
average when measured (the machine may be shared).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
from staff_bench import staff_db


def _timed(fn):
    started = time.perf_counter()
    value = fn()
    return round(time.perf_counter() - started, 2), value


def run(db: Path) -> dict:
    common.django_setup(db)
    from django.utils import timezone

    from certification.models import CertificateLevel, SchoolFigure
    from certification.selectors.figures import figures_fill, figures_rebuild, figures_rebuild_parts
    from certification.services import certificate_issue
    from people.models import Organisation, StaffRole, Teacher

    today = timezone.localdate()
    out = {"schools": Organisation.objects.filter(kind=Organisation.Kind.SCHOOL).count(),
           "teachers": Teacher.objects.count()}
    out["full_seconds"], out["full_computed"] = _timed(lambda: figures_rebuild(on=today, full=True))
    out["nothing_changed_seconds"], out["nothing_changed_computed"] = _timed(
        lambda: figures_rebuild(on=today))
    teacher = Teacher.objects.filter(certificates__isnull=True, is_active=True).first()
    hr = StaffRole.objects.filter(role=StaffRole.Role.CITY_HR).first().user
    certificate_issue(teacher=teacher, level=CertificateLevel.objects.order_by("rank").first(),
                      issued_on=today.replace(day=1), issued_by=hr)
    out["one_school_changed_seconds"], out["one_school_changed_computed"] = _timed(
        lambda: figures_rebuild(on=today))
    # Split in four, as four workers would take it; timed here one after the other.
    SchoolFigure.objects.all().delete()
    pieces = figures_rebuild_parts(on=today, parts=4)
    times = []
    for days, schools in pieces:
        seconds, _n = _timed(lambda days=days, schools=schools: figures_fill(
            days=[date.fromisoformat(d) for d in days], school_ids=schools))
        times.append(seconds)
    out["four_parts_seconds"] = times
    out["four_parts_longest_seconds"] = max(times)
    out["load_average"] = os.getloadavg()[0]
    return out


def main(argv):
    if argv[:1] == ["--run"]:
        print(json.dumps(run(Path(argv[1]))))
        return
    for n in [int(a) for a in argv] or [20000]:
        source = staff_db(n)
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "figures.sqlite3"
            shutil.copy(source, copy)
            done = subprocess.run([sys.executable, __file__, "--run", str(copy)], cwd=common.ROOT,
                                  check=True, capture_output=True, text=True)
        found = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{n} teachers: {json.dumps(found)}")
        common.save([{"name": "figures:nightly", "rows": n, **found}])


if __name__ == "__main__":
    if sys.argv[1:2] == ["--build"]:
        from staff_bench import _build

        _build(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        main(sys.argv[1:])
