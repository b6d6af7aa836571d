"""In a real browser: a municipality contact registers a colleague on the municipality's seats for a regional
network meeting using the keyboard, sees the confirmation and the colleague listed, and gets a field error for an
invalid e-mail address."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from browser_support import log_in
from network_support import NetworkDriver

pytestmark = pytest.mark.browser


def test_contact_registers_a_colleague(page, live_app, live_server, live_people, artifacts):
    from playwright.sync_api import expect

    driver = NetworkDriver(live_app, live_people)
    network_id = driver.network(municipalities=("Hjørring",), seats=2)
    round_id, (meeting_id,) = driver.create_round(network_id, regions=(("Midt-Nord", 20, 40),))
    base = live_server

    log_in(page, base, "contact", live_people.PASSWORD)
    page.goto(f"{base}/netvaerk/runder/{round_id}")
    expect(page.locator("h1")).to_have_text("Brug af rammearkitekturen")
    meeting = page.locator(f"#moede-{meeting_id}")
    expect(meeting).to_contain_text("Jeres kommunes pladser: 0 / 2")

    # fill in and submit with the keyboard only
    name = page.locator(f"#f-name-{meeting_id}")
    expect(page.get_by_label("Navn", exact=True)).to_have_attribute("id", f"f-name-{meeting_id}")
    name.focus()
    page.keyboard.type("Anne Andersen")
    page.keyboard.press("Tab")
    expect(page.locator(f"#f-email-{meeting_id}")).to_be_focused()
    page.keyboard.type("anne@hjoerring.dk")
    page.keyboard.press("Tab")
    expect(page.locator(f"#f-job_title-{meeting_id}")).to_be_focused()
    page.keyboard.type("Enterprisearkitekt")
    page.keyboard.press("Tab")
    expect(meeting.locator("form[action$='/tilmeld'] button[type=submit]")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator(".flashes")).to_contain_text("Tilmeldingen er gemt.")
    meeting = page.locator(f"#moede-{meeting_id}")
    expect(meeting).to_contain_text("Jeres kommunes pladser: 1 / 2")
    expect(meeting.locator("li", has_text="Anne Andersen")).to_contain_text("anne@hjoerring.dk")

    # an invalid e-mail address: the error is at the field
    page.fill(f"#f-name-{meeting_id}", "Bo Bech")
    page.fill(f"#f-email-{meeting_id}", "bo(at)hjoerring.dk")
    page.locator(f"#f-email-{meeting_id}").press("Enter")
    error = page.locator(f"#e-email-{meeting_id}")
    expect(error).to_be_visible()
    expect(error).to_have_text("Skriv en gyldig e-mailadresse.")
    email = page.locator(f"#f-email-{meeting_id}")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_attribute("aria-describedby", f"e-email-{meeting_id}")
    expect(page.locator(f"#moede-{meeting_id} .error-summary")).to_contain_text("Skriv en gyldig e-mailadresse.")
    expect(page.locator(f"#moede-{meeting_id}")).to_contain_text("Jeres kommunes pladser: 1 / 2")
    page.screenshot(path=str(artifacts / "network-registration.png"), full_page=True)

    from web.extensions import db
    from workflows.network import Registration

    with live_app.app_context():
        rows = db.session.scalars(select(Registration)).all()
        assert [(r.name, r.email, r.job_title, r.status, r.created_by) for r in rows] == [
            ("Anne Andersen", "anne@hjoerring.dk", "Enterprisearkitekt", "registered", "contact")]
