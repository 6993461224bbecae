"""An audit action for confirming example policies; school types as data (the stages each is made of), and staffing rules that count full-time
counsellors only or full- or part-time ones."""

import people.models
from django.db import migrations, models


# Stage bits (people.models.Stage, in order): 小学 1, 初中 2, 高中 4, 中职 32, 特殊教育 64, 幼儿园 128.
# 九年一贯制 and 完全中学 keep the codes of the old stage bits (8, 16), so those bits open into
# their stages.
SCHOOL_TYPES = [
    ("primary", "小学", 1), ("junior", "初中", 2), ("senior", "高中", 4),
    ("nine_year", "九年一贯制", 1 | 2), ("complete", "完全中学", 2 | 4),
    ("twelve_year", "十二年一贯制", 1 | 2 | 4), ("vocational", "中职", 32),
    ("special", "特殊教育", 64), ("kindergarten", "幼儿园", 128),
]


def school_types(apps, schema_editor):
    SchoolType = apps.get_model("people", "SchoolType")
    for code, name, stages in SCHOOL_TYPES:
        SchoolType.objects.get_or_create(code=code, defaults={"name": name, "stages": stages})
    # City HR's permissions on school types: people/roles.py.


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('people', '0011_audit_actions_offline_and_records'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditentry',
            name='action',
            field=models.CharField(choices=[('teacher.change', 'Teacher record changed'), ('import', 'Sheet imported'), ('export', 'Sheet exported'), ('certificate.issue', 'Certificate issued'), ('certificate.revoke', 'Certificate revoked'), ('application.reject', 'Application rejected'), ('hours.correct', 'Hours corrected'), ('workload.approve', 'Workload approved'), ('workload.return', 'Workload returned'), ('personal_data.export', 'Personal data exported'), ('personal_data.erase', 'Personal data erased'), ('free_text.erase', 'Free text erased'), ('organisation.change', 'Organisation changed'), ('staff_role.grant', 'Staff role granted'), ('staff_role.revoke', 'Staff role revoked'), ('activation.issue', 'Activation codes issued'), ('activation.use', 'Account activated'), ('event.attendance', 'Event attendance marked'), ('event.close', 'Event closed'), ('declaration.check', 'Declared hours checked by the school'), ('declaration.approve', 'Declared hours approved'), ('declaration.return', 'Declared hours returned'), ('policy.confirm', 'Example policy confirmed')], max_length=32, verbose_name='action'),
        ),
        migrations.CreateModel(
            name='SchoolType',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=32, unique=True, verbose_name='code')),
                ('name', models.CharField(max_length=40, unique=True, verbose_name='name')),
                ('stages', people.models.FlagSetField(default=0, verbose_name='stages')),
            ],
            options={
                'verbose_name': 'school type',
                'verbose_name_plural': 'school types',
                'ordering': ['pk'],
            },
        ),
        migrations.AddField(
            model_name='staffingrule',
            name='counts',
            field=models.CharField(choices=[('full_time', 'Full-time counsellors only'), ('any', 'Full- or part-time counsellors')], default='full_time', max_length=16, verbose_name='counts'),
        ),
        migrations.AlterField(
            model_name='staffingrule',
            name='full_time_required',
            field=models.PositiveSmallIntegerField(default=1, verbose_name='counsellors required'),
        ),
        migrations.AlterField(
            model_name='staffingrule',
            name='stage',
            field=models.CharField(blank=True, choices=[('primary', 'Primary'), ('junior', 'Junior secondary'), ('senior', 'Senior secondary'), ('nine_year', 'Nine-year school'), ('complete', 'Complete secondary'), ('vocational', 'Vocational'), ('special', 'Special education'), ('kindergarten', 'Kindergarten')], help_text='Empty: schools of any stage but kindergarten (a rule for kindergartens names them).', max_length=16, verbose_name='stage'),
        ),
        migrations.RunPython(school_types, migrations.RunPython.noop),
    ]
