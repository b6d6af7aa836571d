"""Launch Debian's Chromium through Playwright.

Playwright's own browser download does not work on our machines, so we never
run ``playwright install``; instead we point Playwright at the system
Chromium (``/usr/bin/chromium``, overridable with the ``CHROMIUM`` env var).

Usage::

    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page()
        ...
        browser.close()
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_CHROMIUM = "/usr/bin/chromium"

CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root locally and in CI
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str:
    """Path of the Chromium executable; raises if it is missing."""
    path = os.environ.get("CHROMIUM") or DEFAULT_CHROMIUM
    if not (Path(path).is_file() and os.access(path, os.X_OK)):
        raise RuntimeError(
            f"Chromium not found at {path}. Install Debian's Chromium "
            "(apt-get install -y chromium) or set CHROMIUM to its path. "
            "Do not use 'playwright install'."
        )
    return path


def launch_chromium(playwright, **kwargs):
    """Launch headless system Chromium with a sync ``Playwright`` object.

    Extra keyword arguments are passed to ``playwright.chromium.launch``;
    extra ``args`` are appended to the defaults.
    """
    extra_args = list(kwargs.pop("args", []))
    options = {"headless": True, **kwargs}
    return playwright.chromium.launch(
        executable_path=chromium_path(),
        args=[*CHROMIUM_ARGS, *extra_args],
        **options,
    )


def log_in(page, base: str, username: str, password: str) -> None:
    """Sign in through the login form; a user lands on their start page."""
    page.goto(f"{base}/login")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")


def log_in_new_page(context, base: str, username: str, password: str):
    """A new page of `context`, signed in as `username` (landing on the start page)."""
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, base, username, password)
    return page
