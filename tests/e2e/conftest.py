"""Journeys in a real browser: Debian's Chromium driven by Playwright against a live server.

Run with `make e2e`. Screenshots of each step go to docs/screenshots/ for the user guides.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.migrated import migrated_data_restore

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
    """What the data migrations wrote: an earlier browser test's flush may have taken it."""
    migrated_data_restore()
