"""Staff groups that follow training (school admins, HR) may view learning records in the admin:
people/roles.py grants it after every migrate."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0001_learning_pages_and_records"),
        ("people", "0002_staff_groups"),
    ]
    operations = []
