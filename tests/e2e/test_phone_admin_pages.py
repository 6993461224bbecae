"""On a phone (390 px wide), with the demo data of `make run`: every Wagtail admin screen each
staff role of the demo reaches from /admin/ is under 5,000 px tall, and none is wider than the
phone (a wide table scrolls inside its own box, never the page).

The screens are found as a user finds them: the sidebar's menu (its links, submenus included),
then from each listing its first object's edit or inspect screen and its add form, the page
explorer's sections, and one page editor of each page type the role may edit.
"""

from __future__ import annotations

import io
import json
import re
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command

from people import demo

from .conftest import log_in, screenshot

MAX_HEIGHT = 5_000
PHONE_WIDTH = 390
# A pixel or two of rounding in Wagtail's own layout is not a page that scrolls sideways.
WIDTH_SLACK = 4
ROLES = ["school_admin", "trainer", "reviewer", "district_hr", "city_hr", "admin"]
MAX_PAGES_PER_ROLE = 150
# Never followed: they act, download, or leave the admin (the site's pages have their own crawl).
SKIP = re.compile(
    r"/(logout|delete|unpublish|copy|move|revisions/\d+/revert|lock|unlock|convert_alias|"
    r"workflow/(cancel|action)|export|download|usage)/"
    r"|[?&](export|download)="
    r"|\.(pdf|xlsx|xls|csv|json|zip|mp4|png|jpg|svg)$")

# Panels Wagtail lays past the screen's edge on purpose, a handle showing: the editor's minimap.
OFF_CANVAS = ".w-minimap"
# Wagtail's admin scrolls its main part, not the document, and clips what is wider than it:
# the height is the main part's, and the width the right edge of anything shown there that
# no box of its own scrolls or clips (a closed side panel is hidden, not shown off-screen).
MEASURE = """(limit) => {
  const OFF_CANVAS = '""" + OFF_CANVAS + """';
  const root = document.documentElement, main = document.querySelector('main#main');
  let width = root.scrollWidth, widest = '';
  if (main) {
    for (const el of main.querySelectorAll('*')) {
      const box = el.getBoundingClientRect();
      if (box.right <= Math.max(width, limit) || !box.width || !box.height
          || getComputedStyle(el).visibility === 'hidden' || el.closest(OFF_CANVAS)) continue;
      let boxed = false;
      for (let up = el.parentElement; up && up !== main; up = up.parentElement) {
        if (getComputedStyle(up).overflowX !== 'visible') { boxed = true; break; }
      }
      if (!boxed) {
        width = Math.ceil(box.right);
        widest = el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined
                                             ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
      }
    }
  }
  const top = main ? main.getBoundingClientRect().top + root.scrollTop : 0;
  return {height: Math.max(root.scrollHeight, main ? top + main.scrollHeight : 0), width, widest};
}"""
SIDEBAR_URLS = """() => {
  const props = document.getElementById('wagtail-sidebar-props');
  return props ? props.textContent : '';
}"""
# The first object of a listing: its title links to its edit (or inspect) screen.
FIRST_OBJECT = """() => {
  const link = document.querySelector(
    'table.listing tbody tr a[href*="/edit/"], table.listing tbody tr a[href*="/inspect/"]');
  return link ? link.getAttribute('href') : null;
}"""
ADD_LINK = """() => {
  const link = document.querySelector('header a[href$="/add/"], .w-header a[href$="/add/"]');
  return link ? link.getAttribute('href') : null;
}"""


def _shape(path: str) -> str:
    parts = urlsplit(path)
    return re.sub(r"\d+", "N", parts.path) + ("?" + re.sub(r"=[^&]*", "", parts.query)
                                                if parts.query else "")


def _menu_links(page) -> list[str]:
    """The admin paths of the sidebar's menu (Wagtail renders it from a JSON description)."""
    text = page.evaluate(SIDEBAR_URLS)
    urls = re.findall(r'"url":\s*"(/admin/[^"]*)"', text)
    return list(dict.fromkeys(json.loads(f'"{u}"') for u in urls))


def _page_editors() -> list[str]:
    """The editor and the explorer of one page of each page type (the deepest pages first
    listed last): what a trainer or reviewer opens from the page explorer."""
    from wagtail.models import Page

    paths, types, parents = [], set(), set()
    for page_id, content_type, numchild in (Page.objects.filter(depth__gt=1)
                                            .order_by("path")
                                            .values_list("pk", "content_type", "numchild")):
        if content_type not in types:
            types.add(content_type)
            paths.append(f"/admin/pages/{page_id}/edit/")
            if numchild and content_type not in parents:
                parents.add(content_type)
                paths.append(f"/admin/pages/{page_id}/")
    return paths


def _crawl(page, editors: list[str]):
    """Yield (path, height, width, widest element) of each admin screen the signed-in user
    reaches from /admin/, while the browser shows it."""
    measured, seen = [], set()

    def visit(path: str) -> bool:
        path = urldefrag(path)[0]
        if path in seen or SKIP.search(path) or len(measured) >= MAX_PAGES_PER_ROLE:
            return False
        seen.add(path)
        response = page.goto(path)
        if response is None or response.status != 200 \
                or "text/html" not in response.headers.get("content-type", "") \
                or not urlsplit(page.url).path.startswith("/admin/") \
                or "/login/" in page.url:
            return False
        size = page.evaluate(MEASURE, PHONE_WIDTH + WIDTH_SLACK)
        measured.append((path, size["height"], size["width"], size["widest"]))
        return True

    if visit("/admin/"):
        yield measured[-1]
    for link in _menu_links(page):
        if not visit(link):
            continue
        yield measured[-1]
        first, add = page.evaluate(FIRST_OBJECT), page.evaluate(ADD_LINK)
        for follow in (first, add):
            if follow and visit(follow):
                yield measured[-1]
    for path in [*editors, "/admin/account/"]:
        if visit(path):
            yield measured[-1]


def test_every_admin_screen_a_role_reaches_fits_a_phone(page, migrated_data):
    if page.viewport_name != "phone":
        pytest.skip("the phone's measure")
    call_command("seed_demo", stdout=io.StringIO())
    accounts = demo.seed(stdout=io.StringIO()).accounts
    editors = _page_editors()
    tall, wide, count, tallest = [], [], 0, {}
    for role in ROLES:
        page.context.clear_cookies()
        log_in(page, accounts[role].username)
        for path, height, width, widest in _crawl(page, editors):
            count += 1
            tallest[role] = max(tallest.get(role, (0, "")), (height, path))
            if height > MAX_HEIGHT:
                tall.append(f"{role} {path}: {height} px")
                screenshot(page, f"too-tall-admin-{role}", full_page=False)
            if width > PHONE_WIDTH + WIDTH_SLACK:
                wide.append(f"{role} {path}: {width} px wide ({widest})")
    print("tallest admin screen per role:", tallest)
    assert not tall, "\n".join(tall)
    assert not wide, "\n".join(wide)
    # Each role's menu, its listings' first objects and forms, and the page editors.
    assert count >= 100, count
