"""Debian's firefox-esr over its native WebDriver BiDi: no geckodriver, no patched Firefox build.

Playwright 1.65's own BiDi backend for Firefox sends commands firefox-esr 153 does not know
(emulation.setMediaFeaturesOverride on every new context), so the console's Firefox run speaks
BiDi itself: this module starts Firefox with a throwaway profile, opens the WebDriver BiDi session
on the websocket Firefox announces, sends commands and keeps the events that arrive meanwhile.
One thread: events are read while a command waits for its answer (``drain`` reads the rest).
"""
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time

import websocket

LISTENING = re.compile(r"WebDriver BiDi listening on (ws://\S+)")
START_TIMEOUT_SECONDS = 60
COMMAND_TIMEOUT_SECONDS = 120
# Firefox's own background traffic (updates, telemetry, remote settings, captive portal checks)
# would leave the machine: the tests assert that nothing does, so it is switched off.
PREFS = {
    "app.update.disabledForTesting": True,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "toolkit.telemetry.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "services.settings.server": "http://127.0.0.1:9/remote-settings",
    "app.normandy.enabled": False,
    "extensions.update.enabled": False,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.tabs.warnOnClose": False,
    "dom.disable_open_during_load": False,
}


class BidiError(Exception):
    def __init__(self, error: str, message: str):
        super().__init__(f"{error}: {message}")
        self.error = error


class FirefoxProcess:
    """A headless firefox-esr and one BiDi session on it."""

    def __init__(self, executable: str, args: list[str]):
        self.profile = tempfile.mkdtemp(prefix="console-firefox-")
        with open(f"{self.profile}/user.js", "w", encoding="utf-8") as prefs:
            for name, value in PREFS.items():
                prefs.write(f"user_pref({json.dumps(name)}, {json.dumps(value)});\n")
        self.process = subprocess.Popen(
            [executable, *args, "--remote-debugging-port=0", "--profile", self.profile, "--no-remote"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.socket = websocket.create_connection(
            self._endpoint() + "/session", suppress_origin=True, timeout=COMMAND_TIMEOUT_SECONDS)
        self.last_id = 0
        self.listeners = []  # functions called with (method, params) of every event
        self.send("session.new", {"capabilities": {"alwaysMatch": {"acceptInsecureCerts": False}}})

    def _endpoint(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        seen = []
        for line in self.process.stderr:  # Firefox announces the websocket on stderr
            found = LISTENING.search(line)
            if found:
                # stderr must keep draining or Firefox blocks on a full pipe
                threading.Thread(target=self.process.stderr.read, daemon=True).start()
                return found.group(1)
            seen.append(line)
            if time.monotonic() > deadline:
                break
        raise RuntimeError("firefox did not open WebDriver BiDi:\n" + "".join(seen[-20:]))

    def send(self, method: str, params: dict) -> dict:
        self.last_id += 1
        self.socket.send(json.dumps({"id": self.last_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("type") == "event":
                for listener in self.listeners:
                    listener(message["method"], message["params"])
            elif message.get("id") == self.last_id:
                if message.get("type") == "error":
                    raise BidiError(message["error"], message.get("message", ""))
                return message["result"]

    def drain(self) -> None:
        """Deliver the events Firefox has sent so far (a command's answer comes after them)."""
        self.send("session.status", {})

    def close(self) -> None:
        try:
            self.send("browser.close", {})
        except (BidiError, OSError, websocket.WebSocketException):
            pass
        try:
            self.socket.close()
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)
