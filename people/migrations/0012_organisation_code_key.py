"""Organisation codes compared folded (width and case): a unique `code_key` beside `code`."""

import unicodedata

from django.db import migrations, models


def fill_code_keys(apps, schema_editor):
    """Fold every code (people.text.fold as of this migration). Codes that already collide
    keep the later one apart with its primary key, so the migration never fails; city HR
    then see it in the admin and can rename it."""
    Organisation = apps.get_model("people", "Organisation")
    seen = set()
    for org in Organisation.objects.order_by("pk").only("pk", "code"):
        key = unicodedata.normalize("NFKC", org.code or "").casefold().strip()
        if key in seen:
            key = f"{key}#{org.pk}"
        seen.add(key)
        Organisation.objects.filter(pk=org.pk).update(code_key=key)


class Migration(migrations.Migration):

    dependencies = [
        ("people", "0011_audit_actions_offline_and_records"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="code_key",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(fill_code_keys, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="organisation",
            name="code_key",
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
    ]
