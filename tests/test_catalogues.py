"""The apps' Chinese catalogues agree: Django merges them into one, the first app in
INSTALLED_APPS winning, so a msgid translated two ways shows one app's word on the other's
screens (a counsellor's activity "启用" read "在职"). A word with two meanings takes a context."""

from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.utils import translation

ROOT = Path(settings.BASE_DIR)


def _entries(path: Path) -> dict[tuple[str | None, str], str]:
    """(context, msgid) → msgstr of a .po file (singular forms; obsolete entries skipped)."""
    entries, part, fields = {}, None, {}

    def close():
        if fields.get("id"):
            entries[(fields.get("ctx"), fields["id"])] = fields.get("str", "")

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            close()
            fields, part = {}, None
        elif line.startswith("#"):
            continue
        elif line.startswith(("msgctxt ", "msgid ", "msgstr ", "msgstr[0] ")):
            name, _, value = line.partition(" ")
            part = {"msgctxt": "ctx", "msgid": "id", "msgstr": "str", "msgstr[0]": "str"}[name]
            fields[part] = value[1:-1].encode().decode("unicode_escape").encode("latin-1").decode()
        elif line.startswith('"') and part:
            fields[part] += line[1:-1].encode().decode("unicode_escape").encode("latin-1").decode()
        else:
            part = None
    close()
    return entries


def test_no_msgid_is_translated_two_ways_across_apps():
    seen = defaultdict(dict)
    for po in sorted(ROOT.glob("*/locale/zh_Hans/LC_MESSAGES/django.po")):
        for key, text in _entries(po).items():
            if text:
                seen[key][po.parts[len(ROOT.parts)]] = text
    clashes = {key: apps for key, apps in seen.items() if len(set(apps.values())) > 1}
    assert not clashes, "\n".join(f"{key}: {apps}" for key, apps in sorted(clashes.items(), key=str))


def test_each_meaning_reads_its_own_word():
    from certification.models import CertificateEvent, WorkloadActivityType
    from people.models import Teacher

    with translation.override("zh-hans"):
        assert str(Teacher._meta.get_field("is_active").verbose_name) == "在职"
        assert str(WorkloadActivityType._meta.get_field("active").verbose_name) == "启用"
        assert str(CertificateEvent._meta.get_field("kind").verbose_name) == "事件"
        assert translation.pgettext("teachers due", "Assigned") == "应完成"
        assert translation.gettext("Assigned") == "已指派"
