"""Browser tests: Playwright driving Debian's Chromium (never `playwright install`)."""

from __future__ import annotations

import os
import shutil

import pytest

from kap_clinic.accounts.demo import DEMO_PASSWORD

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS", "")  # a folder to save screenshots into, for looking at pages

if not os.path.exists(CHROMIUM):
    pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)


def pytest_collection_modifyitems(items):  # noqa: ANN001
    """Mark the browser tests (this hook sees every collected item, so pick ours by path)."""
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here + os.sep):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):  # noqa: ANN001, ANN201
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):  # noqa: ANN001, ANN201
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def login(page, live_server):  # noqa: ANN001, ANN201
    """login(email) signs in through the real login form and returns the page."""

    def do(email: str, password: str = DEMO_PASSWORD):  # noqa: ANN202
        # Leave the previous page first: a response still in flight for it (its favicon, a poll) would
        # set the previous user's session cookie again after the clear, and the login page would then
        # redirect that user to their dashboard instead of showing the form.
        page.goto("about:blank")
        page.context.clear_cookies()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        return page

    return do


@pytest.fixture
def screenshot(page):  # noqa: ANN001, ANN201
    """screenshot(name) saves a full-page PNG when E2E_SCREENSHOTS names a folder.

    ``full_page=False`` keeps just the screen: a full-page capture of a scrolled page draws a sticky
    element where the scroll left it, over the content there, and a gap where it belongs."""

    def take(name: str, *, full_page: bool = True) -> None:
        if SCREENSHOTS:
            os.makedirs(SCREENSHOTS, exist_ok=True)
            page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=full_page)

    return take


@pytest.fixture(autouse=True)
def _no_content_security_policy_violations(request):  # noqa: ANN001, ANN202
    """Every browser test also fails if Chromium refused anything under our Content-Security-Policy."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    refused: list[str] = []

    def on_console(message) -> None:  # noqa: ANN001
        if message.type == "error" and "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", on_console)
    yield
    assert not refused, refused
