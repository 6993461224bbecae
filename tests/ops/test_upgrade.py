"""An upgrade keeps the data: a database made by release 0.9.0's own code (its migrations and its
demo data) is migrated by the current code; its rows, chains and figures are as they were."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
PREVIOUS_RELEASE = "b403905"  # v0.9.0 (CHANGELOG.md)
ON = "2026-12-01"

# Run by `manage.py shell` under either release: the figures and row counts to compare.
SNAPSHOT = f"""
import json
from datetime import date
from django.db import connection
from certification.selectors import holding_rates
from people.models import Organisation
rows = {{}}
for top in Organisation.get_root_nodes():
    for r in holding_rates(top, on=date.fromisoformat({ON!r})):
        rows[r.organisation.code] = [r.teachers, r.new_teachers, r.holders]
counts = {{}}
with connection.cursor() as c:
    for t in ("people_teacher", "people_organisation", "certification_trainingentry",
              "certification_certificate", "certification_certificateevent",
              "people_auditentry", "courses_enrolment", "auth_user"):
        c.execute(f"SELECT COUNT(*) FROM {{t}}")
        counts[t] = c.fetchone()[0]
print("SNAPSHOT" + json.dumps({{"figures": rows, "counts": counts}}, sort_keys=True))
"""

pytestmark = pytest.mark.django_db(transaction=True)


def _run(cwd, env, *args) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{args}: {done.stderr[-3000:]}{done.stdout[-2000:]}"
    return done.stdout


def _snapshot(cwd, env) -> dict:
    out = _run(cwd, env, "shell", "-c", SNAPSHOT)
    return json.loads(out.split("SNAPSHOT", 1)[1])


def _database(tmp_path) -> tuple[dict, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update({"DJANGO_SETTINGS_MODULE": "lms.settings.test",
                "DJANGO_DATA_DIR": str(tmp_path / "data")})
    for folder in ("broker/queue", "broker/processed", "broker/control", "media", "private"):
        (tmp_path / "data" / folder).mkdir(parents=True, exist_ok=True)
    if connection.vendor == "sqlite":
        env.pop("DATABASE_URL", None)
        return env, lambda: None
    name = f"lms_upgrade_{os.getpid()}"
    params = connection.get_connection_params()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = (f"postgres://{params.get('user', '')}@{params.get('host', '')}:"
                           f"{params.get('port', 5432)}/{name}")

    def drop():
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
    return env, drop


def test_the_previous_release_upgrades_with_its_rows_chains_and_figures(tmp_path):
    found = subprocess.run(["git", "cat-file", "-e", f"{PREVIOUS_RELEASE}^{{commit}}"],
                           cwd=ROOT, capture_output=True)
    if found.returncode:
        pytest.skip("this clone lacks release 0.9.0's commit (a shallow clone): nothing to "
                    "upgrade from")
    old = tmp_path / "release-0.9.0"
    old.mkdir()
    archive = subprocess.run(["git", "archive", PREVIOUS_RELEASE], cwd=ROOT, capture_output=True,
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
    env, drop = _database(tmp_path)
    try:
        _run(old, env, "migrate", "--noinput", "-v0")
        _run(old, env, "seed_demo", "--teachers", "20")
        before = _snapshot(old, env)
        assert before["counts"]["people_teacher"] > 20
        assert before["counts"]["certification_trainingentry"] > 0

        migrated = _run(ROOT, env, "migrate", "--noinput")
        assert "Applying" in migrated or "No migrations to apply" in migrated
        after = _snapshot(ROOT, env)
        grown = ("people_auditentry", "certification_certificateevent")  # audited corrections
        assert {k: v for k, v in after["counts"].items() if k not in grown} == \
            {k: v for k, v in before["counts"].items() if k not in grown}
        assert all(after["counts"][k] >= before["counts"][k] for k in grown)
        assert after["figures"] == before["figures"]
        checked = _run(ROOT, env, "verify_records", "--no-alert")
        assert "All" in checked or "全部" in checked
    finally:
        drop()
