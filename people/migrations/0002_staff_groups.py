"""The Wagtail groups behind staff roles. Each can open the admin; apps add their own permissions."""

from django.db import migrations

GROUPS = ["Trainers", "Reviewers", "School admins", "District HR", "City HR"]
VIEW_PEOPLE = {"School admins", "District HR", "City HR"}
EDIT_PEOPLE = {"District HR", "City HR"}


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    ContentType = apps.get_model("contenttypes.ContentType")
    access_admin = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")

    def perm(model, action):
        ct, _ = ContentType.objects.get_or_create(app_label="people", model=model)
        permission, _ = Permission.objects.get_or_create(
            content_type=ct, codename=f"{action}_{model}",
            defaults={"name": f"Can {action} {model}"},
        )
        return permission

    for name in GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(access_admin)
        if name in VIEW_PEOPLE:
            group.permissions.add(perm("organisation", "view"), perm("teacher", "view"))
        if name in EDIT_PEOPLE:
            group.permissions.add(perm("teacher", "add"), perm("teacher", "change"))


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
