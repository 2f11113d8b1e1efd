"""The slice of Playwright's sync API the console's journey calls, on firefox-esr over WebDriver BiDi.

The journey (test_console_roles.py, test_console_errors.py) is written once, against Playwright's
API; in Chromium Playwright runs it, in Firefox these classes do, with Playwright's rules where the
journey depends on them: an action waits until its element is visible, enabled and not covered,
then clicks or types as a user does (BiDi input actions, real events); a read waits until the
element exists; page-level calls take the first match and a locator must match one element.
A context is a BiDi user context (its own cookies and storage), as in Playwright.
"""
import base64
import json
import os
import re
import time

from tests.e2e.console.bidi import BidiError, FirefoxProcess

with open(os.path.join(os.path.dirname(__file__), "firefox_selectors.js"), encoding="utf-8") as f:
    HELPERS = f.read().rstrip().rstrip(";")
FUNCTION = re.compile(r"^\s*(async\s+)?(\(|function\b|[A-Za-z_$][\w$]*\s*=>)")
POLL_SECONDS = 0.1
# inputs a user fills through a picker, not by typing: Playwright sets their value too
SET_VALUE_TYPES = {"date", "time", "datetime-local", "month", "week", "color", "range"}


class DriverError(Exception):
    """What Playwright's Error is in Chromium: a timeout, a missing element, a script error."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Browser:
    def __init__(self, executable: str, args: list[str]):
        self.firefox = FirefoxProcess(executable, args)
        self.pages = {}  # browsing context id -> Page
        self.firefox.listeners.append(self._event)
        self.firefox.send("session.subscribe", {"events": ["network.beforeRequestSent", "log.entryAdded"]})

    def _event(self, method: str, params: dict) -> None:
        pages = [self.pages[params["context"]]] if params.get("context") in self.pages \
            else list(self.pages.values())  # a frame or worker of unknown owner: every page sees it
        for page in pages:
            if method == "network.beforeRequestSent":
                page.log["requests"].append(params["request"]["url"])
            elif method == "log.entryAdded" and params.get("type") == "javascript":
                page.log["errors"].append(params.get("text", ""))

    def new_context(self, viewport: dict | None = None) -> "Context":
        return Context(self, viewport or {"width": 1280, "height": 720})

    def close(self) -> None:
        self.firefox.close()


class Context:
    def __init__(self, browser: Browser, viewport: dict):
        self.browser = browser
        self.viewport = viewport
        self.timeout_ms = 30_000
        self.user_context = browser.firefox.send("browser.createUserContext", {})["userContext"]

    def set_default_timeout(self, timeout_ms: int) -> None:
        self.timeout_ms = timeout_ms

    def new_page(self) -> "Page":
        send = self.browser.firefox.send
        context = send("browsingContext.create", {"type": "tab", "userContext": self.user_context})["context"]
        send("browsingContext.setViewport", {"context": context, "viewport": self.viewport})
        page = self.browser.pages[context] = Page(self, context)
        return page

    def cookies(self) -> list[dict]:
        found = self.browser.firefox.send("storage.getCookies", {
            "partition": {"type": "storageKey", "userContext": self.user_context}})["cookies"]
        return [{"name": c["name"], "value": c["value"].get("value"), "domain": c["domain"]} for c in found]

    def close(self) -> None:
        for context, page in list(self.browser.pages.items()):
            if page.owner is self:
                del self.browser.pages[context]
        self.browser.firefox.send("browser.removeUserContext", {"userContext": self.user_context})


class Page:
    def __init__(self, owner: Context, context: str):
        self.owner = owner
        self.context = context
        self.log = {"requests": [], "errors": []}

    # --- running script in the page
    def _call(self, declaration: str, *args, raw: bool = False):
        """Calls ``declaration`` with JSON-able ``args``; answers its JSON-able result, or with
        ``raw`` BiDi's remote value (an element's sharedId)."""
        body = declaration if raw else (
            f"async (...args) => JSON.stringify({{ v: await ({declaration})(...args) }})")
        try:
            answer = self.owner.browser.firefox.send("script.callFunction", {
                "functionDeclaration": f"(...json) => ({body})(...json.map((a) => JSON.parse(a)))",
                "arguments": [{"type": "string", "value": json.dumps(a)} for a in args],
                "target": {"context": self.context}, "awaitPromise": True, "resultOwnership": "none"})
        except BidiError as exc:
            raise DriverError(str(exc)) from None
        if answer["type"] == "exception":
            raise DriverError(answer["exceptionDetails"]["text"])
        if raw:
            return answer["result"]
        return json.loads(answer["result"]["value"]).get("v")

    def _helpers(self, body: str) -> str:
        """A function of (chain, ...) with ``pw`` the selector helpers in scope."""
        return f"(chain, ...rest) => {{ const pw = {HELPERS}; return ({body})(chain, ...rest); }}"

    def _wait(self, what: str, probe):
        deadline = time.monotonic() + self.owner.timeout_ms / 1000
        while True:
            found = probe()
            if found:
                return found
            if time.monotonic() > deadline:
                raise DriverError(f"Timeout {self.owner.timeout_ms}ms exceeded waiting for {what}")
            time.sleep(POLL_SECONDS)

    def _count(self, chain) -> int:
        return self._call(self._helpers("(chain) => pw.resolve(chain).length"), chain)

    def _read(self, chain, strict: bool, read: str, *args):
        """Waits for the element, then ``read`` (a function of (el, ...args)) on it."""
        fn = self._helpers(f"""(chain, strict, ...args) => {{
            const els = pw.resolve(chain);
            if (strict && els.length > 1) return {{ strict: els.length }};
            return els.length ? {{ found: true, value: ({read})(els[0], ...args) }} : null; }}""")
        found = self._wait(_describe(chain), lambda: self._call(fn, chain, strict, *args))
        if "strict" in found:
            raise DriverError(f"strict mode violation: {_describe(chain)} resolved to {found['strict']} elements")
        return found.get("value")

    def _actionable(self, chain, strict: bool, editable: bool = False) -> str:
        """Waits until the element may be acted on; answers its sharedId."""
        fn = self._helpers("""(chain, strict, editable) => {
            const els = pw.resolve(chain);
            if (strict && els.length > 1) return `strict mode violation: ${els.length} elements`;
            if (!els.length) return "no element";
            return pw.notActionable(els[0], editable) || els[0]; }""")
        reason = []

        def probe():
            result = self._call(fn, chain, strict, editable, raw=True)
            if result["type"] == "node":
                return result["sharedId"]
            reason[:] = [result.get("value", "")]
            if reason[0].startswith("strict"):
                raise DriverError(f"{reason[0]} for {_describe(chain)}")
            return None
        try:
            return self._wait(_describe(chain), probe)
        except DriverError as exc:
            raise DriverError(f"{exc.message} ({reason[0] if reason else ''})") from None

    def _perform(self, actions: list[dict]) -> None:
        self.owner.browser.firefox.send("input.performActions", {"context": self.context, "actions": actions})

    # --- what the journey calls on a page or a locator
    def _click(self, chain, strict=False):
        element = self._actionable(chain, strict)
        self._perform([{"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"},
                        "actions": [{"type": "pointerMove", "x": 0, "y": 0,
                                     "origin": {"type": "element", "element": {"sharedId": element}}},
                                    {"type": "pointerDown", "button": 0},
                                    {"type": "pointerUp", "button": 0}]}])

    def _fill(self, chain, value: str, strict=False):
        self._actionable(chain, strict, editable=True)
        kind = self._read(chain, strict, "(el) => (el.type || '').toLowerCase()")
        if kind in SET_VALUE_TYPES:
            self._read(chain, strict, """(el, value) => { el.value = value;
                for (const t of ["input", "change"]) el.dispatchEvent(new Event(t, { bubbles: true })); }""",
                       value)
            return
        # focused and emptied, then typed key by key: the page sees a user's input events
        self._read(chain, strict, """(el) => { el.focus(); el.select();
            el.value = ""; el.dispatchEvent(new Event("input", { bubbles: true })); }""")
        keys = [{"type": step, "value": c} for c in value for step in ("keyDown", "keyUp")]
        self._perform([{"type": "key", "id": "keyboard", "actions": keys}])

    def _select(self, chain, value: str, strict=False):
        self._actionable(chain, strict)
        chosen = self._read(chain, strict, """(el, wanted) => {
            const option = [...el.options].find((o) => o.value === wanted || o.label === wanted);
            if (!option) return null;
            el.value = option.value;
            for (const t of ["input", "change"]) el.dispatchEvent(new Event(t, { bubbles: true }));
            return [option.value]; }""", value)
        if chosen is None:
            raise DriverError(f"no option {value!r} in {_describe(chain)}")
        return chosen

    def _wait_visible(self, chain):
        fn = self._helpers("(chain) => { const els = pw.resolve(chain); return !!els.length && pw.visible(els[0]); }")
        self._wait(f"{_describe(chain)} to be visible", lambda: self._call(fn, chain))

    def goto(self, url: str) -> None:
        self.owner.browser.firefox.send("browsingContext.navigate",
                                        {"context": self.context, "url": url, "wait": "complete"})

    def evaluate(self, expression: str, arg=None):
        if FUNCTION.match(expression):
            return self._call(expression, arg)
        return self._call(f"async () => ({expression})")

    def eval_on_selector_all(self, selector: str, expression: str, arg=None):
        fn = self._helpers(f"(chain, arg) => ({expression})(pw.resolve(chain), arg)")
        return self._call(fn, [[selector, None]], arg)

    def wait_for_function(self, expression: str, arg=None) -> None:
        self._wait(expression, lambda: self._call(expression, arg))

    def wait_for_timeout(self, timeout_ms: int) -> None:
        time.sleep(timeout_ms / 1000)

    def wait_for_selector(self, selector: str) -> None:
        self._wait_visible([[selector, None]])

    def locator(self, selector: str) -> "Locator":
        return Locator(self, [[selector, None]])

    def click(self, selector: str) -> None:
        self._click([[selector, None]])

    def fill(self, selector: str, value: str) -> None:
        self._fill([[selector, None]], value)

    def select_option(self, selector: str, value: str) -> list[str]:
        return self._select([[selector, None]], value)

    def inner_text(self, selector: str) -> str:
        return self._read([[selector, None]], False, "(el) => el.innerText")

    def get_attribute(self, selector: str, name: str):
        return self._read([[selector, None]], False, "(el, name) => el.getAttribute(name)", name)

    def input_value(self, selector: str) -> str:
        return self._read([[selector, None]], False, "(el) => el.value")

    def is_visible(self, selector: str) -> bool:
        return self._call(self._helpers(
            "(chain) => { const els = pw.resolve(chain); return !!els.length && pw.visible(els[0]); }"),
            [[selector, None]])

    def emulate_media(self, media: str) -> None:
        """The print media type as the page's style sheets see it (WebDriver BiDi in firefox-esr
        has no media emulation): its print rules apply, its screen rules do not."""
        self._call(self._helpers("(chain, media) => pw.emulateMedia(media)"), [], media)

    def screenshot(self, path: str, full_page: bool = False) -> bytes:
        data = self.owner.browser.firefox.send("browsingContext.captureScreenshot", {
            "context": self.context, "origin": "document" if full_page else "viewport"})["data"]
        png = base64.b64decode(data)
        with open(path, "wb") as out:
            out.write(png)
        return png

    def seen(self) -> dict:
        """The URLs this page requested and its uncaught errors so far."""
        time.sleep(0.2)
        self.owner.browser.firefox.drain()
        return self.log


class Locator:
    def __init__(self, page: Page, chain: list):
        self.page = page
        self.chain = chain

    @property
    def first(self) -> "Locator":
        return Locator(self.page, [*self.chain[:-1], [self.chain[-1][0], 0]])

    def locator(self, selector: str) -> "Locator":
        return Locator(self.page, [*self.chain, [selector, None]])

    def count(self) -> int:
        return self.page._count(self.chain)

    def get_attribute(self, name: str):
        return self.page._read(self.chain, True, "(el, name) => el.getAttribute(name)", name)

    def click(self) -> None:
        self.page._click(self.chain, strict=True)

    def fill(self, value: str) -> None:
        self.page._fill(self.chain, value, strict=True)

    def select_option(self, value: str) -> list[str]:
        return self.page._select(self.chain, value, strict=True)

    def wait_for(self) -> None:
        self.page._wait_visible(self.chain)


def _describe(chain) -> str:
    return " >> ".join(selector + ("" if nth is None else f" >> nth={nth}") for selector, nth in chain)
