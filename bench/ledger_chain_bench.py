"""Ledger writes per second with and without the hash chain, under concurrent writers, on
PostgreSQL (DATABASE_URL). Figures go to bench/results/ledger_chain.json and docs/security.md.

    DATABASE_URL=postgres://postgres@127.0.0.1:5443/lms_bench .venv/bin/python bench/ledger_chain_bench.py

Two shapes, each with and without the chain:
- spread: every writer credits its own teachers (a city's normal day: chains never meet);
- one teacher: every writer credits the same teacher (the worst case: one chain, one lock).
"""

import json
import os
import sys
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRITERS = int(os.environ.get("BENCH_WRITERS", "8"))
PER_WRITER = int(os.environ.get("BENCH_WRITES", "150"))


def setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is migrated and written to).")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def plain_record(*, teacher, n):
    """The ledger write as the service did it before the chain: the idempotency look-up, then
    one insert in its own transaction."""
    from django.db import transaction

    from certification.models import TrainingEntry

    reference = f"bench-plain:{teacher.pk}:{n}"
    if TrainingEntry.objects.filter(source=TrainingEntry.Source.OFFLINE,
                                    reference=reference).first():
        return
    with transaction.atomic():
        TrainingEntry(teacher=teacher, hours=Decimal("1.5"), date=date(2025, 3, 1),
                      title="bench", source=TrainingEntry.Source.OFFLINE,
                      reference=reference).save()


def chained_record(*, teacher, n):
    from certification.models import TrainingEntry
    from certification.services import training_entry_record

    training_entry_record(teacher=teacher, hours=Decimal("1.5"), date=date(2025, 3, 1),
                          title="bench", source=TrainingEntry.Source.OFFLINE,
                          reference=f"bench-chain:{teacher.pk}:{n}")


_runs = iter(range(1_000_000))


def run(write, teachers_of_writer) -> float:
    """Writes per second of WRITERS threads writing PER_WRITER entries each."""
    from django.db import connection

    tag = f"{time.time_ns()}-{next(_runs)}"

    barrier = threading.Barrier(WRITERS + 1)
    errors = []

    def worker(i):
        teachers = teachers_of_writer(i)
        try:
            barrier.wait()
            for n in range(PER_WRITER):
                write(teacher=teachers[n % len(teachers)], n=f"{tag}:{i}:{n}")
        except Exception as exc:  # noqa: BLE001 (the main thread reports every writer's failure)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return WRITERS * PER_WRITER / elapsed


def main():
    setup()
    from certification.records import records_verify
    from people.models import Organisation, Teacher
    from people.services import organisation_create, teacher_create

    stamp = str(int(time.time()))
    city = organisation_create(code=f"B{stamp}", name="bench city", kind=Organisation.Kind.CITY)
    school = organisation_create(code=f"BS{stamp}", name="bench school",
                                 kind=Organisation.Kind.SCHOOL, parent=city)
    teachers = [teacher_create(employee_no=f"B{stamp}{n:03d}", name=f"教师{n}", school=school,
                               role=Teacher.Role.SUBJECT_TEACHER) for n in range(WRITERS * 10)]
    def spread(i):
        return teachers[i * 10:(i + 1) * 10]

    def one(i):
        return teachers[:1]
    figures = {}
    for shape, teachers_of in (("spread", spread), ("one_teacher", one)):
        for name, write in (("without_chain", plain_record), ("with_chain", chained_record)):
            run(write, teachers_of)  # warm-up round (connections, plans, the heads' rows)
            figures[f"{shape}/{name}"] = round(run(write, teachers_of), 1)
            print(f"{shape:12} {name:14} {figures[f'{shape}/{name}']:8.1f} writes/s", flush=True)
    checked, findings = records_verify()
    # The plain rows carry no seal: verify names exactly those, and nothing else.
    unsealed = sum(1 for f in findings if f.problem == "inserted")
    result = {"writers": WRITERS, "writes_per_writer": PER_WRITER,
              "writes_per_second": figures, "rows_checked": checked,
              "unsealed_rows_found": unsealed, "other_findings": len(findings) - unsealed,
              "cpu_count": os.cpu_count()}
    out = ROOT / "bench" / "results" / "ledger_chain.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
