"""Journeys in a real browser: Debian's Chromium driven by Playwright against a live server.

Run with `make e2e`. Screenshots of each step go to docs/screenshots/ for the user guides.
"""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop; Django's ORM calls from the test body are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session", autouse=True)
def _media_with_ranges():
    """The live server serves media as `make run` does (byte ranges), not Django's plain view."""
    import django.test.testcases

    from lms.media import serve_ranges

    plain, django.test.testcases.serve = django.test.testcases.serve, serve_ranges
    yield
    django.test.testcases.serve = plain
SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def _live_db(django_db_serialized_rollback, transactional_db):
    """A live server needs committed data; restore the migrations' pages and groups after each test."""


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make e2e` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-quic"],
        )
        yield browser
        browser.close()


@pytest.fixture(params=["phone", "desktop"])
def viewport(request):
    return request.param, PHONE if request.param == "phone" else DESKTOP


@pytest.fixture
def page(browser, viewport, live_server):
    name, size = viewport
    context = browser.new_context(viewport=size, locale="zh-CN", base_url=live_server.url,
                                  is_mobile=name == "phone", has_touch=name == "phone")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.viewport_name = name
    yield page
    context.close()


@pytest.fixture
def shot(page):
    """Save screenshots of this test's page for the guides."""
    return lambda name, *, full_page=True: screenshot(page, name, full_page=full_page)


def screenshot(page, name: str, *, full_page: bool = True) -> None:
    """Save <journey>-<step>-<phone|desktop>.png under docs/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{page.viewport_name}.png"), full_page=full_page)


def log_in(page, username: str, password: str | None = None) -> None:
    """Log in through the site's own form, in Chinese, as a user would."""
    from people import demo

    page.goto("/accounts/login/")
    page.get_by_label("工号或邮箱").fill(username)
    page.get_by_label("密码").fill(password or demo.DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/")


@pytest.fixture
def migrated_data():
    """What the data migrations wrote (levels, activity types, Wagtail's root page, site and
    collection): an earlier browser test's flush may have taken it, so put it back."""
    from certification.defaults import seed_defaults
    from certification.workload.defaults import ensure_default_activity_types

    seed_defaults()
    ensure_default_activity_types()
    _wagtail_tree()
    _staff_groups()


def _staff_groups() -> None:
    """The staff groups with their admin access, as people's migration made them."""
    from importlib import import_module

    from django.apps import apps
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    admin_type, _ = ContentType.objects.get_or_create(app_label="wagtailadmin", model="admin")
    Permission.objects.get_or_create(content_type=admin_type, codename="access_admin",
                                     defaults={"name": "Can access Wagtail admin"})
    import_module("people.migrations.0002_staff_groups").create_groups(apps, None)
    import_module("people.migrations.0005_hr_manage_organisations_and_roles").grant(apps, None)


def _wagtail_tree() -> None:
    """Wagtail's locale, root page and root collection, and the site's home page (as migrated)."""
    from importlib import import_module

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
