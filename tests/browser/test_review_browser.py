"""In a real browser: a project owner takes an architecture review through the rule-by-rule self-assessment,
first with a deviation left unexplained (the error summary links to the field), then complete."""
from __future__ import annotations

import pytest

from review_support import ReviewDriver

pytestmark = pytest.mark.browser


def log_in(page, base, username, password):
    page.goto(f"{base}/login")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.click("button[type=submit].button")
    page.wait_for_url(f"{base}/")  # the start page


def test_a_project_owner_takes_a_review_through_the_self_assessment(page, live_server, live_app, live_people,
                                                                     artifacts):
    base = live_server
    driver = ReviewDriver(live_app, live_people)
    driver.setup()
    log_in(page, base, "contact", live_people.PASSWORD)
    page.goto(f"{base}/arkitekturvurderinger/ny")
    page.fill("#f-project", "Fælles borgerportal")
    page.fill("#f-organisation", "Hjørring Kommune")
    page.fill("#f-description", "En portal til borgernes henvendelser.")
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base}/arkitekturvurderinger/*")
    review_id = int(page.url.rsplit("/", 1)[1].split("#")[0])
    from workflows.architecture_review import Review
    with live_app.app_context():
        review = driver.db.session.get(Review, review_id)
        driver.review_id, driver.case_id = review.id, review.case_id
    driver.triage()

    page.goto(f"{base}/arkitekturvurderinger/{review_id}")
    page.click("#h-review-tasks + ul a")
    page.wait_for_url(f"{base}/arkitekturvurderinger/{review_id}/selvvurdering")
    first, second, third = driver.answer_ids()
    page.check(f"#f-assessment_{first}-2")  # deviates, without an explanation
    page.check(f"#f-assessment_{second}-1")
    page.check(f"#f-assessment_{third}-3")  # not applicable, explained
    page.fill(f"#f-explanation_{third}", "Projektet behandler ikke den slags data.")
    page.click("form.form button[type=submit]")
    assert page.locator(".error-summary").is_visible()
    assert page.locator(f"#e-explanation_{first}").is_visible()
    assert page.is_checked(f"#f-assessment_{third}-3")  # the input is kept
    page.click(f".error-summary a[href='#f-explanation_{first}']")
    assert page.evaluate("document.activeElement.id") == f"f-explanation_{first}"
    page.screenshot(path=str(artifacts / "review-self-assessment-errors.png"), full_page=True)

    page.fill(f"#f-explanation_{first}", "Vi genbruger kommunens eksisterende løsning indtil næste udbud.")
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base}/arkitekturvurderinger/{review_id}*")
    assert "Arbejdsgruppens gennemgang" in page.inner_text("main")
    assert driver.record().status == "wg_review"
    page.screenshot(path=str(artifacts / "review-after-self-assessment.png"), full_page=True)
