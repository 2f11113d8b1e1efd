"""A seeded platform and a headless Chromium for the console's browser tests.

The platform is the e2e suite's own (tests/e2e/conftest.py: vhost, database prefix, ports), loaded
with `regionctl seed` as a user would after `make up`, with smaller sizes so the run stays short.
The browser is Debian's chromium (deploy/local/browser.sh installs it) driven by Playwright's sync
API, which runs on its own greenlet and cooperates with the suite's eventlet.monkey_patch().
"""
import os
import subprocess
import time
from datetime import datetime, timezone
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT

CHROMIUM = os.environ.get("CONSOLE_BROWSER", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = os.path.join(ROOT, "var", "console-screenshots")
SEED_ARGS = ["--projects", "60", "--servants", "200", "--rotations", "60"]
UI_TIMEOUT_MS = 60_000  # a loaded 2-core machine renders a region's seven panels slowly


@pytest.fixture(scope="session")
def seeded_platform(platform):
    """The e2e platform with the demo data of `make seed` (every area, hub last)."""
    today = datetime.now(timezone.utc).date().isoformat()
    started = time.monotonic()
    seeded = subprocess.run([os.path.join(ROOT, ".venv", "bin", "regionctl"), "seed", *SEED_ARGS,
                             "--today", today], env=platform.env, cwd=ROOT, capture_output=True,
                            text=True, timeout=1200)
    if seeded.returncode != 0:
        pytest.fail(f"regionctl seed failed ({seeded.returncode}):\n{seeded.stdout}\n{seeded.stderr}")
    print(f"seeded in {time.monotonic() - started:.0f}s:\n{seeded.stdout}")
    return platform


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `bash deploy/local/browser.sh` (make test does)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Console:
    """One browser context (its own sessionStorage) on the console of one platform.

    Every request the page makes is recorded, so a test can assert that none left 127.0.0.1."""

    def __init__(self, browser, platform, name: str):
        self.platform = platform
        self.name = name
        self.context = browser.new_context(viewport={"width": 1440, "height": 900})
        self.context.set_default_timeout(UI_TIMEOUT_MS)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.page_errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def open(self, fragment: str = "") -> None:
        self.page.goto(f"{self.platform.base_url}/console{fragment}")

    def sign_in(self, secret: str) -> None:
        self.open()
        self.page.fill("#credential", secret)
        self.page.click("#signin-submit")

    def go(self, fragment: str) -> None:
        self.page.evaluate("(hash) => { window.location.hash = hash; }", fragment)

    def screenshot(self, page_name: str) -> str:
        os.makedirs(SCREENSHOTS, exist_ok=True)
        path = os.path.join(SCREENSHOTS, f"{self.name}-{page_name}.png")
        self.page.screenshot(path=path, full_page=True)
        return path

    def chart_option(self, selector: str) -> dict:
        """The option ECharts holds for the chart in ``selector`` (what it draws)."""
        self.page.wait_for_selector(f"{selector}[data-chart=ready]")
        return self.page.evaluate(
            """(sel) => { const o = window.echarts.getInstanceByDom(document.querySelector(sel)).getOption();
                          return { series: o.series.map((s) => ({ id: s.id, type: s.type, data: s.data })) }; }""",
            selector)

    def svg_text(self, selector: str) -> list[str]:
        """The text ECharts rendered into the chart's SVG (labels, axis values)."""
        return self.page.eval_on_selector_all(f"{selector} svg text", "(els) => els.map((e) => e.textContent)")

    def message(self) -> str:
        self.page.wait_for_selector("#message .message")
        return self.page.inner_text("#message .message")

    def off_machine_requests(self) -> list[str]:
        return [url for url in self.requests
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
