"""The school calendar per organisation (HR edit their own subtree's), and room duty's start time."""

import django.db.models.deletion
from django.db import migrations, models


def grant(apps, schema_editor):
    """District and city HR keep the calendars of their subtree in the admin."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for name in ("District HR", "City HR"):
        group, _c = Group.objects.get_or_create(name=name)
        for model in ("calendarperiod",):
            ct, _c = ContentType.objects.get_or_create(app_label="certification", model=model)
            for action in ("add", "change", "delete", "view"):
                perm, _c = Permission.objects.get_or_create(
                    content_type=ct, codename=f"{action}_{model}",
                    defaults={"name": f"Can {action} {model}"})
                group.permissions.add(perm)


class Migration(migrations.Migration):

    dependencies = [
        ('certification', '0014_merge_figures_and_categories'),
        ('people', '0011_audit_actions_offline_and_records'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        migrations.AddField(
            model_name='workloadentry',
            name='start_time',
            field=models.TimeField(blank=True, null=True, verbose_name='start time'),
        ),
        migrations.CreateModel(
            name='CalendarPeriod',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('term', models.CharField(help_text="The term's name, e.g. 2024学年第一学期.", max_length=40, verbose_name='term')),
                ('kind', models.CharField(choices=[('term', 'Teaching days'), ('holiday', 'Holiday'), ('makeup', 'Make-up school day')], default='term', max_length=16, verbose_name='type')),
                ('start', models.DateField(verbose_name='start date')),
                ('end', models.DateField(verbose_name='end date')),
                ('organisation', models.ForeignKey(help_text='Its schools (and those below them) follow this calendar unless a nearer organisation has its own.', on_delete=django.db.models.deletion.CASCADE, related_name='calendar_periods', to='people.organisation', verbose_name='organisation')),
            ],
            options={
                'verbose_name': 'school calendar period',
                'verbose_name_plural': 'school calendar',
                'ordering': ['organisation__path', 'start', 'kind'],
                'indexes': [models.Index(fields=['organisation', 'kind', 'start'], name='certificati_organis_5676bc_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('end__gte', models.F('start'))), name='calendarperiod_ordered')],
            },
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
