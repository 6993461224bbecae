"""The dashboard's 24-month trend: every sixth month is labelled (not only the last), and the
legend fits inside the picture."""

import re
from datetime import date

from django.urls import reverse

from tests.factories import TeacherFactory
from tests.hr.builders import city_hr


def test_the_trend_labels_every_sixth_month_and_shows_its_whole_legend(client, tree):
    TeacherFactory(school=tree["school_a"], hire_date=date(2015, 9, 1))
    client.force_login(city_hr(tree["city"]))
    page = client.get(reverse("certification:dashboard"), {"on": "2026-06-30"}).content.decode()
    svg = page.split('id="trend"')[1].split("</svg>")[0]
    months = re.findall(r'font-size="9" text-anchor="middle">(\d{4}-\d{2})<', svg)
    assert months == ["2024-12", "2025-06", "2025-12", "2026-06"]
    width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
    legends = re.findall(r'<text x="378" y="[\d.]+" font-size="10" fill="#\w+">([^<]+)</text>', svg)
    assert "C 证持证率" in legends or any("持证率" in label for label in legends)
    for label in legends:  # a CJK character is about 10 px wide at font-size 10
        assert 378 + sum(10 if ord(ch) > 0x2E7F else 6 for ch in label) <= width
