"""The Wagtail groups behind staff roles. They are made, with their permissions, by
people.roles.role_groups_sync after every migrate (people.apps): the registry is their one place."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]
    operations = []
