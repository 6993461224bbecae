"""Hour categories become data: today's five, under the codes pages, events and declarations
already store, so every existing row keeps its category; city HR may add and edit them."""

import courses.models.pages
import django.db.models.deletion
from django.db import migrations, models


def seed(apps, schema_editor):
    from courses.defaults import seed_hour_categories

    seed_hour_categories(apps)


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
