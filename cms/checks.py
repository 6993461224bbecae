"""System checks of the site app."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.caches, deploy=True)
def page_cache_shared(app_configs, **kwargs):
    """The page cache's version must be seen by every web process, or an editor's change would
    reach only the process that saved it."""
    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        return [Warning(
            "The default cache is in-process memory; pages served through the page cache would "
            "stay old in every other web process after an editor's change.",
            hint="Set DJANGO_CACHE_URL to a cache all web processes share (Redis, or a file "
                 "cache on a single machine).",
            id="cms.W001",
        )]
    return []
