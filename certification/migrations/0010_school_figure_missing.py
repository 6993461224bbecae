from django.db import migrations, models


def drop_figures(apps, schema_editor):
    # Rows stored before the compliance count have none: computed again when next read.
    apps.get_model("certification", "SchoolFigure").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("certification", "0009_merge_offline_and_school_figures"),
    ]

    operations = [
        migrations.AddField(
            model_name="schoolfigure",
            name="missing",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(drop_figures, migrations.RunPython.noop, elidable=True),
    ]
