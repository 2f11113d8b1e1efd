"""A seeded platform and a headless Chromium for the console's browser tests.

The platform is started as the e2e suite starts its own (tests/e2e/conftest.py: vhost, database
prefix, ports), but is a second one: the demo data must not meet the other e2e tests' expectations,
nor theirs ours. It is loaded with `regionctl seed` as a user would after `make up`, with fewer
projects and staff so the run stays short.
Every test runs in two browsers, both installed by deploy/local/browser.sh: Debian's chromium
driven by Playwright, and Debian's firefox-esr driven over its native WebDriver BiDi by
firefox_pages.py, which offers the journey the same Playwright API. Each lives in a process of its
own (browser_driver.py): in the pytest process, under eventlet.monkey_patch(), Playwright's sync
API opens a browser but never returns from closing it.
"""
import os
import subprocess
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from urllib.parse import quote, urlsplit

import pytest
import requests

from tests.conftest import ROOT
from tests.e2e.conftest import running_platform
from tests.e2e.console.remote import RemoteBrowser
from tests.e2e.console.shared_platform import shared_seeded_platform

BROWSERS = {  # engine: (executable, arguments)
    "chromium": (os.environ.get("CONSOLE_BROWSER", "/usr/bin/chromium"),
                 ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]),
    "firefox": (os.environ.get("CONSOLE_FIREFOX", "/usr/bin/firefox-esr"), ["--headless"]),
}
SCREENSHOTS = os.path.join(ROOT, "var", "console-screenshots")
SEED_AREAS = ("investments", "personnel", "budgets", "hub")  # regionctl's order: hub last
SEED_ATTEMPTS = 3
SEED_ARGS = ["--projects", "40", "--servants", "200", "--rotations", "60"]
UI_TIMEOUT_MS = 60_000  # a loaded 2-core machine renders a region's seven panels slowly



@pytest.fixture(scope="session")
def seeded_platform():
    """A platform of its own with the demo data of `make seed` (every area, hub last); shared with
    the other browser's pytest process when CONSOLE_SHARED_PLATFORM names a folder for both
    (shared_platform.py)."""
    shared = os.environ.get("CONSOLE_SHARED_PLATFORM")
    if shared:
        with shared_seeded_platform(shared, _started_and_seeded) as platform:
            yield platform
    else:
        with _started_and_seeded() as platform:
            yield platform


@contextmanager
def _started_and_seeded():
    # The journeys compare pages with the API, not speed: beside four other suites on 2 cores a
    # read can wait on the store for more than the default 5 s RPC deadline (a 503 here).
    with running_platform(RPC_TIMEOUT_SECONDS="20") as platform:
        yield _seed(platform)


def _seed(platform):
    """`regionctl seed`, one area at a time; an area whose bulk RPC timed out on a loaded machine is
    run again (every area's seed is idempotent: a re-run finishes what the first one started)."""
    today = datetime.now(timezone.utc).date().isoformat()
    started = time.monotonic()
    for area in SEED_AREAS:
        for attempt in range(1, SEED_ATTEMPTS + 1):
            seeded = subprocess.run(
                [os.path.join(ROOT, ".venv", "bin", "regionctl"), "seed", "--only", area,
                 *SEED_ARGS, "--today", today],
                env=platform.env, cwd=ROOT, capture_output=True, text=True, timeout=1200)
            print(f"seed {area} (attempt {attempt}): {seeded.stdout.strip()[-300:]}")
            if seeded.returncode == 0:
                break
            if attempt == SEED_ATTEMPTS:
                pytest.fail(f"regionctl seed --only {area} failed ({seeded.returncode}):\n"
                            f"{seeded.stdout}\n{seeded.stderr}")
            time.sleep(10)  # the service keeps working on the call that timed out
    print(f"seeded in {time.monotonic() - started:.0f}s")
    _wait_until_settled(platform)
    print(f"seeded and settled in {time.monotonic() - started:.0f}s")
    return platform


def _wait_until_settled(platform, timeout=600, quiet_polls=3):
    """Until the hub has taken in what the seed published: the journeys compare the console's
    numbers with the API's, so neither may move between the two reads. Settled means the platform's
    queues empty (the hub's, retries and delays included) and the scorecards unchanged over
    ``quiet_polls`` polls a second apart (the services' outboxes relay within a sweep of 0.5 s)."""
    admin = platform.api("admin")
    vhost = quote(urlsplit(platform.env["AMQP_URI"]).path.lstrip("/"), safe="")
    api = os.environ.get("RABBIT_API_URI", "http://guest:guest@127.0.0.1:15672")
    deadline, last, quiet = time.monotonic() + timeout, None, 0
    while quiet < quiet_polls:
        if time.monotonic() > deadline:
            pytest.fail(f"the hub did not settle within {timeout}s of the seed")
        time.sleep(1)
        queues = requests.get(f"{api}/api/queues/{vhost}", params={"columns": "name,messages"},
                              timeout=10).json()
        waiting = sum(q.get("messages") or 0 for q in queues if not q["name"].startswith("rpc.reply"))
        cards = admin.get("/api/v1/hub/scorecards").json()
        quiet = quiet + 1 if (waiting == 0 and cards == last) else 0
        last = cards


@pytest.fixture(scope="session", params=list(BROWSERS))
def browser(request):
    executable, args = BROWSERS[request.param]
    if not os.access(executable, os.X_OK):
        pytest.fail(f"{executable} is missing: run `bash deploy/local/browser.sh` (make test does)")
    launched = RemoteBrowser(request.param, executable, args)
    try:
        yield launched
    finally:
        launched.close()


class Console:
    """One browser context (its own sessionStorage) on the console of one platform.

    Every request the page makes is recorded, so a test can assert that none left 127.0.0.1."""

    def __init__(self, browser: RemoteBrowser, platform, name: str):
        self.platform = platform
        self.name = name
        self.engine = browser.engine
        self.context = browser.root.new_context(viewport={"width": 1440, "height": 900})
        self.context.set_default_timeout(UI_TIMEOUT_MS)
        self.page = self.context.new_page()

    def open(self, fragment: str = "") -> None:
        self.page.goto(f"{self.platform.base_url}/console{fragment}")

    def sign_in(self, secret: str) -> None:
        self.open()
        self.page.fill("#credential", secret)
        self.page.click("#signin-submit")

    def go(self, fragment: str) -> None:
        self.page.evaluate("(hash) => { window.location.hash = hash; }", fragment)

    def screenshot(self, page_name: str) -> str:
        folder = os.path.join(SCREENSHOTS, self.engine)
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"{self.name}-{page_name}.png")
        self.page.screenshot(path=path, full_page=True)
        return path

    def chart_option(self, selector: str) -> dict:
        """The option ECharts holds for the chart in ``selector`` (what it draws)."""
        self.page.wait_for_selector(f"{selector}[data-chart=ready]")
        return self.page.evaluate(
            """(sel) => { const o = window.echarts.getInstanceByDom(document.querySelector(sel)).getOption();
                          return { series: o.series.map(
                            (s) => ({ id: s.id, type: s.type, data: s.data })) }; }""",
            selector)

    def svg_text(self, selector: str) -> list[str]:
        """The text ECharts rendered into the chart's SVG (labels, axis values)."""
        return self.page.eval_on_selector_all(f"{selector} svg text",
                                              "(els) => els.map((e) => e.textContent)")

    def data(self, selector: str, key: str) -> list[str]:
        """``data-<key>`` of every element ``selector`` finds, in page order."""
        return self.page.eval_on_selector_all(
            selector, "(els, key) => els.map((e) => e.dataset[key])", key)

    def message(self) -> str:
        self.page.wait_for_selector("#message .message")
        return self.page.inner_text("#message .message")

    @property
    def page_errors(self) -> list[str]:
        return self.page.seen()["errors"]

    def off_machine_requests(self) -> list[str]:
        return [url for url in self.page.seen()["requests"]
                if urlsplit(url).scheme not in ("data", "blob", "about")
                and urlsplit(url).hostname != "127.0.0.1"]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def console_factory(browser, seeded_platform):
    opened = []

    def make(name: str) -> Console:
        console = Console(browser, seeded_platform, name)
        opened.append(console)
        return console

    yield make
    for console in opened:
        console.close()
