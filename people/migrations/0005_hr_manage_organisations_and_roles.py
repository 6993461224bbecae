"""HR may add and change organisations and grant staff roles (each within their scope, which
the admin screens enforce); city HR edits staffing rules and student counts. The permissions are
people/roles.py's, granted after every migrate."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("people", "0004_posts_stages_student_counts_staffing")]
    operations = []
