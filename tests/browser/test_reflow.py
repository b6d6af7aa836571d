"""Reflow (WCAG 1.4.10): the main pages of each role at 320 CSS pixels, and the before/after screenshots.

At a 320 px wide viewport no page scrolls sideways, and the menu and "Log ud" stay reachable (visible, or
one click away behind the menu button, which works without JavaScript: a <details> element)."""
from __future__ import annotations

import os

import pytest
from browser_support import log_in_new_page
from sqlalchemy import select

from a11y_support import ROLES

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 800}




@pytest.fixture
def new_context(browser):
    contexts = []

    def make(viewport):
        context = browser.new_context(viewport=viewport, locale="da-DK")
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def demo_pages(app) -> dict[str, str]:
    """The main pages of the demo by name: a task (a council position, if one is open), a case, a meeting, ..."""
    from engine.models import Case, ReadyTask
    from web.extensions import db
    from workflows.council import Meeting
    from workflows.hearing import Hearing
    from workflows.network import Round

    with app.app_context():
        s = db.session
        case = s.scalar(select(Case.id).where(Case.title == "Referencearkitektur for brugerstyring",
                                              Case.process_id == "proposal"))
        task = (s.scalar(select(ReadyTask.id).where(ReadyTask.spec_name.contains("position")))
                or s.scalar(select(ReadyTask.id).where(ReadyTask.lane == "Sekretariat").order_by(ReadyTask.id))
                or s.scalar(select(ReadyTask.id).order_by(ReadyTask.id)))
        meeting = s.scalar(select(Meeting.id).where(Meeting.case_id.is_not(None)).order_by(Meeting.starts_at))
        open_round = s.scalar(select(Round.id).where(Round.status == "open"))
        hearing = s.scalar(select(Hearing.id).order_by(Hearing.id))
    return {"hearing": f"/hoeringer/{hearing}", "inbox": "/opgaver", "task": f"/opgaver/{task}",
            "case": f"/sager/{case}", "meeting": f"/raadet/moeder/{meeting}",
            "network-round": f"/netvaerk/runder/{open_round}",
            "catalogue": "/principper", "public-hearings": "/offentlige-hoeringer"}


def assert_reflows(page, path: str):
    width = page.evaluate("() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]")
    assert width[0] <= width[1] + 1, f"{path} scrolls sideways at 320 px: {width[0]} > {width[1]}"


def assert_menu_reachable(page, path: str):
    """ "Log ud" is on screen, and the main menu is, or is one click on the "Menu" button away."""
    logout = page.locator("header form[action$='/logout'] button")
    assert logout.is_visible(), f"{path}: 'Log ud' is not visible at 320 px"
    box = logout.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 321, f"{path}: 'Log ud' is off-screen: {box}"
    nav = page.locator("header nav[aria-label]:visible")
    if not nav.count():
        toggle = page.locator("header .menu-toggle > summary")
        assert toggle.is_visible(), f"{path}: neither the menu nor the menu button is visible at 320 px"
        toggle.click()
    nav = page.locator("header nav[aria-label]:visible")
    assert nav.count() == 1, f"{path}: the main menu does not open at 320 px"
    entries = nav.locator(":scope > ul > li > a, :scope > ul > li > details > summary")
    assert entries.count() >= 2, f"{path}: the menu is empty"
    for i in range(entries.count()):
        box = entries.nth(i).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 321, f"{path}: menu entry {i} is off-screen"
    assert_reflows(page, path + " (menu open)")


@pytest.mark.parametrize("role", ["secretariat", "council member", "municipality contact", "working-group lead"])
def test_main_pages_reflow_at_320_px(role, new_context, demo_site):
    page = log_in_new_page(new_context(NARROW), demo_site.base, ROLES[role], demo_site.password)
    for name, path in demo_pages(demo_site.app).items():
        response = page.goto(demo_site.base + path)
        if response.status in (403, 404) and name in ("task", "meeting", "network-round", "hearing", "case"):
            continue  # not this role's page
        assert response.ok, f"{path} as {role}: {response.status}"
        assert_reflows(page, path)
        assert_menu_reachable(page, path)


def test_public_pages_reflow_at_320_px(new_context, demo_site):
    page = new_context(NARROW).new_page()
    page.set_default_timeout(10_000)
    for path in ("/principper", "/offentlige-hoeringer", "/login", "/raadet/beslutninger", "/raadet/moeder"):
        response = page.goto(demo_site.base + path)
        assert response.ok, f"{path}: {response.status}"
        assert_reflows(page, path)


def test_screenshots_before_and_after(new_context, demo_site, artifacts):
    """PNGs of the main pages, wide and at 320 px, into test-artifacts/screenshots/<BYPLAN_SCREENSHOTS>/
    ("after" unless told otherwise; "before" was taken from main before the DKFDS conversion)."""
    folder = artifacts / "screenshots" / os.environ.get("BYPLAN_SCREENSHOTS", "after")
    folder.mkdir(parents=True, exist_ok=True)
    pages = demo_pages(demo_site.app)
    for viewport, suffix in (({"width": 1200, "height": 900}, ""), (NARROW, "-320")):
        page = log_in_new_page(new_context(viewport), demo_site.base, ROLES["secretariat"], demo_site.password)
        for name, path in pages.items():
            response = page.goto(demo_site.base + path)
            assert response.ok, f"{path}: {response.status}"
            if page.locator("[data-bpmn-url]").count():
                page.wait_for_selector("[data-diagram=ready]")
            target = folder / f"{name}{suffix}.png"
            page.screenshot(path=str(target), full_page=True)
            assert target.stat().st_size > 5_000, f"{target} looks empty"
        if suffix:  # the narrow menu, opened (a <details> element, no JavaScript needed)
            page.goto(demo_site.base + pages["inbox"])
            page.locator("header .menu-toggle > summary").click()
            page.locator("header .bp-nav-mobile details").first.locator("summary").click()
            page.screenshot(path=str(folder / "menu-320.png"))


def test_readme_screenshot(browser, demo_site, artifacts):
    """The README's picture (docs/screenshot-hearing.png): the demo hearing's case page as the working group's lead
    sees it, 1280 x 1000. Saved to test-artifacts/screenshots/<set>/readme-hearing.png; copy it to docs/ when
    the layout changes."""
    from engine.models import Case
    from web.extensions import db

    with demo_site.app.app_context():
        case = db.session.scalar(select(Case.id).where(Case.title == "Referencearkitektur for brugerstyring",
                                                       Case.process_id == "hearing"))
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="da-DK")
    try:
        page = log_in_new_page(context, demo_site.base, ROLES["working-group lead"], demo_site.password)
        assert page.goto(f"{demo_site.base}/sager/{case}").ok
        page.wait_for_selector("[data-diagram=ready]")
        folder = artifacts / "screenshots" / os.environ.get("BYPLAN_SCREENSHOTS", "after")
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / "readme-hearing.png"))
    finally:
        context.close()
