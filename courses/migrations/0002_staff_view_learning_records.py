"""Staff groups that follow training (school admins, HR) may view learning records in the admin."""

from django.db import migrations

VIEWERS = ["School admins", "District HR", "City HR"]
MODELS = ["enrolment", "coursecompletion"]


def grant(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    ContentType = apps.get_model("contenttypes.ContentType")
    permissions = []
    for model in MODELS:
        ct, _ = ContentType.objects.get_or_create(app_label="courses", model=model)
        permission, _ = Permission.objects.get_or_create(
            content_type=ct, codename=f"view_{model}", defaults={"name": f"Can view {model}"})
        permissions.append(permission)
    for name in VIEWERS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0001_learning_pages_and_records"),
        ("people", "0002_staff_groups"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
