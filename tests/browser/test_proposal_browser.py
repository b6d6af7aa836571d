"""In a real browser: a proposal goes from the working group through the secretariat and the council to the
public principle catalogue."""
from __future__ import annotations

import pytest

from browser_support import log_in
from council_support import CouncilDriver

pytestmark = pytest.mark.browser


def log_out(page):
    page.click("header form[action$='/logout'] button")


def test_submit_proposal_and_see_it_in_the_secretariats_inbox(page, live_server, live_app, live_people, artifacts):
    base = live_server
    log_in(page, base, "lead", live_people.PASSWORD)
    page.click("nav:visible >> a[href='/forslag/nyt']")  # the wide menu (the narrow one is closed)
    page.check("#kind-principle")
    page.fill("#f-title", "Genbrug før køb før byg")
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base}/sager/*")

    page.click("#h-tasks + ul a")  # the draft task of the new case
    page.wait_for_url(f"{base}/opgaver/*")
    # submitting without the required texts shows per-field errors and keeps the input
    page.fill("#f-summary", "")
    page.click("form.form button[type=submit]")
    assert page.locator(".error-summary").is_visible()
    assert page.locator("#e-summary").is_visible()
    assert page.input_value("#f-title") == "Genbrug før køb før byg"

    page.fill("#f-summary", "Kommunerne genbruger før de køber, og køber før de bygger.")
    page.fill("#f-statement", "Eksisterende løsninger genbruges før nye købes eller bygges.")
    page.fill("#f-rationale", "Det sparer penge og giver sammenhæng.")
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base}/sager/*")
    assert "Vurdér forslaget" in page.inner_text("#h-tasks + ul")
    page.screenshot(path=str(artifacts / "proposal-submitted.png"), full_page=True)

    log_out(page)
    log_in(page, base, "secretary", live_people.PASSWORD)
    inbox = page.inner_text("main")
    assert "Vurdér forslaget" in inbox and "Genbrug før køb før byg" in inbox
    page.screenshot(path=str(artifacts / "secretariat-inbox.png"), full_page=True)

    # keyboard only: the screening task is reachable and completable without a mouse
    page.click("main table a[href^='/opgaver/']")
    page.wait_for_url(f"{base}/opgaver/*")
    page.focus("#f-screening-1")
    page.keyboard.press("Space")
    for _ in range(10):  # Tab through the remaining fields to the submit button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "submit":
            break
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/sager/*")
    assert "Sæt forslaget på rådets dagsorden" in page.inner_text("#h-tasks + ul")

    # the secretariat puts it on a council meeting's agenda; the agenda is published, members take positions
    council = CouncilDriver(live_app, live_people)
    council.ensure_members(("chair", "councillor"))
    meeting_id = council.create_meeting("Rådsmøde marts")
    page.click("#h-tasks + ul a")
    page.check(f"input[name=meeting_id][value='{meeting_id}']")
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base}/sager/*")
    council.publish_agenda(meeting_id)
    council.record_positions(meeting_id, {"councillor": "object"})

    # the chair records a position as a council member, in the browser
    log_out(page)
    log_in(page, base, "chair", live_people.PASSWORD)
    page.click("main table a:has-text('Tilkendegiv holdning')")
    page.check("input[name=position][value=agree]")
    page.fill("#f-comment", "Et godt princip.")
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base}/sager/*")

    # at the meeting, the chair approves with changes; the principle appears in the public catalogue
    with council.at_meeting(meeting_id):
        page.goto(f"{base}/opgaver")
        page.click("main table a:has-text('Rådets beslutning')")
        page.check("input[name=decision][value=approved_with_changes]")
        page.click("form.form button[type=submit]")
        assert page.locator("#e-changes").is_visible()  # changes are required for this decision
        page.check("input[name=decision][value=approved_with_changes]")
        page.fill("#f-changes", "Gælder også for fælleskommunale løsninger.")
        page.click("form.form button[type=submit]")
        page.wait_for_url(f"{base}/sager/*")
        live_app.extensions["byplan"].engine.route_messages()  # the worker's job: the decision reaches the proposal
    log_out(page)
    page.goto(f"{base}/principper")
    assert "Genbrug før køb før byg" in page.inner_text("main")
    page.click("main a:has-text('Genbrug før køb før byg')")
    assert "Gælder også for fælleskommunale løsninger." in page.inner_text("main")
    page.screenshot(path=str(artifacts / "principle.png"), full_page=True)
