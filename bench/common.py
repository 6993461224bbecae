"""Shared plumbing of the HR benchmarks: a cached SQLite database built by `seed_demo --teachers N`,
measured runs in fresh subprocesses, and bench/results/latest.json.

The cached databases live under bench/.cache/<schema key>/, the key a digest of every migration
(file names and contents) and of the demo seeding code: a database built before a migration was
added or changed is never reused, and older keys' folders are removed when a new one is built."""

import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE_ROOT = BENCH / ".cache"
RESULTS = BENCH / "results" / "latest.json"


# What a cached database is built from, besides the migrations: the demo seeding code.
SEED_SOURCES = ("people/demo.py", "courses/demo.py", "certification/demo.py",
                "people/management/commands/seed_demo.py")


def schema_key(root: Path = ROOT) -> str:
    """A digest of every migration file's path and content (and of the seeding code): it
    changes whenever a cached database would no longer match what `migrate` builds."""
    digest = hashlib.sha256()
    files = sorted(root.glob("*/migrations/*.py")) + [root / name for name in SEED_SOURCES]
    for path in files:
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def cache_dir(root: Path = ROOT) -> Path:
    """The cache folder for the current migrations (created; other keys' folders removed)."""
    folder = root / "bench" / ".cache" / schema_key(root)
    if not folder.exists():
        folder.mkdir(parents=True)
        for old in folder.parent.iterdir():
            if old.suffix == ".sqlite3":  # from before the cache was keyed
                old.unlink(missing_ok=True)
            elif old != folder and old.is_dir() and old.name not in ("data", "private"):
                shutil.rmtree(old, ignore_errors=True)
    return folder


def __getattr__(name):
    # `common.CACHE`, computed on first use rather than at import (importing has no effects).
    if name == "CACHE":
        return cache_dir()
    raise AttributeError(name)


def django_setup(db: Path) -> None:
    """Configure Django on the bench database (test settings: no debug query log, eager Celery)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "lms.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ["DJANGO_DATA_DIR"] = str(CACHE_ROOT / "data")
    os.environ.setdefault("DJANGO_PRIVATE_ROOT", str(CACHE_ROOT / "private"))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def django_setup_database(db: str) -> None:
    """`django_setup` on a SQLite file, or the test settings on a database URL (a seeded
    PostgreSQL)."""
    if "://" not in db:
        django_setup(Path(db))
        return
    os.environ["DATABASE_URL"] = db
    os.environ["DJANGO_SETTINGS_MODULE"] = "lms.settings.test"
    os.environ["DJANGO_DATA_DIR"] = str(cache_dir() / "data")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _python(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, check=True, capture_output=True,
                          text=True, env={**os.environ, **(env or {})})


def base_db() -> Path:
    """A migrated database with the demo city's organisations and accounts (built once, cached)."""
    cache = cache_dir()
    path = cache / "base.sqlite3"
    if not path.exists():
        temp = cache / "base.building.sqlite3"
        temp.unlink(missing_ok=True)
        _python(str(BENCH / "common.py"), "build-base", str(temp))
        temp.rename(path)
    return path


def teachers_db(rows: int) -> Path:
    """The base database plus `seed_demo --teachers rows` (built once, cached)."""
    path = cache_dir() / f"teachers-{rows}.sqlite3"
    if not path.exists():
        temp = path.with_name(f"teachers-{rows}.building.sqlite3")
        shutil.copy(base_db(), temp)
        _python(str(BENCH / "common.py"), "add-teachers", str(temp), str(rows))
        temp.rename(path)
    return path


def certificates_db(rows: int) -> Path:
    """`teachers_db(rows)` plus one certificate and one training entry per teacher (cached), so
    the certificate roster has as many rows as the city has teachers."""
    path = cache_dir() / f"certificates-{rows}.sqlite3"
    if not path.exists():
        temp = path.with_name(f"certificates-{rows}.building.sqlite3")
        shutil.copy(teachers_db(rows), temp)
        _python(str(BENCH / "common.py"), "add-certificates", str(temp))
        temp.rename(path)
    return path


CITY_CODE = "SF"  # the demo city's code (people.demo)


def _build_base(db: Path) -> None:
    django_setup(db)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", teachers=0, people_only=True, stdout=quiet)
    get_user_model().objects.create_superuser("bench", "bench@example.test", "bench-pass")


def _add_teachers(db: Path, rows: int) -> None:
    django_setup(db)
    from django.core.management import call_command

    with open(os.devnull, "w") as quiet:
        call_command("seed_demo", teachers=rows, people_only=True, stdout=quiet)


def _add_certificates(db: Path) -> None:
    django_setup(db)
    from datetime import date, timedelta
    from decimal import Decimal

    from django.db import transaction

    from certification.models import Certificate, CertificateLevel, TrainingEntry
    from certification.selectors import expiry_date_for
    from people.models import Teacher

    levels = {lv.code: lv for lv in CertificateLevel.objects.all()}
    by_role = {"full_time_counsellor": "A", "part_time_counsellor": "B", "school_leader": "B"}
    today = date.today()
    certs, entries = [], []
    for pk, number, role in Teacher.objects.values_list("pk", "employee_no", "role").iterator(chunk_size=5000):
        level = levels[by_role.get(role, "C")]
        issued = today - timedelta(days=30 + pk % 1700)
        certs.append(Certificate(number=f"B-{number}", level=level, teacher_id=pk, issued_on=issued,
                                 expires_on=expiry_date_for(level, issued),
                                 status=Certificate.Status.ACTIVE, authority="示范市教育局"))
        entries.append(TrainingEntry(teacher_id=pk, source=TrainingEntry.Source.OFFLINE,
                                     hours=Decimal(6), date=today - timedelta(days=pk % 300),
                                     title="心理危机识别与干预", reference=f"bench:{number}"))
    with transaction.atomic():
        Certificate.objects.bulk_create(certs, batch_size=2000)
        TrainingEntry.objects.bulk_create(entries, batch_size=2000)


def lxml_installed() -> bool:
    """Whether lxml is importable: openpyxl then serialises XML with it instead of the stdlib."""
    try:
        import lxml  # noqa: F401
    except ImportError:
        return False
    return True


REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))


def measured(script: Path, *args: str, lxml: bool = False, repeat: int = REPEAT) -> dict:
    """Run `script --run ...` in fresh processes; the fastest of `repeat` runs is kept.

    The machine is shared, so the best run is the least disturbed one; peak memory is the
    largest seen. openpyxl picks its XML writer at import from OPENPYXL_LXML, so each writer
    gets its own process.
    """
    runs = []
    for _ in range(repeat):
        result = _python(str(script), "--run", *args, env={"OPENPYXL_LXML": str(lxml)})
        runs.append(json.loads(result.stdout.strip().splitlines()[-1]))
    best = min(runs, key=lambda r: r["seconds"])
    return {**best, "peak_mb": max(r["peak_mb"] for r in runs), "runs": len(runs)}


class Meter:
    """Wall time and the peak resident memory a run adds above the process after Django setup."""

    def __enter__(self):
        self.rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started
        self.rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return False

    def result(self, **extra) -> dict:
        # ru_maxrss is in KiB on Linux.
        return {"seconds": round(self.seconds, 2),
                "peak_mb": round((self.rss_after - self.rss_before) / 1024, 1),
                "process_peak_mb": round(self.rss_after / 1024, 1), **extra}


def save(entries: list[dict]) -> None:
    """Merge measurements into bench/results/latest.json (one object per name and row count)."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    old = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    keys = {(e["name"], e["rows"]) for e in entries}
    merged = [e for e in old if (e["name"], e["rows"]) not in keys] + entries
    RESULTS.write_text(json.dumps(merged, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "build-base":
        _build_base(Path(sys.argv[2]))
    elif sys.argv[1] == "add-teachers":
        _add_teachers(Path(sys.argv[2]), int(sys.argv[3]))
    elif sys.argv[1] == "add-certificates":
        _add_certificates(Path(sys.argv[2]))
