"""In a real browser: an external party opens its personal hearing link from the invitation mail, reads the
material and the deadline, gets a field error for an empty response, answers with an attachment and then
replaces the answer."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

pytestmark = pytest.mark.browser


def published_hearing(app, people) -> tuple[str, str]:
    """A published standalone hearing with one external party; returns (link path, deadline as shown)."""
    from flask_babel import format_date

    from engine.mail import OutboxMail
    from engine.models import ReadyTask
    from web.extensions import db
    from workflows.hearing import COPENHAGEN, utcnow

    byplan = app.extensions["byplan"]
    from engine.workdays import next_working_day

    # a deadline on a working day (one on a holiday is moved to the next working day, issue 16)
    deadline = next_working_day(utcnow().astimezone(COPENHAGEN).date() + timedelta(days=30))
    with app.app_context():
        s = db.session
        secretary = people.user("secretary")
        hearing = byplan.hearings.create(s, secretary, title="Fælles brugerstyring",
                                         summary="Referencearkitektur for brugerstyring i kommunerne.",
                                         working_group_id=people.group_id)
        byplan.hearings.add_external_party(s, secretary, hearing.id, {"name": "Leverandør A/S",
                                                                      "email": "hoering@leverandoer.example"})
        byplan.hearings.add_document(s, secretary, hearing.id, "udkast.pdf", b"%PDF-1.4 udkast",
                                     "Udkast til referencearkitektur")
        task = s.scalar(select(ReadyTask).where(ReadyTask.case_id == hearing.case_id))
        byplan.complete_task(s, secretary, task.id, {"title": hearing.title, "summary": hearing.summary,
                                                     "deadline": deadline.isoformat(), "reminder_days": "7"}, None)
        s.commit()
        mail = s.scalar(select(OutboxMail).where(OutboxMail.to_address == "hoering@leverandoer.example",
                                                 OutboxMail.tag == "hearing.invite"))
        link = re.search(r"https?://[^/\s]+(/hoering/svar/\S+)", mail.body).group(1)
    with app.test_request_context():
        shown = format_date(deadline)  # as the page formats it (Danish, the default)
    return link, shown


def test_party_answers_through_its_personal_link(page, live_app, live_server, live_people, artifacts):
    from playwright.sync_api import expect

    link, deadline_text = published_hearing(live_app, live_people)
    base = live_server
    page.goto(f"{base}{link}")
    main = page.locator("main")
    expect(page.locator("h1")).to_contain_text("Fælles brugerstyring")
    expect(main).to_contain_text("Leverandør A/S")
    expect(main).to_contain_text(deadline_text)
    material = page.locator(f"main a[href^='{link}/dokumenter/']")
    expect(material).to_have_text("Udkast til referencearkitektur")
    respond_form = page.locator("form[enctype='multipart/form-data']")

    # an empty response: the error is shown and tied to the field
    respond_form.locator("button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#e-text")).to_be_visible()
    expect(page.locator("#e-text")).to_contain_text("Skriv et høringssvar, eller vedhæft en fil.")
    textarea = page.locator("#f-text")
    expect(textarea).to_have_attribute("aria-invalid", "true")
    assert "e-text" in textarea.get_attribute("aria-describedby").split()
    summary_link = page.locator(".error-summary a")
    expect(summary_link).to_have_attribute("href", "#f-text")
    summary_link.click()
    expect(textarea).to_be_focused()

    # a real response with an attachment
    textarea.fill("Vi støtter forslaget, men ønsker en overgangsperiode.")
    page.set_input_files("#f-files", files=[{"name": "bemaerkninger.pdf", "mimeType": "application/pdf",
                                             "buffer": b"%PDF-1.4 bemaerkninger"}])
    respond_form.locator("button[type=submit]").click()
    expect(page.locator(".flashes")).to_contain_text("Dit høringssvar er modtaget.")
    assert page.url == f"{base}{link}"
    responses = page.locator("ol.timeline")
    expect(responses).to_contain_text("version 1")
    expect(responses).to_contain_text("Vi støtter forslaget, men ønsker en overgangsperiode.")
    expect(responses.locator("a")).to_contain_text("bemaerkninger.pdf")
    expect(page.locator("h2", has_text="Erstat dit høringssvar")).to_be_visible()

    # replacing it gives version 2; version 1 is kept
    page.fill("#f-text", "Vi støtter forslaget uden forbehold.")
    respond_form.locator("button[type=submit]").click()
    expect(page.locator(".flashes")).to_contain_text("Dit høringssvar er modtaget.")
    items = responses.locator("> li")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("version 2")
    expect(items.nth(0)).to_contain_text("gældende")
    expect(items.nth(0)).to_contain_text("Vi støtter forslaget uden forbehold.")
    expect(items.nth(1)).to_contain_text("version 1")
    expect(items.nth(1)).not_to_contain_text("gældende")
    page.screenshot(path=str(artifacts / "hearing-party-link.png"), full_page=True)

    from web.extensions import db
    from workflows.hearing import HearingResponse

    with live_app.app_context():
        stored = db.session.scalars(select(HearingResponse).order_by(HearingResponse.version)).all()
        assert [(r.version, r.current, r.late, len(r.files)) for r in stored] == [(1, False, False, 1),
                                                                                  (2, True, False, 0)]
