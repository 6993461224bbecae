"""What the data migrations write (levels, hour categories, targets, activity types, staff
groups, Wagtail's root page, site and collection), put back after a transactional test's flush
has taken it: live servers and real concurrency need committed rows, and the next such test
starts from empty tables."""

from importlib import import_module


def migrated_data_restore() -> None:
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    # The flush recreated the content types under new ids: the cache still holds the old ones.
    ContentType.objects.clear_cache()

    from certification.defaults import seed_defaults, seed_holding_defaults
    from certification.workload.defaults import ensure_default_activity_types

    seed_defaults()
    seed_holding_defaults(apps)
    ensure_default_activity_types()
    import_module("certification.migrations.0015_school_calendar_and_local_rules").default_norm(apps, None)
    import_module("people.migrations.0012_school_types_and_staffing_counts").school_types(apps, None)
    _wagtail_tree()
    _staff_groups()


def _staff_groups() -> None:
    """The staff groups with their admin permissions, as every migrate leaves them."""
    from people.roles import role_groups_sync

    role_groups_sync()


def _wagtail_tree() -> None:
    """Wagtail's locale, root page and root collection, and the site's home page (as migrated)."""
    from django.apps import apps
    from django.conf import settings
    from wagtail.models import Collection, Locale, Page, Site

    from cms.models import HomePage

    Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    if not Collection.objects.filter(depth=1).exists():
        Collection.add_root(name="Root")
    if not Page.objects.filter(depth=1).exists():
        Page.add_root(title="Root", slug="root", locale=Locale.objects.first())
    import_module("cms.migrations.0002_create_homepage").create_homepage(apps, None)
    if not Site.objects.filter(is_default_site=True).exists():
        Site.objects.create(hostname="localhost", root_page=HomePage.objects.first(),
                            is_default_site=True, site_name="心育研修")
