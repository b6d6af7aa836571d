"""A live Byplan server on loopback and Debian's Chromium driven by Playwright."""
from __future__ import annotations

import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from browser_support import launch_chromium
from support import People, make_app

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def live_app(sqlite_url):
    app = make_app(sqlite_url, WTF_CSRF_ENABLED=True)
    return app


def serve(app):
    """Serve the app on a free loopback port in a thread; returns (base url, stop)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        thread.join(5)

    return f"http://127.0.0.1:{server.server_port}", stop


@pytest.fixture
def live_people(live_app):
    return People(live_app)


@pytest.fixture
def live_server(live_app, live_people):
    base, stop = serve(live_app)
    yield base
    stop()


@dataclass
class DemoSite:
    """The demo data (`byplan demo`) served live; one per test module."""

    app: object
    base: str
    password: str


@pytest.fixture(scope="module")
def demo_site(sqlite_template, tmp_path_factory):
    from web.extensions import db
    from workflows.demo import DEMO_PASSWORD, load_demo

    target = tmp_path_factory.mktemp("demo") / "byplan.sqlite"
    shutil.copyfile(sqlite_template, target)
    app = make_app(f"sqlite:///{target}", WTF_CSRF_ENABLED=True)
    with app.app_context():
        assert load_demo(db.session, app.extensions["byplan"]) is not None
        db.session.commit()
    base, stop = serve(app)
    yield DemoSite(app, base, DEMO_PASSWORD)
    stop()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="da-DK")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
