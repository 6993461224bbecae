"""HR may add and change organisations and grant staff roles (each within their scope, which
the admin screens enforce); city HR edits staffing rules and student counts."""

from django.db import migrations

HR = ("District HR", "City HR")


def grant(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    ContentType = apps.get_model("contenttypes.ContentType")

    def perm(model, action):
        ct, _ = ContentType.objects.get_or_create(app_label="people", model=model)
        permission, _ = Permission.objects.get_or_create(
            content_type=ct, codename=f"{action}_{model}", defaults={"name": f"Can {action} {model}"})
        return permission

    for name in HR:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(perm("organisation", "add"), perm("organisation", "change"),
                              *(perm("staffrole", a) for a in ("view", "add", "delete")),
                              perm("studentcount", "view"), perm("staffingrule", "view"))
    city, _ = Group.objects.get_or_create(name="City HR")
    city.permissions.add(*(perm(model, a) for model in ("staffingrule", "studentcount")
                           for a in ("add", "change", "delete")))


class Migration(migrations.Migration):
    dependencies = [("people", "0004_posts_stages_student_counts_staffing")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
