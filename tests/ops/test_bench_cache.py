"""The benchmarks' cached databases are keyed on the migrations: a stale one is never reused."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _common():
    spec = importlib.util.spec_from_file_location("bench_common", ROOT / "bench" / "common.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_changed_or_added_migration_gives_a_new_cache_folder_and_drops_the_old(tmp_path):
    common = _common()
    migrations = tmp_path / "people" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "0001_initial.py").write_text("operations = []\n")
    first = common.cache_dir(tmp_path)
    (first / "teachers-10000.sqlite3").write_text("built before")
    assert common.cache_dir(tmp_path) == first  # unchanged migrations: the same cache

    (migrations / "0001_initial.py").write_text("operations = ['changed']\n")
    changed = common.cache_dir(tmp_path)
    assert changed != first and not first.exists()
    assert not (changed / "teachers-10000.sqlite3").exists()

    (migrations / "0002_employment_periods.py").write_text("operations = []\n")
    added = common.cache_dir(tmp_path)
    assert added != changed and not changed.exists()


def test_the_key_covers_this_projects_migrations():
    common = _common()
    assert common.schema_key() == common.schema_key()
    assert any(ROOT.glob("people/migrations/0*.py"))
