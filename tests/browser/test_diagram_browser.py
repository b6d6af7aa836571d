"""In a real browser: the case page's BPMN diagram (bpmn-js) marks the case's progress and opens the
process the case called."""
from __future__ import annotations

from pathlib import Path

import pytest

from browser_support import log_in
from steps.proposal_driver import ProposalDriver

pytestmark = pytest.mark.browser

VIEWER = Path(__file__).resolve().parents[2] / "web/static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js"



def marker_classes(page, element_id: str) -> set[str]:
    return set(page.get_attribute(f".djs-element[data-element-id='{element_id}']", "class").split())


def wait_for_diagram(page):
    page.wait_for_selector("[data-diagram]")
    assert page.get_attribute("[data-bpmn-url]", "data-diagram") == "ready"
    page.wait_for_selector(".bpmn-canvas svg .djs-element")


def test_case_diagram_marks_progress_and_opens_the_called_process(page, live_server, live_app, live_people,
                                                                   artifacts):
    assert VIEWER.is_file(), f"{VIEWER} is missing: run `make vendor` (npm ci) first"
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text
            or m.type == "error" and "favicon" not in m.text and "404" not in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    driver = ProposalDriver(live_app, live_people)
    case_id = driver.start("lead", "Genbrug før køb før byg")
    driver.submit("lead", summary="Resumé", statement="Genbrug før køb før byg", rationale="Det sparer penge")

    base = live_server
    log_in(page, base, "secretary", live_people.PASSWORD)
    page.goto(f"{base}/sager/{case_id}")
    wait_for_diagram(page)
    assert "bp-active" in marker_classes(page, "screen")  # the ready user task
    assert "bp-completed" in marker_classes(page, "draft")
    assert "bp-completed" in marker_classes(page, "start")
    assert not {"bp-active", "bp-waiting", "bp-completed"} & marker_classes(page, "schedule")  # not reached
    assert page.locator(".bp-badge-active").count() == 1
    # the drawn svg is the image; the bpmn.io logo link beside it is not inside an image
    assert page.get_attribute(".bpmn-canvas", "role") is None
    svg = page.locator(".bpmn-canvas .djs-container > svg")
    assert svg.get_attribute("role") == "img"
    assert svg.get_attribute("aria-label") == page.get_attribute(".bpmn-canvas", "data-label")
    assert page.locator(".bpmn-canvas [role=img] a").count() == 0
    assert page.get_attribute(".bpmn-canvas a.bjs-powered-by", "title")  # the logo link has a name
    page.locator("#diagram").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "case-diagram.png"), full_page=True)

    # the secretariat sends the proposal for hearing: the hearing process runs as called by the case
    driver.complete("secretary", {"screening": "complete", "hearing": "yes"})
    page.reload()
    wait_for_diagram(page)
    assert {"bp-waiting", "bp-link"} <= marker_classes(page, "hearing")
    assert "bp-completed" in marker_classes(page, "screen")
    page.click(".djs-element[data-element-id='hearing']")
    page.wait_for_url(f"{base}/sager/{case_id}?proces=hearing#diagram")
    wait_for_diagram(page)
    assert "bp-active" in marker_classes(page, "prepare")
    assert "Høring" in page.inner_text("#h-diagram")
    page.screenshot(path=str(artifacts / "case-diagram-called.png"), full_page=True)

    # the same through the plain link list, for keyboards and browsers without JavaScript
    page.goto(f"{base}/sager/{case_id}")
    page.focus("ul[aria-labelledby='h-called'] a")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/sager/{case_id}?proces=hearing#diagram")
    assert problems == []


def test_version_page_shows_the_diagram_without_markers(page, live_server, live_app, live_people):
    from sqlalchemy import select

    from engine.models import ProcessVersion
    from web.extensions import db

    with live_app.app_context():
        version_id = db.session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_id == "hearing"))
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    log_in(page, live_server, "admin", live_people.PASSWORD)
    page.goto(f"{live_server}/processer")
    page.click(f"a[href='/processer/{version_id}']")
    wait_for_diagram(page)
    assert page.locator(".djs-element[data-element-id='prepare']").count() == 1
    assert page.locator(".bp-badge").count() == 0
    assert problems == []
