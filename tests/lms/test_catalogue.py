"""The project catalogue (lms/locale, first in LOCALE_PATHS) fixes Wagtail's and allauth's
strings; it must never change what one of our apps says with the same msgid."""

import gettext
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from people.models import Stage

APPS = ("people", "courses", "certification", "hr", "cms")


def _catalogue(path: Path) -> dict:
    with path.open("rb") as handle:
        return gettext.GNUTranslations(handle)._catalog


def test_the_project_catalogue_agrees_with_every_app_catalogue():
    project = _catalogue(Path(settings.LMS_DIR) / "locale/zh_Hans/LC_MESSAGES/django.mo")
    clashes = []
    for app in APPS:
        ours = _catalogue(Path(settings.BASE_DIR) / app / "locale/zh_Hans/LC_MESSAGES/django.mo")
        clashes += [(app, msgid, ours[msgid], text) for msgid, text in project.items()
                    if msgid and msgid in ours and ours[msgid] != text]
    assert not clashes


@pytest.mark.parametrize(("language", "stage", "email"), [("zh-hans", "小学", "首选邮箱"),
                                                          ("en", "Primary", "Primary")])
def test_a_primary_school_and_a_primary_address_each_read_their_own_word(language, stage, email):
    from allauth.account.models import EmailAddress  # noqa: F401  (its catalogue is loaded)

    with translation.override(language):
        assert str(Stage.PRIMARY.label) == stage
        assert translation.gettext("Primary") == email
