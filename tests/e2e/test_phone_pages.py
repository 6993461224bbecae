"""On a phone (390 px wide), with the demo data of `make run`: every page each demo role reaches
from its home page is under 5,000 px tall, and the header takes two rows at most (the brand and
the languages, then the menu as one row that scrolls sideways).

Like the language crawl, the pages are found by following links (the menu first, then the
links in each page's main part), so a page added later is measured as soon as one links to it.
"""

from __future__ import annotations

import io
import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command

from people import demo

from .conftest import log_in, screenshot

MAX_HEIGHT = 5_000
ROLES = ["teacher", "counsellor", "school_admin", "trainer", "reviewer", "district_hr", "city_hr"]
MAX_PAGES_PER_ROLE = 40
# Never followed: they act, download, or are the admin (Wagtail's own screens).
SKIP = re.compile(
    r"^/(accounts/logout|i18n/|admin/|django-admin/|static/|media/|documents/)"
    r"|\.(pdf|xlsx|xls|csv|json|zip|mp4|png|jpg|svg)$"
    r"|[?&](export|download)=|/download/|/delete/|/scan/|/withdraw/")

HEADER_ROWS = """() => {
  const tops = new Set();
  for (const el of document.querySelectorAll('.site-header .brand, .site-header .lang-switch, .site-nav > *')) {
    const box = el.getBoundingClientRect();
    if (box.width && box.height) tops.add(Math.round((box.top + box.bottom) / 2 / 12));
  }
  return tops.size;
}"""
LINKS = """() => [...document.querySelectorAll('nav.site-nav a[href], main a[href]')]
  .map(a => a.getAttribute('href'))"""


def _crawl(page, shapes: set[str]) -> list[tuple[str, int, int]]:
    """(path, height, header rows) of each page reached from home; a page shape already
    measured (for this role or, outside the menu, for another) is not measured again."""
    measured, seen = [], {"/"}
    queue = deque(["/"])
    while queue and len(measured) < MAX_PAGES_PER_ROLE:
        path = queue.popleft()
        response = page.goto(path)
        if response is None or response.status != 200 \
                or "text/html" not in response.headers.get("content-type", ""):
            continue
        measured.append((path, page.evaluate("document.documentElement.scrollHeight"),
                         page.evaluate(HEADER_ROWS)))
        menu = set(page.locator("nav.site-nav a[href]").evaluate_all(
            "els => els.map(a => a.getAttribute('href'))"))
        for link in page.evaluate(LINKS):
            link = urldefrag(link)[0]
            if not link.startswith("/") or link in seen or SKIP.search(link):
                continue
            seen.add(link)
            parts = urlsplit(link)
            shape = re.sub(r"\d+", "N", parts.path) + ("?" + re.sub(r"=[^&]*", "", parts.query)
                                                        if parts.query else "")
            # The menu's pages differ by role (their scope); the rest are measured once.
            if link not in menu and shape in shapes:
                continue
            shapes.add(shape)
            queue.append(link)
    return measured


def test_every_page_a_role_reaches_fits_a_phone(page, migrated_data):
    if page.viewport_name != "phone":
        pytest.skip("the phone's measure")
    call_command("seed_demo", stdout=io.StringIO())
    accounts = demo.seed(stdout=io.StringIO()).accounts
    shapes: set[str] = set()
    tall, wrapped, count = [], [], 0
    for role in ROLES:
        page.context.clear_cookies()
        log_in(page, accounts[role].username)
        for path, height, rows in _crawl(page, shapes):
            count += 1
            if height > MAX_HEIGHT:
                tall.append(f"{role} {path}: {height} px")
                screenshot(page, f"too-tall-{role}", full_page=False)
            if rows > 2:
                wrapped.append(f"{role} {path}: header in {rows} rows")
    assert not tall, "\n".join(tall)
    assert not wrapped, "\n".join(wrapped)
    # Every role's menu pages and the pages they lead to (about a hundred with the demo data).
    assert count >= 80, count
