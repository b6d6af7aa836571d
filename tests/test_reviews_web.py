"""Architecture reviews on the web and the API: the request, the rule-by-rule forms with their field errors,
who sees a review, the public register after the embargo, the report PDF, search."""
from __future__ import annotations

from datetime import timedelta

import pytest

from pdf_support import assert_accessible_pdf
from review_support import ReviewDriver, today

pytestmark = pytest.mark.usefixtures("sqlite_url")


@pytest.fixture
def app(sqlite_url):
    from support import make_app

    return make_app(sqlite_url)


@pytest.fixture
def driver(app, people):
    d = ReviewDriver(app, people)
    d.setup()
    return d


def test_a_project_owner_requests_a_review_and_fills_the_self_assessment_with_field_errors(driver, people):
    client = people.login(driver.app.test_client(), "contact")
    response = client.post("/arkitekturvurderinger/ny", data={"project": "", "organisation": "Hjørring Kommune",
                                                               "description": "x", "phase": "idea", "municipal": "yes"})
    assert response.status_code == 422 and 'id="f-project"' in response.text
    response = client.post("/arkitekturvurderinger/ny", data={
        "project": "Borgerportal", "organisation": "Hjørring Kommune", "description": "En portal.",
        "phase": "idea", "municipal": "yes"})
    assert response.status_code == 302
    from workflows.architecture_review import Review
    with driver.app.app_context():
        review = driver.db.session.query(Review).one()
        driver.review_id, driver.case_id = review.id, review.case_id
    driver.triage()
    page = client.get(f"/arkitekturvurderinger/{driver.review_id}/selvvurdering")
    assert page.status_code == 200 and "AR 1.1" in page.text
    ids = driver.answer_ids()
    version = driver.case().version
    bad = {"version": str(version), f"assessment_{ids[0]}": "deviates", f"assessment_{ids[1]}": "meets",
           f"assessment_{ids[2]}": "meets"}
    response = client.post(f"/arkitekturvurderinger/{driver.review_id}/selvvurdering", data=bad)
    assert response.status_code == 422 and f'href="#f-explanation_{ids[0]}"' in response.text
    assert driver.record().status == "self_assessment"
    good = {**bad, f"explanation_{ids[0]}": "Vi genbruger kommunens eksisterende løsning."}
    response = client.post(f"/arkitekturvurderinger/{driver.review_id}/selvvurdering", data=good)
    assert response.status_code == 302 and driver.record().status == "wg_review"
    stale = client.post(f"/arkitekturvurderinger/{driver.review_id}/gennemgang", data={"version": str(version)})
    assert stale.status_code in (403, 404)  # the owner is not in the working group


def test_who_sees_a_review_and_the_register_after_the_embargo(driver, people):
    driver.start()
    driver.triage()
    driver.assess(choices=["deviates", "meets", "meets"])
    driver.wg_review()
    driver.decide(outcome="approved_with_dispensations", expires_on=(today() + timedelta(days=90)).isoformat())
    owner = people.login(driver.app.test_client(), "contact")
    ics = owner.get(f"/arkitekturvurderinger/{driver.review_id}/dispensationer.ics")
    assert ics.status_code == 200 and b"BEGIN:VEVENT" in ics.data and b"AR 1.1" in ics.data
    anonymous = driver.app.test_client()
    outsider = people.login(driver.app.test_client(), "outsider")
    assert outsider.get(f"/arkitekturvurderinger/{driver.review_id}").status_code == 404
    assert anonymous.get(f"/register/arkitekturvurderinger/{driver.review_id}").status_code == 404
    assert "Fælles borgerportal" not in anonymous.get("/register/arkitekturvurderinger").text
    driver.hold_council_meeting()
    driver.sweep()
    register = anonymous.get("/register/arkitekturvurderinger")
    assert register.status_code == 200 and "Fælles borgerportal" in register.text
    assert anonymous.get(f"/register/arkitekturvurderinger/{driver.review_id}").status_code == 200
    assert "AR 1.1" in anonymous.get("/register/arkitekturvurderinger/regler").text
    key = driver.record().project_key
    assert anonymous.get(f"/register/arkitekturvurderinger/projekter/{key}").status_code == 200
    assert anonymous.get("/register/arkitekturvurderinger/projekter/ukendt").status_code == 404
    hits = anonymous.get("/soeg", query_string={"q": "borgerportal"}).text
    assert f"/register/arkitekturvurderinger/{driver.review_id}" in hits


def test_the_review_report_is_an_accessible_pdf(driver, people):
    driver.start()
    driver.triage()
    driver.assess(choices=["deviates", "not_applicable", "meets"])
    client = people.login(driver.app.test_client(), "secretary")
    response = client.get(f"/arkitekturvurderinger/{driver.review_id}/arkitekturrapport.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    facts = assert_accessible_pdf(response.data, title="Arkitekturrapport: Fælles borgerportal")
    assert "AR 1.2" in facts.text and "Ikke relevant" in facts.text


def test_the_api_starts_a_review_and_its_tasks_go_through_the_tasks_api(driver, people):
    client = driver.app.test_client()
    token = people.token("contact")
    headers = {"Authorization": f"Bearer {token}"}
    bad = client.post("/api/v1/reviews", json={"project": "X"}, headers=headers)
    assert bad.status_code == 422
    response = client.post("/api/v1/reviews", json={
        "project": "Sagsportal", "organisation": "Hjørring Kommune", "description": "En portal.",
        "phase": "implementation", "municipal": "no"}, headers=headers)
    assert response.status_code == 201, response.json
    body = response.json
    driver.review_id, driver.case_id = body["id"], body["case_id"]
    driver.triage()
    assert len(driver.answer_ids()) == 2  # the common rules only
    tasks = client.get("/api/v1/tasks", headers=headers).json
    [task] = [t for t in tasks if t["case_id"] == driver.case_id]
    ids = driver.answer_ids()
    bad = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=headers,
                      json={"version": driver.case().version,
                            "data": {f"assessment_{ids[0]}": "not_applicable", f"assessment_{ids[1]}": "meets"}})
    assert bad.status_code == 422 and f"explanation_{ids[0]}" in str(bad.json)
    forbidden = client.post("/api/v1/reviews", json={
        "project": "Sagsportal", "organisation": "KL", "description": "x", "phase": "idea", "municipal": "no"},
        headers={"Authorization": f"Bearer {people.token('member')}"})
    assert forbidden.status_code == 403


def test_the_board_is_administered_by_administrators(driver, people):
    member = people.login(driver.app.test_client(), "member")
    assert member.get("/admin/arkitekturboard").status_code == 403
    admin = people.login(driver.app.test_client(), "admin")
    page = admin.get("/admin/arkitekturboard")
    assert page.status_code == 200 and "Councillor" in page.text
    bad = admin.post("/admin/arkitekturboard/medlemmer", data={"user_id": str(people.ids["councillor"]),
                                                               "term_start": "2026-01-01"})
    assert bad.status_code == 422  # a member already
    ok = admin.post("/admin/arkitekturboard/medlemmer", data={"user_id": str(people.ids["lead"]),
                                                              "term_start": "2026-01-01", "organisation": "KL"})
    assert ok.status_code == 302
    from workflows.architecture_review import board_members
    with driver.app.app_context():
        members = board_members(driver.db.session)
        assert {m.user.username for m in members} == {"councillor", "lead"}
        assert people.user("lead").has_role("board_member")


def test_the_generic_task_pages_of_triage_and_the_board_show_the_review(driver, people):
    driver.start()
    [triage] = driver.tasks("review.triage")
    secretary = people.login(driver.app.test_client(), "secretary")
    page = secretary.get(f"/opgaver/{triage.id}")
    assert page.status_code == 200 and "Fælles borgerportal" in page.text and "Brugerstyring" in page.text
    driver.triage()
    driver.assess(choices=["deviates", "meets", "meets"])
    driver.wg_review()
    [decide] = driver.tasks("review.board_decision")
    board = people.login(driver.app.test_client(), "councillor")
    page = board.get(f"/opgaver/{decide.id}")
    assert page.status_code == 200 and "AR 1.1" in page.text
    # the date is three inputs (day, month, year), joined server-side
    assert all(f'name="expires_on-{part}"' in page.text for part in ("day", "month", "year"))
    response = board.post(f"/opgaver/{decide.id}", data={"version": str(driver.case().version),
                                                         "outcome": "approved_with_dispensations",
                                                         "reason": "Begrundet", "expires_on": "2001-01-01"})
    assert response.status_code == 422 and driver.dispensations() == []
