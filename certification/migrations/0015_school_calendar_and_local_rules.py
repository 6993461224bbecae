"""The school calendar per organisation, room duty's start time, workload credit rates and the
head-teacher norm per subtree (the setting's value becomes the default row), parent-school
sessions any school records (approved parent-session workload becomes one), and city HR's
confirmations of the shipped example policies."""

import django.core.validators
import django.db.models.deletion
import django.db.models.functions.comparison
import django.utils.timezone
from decimal import Decimal
from django.conf import settings
import certification.models.declarations
import certification.models.reach
from django.db import migrations, models


def default_norm(apps, schema_editor):
    """settings.WORKLOAD_HEAD_TEACHER_NORM_UNITS (120 unless a bureau set it) as the row for
    everywhere."""
    from decimal import Decimal

    from django.conf import settings

    WorkloadNorm = apps.get_model("certification", "WorkloadNorm")
    if not WorkloadNorm.objects.filter(organisation__isnull=True).exists():
        units = getattr(settings, "WORKLOAD_HEAD_TEACHER_NORM_UNITS", 120)
        WorkloadNorm.objects.create(organisation=None, units=Decimal(str(units)))


def sessions_from_workload(apps, schema_editor):
    """The parent sessions counsellors logged and had approved become the schools' records (as
    an approval does from now on), so the reach figures keep them."""
    WorkloadEntry = apps.get_model("certification", "WorkloadEntry")
    ParentSession = apps.get_model("certification", "ParentSession")
    rows = [ParentSession(school_id=e.teacher.school_id, date=e.date,
                          topic=(e.note or e.activity_type.name)[:120], form="lecture",
                          speaker=e.teacher.name[:60],
                          parents_reached=(e.group_size or 0) * int(e.quantity), workload_entry=e)
            for e in WorkloadEntry.objects.filter(status="approved",
                                                  activity_type__code="parent_session")
            .select_related("teacher", "activity_type").iterator()]
    ParentSession.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('certification', '0014_merge_figures_and_categories'),
        ('people', '0011_audit_actions_offline_and_records'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('auth', '0012_alter_user_first_name_max_length'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
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
                ('term', models.CharField(help_text="The term's name, e.g. the 2024 school year's first term.", max_length=40, verbose_name='term')),
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
        migrations.CreateModel(
            name='PolicyConfirmation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('policy', models.CharField(max_length=32, verbose_name='policy')),
                ('confirmed_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='confirmed at')),
                ('confirmed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='confirmed by')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='policy_confirmations', to='people.organisation', verbose_name='organisation')),
            ],
            options={
                'verbose_name': 'policy confirmation',
                'verbose_name_plural': 'policy confirmations',
                'constraints': [models.UniqueConstraint(fields=('policy', 'organisation'), name='policyconfirmation_once')],
            },
        ),
        migrations.CreateModel(
            name='WorkloadCreditRate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('credit_per_unit', models.DecimalField(decimal_places=2, max_digits=6, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='credit units per unit')),
                ('activity_type', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rates', to='certification.workloadactivitytype', verbose_name='activity type')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='workload_credit_rates', to='people.organisation', verbose_name='organisation')),
            ],
            options={
                'verbose_name': 'workload credit rate',
                'verbose_name_plural': 'workload credit rates',
                'ordering': ['organisation__path', 'activity_type__order'],
                'constraints': [models.UniqueConstraint(fields=('organisation', 'activity_type'), name='workloadcreditrate_once')],
            },
        ),
        migrations.CreateModel(
            name='WorkloadNorm',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('units', models.DecimalField(decimal_places=2, max_digits=6, validators=[django.core.validators.MinValueValidator(Decimal('1'))], verbose_name='credit units per term')),
                ('organisation', models.OneToOneField(blank=True, help_text='Leave empty for the norm that applies everywhere.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='workload_norm', to='people.organisation', verbose_name='organisation')),
            ],
            options={
                'verbose_name': 'head-teacher norm',
                'verbose_name_plural': 'head-teacher norms',
                'constraints': [models.UniqueConstraint(django.db.models.functions.comparison.Coalesce('organisation', models.Value(0)), name='workloadnorm_once')],
            },
        ),
        migrations.CreateModel(
            name='ParentSession',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('date', models.DateField(verbose_name='date')),
                ('topic', models.CharField(max_length=120, verbose_name='topic')),
                ('form', models.CharField(choices=[('meeting', "Parents' meeting"), ('lecture', 'Lecture'), ('online', 'Online'), ('other', 'Other')], default='meeting', max_length=16, verbose_name='form')),
                ('speaker', models.CharField(blank=True, max_length=60, verbose_name='speaker')),
                ('parents_reached', models.PositiveIntegerField(default=0, verbose_name='parents reached (person-times)')),
                ('households', models.PositiveIntegerField(blank=True, null=True, verbose_name='households')),
                ('evidence', models.FileField(blank=True, storage=certification.models.declarations.private_storage, upload_to=certification.models.reach.session_evidence_path, verbose_name='evidence')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='recorded at')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by')),
                ('school', models.ForeignKey(limit_choices_to={'kind': 'school'}, on_delete=django.db.models.deletion.PROTECT, related_name='parent_sessions', to='people.organisation', verbose_name='school')),
                ('workload_entry', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='parent_session', to='certification.workloadentry', verbose_name='workload entry')),
            ],
            options={
                'verbose_name': 'parent-school session',
                'verbose_name_plural': 'parent-school sessions',
                'ordering': ['-date', '-id'],
                'indexes': [models.Index(fields=['school', 'date'], name='certificati_school__641986_idx')],
            },
        ),
        migrations.CreateModel(
            name='ParentSessionRecorder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('school', models.ForeignKey(limit_choices_to={'kind': 'school'}, on_delete=django.db.models.deletion.CASCADE, related_name='parent_session_recorders', to='people.organisation', verbose_name='school')),
                ('teacher', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='people.teacher', verbose_name='teacher')),
            ],
            options={
                'verbose_name': 'parent-session recorder',
                'verbose_name_plural': 'parent-session recorders',
                'constraints': [models.UniqueConstraint(fields=('school', 'teacher'), name='parentsessionrecorder_once')],
            },
        ),
        migrations.RunPython(default_norm, migrations.RunPython.noop),
        migrations.RunPython(sessions_from_workload, migrations.RunPython.noop, elidable=True),
    ]
