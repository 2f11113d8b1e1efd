"""A headless browser in a process of its own, driven over JSON lines on stdin/stdout.

Playwright's sync API does not cooperate with the suite's eventlet.monkey_patch(): a browser
opened in the pytest process works, but closing it never returns. So the browser lives here, in a
plain Python process, and the tests call it through ``remote.RemoteBrowser``. The engine is
Playwright driving Chromium, or firefox_pages.py (the same API) driving firefox-esr over BiDi.

Protocol, one JSON object a line: ``{"ref": id, "call": method, "args": [...], "kwargs": {...}}``
calls a method (``"get"`` instead of ``"call"`` reads a property) of the object kept under ``id``
(0 is the browser); the answer is ``{"value": ...}``, ``{"ref": id}`` for a browser object, or
``{"error": type, "message": ...}``. ``{"ref": id, "call": "_requests"}`` answers the URLs a page
requested and the errors it raised.
"""
import contextlib
import json
import sys

from playwright.sync_api import Error, sync_playwright

from tests.e2e.console import firefox_pages

ENGINES = ("chromium", "firefox")


@contextlib.contextmanager
def launched(engine: str, executable: str, args: list[str]):
    if engine == "chromium":
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=args)
            yield browser
            browser.close()
    else:
        browser = firefox_pages.Browser(executable, args)
        try:
            yield browser
        finally:
            browser.close()


def serve(engine: str, executable: str, args: list[str]) -> None:
    with launched(engine, executable, args) as browser:
        objects = {0: browser}
        seen = {}  # page ref -> {"requests": [...], "errors": [...]} (Playwright's pages)

        def keep(value):
            if type(value).__module__.startswith(("playwright.", firefox_pages.__name__)):
                ref = len(objects)
                objects[ref] = value
                if type(value).__module__.startswith("playwright.") and type(value).__name__ == "Page":
                    log = seen[ref] = {"requests": [], "errors": []}
                    value.on("request", lambda request: log["requests"].append(request.url))
                    value.on("pageerror", lambda error: log["errors"].append(str(error)))
                return {"ref": ref}
            if isinstance(value, bytes):  # a screenshot: the file is what matters, not its bytes
                return {"value": len(value)}
            return {"value": value}

        for line in sys.stdin:
            command = json.loads(line)
            if command.get("call") == "_quit":
                break
            try:
                target = objects[command["ref"]]
                if command.get("call") == "_requests":
                    if command["ref"] in seen:
                        target.wait_for_timeout(200)  # deliver the events still queued
                        answer = {"value": seen[command["ref"]]}
                    else:
                        answer = {"value": target.seen()}
                elif "get" in command:
                    answer = keep(getattr(target, command["get"]))
                else:
                    answer = keep(getattr(target, command["call"])(*command.get("args", []),
                                                                   **command.get("kwargs", {})))
            except (Error, firefox_pages.DriverError) as exc:
                answer = {"error": type(exc).__name__, "message": exc.message}
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2], sys.argv[3:])
