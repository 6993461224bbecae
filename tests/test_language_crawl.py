"""One language per screen: every page a demo role reaches from its navigation (the site's menu
and the admin's sidebar, then the links on those pages) reads in Chinese only under zh-hans
and in English only under en, names and data aside.

The crawl follows links rather than listing pages, so pages added later are covered as soon
as a menu or a page links to them.
"""

from __future__ import annotations

import io
import re
from collections import deque
from html import unescape
from urllib.parse import urldefrag, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import models
from django.test.client import RedirectCycleError

from tests.html_text import visible_text

pytestmark = pytest.mark.django_db

ROLES = ["teacher", "counsellor", "school_admin", "trainer", "reviewer", "district_hr",
         "city_hr", "admin"]
MAX_PAGES_PER_ROLE = 45
# Wagtail's admin screens are read on a budget of their own, so the site's pages never crowd
# them out; the test checks that enough of them were read.
MAX_ADMIN_PAGES_PER_ROLE = 45
MIN_ADMIN_PAGES = 25
# Never followed: they act (log out, switch language), download files, or loop on queries.
SKIP = re.compile(
    r"^/(accounts/logout|i18n/|admin/logout|static/|media/|documents/)"
    r"|\.(pdf|xlsx|xls|csv|json|zip|mp4|png|jpg|svg)$"
    r"|[?&](export|download|page)=|/download/|/delete/|/unpublish/|/revisions/\d+/(revert|compare)"
    r"|/copy/|/move/|/lock/|/unlock/|/workflow/|/history/|/usage/|/preview")
LINK = re.compile(r'href="(/[^"]*)"')
SIDEBAR_URL = re.compile(r'"url":\s*"(/admin/[^"]*)"')
# Words that are not English prose on a Chinese page.
ALLOWED_WORDS = {"PDF", "Excel", "QR", "CSV", "XLSX", "xlsx", "TSV", "English", "ID", "Wagtail",
                 "ABCD-EFGH",  # the activation code's pattern, as printed on the slip
                 # file formats and sizes the upload forms name
                 "AVIF", "GIF", "JPEG", "JPG", "PNG", "WEBP", "SVG", "KB", "MB", "GB",
                 # the PDF readers a signature is checked in, and the fingerprint's hash
                 "Adobe", "Reader", "WPS", "SHA",
                 # the LTI standard and the platforms that launch our courses by it
                 "LTI", "Moodle", "Canvas",
                 # the courseware standards a lesson's package follows (courses/packages.py)
                 "SCORM", "H5P", "imsmanifest", "xml", "zip", "h5p"}
# A certificate's fingerprint (hex pairs) is data, not words.
FINGERPRINT = re.compile(r"(?:[0-9A-Fa-f]{2}\s*:\s*)+[0-9A-Fa-f]{2}|[0-9a-fA-F]{32,}")
# Wagtail's strings that its own catalogues leave out or leave half English are closed by the
# project's catalogue (lms/locale, first in LOCALE_PATHS) and a few admin templates
# (lms/templates/wagtailadmin). What is left cannot be translated from outside Wagtail:
# - under English, the group screens' collection permission labels ("添加", "修改", "选择",
#   "编辑所属的图片"): wagtail.images.forms and wagtail.admin.forms.collections build them with an
#   eager gettext when first imported, so they keep the language the process started in (the
#   site's default, Chinese). By page shape.
KNOWN_CHINESE_GAPS = {"/admin/groups/new/", "/admin/groups/edit/N/"}
# Addresses and parameters to copy into another system (`https://…/lti/login/`,
# `employee_no=$Person.sourcedId`) are machine text, not prose.
MACHINE = re.compile(r"\S*(?:://|[=$_])\S*")
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]+")


def _data_strings() -> list[str]:
    """Every short text stored in the database (names, titles, notes, codes, e-mails …):
    a page may show them in whichever language they were written."""
    found: set[str] = set()

    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from strings(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                yield from strings(item)

    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                for name in model._default_manager.values_list(field.name, flat=True)[:5000]:
                    if name:
                        base = name.rsplit("/", 1)[-1]
                        found.update({name, base, base.rsplit(".", 1)[0]})
            elif field.__class__.__name__ == "StreamField":
                for obj in model._default_manager.only(field.name)[:5000]:
                    for text in strings(field.get_prep_value(getattr(obj, field.name))):
                        text = visible_text(text) if "<" in text else text
                        found.update(line.strip() for line in text.splitlines() if line.strip())
        fields = [f.name for f in model._meta.concrete_fields
                  if isinstance(f, (models.CharField, models.TextField))
                  and not f.choices and f.name not in ("password", "content_type")]
        streams = [f.name for f in model._meta.concrete_fields
                   if f.__class__.__name__ == "RichTextField"]
        if not fields and not streams:
            continue
        for row in model._default_manager.values_list(*(fields + streams))[:5000]:
            for value in row:
                if isinstance(value, str) and value.strip():
                    text = visible_text(value) if "<" in value else value
                    found.update(line.strip() for line in text.splitlines() if line.strip())
                elif value is not None and not isinstance(value, str):
                    text = visible_text(unescape(str(value)))
                    found.update(line.strip() for line in text.splitlines() if line.strip())
    for value in _json_strings():
        found.add(value)
    return sorted(found, key=len, reverse=True)


def _json_strings():
    from certification.models import Application

    for snapshot in Application.objects.values_list("eligibility", flat=True):
        for req in (snapshot or {}).get("requirements", []):
            yield str(req.get("label", ""))


def _without_data(text: str, data: list[str]) -> str:
    for value in data:
        if len(value) >= 2 and value in text:
            text = text.replace(value, " ")
    return text


def _crawl(client, starts: list[str], shapes: set[str]) -> dict[str, str]:
    """Visible text of each HTML page reached from the starts (menus first), by path; a page
    shape another role already read in this language is not read again."""
    seen, pages = set(starts), {}
    queue = deque(starts)
    read = {True: 0, False: 0}  # admin page or not
    while queue:
        path = queue.popleft()
        admin = path.startswith("/admin/")
        if read[admin] >= (MAX_ADMIN_PAGES_PER_ROLE if admin else MAX_PAGES_PER_ROLE):
            continue
        read[admin] += 1
        try:
            response = client.get(path, follow=True)
        except RedirectCycleError:
            pages[path] = "REDIRECT LOOP"
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        pages[path] = visible_text(html)
        nav = html.split('class="site-nav"', 1)[1].split("</nav>", 1)[0] if 'class="site-nav"' in html else ""
        links = [unescape(u) for u in SIDEBAR_URL.findall(html.replace("\\/", "/"))]
        links += [unescape(u) for u in LINK.findall(nav)]
        links += [unescape(u) for u in LINK.findall(html.split("<main", 1)[-1])]
        for link in links:
            link = urldefrag(link)[0]
            if not link or link in seen or SKIP.search(link) or urlsplit(link).netloc:
                continue
            seen.add(link)
            # One page of each shape: /admin/pages/7/edit/ stands for every page's edit view,
            # and a listing's sort orders are the same words.
            shape = re.sub(r"\d+", "N", urlsplit(link).path)
            if shape in shapes or urlsplit(link).query:
                continue
            shapes.add(shape)
            queue.append(link)
    return pages


@pytest.fixture
def accounts(db):
    """The demo city of `make run` (small), and its accounts by role."""
    from people import demo

    call_command("seed_demo", "--teachers", "30", stdout=io.StringIO())
    # A second run finds what the first made (seed_demo is idempotent) and returns the accounts.
    return demo.seed(teachers=30, stdout=io.StringIO()).accounts


def test_each_role_reads_one_language_on_every_page_it_can_reach(client, accounts):
    data = _data_strings()
    data_words = {w for value in data for w in WORD.findall(value)}
    problems = []
    admin_read = {"zh-hans": set(), "en": set()}
    for language in ("zh-hans", "en"):
        shapes: set[str] = set()
        for role in [None, *ROLES]:
            client.logout()
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            if role is not None:
                user = accounts[role]
                client.force_login(user)
                profile = getattr(user, "wagtail_userprofile", None)
                if profile is not None:
                    profile.preferred_language = language
                    profile.save()
                else:
                    from wagtail.users.models import UserProfile

                    UserProfile.objects.update_or_create(
                        user=user, defaults={"preferred_language": language})
            # Teachers and counsellors have no admin in their menu: /admin/ sends them home with
            # the reason (read in this language too); staff start from both.
            staff = role not in (None, "teacher", "counsellor")
            starts = ["/", "/admin/"] if staff else ["/", "/accounts/login/", "/admin/"]
            for path, text in _crawl(client, starts, shapes).items():
                if path.startswith("/admin/") and text != "REDIRECT LOOP":
                    admin_read[language].add(path)
                rest = _without_data(FINGERPRINT.sub(" ", MACHINE.sub(" ", text)), data)
                if language == "zh-hans":
                    words = {w for w in WORD.findall(rest)
                             if w not in ALLOWED_WORDS and w not in data_words
                             and not re.search(r"\d", w)}
                    if words:
                        problems.append(f"{language} {role} {path}: {sorted(words)[:40]}")
                elif re.sub(r"\d+", "N", urlsplit(path).path) not in KNOWN_CHINESE_GAPS:
                    chinese = [c for c in CJK.findall(rest) if c not in ("简体中文",)
                               and not re.fullmatch(r"[\u3000-\u303f\uff01-\uff5e]+", c)]
                    if chinese:
                        problems.append(f"{language} {role} {path}: {chinese[:8]}")
    assert not problems, "\n".join(problems)
    # The admin was read too, not only the site: its listings, forms and editors.
    for language, paths in admin_read.items():
        assert len(paths) >= MIN_ADMIN_PAGES, (language, sorted(paths))


def _msgids(path) -> list[str]:
    """The msgids (singular) of a .po file."""
    from ast import literal_eval

    ids, current = [], None
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line.startswith("msgid "):
            current = [literal_eval(line[6:])]
        elif line.startswith('"') and current is not None:
            current.append(literal_eval(line))
        elif current is not None:
            ids.append("".join(current))
            current = None
    return [i for i in ids if i]


def test_the_admin_scripts_strings_all_read_in_chinese(client):
    """What Wagtail's admin scripts say (the autosave banner, the sidebar's "(New)", the block
    editor's prompts) comes from /admin/jsi18n/: under zh-hans every one of Wagtail's own
    strings has Chinese there, from Wagtail's catalogue or the project's (lms/locale)."""
    import json
    from pathlib import Path

    import wagtail

    from tests.factories import UserFactory

    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    script = client.get("/admin/jsi18n/").content.decode()
    catalogue = json.loads(re.search(r"const newcatalog = (\{.*?\});\n", script, re.S)[1])
    english = Path(wagtail.__file__).parent / "admin/locale/en/LC_MESSAGES/djangojs.po"
    ids = _msgids(english)
    assert len(ids) > 50
    missing = [i for i in ids if not catalogue.get(i)]
    assert not missing, missing
    assert catalogue["Changes have been autosaved."] == "修改已自动保存。"
