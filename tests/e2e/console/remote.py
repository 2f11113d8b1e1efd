"""The test side of browser_driver.py: Playwright's objects (or firefox_pages' ones) as proxies whose method calls and
property reads go to the browser process. Only JSON-able arguments and answers cross."""
import json
import os
import subprocess
import sys

from tests.conftest import ROOT

PROPERTIES = {"first", "last"}  # Locator properties the tests read


class BrowserError(AssertionError):
    """Playwright refused a call (a timeout, a missing element): the test fails with its message."""


class RemoteBrowser:
    def __init__(self, engine: str, executable: str, args: list[str]):
        self.engine = engine
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.console.browser_driver", engine, executable, *args],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
            env={**os.environ, "PYTHONPATH": ROOT})
        self.root = Remote(self, 0)

    def send(self, command: dict):
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise BrowserError(f"the browser process ended (exit {self.process.poll()})")
        answer = json.loads(line)
        if "error" in answer:
            raise BrowserError(f"{answer['error']}: {answer['message']}")
        return Remote(self, answer["ref"]) if "ref" in answer else answer["value"]

    def close(self) -> None:
        try:
            self.process.stdin.write(json.dumps({"call": "_quit"}) + "\n")
            self.process.stdin.close()
            self.process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()


class Remote:
    def __init__(self, browser: RemoteBrowser, ref: int):
        self._browser = browser
        self._ref = ref

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if name in PROPERTIES:
            return self._browser.send({"ref": self._ref, "get": name})
        return lambda *args, **kwargs: self._browser.send(
            {"ref": self._ref, "call": name, "args": list(args), "kwargs": kwargs})

    def seen(self) -> dict:
        """For a page: {"requests": [urls], "errors": [page errors]} so far."""
        return self._browser.send({"ref": self._ref, "call": "_requests"})
