"""District and city HR record teachers' outside credentials in the admin: people/roles.py
grants it after every migrate."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0005_teacher_credential_issuer_evidence"),
        ("people", "0002_staff_groups"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = []
