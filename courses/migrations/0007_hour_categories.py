"""Hour categories become data: today's five, under the codes pages, events and declarations
already store, so every existing row keeps its category; city HR may add and edit them."""

import courses.models.pages
import django.db.models.deletion
from django.db import migrations, models


CATEGORIES = [
    # code, Chinese name, English name
    ("crisis", "心理危机识别与干预", "Crisis recognition and intervention"),
    ("knowledge", "心理健康知识", "Mental-health knowledge"),
    ("counselling", "心理辅导技能", "Counselling skills"),
    ("family", "家庭教育", "Family education"),
    ("other", "其他", "Other"),
]


def seed(apps, schema_editor):
    HourCategory = apps.get_model("courses", "HourCategory")
    for order, (code, name, name_en) in enumerate(CATEGORIES, start=1):
        HourCategory.objects.get_or_create(code=code, defaults={
            "name": name, "name_en": name_en, "order": order * 10})
    # City HR edit them in the admin (deactivated rather than deleted: lines keep them).
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    ct, _c = ContentType.objects.get_or_create(app_label="courses", model="hourcategory")
    group, _c = Group.objects.get_or_create(name="City HR")
    for action in ("add", "change", "view"):
        perm, _c = Permission.objects.get_or_create(
            content_type=ct, codename=f"{action}_hourcategory",
            defaults={"name": f"Can {action} hour category"})
        group.permissions.add(perm)


class Migration(migrations.Migration):

    dependencies = [
        ('courses', '0006_parent_lesson_views_per_school'),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.CreateModel(
            name='HourCategory',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(help_text='Letters, digits and hyphens; fixed once saved.', max_length=32, unique=True, verbose_name='code')),
                ('name', models.CharField(max_length=100, verbose_name='name (Chinese)')),
                ('name_en', models.CharField(blank=True, max_length=100, verbose_name='name (English)')),
                ('order', models.PositiveSmallIntegerField(default=0, verbose_name='order')),
                ('active', models.BooleanField(default=True, help_text='Inactive categories are no longer offered; lines already filed under them keep them.', verbose_name='active')),
            ],
            options={
                'verbose_name': 'hour category',
                'verbose_name_plural': 'hour categories',
                'ordering': ['order', 'pk'],
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.AddField(
            model_name='livesessionpage',
            name='category',
            field=courses.models.pages.CategoryForeignKey(db_column='category', default='knowledge', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='courses.hourcategory', to_field='code', verbose_name='category'),
        ),
        migrations.AlterField(
            model_name='coursepage',
            name='category',
            field=courses.models.pages.CategoryForeignKey(db_column='category', default='knowledge', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='courses.hourcategory', to_field='code', verbose_name='category'),
        ),
        migrations.AlterField(
            model_name='eventpage',
            name='category',
            field=courses.models.pages.CategoryForeignKey(db_column='category', default='knowledge', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='courses.hourcategory', to_field='code', verbose_name='category'),
        ),
    ]
