"""Wagtail's own default workflow ("Moderators approval", made by its migration 0048 for the
root's publishers) is data, not a translatable string: staff read it on "提交给…", so it is
named in the site's language, as the learning workflow is."""

from django.db import migrations

EARLIER = "Moderators approval"
WORKFLOW_NAME = "页面审核"
TASK_NAME = "版主审批"


def rename(apps, schema_editor):
    apps.get_model("wagtailcore", "Workflow").objects.filter(name=EARLIER).update(name=WORKFLOW_NAME)
    apps.get_model("wagtailcore", "Task").objects.filter(name=EARLIER).update(name=TASK_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0008_sealed_records_and_scan_device"),
        ("wagtailcore", "0048_add_default_workflows"),
    ]
    operations = [migrations.RunPython(rename, migrations.RunPython.noop)]
