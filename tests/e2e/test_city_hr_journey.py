"""City HR, on a phone and at a desk, all by clicking from the home page: the dashboard's
counsellor staffing per district (and one level down), the holding rates per district, and the
first-run checklist, where a shipped example becomes the city's rule and leaves the banner."""

import re

from certification import demo as certification_demo
from certification.models import PolicyConfirmation
from people import demo
from people.models import Organisation

from .conftest import log_in


def _cells(row) -> list[str]:
    return [" ".join(c.split()) for c in row.locator("td").all_inner_texts()]


def test_city_hr_reads_staffing_and_rates_and_confirms_a_policy(page, shot, migrated_data):
    city = demo.seed(teachers=60)
    certification_demo.seed(city=city)
    hr = city.accounts["city_hr"]
    districts = sorted(city.districts, key=lambda d: d.path)
    log_in(page, hr.username)

    # The dashboard: one staffing line per district, its schools counted by hand.
    page.get_by_role("link", name="数据看板").first.click()
    page.get_by_role("heading", name=f"数据看板 · {city.city.name}").wait_for()
    banner = page.locator("#policy-banner")
    assert "以下数据所依据的规则仍为示例，尚未确认" in banner.inner_text()
    assert "持证率目标" in banner.inner_text()
    totals = page.locator("#staffing-totals tbody tr")
    # A line per district and one for the whole city.
    assert totals.count() == len(districts) + 1
    for district in [*districts, city.city]:
        cells = _cells(totals.filter(has_text=district.name))
        schools = Organisation.objects.filter(path__startswith=district.path, kind=Organisation.Kind.SCHOOL).count()
        meeting, counted = re.match(r"(\d+)/(\d+)", cells[3]).groups()
        assert int(counted) == schools and int(meeting) <= schools, (district.name, cells)
        assert cells[4].endswith("%") or cells[4] == "–", cells
    shot("city-hr-dashboard")

    # One level down: the demo district's page, by its link.
    page.locator("#drill-down").get_by_role("link", name=city.demo_district.name).click()
    page.get_by_role("heading", name=f"数据看板 · {city.demo_district.name}").wait_for()
    townships = Organisation.objects.filter(path__startswith=city.demo_district.path,
                                            depth=city.demo_district.depth + 1)
    # The district's own line, and its townships one more level down.
    line = _cells(page.locator("#staffing-totals tbody tr").first)
    schools = Organisation.objects.filter(path__startswith=city.demo_district.path,
                                          kind=Organisation.Kind.SCHOOL).count()
    assert line[0] == city.demo_district.name and line[3].split()[0].endswith(f"/{schools}"), line
    assert sorted(page.locator("#drill-down a").all_inner_texts()) == sorted(t.name for t in townships)

    # The holding rates, from 我的证书: the city on top, then each district on one line.
    page.get_by_role("link", name="我的证书").first.click()
    page.get_by_role("link", name="持证率").click()
    page.get_by_role("heading", name=f"持证率 · {city.city.name}").wait_for()
    rows = page.locator("#rates-table tbody tr")
    assert rows.count() == 1 + len(districts)
    assert _cells(rows.first)[0] == city.city.name
    names = [_cells(rows.nth(i))[0] for i in range(1, rows.count())]
    assert sorted(names) == sorted(d.name for d in districts)
    # Each line reads a rate for every level, or a dash where nobody is counted.
    for i in range(rows.count()):
        cells = _cells(rows.nth(i))
        assert all(re.fullmatch(r"\d+(\.\d)?%|—", c) for c in cells[5::4]), cells
    shot("city-hr-rates")
    rows.filter(has_text=city.demo_district.name).get_by_role("link").click()
    page.get_by_role("heading", name=f"持证率 · {city.demo_district.name}").wait_for()

    # The first-run checklist: the holding targets confirmed as the city's own rule.
    page.get_by_role("link", name="首次使用清单").first.click()
    page.get_by_role("heading", name="首次使用清单").wait_for()
    checklist = page.locator("#policy-checklist tbody tr")
    from certification.policies import POLICIES

    assert checklist.count() == len(POLICIES) == 6
    assert page.get_by_text(f"还有 {len(POLICIES)} 项规则为示例，未确认。").is_visible()
    row = checklist.filter(has_text="持证率目标")
    assert "示例，未确认" in row.inner_text()
    shot("city-hr-checklist")
    row.get_by_role("button", name="确认为本市规则").click()
    page.get_by_role("status").wait_for()
    assert "持证率目标" in page.get_by_role("status").inner_text()
    assert page.get_by_text(f"还有 {len(POLICIES) - 1} 项规则为示例，未确认。").is_visible()
    row = page.locator("#policy-checklist tbody tr").filter(has_text="持证率目标")
    assert "已确认" in row.inner_text() and row.get_by_role("button").count() == 0
    assert PolicyConfirmation.objects.filter(policy="holding_targets", organisation=city.city,
                                             confirmed_by=hr).exists()
    # The dashboard's banner no longer names it.
    page.get_by_role("link", name="数据看板").first.click()
    assert "持证率目标" not in page.locator("#policy-banner").inner_text()
