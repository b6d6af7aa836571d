"""In a real browser: each demo role logs in, opens the start page at `/`, finds its heading and the first
thing to do, and follows that link; anonymously `/` is the public landing page. Screenshots go to
test-artifacts/screenshots/ (start-<role>.png, public-landing.png)."""
from __future__ import annotations

import shutil
import threading

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from start_support import POSITIONS_MEETING, add_meeting_with_positions
from support import make_app

pytestmark = pytest.mark.browser

PASSWORD = "byplan-demo"

# username -> (the start page's heading, the first action's text, what the page it leads to is about)
ROLES = {
    "sekretariat": ("Sekretariatets overblik", "Fælles brugerstyring via Context Handler",
                    "Fælles brugerstyring via Context Handler"),
    "raadsmedlem": ("Dit overblik som rådsmedlem", "Tilkendegiv holdning", POSITIONS_MEETING),
    "kommune": ("Dit overblik som kommunens kontaktperson", "Arkitektur i praksis: fra principper til projekter",
                "Arkitektur i praksis: fra principper til projekter"),
    "arbejdsgruppe": ("Dit overblik som medlem af en arbejdsgruppe", "Genbrug før køb før byg",
                      "Genbrug før køb før byg"),
}


@pytest.fixture(scope="module")
def start_site(sqlite_template, tmp_path_factory):
    from web.extensions import db
    from workflows.demo import load_demo

    target = tmp_path_factory.mktemp("start-browser") / "byplan.sqlite"
    shutil.copyfile(sqlite_template, target)
    app = make_app(f"sqlite:///{target}", WTF_CSRF_ENABLED=True)
    with app.app_context():
        assert load_demo(db.session, app.extensions["byplan"]) is not None
        db.session.commit()
        add_meeting_with_positions(db.session, app.extensions["byplan"])
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def expected_target(app, username: str) -> str:
    """The first action's address: the role's most pressing task, or for the contact the open round."""
    from engine.models import ReadyTask
    from web.extensions import db
    from workflows.network import Round

    with app.app_context():
        s = db.session
        if username == "kommune":
            return f"/netvaerk/runder/{s.scalar(select(Round.id).where(Round.status == 'open'))}"
        if username == "raadsmedlem":
            query = select(ReadyTask.id).where(ReadyTask.case_title == POSITIONS_MEETING,
                                               ReadyTask.assignee == "raadsmedlem")
        elif username == "sekretariat":
            query = select(ReadyTask.id).where(ReadyTask.case_title == "Fælles brugerstyring via Context Handler",
                                               ReadyTask.lane == "Sekretariat")
        else:
            query = select(ReadyTask.id).where(ReadyTask.case_title == "Genbrug før køb før byg")
        return f"/opgaver/{s.scalar(query)}"


@pytest.mark.parametrize("username", list(ROLES))
def test_each_role_finds_its_next_step_on_the_start_page(username, browser, start_site, artifacts):
    from playwright.sync_api import expect

    app, base = start_site
    heading, action, destination = ROLES[username]
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="da-DK")
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{base}/login")
        page.fill("#f-username", username)
        page.fill("#f-password", PASSWORD)
        page.click("button[type=submit].button")
        page.wait_for_load_state()
        page.goto(f"{base}/")
        expect(page.locator("main h1")).to_have_text(heading)
        first = page.locator("main a").filter(has_text=action).first
        link = page.locator("#next-action")
        expect(link).to_contain_text(action)
        assert first.get_attribute("href") == link.get_attribute("href") == expected_target(app, username)
        (artifacts / "screenshots").mkdir(exist_ok=True)
        page.screenshot(path=str(artifacts / "screenshots" / f"start-{username}.png"), full_page=True)
        link.focus()
        page.keyboard.press("Enter")  # the keyboard reaches it
        page.wait_for_url(f"{base}{expected_target(app, username)}")
        expect(page.locator("main h1")).to_be_visible()
        expect(page.locator("main")).to_contain_text(destination)
    finally:
        context.close()


def test_anonymous_home_is_the_public_landing_page(browser, start_site, artifacts):
    from playwright.sync_api import expect

    app, base = start_site
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="da-DK")
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        response = page.goto(f"{base}/")
        assert response.status == 200 and page.url == f"{base}/"  # no redirect to the catalogue
        expect(page.locator("main h1")).to_contain_text("Byplan")
        expect(page.locator("main section", has=page.locator("h2", has_text="Åbne offentlige høringer"))) \
            .to_contain_text("Referencearkitektur for brugerstyring")
        (artifacts / "screenshots").mkdir(exist_ok=True)
        page.screenshot(path=str(artifacts / "screenshots" / "public-landing.png"), full_page=True)
        page.fill("#landing-q", "brugerstyring")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/soeg?q=brugerstyring")
    finally:
        context.close()
