"""Replace Wagtail's welcome page with the site's home page and point the default site at it."""

from django.db import migrations


def create_homepage(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    HomePage = apps.get_model("cms.HomePage")
    Locale = apps.get_model("wagtailcore.Locale")

    Page.objects.filter(depth=2, content_type__model="page", content_type__app_label="wagtailcore").delete()
    if HomePage.objects.exists():
        return
    content_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="cms")
    locale = Locale.objects.first()
    root = Page.objects.get(depth=1)
    numchild = Page.objects.filter(depth=2).count()
    path = root.path + format(numchild + 1, "04d")  # treebeard's base-36 alphabet; first step is 0001
    home = HomePage.objects.create(
        title="心育研修",
        draft_title="心育研修",
        slug="home",
        content_type=content_type,
        path=path,
        depth=2,
        numchild=0,
        url_path="/home/",
        locale_id=locale.pk if locale else None,
        introduction="面向全体教师的心理危机识别与干预培训、心理健康教育教师证书管理平台。",
    )
    Page.objects.filter(pk=root.pk).update(numchild=numchild + 1)
    Site.objects.all().delete()
    Site.objects.create(hostname="localhost", root_page_id=home.pk, is_default_site=True,
                        site_name="心育研修")


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("wagtailcore", "0094_alter_page_locale"),
    ]
    operations = [migrations.RunPython(create_homepage, migrations.RunPython.noop)]
