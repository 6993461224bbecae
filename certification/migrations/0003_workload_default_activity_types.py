"""Default workload activity types; the data lives in certification/workload/defaults.py (who
may edit them: people/roles.py)."""

from django.db import migrations


def add_defaults(apps, schema_editor):
    from certification.workload.defaults import ensure_default_activity_types

    ensure_default_activity_types(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0002_seed_defaults"),
        ("people", "0002_staff_groups"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
