"""Published pages served through the cache.

Serving a page runs Wagtail's routing before any of the page's own work: the Site for the
host, every page from the site root down to the requested one, then the view restrictions of
its ancestors — seven queries and about a third of a course page's time. The published tree changes only
when an editor saves, publishes, moves or deletes a page (or changes a site or a privacy
setting), so what routing finds is kept in the cache under a version of the tree that each such
change replaces: nothing is ever served from an older tree, and no entry needs deleting.

The version changes at once and again when the editor's transaction commits, so a request
that read the tree while the change was in flight cannot leave it cached under the new version.
Each request gets its own copy of the page (unpickled from the cache), which it may change
freely, as it would one fetched from the database.
"""

from __future__ import annotations

import hashlib
import uuid

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.http.request import split_domain_port
from django.utils import translation
from wagtail import views as wagtail_views
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import post_page_move

VERSION_KEY = "cms:pages-version"
# Entries of older versions are never read again; they leave the cache when it culls or when
# they expire.
TIMEOUT = 60 * 60


def pages_version() -> str:
    """The current version of the published page tree."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY)
    return version


def pages_changed() -> None:
    """Start a new version of the page tree: now, and again once the current transaction commits."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)
    transaction.on_commit(lambda: cache.set(VERSION_KEY, uuid.uuid4().hex, None))


def serve(request, path: str):
    """Wagtail's page view, with the route (site, page, view restrictions) taken from the cache.

    Only what Wagtail's routing computes is cached, and only for paths that lead to a page; the
    page's own serve (log-in checks, the user's progress, the template) runs on every request.
    """
    hostname, _port = split_domain_port(request._get_raw_host())
    where = f"{hostname}:{request.get_port()}:{translation.get_language()}:{path}"
    key = f"cms:{pages_version()}:route:{hashlib.md5(where.encode()).hexdigest()}"
    cached = cache.get(key)
    if cached is None:
        route = Page.route_for_request(request, path)  # Wagtail keeps it on the request
        if route is not None:
            cache.set(key, (Site.find_for_request(request), route,
                            list(route[0].get_view_restrictions())), TIMEOUT)
    else:
        site, route, restrictions = cached
        # Wagtail's view reads its routing back from these request attributes.
        request._wagtail_site = site
        request._wagtail_route_for_request = route
        # Wagtail's on_serve_page hook asks the page for its restrictions; this copy of the
        # page lives for this request only and answers from the cached list.
        route[0].get_view_restrictions = lambda: restrictions
    return wagtail_views.serve(request, path)


def _pages_changed_receiver(sender, **kwargs) -> None:
    pages_changed()


def _page_saved_or_deleted(sender, instance, **kwargs) -> None:
    if isinstance(instance, Page):
        pages_changed()


def connect_signals() -> None:
    """Every change that can alter what routing finds starts a new version of the tree."""
    post_save.connect(_page_saved_or_deleted, dispatch_uid="cms.page_cache.page_saved")
    post_delete.connect(_page_saved_or_deleted, dispatch_uid="cms.page_cache.page_deleted")
    post_page_move.connect(_pages_changed_receiver, dispatch_uid="cms.page_cache.page_moved")
    for model in (Site, PageViewRestriction):
        post_save.connect(_pages_changed_receiver, sender=model,
                          dispatch_uid=f"cms.page_cache.{model.__name__}.save")
        post_delete.connect(_pages_changed_receiver, sender=model,
                            dispatch_uid=f"cms.page_cache.{model.__name__}.delete")
    m2m_changed.connect(_pages_changed_receiver, sender=PageViewRestriction.groups.through,
                        dispatch_uid="cms.page_cache.restriction_groups")
    # Data migrations change pages through historical models, which are not Page subclasses.
    post_migrate.connect(_pages_changed_receiver, dispatch_uid="cms.page_cache.migrated")
