"""Bad input in the console: a bad or expired token, a credential that expires while signed in,
an API key, and an API error: each shows a clear message, never a blank page."""
import time

import pytest

from tests.e2e.console.expected import text

# the first test also waits for the seeded platform (`regionctl seed` takes minutes on a loaded machine)
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1800)]


def _expired_token(platform) -> str:
    from services.gateway.access.auth import issue_token
    return issue_token(platform.env["JWT_SECRET"], "ministry_analyst", None, subject="console-expired",
                       ttl_seconds=60, now=time.time() - 3600,
                       issuer="regional-platform", audience="regional-platform-api")


@pytest.mark.parametrize("secret", ["not-a-token-nor-a-key", "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"])
def test_a_bad_token_or_key_is_refused_with_a_clear_message(console_factory, secret):
    console = console_factory("bad-token")
    console.sign_in(secret)
    message = console.message()
    assert message.startswith(text("error.invalid", reason="")[:40]), message
    assert console.page.is_visible("#credential")  # still on the sign-in form
    assert console.page.evaluate("sessionStorage.getItem('console.credential')") is None
    console.screenshot("signin-bad-token")
    assert console.off_machine_requests() == []


def test_an_expired_token_says_so(console_factory, seeded_platform):
    console = console_factory("expired-token")
    console.sign_in(_expired_token(seeded_platform))
    assert console.message() == text("error.expired")
    console.screenshot("signin-expired")


def test_a_credential_that_expires_while_signed_in_returns_to_sign_in(console_factory, seeded_platform):
    console = console_factory("expires-later")
    console.sign_in(seeded_platform.token("ministry_analyst"))
    console.page.wait_for_selector("#country-table")
    console.page.evaluate("(t) => sessionStorage.setItem('console.credential', t)",
                          _expired_token(seeded_platform))
    console.go("#/journal")  # the next API call is refused: back to the form, told why
    assert console.message() == text("error.expired")
    assert console.page.is_visible("#credential")
    assert console.page.evaluate("sessionStorage.getItem('console.credential')") is None


def test_an_api_key_signs_in_like_a_token(console_factory, seeded_platform):
    admin = seeded_platform.api("admin")
    created = admin.post("/api/v1/admin/api-keys", json={"role": "ministry_analyst", "label": "console"})
    assert created.status_code == 201, created.text
    key = created.json()
    try:
        console = console_factory("api-key")
        console.sign_in(key["api_key"])
        console.page.wait_for_selector("#country-table tbody tr")
        assert console.page.get_attribute("#identity-role", "data-role") == "ministry_analyst"
        assert console.page.locator("#country-table tbody tr").count() == 20
    finally:
        admin.delete(f"/api/v1/admin/api-keys/{key['key_id']}")


def test_an_api_error_shows_the_api_message_not_a_blank_page(console_factory, seeded_platform):
    analyst = seeded_platform.api("ministry_analyst")
    answer = analyst.get("/api/v1/hub/scorecards/KZ-99")
    assert answer.status_code == 404
    console = console_factory("api-error")
    console.sign_in(seeded_platform.token("ministry_analyst"))
    console.page.wait_for_selector("#country-table")
    console.go("#/region/KZ-99")
    console.page.wait_for_selector("#panel-pipeline .message.error")
    assert console.page.inner_text("#panel-pipeline .message.error") == answer.json()["message"]
    assert console.page.is_visible("#identity")  # the rest of the page stays
    console.screenshot("region-api-error")
    assert console.off_machine_requests() == []
