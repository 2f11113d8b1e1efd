"""Headless Chromium in a process of its own, driven over JSON lines on stdin/stdout.

Playwright's sync API does not cooperate with the suite's eventlet.monkey_patch(): a browser
opened in the pytest process works, but closing it never returns. So the browser lives here, in a
plain Python process, and the tests call Playwright through ``remote.RemoteBrowser``.

Protocol, one JSON object a line: ``{"ref": id, "call": method, "args": [...], "kwargs": {...}}``
calls a method (``"get"`` instead of ``"call"`` reads a property) of the object kept under ``id``
(0 is the browser); the answer is ``{"value": ...}``, ``{"ref": id}`` for a Playwright object, or
``{"error": type, "message": ...}``. ``{"ref": id, "call": "_requests"}`` answers the URLs a page
requested and the errors it raised.
"""
import json
import sys

from playwright.sync_api import Error, sync_playwright


def serve(executable: str, args: list[str]) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=args)
        objects = {0: browser}
        seen = {}  # page ref -> {"requests": [...], "errors": [...]}

        def keep(value):
            if type(value).__module__.startswith("playwright."):
                ref = len(objects)
                objects[ref] = value
                if type(value).__name__ == "Page":
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
                    target.wait_for_timeout(200)  # deliver the events still queued
                    answer = {"value": seen[command["ref"]]}
                elif "get" in command:
                    answer = keep(getattr(target, command["get"]))
                else:
                    answer = keep(getattr(target, command["call"])(*command.get("args", []),
                                                                   **command.get("kwargs", {})))
            except Error as exc:
                answer = {"error": type(exc).__name__, "message": exc.message}
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()
        browser.close()


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2:])
