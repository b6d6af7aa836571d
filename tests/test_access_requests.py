"""Access-to-documents requests (workflows/access_request, web/access_requests.py): receipt and deadline in
working days, assessment per document with its rules, delay letter by the BPMN timer, partial and final
decisions with letter (accessible PDF) and zip download, 410 after 30 days, every download audited."""
from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import pytest
import time_machine
from access_support import (
    T0, act, add_document, fire_timers, mails, ready_tasks, request_row, service, submit, token_of,
)
from pdf_support import assert_accessible_pdf, read_pdf
from sqlalchemy import func, select

from workflows.forms import FormInvalid


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def _count(app, model):
    from web.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_the_receipt_names_the_number_and_the_deadline_seven_working_days_later(app, clock):
    request_id, number = submit(app)
    req = request_row(app, request_id)
    assert number == "AI-2026-0001"
    assert (req.received_on, req.deadline, req.delay_due) == (date(2026, 3, 2), date(2026, 3, 11), date(2026, 3, 9))
    [(to, subject, body)] = mails(app, "access_request.receipt")
    assert to == "anna@example.org" and number in subject
    assert "11.03.2026" in body and number in body


def test_holidays_push_the_deadline(app, clock):
    clock.move_to("2026-03-30T09:00:00+00:00")  # the Monday before Easter: Thursday, Friday and Monday are off
    request_id, _ = submit(app)
    assert request_row(app, request_id).deadline == date(2026, 4, 13)


def test_a_request_without_contact_address_is_refused_and_nothing_is_stored(app, client, clock):
    from workflows.access_request import AccessRequest

    response = client.post("/aktindsigt", data={"name": "Anna", "asked": "Referatet"})
    assert response.status_code == 422
    assert "e-email" in response.get_data(as_text=True)
    assert _count(app, AccessRequest) == 0 and mails(app, "access_request.receipt") == []


def test_the_public_form_and_its_receipt_page(client, clock):
    assert client.get("/aktindsigt").status_code == 200
    response = client.post("/aktindsigt", data={"name": "Anna Andersen", "email": "anna@example.org",
                                                "asked": "Referatet"})
    assert response.status_code == 201
    assert "AI-2026-0001" in response.get_data(as_text=True)


def test_bad_assessments_are_refused_per_field_and_change_nothing(app, people, clock):
    request_id, _ = submit(app)
    doc = add_document(app, "Notat")
    act(app, people, "add_documents", request_id, [doc])
    item_id = _item(app, request_id, doc)
    with pytest.raises(FormInvalid) as refused:
        act(app, people, "assess", request_id, item_id, {"assessment": "refused"})
    assert "legal_basis" in refused.value.errors
    with pytest.raises(FormInvalid) as partial:
        act(app, people, "assess", request_id, item_id, {"assessment": "partial", "redactions": "navne"})
    assert "reason" in partial.value.errors
    with pytest.raises(FormInvalid) as no_copy:
        act(app, people, "assess", request_id, item_id, {"assessment": "partial", "redactions": "navne",
                                                         "reason": "private forhold", "legal_basis": "30"})
    assert "redacted" in no_copy.value.errors
    with pytest.raises(FormInvalid):
        act(app, people, "assess", request_id, item_id, {"assessment": "refused", "legal_basis": "99"})
    assert _assessment(app, item_id) is None


def _item(app, request_id, document_id):
    from web.extensions import db
    from workflows.access_request import AccessDocument

    with app.app_context():
        return db.session.scalar(select(AccessDocument.id).where(AccessDocument.request_id == request_id,
                                                                 AccessDocument.document_id == document_id))


def _assessment(app, item_id):
    from web.extensions import db
    from workflows.access_request import AccessDocument

    with app.app_context():
        return db.session.get(AccessDocument, item_id).assessment


def test_partial_then_final_decision_with_letters_zip_and_audited_downloads(app, people, client, clock):
    from engine.models import AuditEvent
    from web.extensions import db

    request_id, number = submit(app)
    clear, secret, mixed = (add_document(app, t, t.encode()) for t in ("Dagsorden", "Intern mail", "Notat"))
    act(app, people, "add_documents", request_id, [clear, secret, mixed])
    act(app, people, "assess", request_id, _item(app, request_id, clear), {"assessment": "full"})
    act(app, people, "decide", request_id, False)  # the clear document goes out before the rest
    [(_, subject, body)] = mails(app, "access_request.decision")
    assert subject.startswith("Delafgørelse")
    first = client.get(f"/aktindsigt/hent/{token_of(body)}")
    assert first.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(first.data)).namelist()
    assert any(n.endswith("Dagsorden.txt") for n in names) and "dokumentliste.csv" in names
    assert not any("Intern" in n for n in names)

    act(app, people, "assess", request_id, _item(app, request_id, secret),
        {"assessment": "refused", "legal_basis": "23", "reason": "Internt arbejdsdokument"})
    act(app, people, "assess", request_id, _item(app, request_id, mixed),
        {"assessment": "partial", "redactions": "Navne på borgere", "reason": "Private forhold", "legal_basis": "30"},
        redacted=("notat-overstreget.txt", b"Notat uden navne"))
    act(app, people, "decide", request_id, True)
    assert request_row(app, request_id).status == "decided" and ready_tasks(app, request_id) == []
    final_body = mails(app, "access_request.decision")[1][2]
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/aktindsigt/hent/{token_of(final_body)}").data))
    assert archive.read(next(n for n in archive.namelist() if "overstreget" in n)) == b"Notat uden navne"
    assert not any(n.endswith("Notat.txt") for n in archive.namelist())  # never the unredacted original
    letter = archive.read(next(n for n in archive.namelist() if n.startswith("afgoerelse/")))
    assert_accessible_pdf(letter, title=f"Afgørelse om aktindsigt {number}")
    text = read_pdf(letter).text
    assert "§ 23" in text and "§ 30" in text and "Klagevejledning" in text
    with app.app_context():
        downloads = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "access_request.download")).all()
        assert len(downloads) == 2
        assert all("anna" not in (e.summary + str(e.detail) + (e.actor or "")).lower() for e in downloads)


def test_the_final_decision_needs_every_document_assessed(app, people, clock):
    from workflows.access_request import AccessRequestError

    request_id, _ = submit(app)
    act(app, people, "add_documents", request_id, [add_document(app, "Notat")])
    with pytest.raises(AccessRequestError):
        act(app, people, "decide", request_id, True)
    assert request_row(app, request_id).status == "received"


def test_no_decision_by_the_fifth_working_day_brings_the_delay_letter_task(app, people, clock):
    from workflows.access_request import AccessRequestError

    request_id, _ = submit(app)
    with pytest.raises(AccessRequestError):  # not due yet
        act(app, people, "send_delay_letter", request_id, {"reason": "Mange dokumenter", "expected": "2026-03-20"})
    clock.move_to("2026-03-09T20:00:00+00:00")  # the 5th working day, before its end
    fire_timers(app)
    assert ready_tasks(app, request_id) == ["assess"]
    clock.move_to("2026-03-10T07:00:00+00:00")
    fire_timers(app)
    assert ready_tasks(app, request_id) == ["delay_letter"]
    with pytest.raises(FormInvalid):  # a Saturday is not a working day
        act(app, people, "send_delay_letter", request_id, {"reason": "Mange dokumenter", "expected": "2026-03-21"})
    act(app, people, "send_delay_letter", request_id, {"reason": "Mange dokumenter", "expected": "2026-03-20"})
    req = request_row(app, request_id)
    assert (req.deadline, req.status) == (date(2026, 3, 20), "delayed")
    assert ready_tasks(app, request_id) == ["assess_after_delay"]
    [(_, subject, body)] = mails(app, "access_request.delay")
    assert "Mange dokumenter" in body and "20.03.2026" in body


def test_the_link_expires_after_30_days_with_410_and_an_unknown_link_is_404(app, people, client, clock):
    request_id, _ = submit(app)
    act(app, people, "set_listing", request_id, True)
    act(app, people, "decide", request_id, True)
    token = token_of(mails(app, "access_request.decision")[0][2])
    assert client.get(f"/aktindsigt/hent/{token}").status_code == 200
    clock.shift(timedelta(days=30))
    expired = client.get(f"/aktindsigt/hent/{token}")
    assert expired.status_code == 410 and "30" in expired.get_data(as_text=True)
    assert client.get("/aktindsigt/hent/ukendt").status_code == 404


def test_the_dashboard_shows_working_days_left_and_only_to_the_secretariat(app, people, client, clock):
    submit(app)
    submit(app, email="bo@example.org", name="Bo")
    clock.move_to("2026-03-04T09:00:00+00:00")
    people.login(client, "secretary")
    page = client.get("/aktindsigt/anmodninger").get_data(as_text=True)
    assert "AI-2026-0001" in page and "AI-2026-0002" in page and "5 arbejdsdage" in page
    rows = None
    with app.app_context():
        from web.extensions import db

        rows = service(app).open_requests(db.session, people.user("secretary"))
    assert [r.days_left for r in rows] == [5, 5]
    assert client.get("/aktindsigt/anmodninger/1").status_code == 200
    client.get("/logout")
    people.login(client, "member")
    assert client.get("/aktindsigt/anmodninger").status_code == 403


def test_the_generic_task_page_cannot_complete_an_assessment_without_the_letters(app, people, client, clock):
    from engine.models import ReadyTask
    from web.extensions import db

    request_id, _ = submit(app)
    case_id = request_row(app, request_id).case_id
    with app.app_context():
        task_id = db.session.scalar(select(ReadyTask.id).where(ReadyTask.case_id == case_id))
    people.login(client, "secretary")
    assert client.get(f"/opgaver/{task_id}").status_code == 200
    refused = client.post(f"/opgaver/{task_id}", data={})
    assert refused.status_code == 422 and "anmodningens egen side" in refused.get_data(as_text=True)
    assert ready_tasks(app, request_id) == ["assess"] and request_row(app, request_id).status == "received"
