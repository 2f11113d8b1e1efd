"""Each role in turn, in headless Chromium and in headless Firefox, signs in to the console, sees
the regions it may see, opens a region whose charts show the API's numbers, works the initiatives
board (or sees it read-only), watches the journal pick up an event published meanwhile, and signs
out. No request leaves 127.0.0.1, and a screenshot of every page is kept under
var/console-screenshots/<browser>/."""
import uuid

import pytest

from tests.e2e.console import expected
from tests.e2e.console.expected import text
from tests.support import wait_until

# the first test also waits for the seeded platform (`regionctl seed` takes minutes on a loaded machine)
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1800)]

REGION = "KZ-55"  # the regional officer's and HR officer's region; the region every role opens
ROLES = {
    # role: (token region, sees scorecards, sees budgets, sees personnel, may write initiatives)
    "admin": (None, True, True, True, True),
    "office_coordinator": (None, True, True, False, True),
    "ministry_analyst": (None, True, True, True, False),
    "regional_officer": (REGION, True, True, False, False),
    "hr_officer": (REGION, False, False, True, False),
}


def ok(answer, status=200):
    assert answer.status_code == status, answer.text
    return answer.json()


@pytest.mark.parametrize("role", list(ROLES))
def test_a_role_signs_in_sees_its_regions_and_charts_works_and_signs_out(console_factory, role):
    region, hub, budgets, personnel, writes = ROLES[role]
    console = console_factory(role)
    http = console.platform.api(role, region, subject=f"console-{role}")
    console.sign_in(console.platform.token(role, region, subject=f"console-{role}"))

    _identity(console, role, region)
    _country(console, http, role, hub)
    _region(console, http, hub, budgets, personnel)
    _initiatives(console, http, role, hub, writes)
    _journal(console, role, hub)
    _sign_out(console)
    seen = console.page.seen()["requests"]
    assert any(url.endswith("/api/v1/whoami") for url in seen)  # the recording works
    assert console.off_machine_requests() == []
    assert console.page_errors == []


def _identity(console, role, region):
    page = console.page
    page.wait_for_selector("#identity")
    assert page.get_attribute("#identity-role", "data-role") == role
    assert text(f"role.{role}") in page.inner_text("#identity-role")
    shown = page.inner_text("#identity-region")
    assert (region in shown) if region else (text("identity.all_regions") in shown)
    # the credential lives in this tab's sessionStorage, never in a cookie
    assert page.evaluate("sessionStorage.getItem('console.credential')")
    assert console.context.cookies() == []


def _country(console, http, role, hub):
    page = console.page
    page.wait_for_selector("#country-table tbody tr")
    rows = page.eval_on_selector_all("#country-table tbody tr", """(rows) => rows.map((r) => ({
        region: r.dataset.region, head: r.querySelector('th').innerText,
        cells: Object.fromEntries([...r.querySelectorAll('td[data-measure]')].map(
            (td) => [td.dataset.measure, { text: td.textContent, cls: td.className }])) }))""")
    for row in rows:  # Russian and Kazakh names beside the English one
        names = expected.LOCAL_NAMES[row["region"]]
        assert names["ru"] in row["head"] and names["kk"] in row["head"], row
    if not hub:
        assert len(rows) == 20
        assert text("error.not_permitted", message="")[:20] in page.inner_text("#country-not-permitted")
        console.screenshot("country")
        return
    cards = {c["region_code"]: c for c in ok(http.get("/api/v1/hub/scorecards"))["items"]}
    assert len(rows) == (1 if role == "regional_officer" else 20) == len(cards)
    for row in rows:
        card = cards[row["region"]]
        assert row["cells"]["committed"]["text"] == expected.bn(card["projects"]["investment_committed_kzt"])
        assert row["cells"]["jobs"]["text"] == expected.jobs(card["projects"])
        assert row["cells"]["rotations_out"]["text"] == expected.integer(card["mobility"]["rotations_out"])
        for measure, indicator in (("srs_cities", "cities_pct"), ("srs_rural", "rural_pct")):
            gap = expected.srs_gap(card, indicator)
            assert expected.gap_class(gap) in row["cells"][measure]["cls"].split(), (row, gap)
    srs_map = {d["name"]: d.get("value") for d in console.chart_option("#country-map")["series"][0]["data"]}
    assert cards.keys() <= srs_map.keys()
    page.select_option("#map-measure", "committed")
    page.wait_for_selector("#country-map[data-measure=committed]")
    drawn = console.chart_option("#country-map")["series"][0]["data"]
    committed_map = {d["name"]: d.get("value") for d in drawn}
    # ECharts lists every shape of the map; the regions the role may not see have no value
    assert {code: committed_map[code] for code in cards} == {
        code: expected.billions(c["projects"]["investment_committed_kzt"]) for code, c in cards.items()}
    assert all(value is None for code, value in committed_map.items() if code not in cards)
    agglomerations = console.chart_option("#country-map")["series"][1]["data"]
    assert len(agglomerations) == 5
    if role == "admin":  # sortable: committed, largest first
        page.click("button[data-sort=committed]")
        page.wait_for_selector("th[aria-sort=descending] button[data-sort=committed]")
        order = console.data("#country-table tbody tr", "region")
        values = [expected.billions(cards[code]["projects"]["investment_committed_kzt"]) for code in order]
        assert values == sorted(values, reverse=True)
        page.emulate_media(media="print")  # readable in print: the table without the controls
        assert not page.is_visible(".main-nav") and not page.is_visible("#signout")
        assert page.is_visible("#country-table")
        console.screenshot("country-print")
        page.emulate_media(media="screen")
    console.screenshot("country")


def _region(console, http, hub, budgets, personnel):
    page = console.page
    console.go(f"#/region/{REGION}")
    page.wait_for_selector(f"#region-title[data-region='{REGION}']")
    # every panel ends with a chart, a table or a message: none stays "Loading…"
    page.wait_for_function("() => !document.querySelector('#view .panel-body .loading')")
    if hub:
        card = ok(http.get(f"/api/v1/hub/scorecards/{REGION}"))
        funnel = console.chart_option("#chart-pipeline")["series"][0]["data"]
        assert [(d["stage"], d["value"]) for d in funnel] == [
            (s, card["projects"]["by_stage"].get(s, 0)) for s in expected.STAGES]
        drawn = console.svg_text("#chart-pipeline")
        for stage in expected.STAGES:
            assert f"{text(f'stage.{stage}')}: {card['projects']['by_stage'].get(stage, 0)}" in drawn
        calendar = ok(http.get("/api/v1/hub/reporting-calendar",
                               params={"year": _this_year(page) - 1}))["items"]
        status = next(i["status"] for i in calendar if i["region_code"] == REGION)
        assert page.get_attribute("#report-status", "data-status") == status
    else:
        assert page.get_attribute("#panel-pipeline .message", "data-error") == "forbidden"
    if budgets:
        year = int(page.input_value("#revenue-year"))
        months = ok(http.get(f"/api/v1/budgets/regions/{REGION}/indicators/{year}/months"))["months"]
        series = {s["id"]: s["data"] for s in console.chart_option("#chart-revenue")["series"]}
        parts = expected.monthly_parts(months)
        assert series["own"] == parts["own"] and series["transfers"] == parts["transfers"]
        assert any(v for v in parts["own"]), "the demo data has own revenue this year"
        blocks = ok(http.get(f"/api/v1/budgets/regions/{REGION}/blocks",
                             params={"fiscal_year": year}))["items"]
        if blocks:
            drawn = {s["id"]: s["data"] for s in console.chart_option("#chart-blocks")["series"]}
            assert drawn["limit"] == [expected.billions(b["limit_kzt"]) for b in blocks]
            assert drawn["executed"] == [expected.billions(b["executed_kzt"]) for b in blocks]
    else:
        assert page.get_attribute("#panel-revenue .message", "data-error") == "forbidden"
    if personnel:
        due = ok(http.get("/api/v1/personnel/due-rotations", params={"region": REGION}))["items"]
        assert page.locator("#rotations-due tbody tr[data-servant]").count() == min(10, len(due))
        listed = ok(http.get("/api/v1/personnel/rotations",
                             params={"region": REGION, "page_size": 200}))["items"]
        outgoing = [r for r in listed if r["from_region"] == REGION]
        assert page.locator("#rotations-out tbody tr[data-rotation]").count() == min(15, len(outgoing))
    else:
        assert page.get_attribute("#panel-rotations .message", "data-error") == "forbidden"
    console.screenshot("region")


def _this_year(page) -> int:
    return page.evaluate("new Date().getUTCFullYear()")


def _initiatives(console, http, role, hub, writes):
    page = console.page
    console.go("#/initiatives")
    if not hub:
        assert text("error.not_permitted", message="")[:20] in console.message()
        console.screenshot("initiatives")
        return
    page.wait_for_selector("#initiatives-board .column")
    if not writes:
        page.wait_for_selector("#read-only")
        assert page.locator("form.move").count() == 0 and page.locator("#new-initiative").count() == 0
        if role == "regional_officer":
            assert set(console.data("article.initiative", "region")) <= {REGION}
        else:  # the board narrowed to one region shows that region's initiatives, as the API lists them
            page.select_option("#board-region", REGION)
            page.wait_for_function("(r) => [...document.querySelectorAll('article.initiative')]"
                                   ".every((c) => c.dataset.region === r)", arg=REGION)
            listed = sum(len(ok(http.get("/api/v1/hub/initiatives", params={
                "region": REGION, "status": s, "limit": 100}))["items"])
                for s in ("open", "in_progress", "resolved", "dismissed"))
            assert page.locator("article.initiative").count() == listed
        console.screenshot("initiatives")
        return
    card = page.locator("#column-open article.initiative:has(form.move)").first
    initiative_id = card.get_attribute("data-id")
    comment = f"console test {uuid.uuid4().hex[:6]}"
    card.locator("select.move-to").select_option("in_progress")
    card.locator("input.comment").fill(comment)
    card.locator("button[type=submit]").click()
    page.wait_for_selector(f"#column-in_progress article[data-id='{initiative_id}']")
    moved = ok(http.get(f"/api/v1/hub/initiatives/{initiative_id}"))
    assert moved["status"] == "in_progress" and moved["history"][-1]["comment"] == comment
    if role == "office_coordinator":  # and a manual one
        title = f"Manual initiative {uuid.uuid4().hex[:6]}"
        page.click("details.new-initiative summary")
        page.select_option("#new-region", REGION)
        page.fill("#new-title", title)
        page.fill("#new-body", "Akimat of Pavlodar region")
        page.fill("#new-due", "2027-03-31")
        page.click("#new-initiative button[type=submit]")
        page.wait_for_selector(f"article.initiative:has-text('{title}')")
        found = ok(http.get("/api/v1/hub/initiatives",
                            params={"region": REGION, "kind": "manual", "limit": 200}))
        assert title in [i["title"] for i in found["items"]]
    console.screenshot("initiatives")


def _journal(console, role, hub):
    page = console.page
    console.go("#/journal")
    if not hub:
        assert text("error.not_permitted", message="")[:20] in console.message()
        console.screenshot("journal")
        return
    page.wait_for_selector("#journal-table")
    correlation = f"console-{role}-{uuid.uuid4().hex[:8]}"
    _retitle_a_project(console.platform.api("regional_officer", REGION), correlation)
    # the page polls: the event shows up without a reload, newest first
    row = page.locator(f"#journal-table tbody tr:has(button:text-is('{correlation}'))")
    row.wait_for()
    occurred = console.data("#journal-table tbody tr", "occurred")
    assert occurred == sorted(occurred, reverse=True)  # newest first
    row.locator("button").click()  # follow the correlation id
    page.wait_for_selector(f"#journal-following:has-text('{correlation}')")
    followed = ok(console.platform.api("admin").get("/api/v1/hub/journal",
                                                    params={"correlation_id": correlation}))
    wait_until(lambda: console.data("#journal-table tbody tr[data-event-id]", "correlation")
               == [correlation] * followed["total"], timeout=30,
               message="journal filtered to the correlation id")
    page.wait_for_timeout(4000)  # a poll later, it still shows only that request's events
    assert page.get_attribute("#journal-table", "data-total") == str(followed["total"])
    console.screenshot("journal")
    console.go("#/calendar")
    page.wait_for_selector("#calendar-table tbody tr")
    overdue = page.locator("#calendar-table tbody tr.overdue").count()
    assert overdue == page.locator("#calendar-table tbody tr[data-status=overdue]").count()
    console.screenshot("calendar")


def _retitle_a_project(officer, correlation):
    """An event published meanwhile that moves none of the numbers the other checks compare: the
    other browser's journey runs at the same time on the same platform, and a project registered
    here would change the scorecard it is comparing with its page (a 409 means the other journey
    retitled the same project first: read it again)."""
    project = ok(officer.get("/api/v1/projects", params={"region_code": REGION, "page_size": 1}))["items"][0]
    for _ in range(10):
        answer = officer.patch(f"/api/v1/projects/{project['id']}",
                               json={"title": f"Journal check {correlation}",
                                     "expected_version": project["version"]},
                               headers={"X-Correlation-Id": correlation})
        if answer.status_code != 409:
            ok(answer)
            return
        project = ok(officer.get(f"/api/v1/projects/{project['id']}"))
    pytest.fail("the project kept changing under the other journey")


def _sign_out(console):
    page = console.page
    page.click("#signout")
    page.wait_for_selector("#credential")
    assert console.message() == text("signin.signed_out")
    assert page.evaluate("sessionStorage.getItem('console.credential')") is None
