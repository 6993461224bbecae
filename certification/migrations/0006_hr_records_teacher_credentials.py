"""District and city HR record teachers' outside credentials in the admin."""

from django.db import migrations


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    ct, _c = ContentType.objects.get_or_create(app_label="certification", model="teachercredential")
    perms = [Permission.objects.get_or_create(
        content_type=ct, codename=f"{action}_teachercredential",
        defaults={"name": f"Can {action} teacher credential"})[0]
        for action in ("add", "change", "view")]
    for name in ("District HR", "City HR"):
        group, _c = Group.objects.get_or_create(name=name)
        group.permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0005_teacher_credential_issuer_evidence"),
        ("people", "0002_staff_groups"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
