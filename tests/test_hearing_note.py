"""Issue 16: the hearing note as DOCX and accessible PDF, sections and section comments, redaction before
publication and "we asked / you said / we did" on the public page."""
from __future__ import annotations

import hashlib
import io
from datetime import datetime, timezone

from docx import Document as Docx
from docx.oxml.ns import qn
from sqlalchemy import select

from pdf_support import assert_accessible_pdf
from test_hearings_web import clock, hearings, municipalities, text_of  # noqa: F401

from engine.models import AuditEvent, Blob
from web.extensions import db
from workflows.hearing import HearingResponse, NotePoint
from workflows.hearing.records import HearingNoteDocument, HearingSection, Redaction, SectionComment

AFTER = datetime(2031, 3, 25, 9, 0, tzinfo=timezone.utc)  # the day after the deadline


def _docx(text: str = "") -> bytes:
    doc = Docx()
    doc.add_heading("Referencearkitektur for brugerstyring", 0)
    doc.add_heading("Formål", 1)
    doc.add_paragraph("Tekst")
    doc.add_heading("Data", 1)
    doc.add_heading("Adgang til data", 2)
    doc.add_heading("3 Tidsplan", 1)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _sections(app, hearing_id) -> dict[str, int]:
    with app.app_context():
        return {s.number: s.id for s in db.session.scalars(select(HearingSection).where(
            HearingSection.hearing_id == hearing_id))}


def _setup(app, people, municipalities, hearings, client):  # noqa: F811
    """A hearing with three sections from a DOCX's headings; Aarhus answers on time on two sections,
    Frederiksberg on time and asks not to be published, Zeta ApS late (admitted), Ærø Data late
    (rejected), Hjørring not at all."""
    m = municipalities
    hearing_id = hearings.draft("Brugerstyring", municipalities=[m["Aarhus"], m["Frederiksberg"], m["Hjørring"]],
                                externals=[("Zeta ApS", "zeta@x.example"), ("Ærø Data", "aeroe@x.example")],
                                material=[("brugerstyring.docx", _docx(), "Referencearkitektur")])
    people.login(client, "secretary")
    with app.app_context():
        doc_id = hearings.service.material(db.session, hearing_id)[0].id
    assert client.post(f"/hoeringer/{hearing_id}/afsnit/import", data={"document_id": doc_id}).status_code == 302
    sections = _sections(app, hearing_id)
    assert set(sections) == {"1", "2", "2.1", "3"}
    tokens = hearings.publish(hearing_id)
    section = sections["2.1"]
    aarhus = client.post(f"/hoering/svar/{tokens['hoering@aarhus.example']}", data={
        "text": "Aarhus støtter forslaget. Kontakt Jens Jensen på 12345678.",
        f"section-{section}": "Adgang via NemLog-in",
        f"section-{sections['1']}": "Formålet er klart"})
    assert aarhus.status_code == 302
    client.post(f"/hoering/svar/{tokens['hoering@frb.example']}", data={"text": "Frederiksbergs svar"})
    client.post(f"/hoering/svar/{tokens['hoering@frb.example']}/offentliggoerelse", data={"unpublish": "1"})
    return hearing_id, tokens, sections


def test_sections_comments_note_docx_pdf_redaction_and_publication(client, app, people, municipalities, hearings,
                                                                   clock):  # noqa: F811
    hearing_id, tokens, sections = _setup(app, people, municipalities, hearings, client)

    # a comment on a section the hearing does not have: a per-field error, nothing stored
    before = hearings.count(HearingResponse)
    bad = client.post(f"/hoering/svar/{tokens['hoering@hjoerring.example']}",
                      data={"text": "Svar", "section-999999": "Findes ikke"})
    assert bad.status_code == 422 and "Høringen har ikke et sådant afsnit." in bad.data.decode()
    assert hearings.count(HearingResponse) == before

    # the staff page: the sections with their comment counts, most commented first
    page = text_of(client.get(f"/hoeringer/{hearing_id}").data.decode())
    assert "1 Formål 1" in page and "2.1 Adgang til data 1" in page and "3 Tidsplan 0" in page
    public = client.get(f"/offentlige-hoeringer/{hearing_id}").data.decode()
    assert "2.1 Adgang til data" in public and "3 Tidsplan" in public
    dashboard = text_of(client.get("/hoeringer").data.decode())
    assert "1 Formål (1 bemærkning)" in dashboard

    # late answers after the deadline: one admitted, one rejected
    clock.move_to(AFTER)
    hearings.byplan.engine.fire_due_timers()
    client.post(f"/hoering/svar/{tokens['zeta@x.example']}", data={"text": "Zetas sene svar"})
    client.post(f"/hoering/svar/{tokens['aeroe@x.example']}", data={"text": "Ærøs sene svar"})
    with app.app_context():
        s = db.session
        by_party = {r.party.name: r for r in s.scalars(select(HearingResponse).where(
            HearingResponse.hearing_id == hearing_id))}
        secretary = people.user("secretary")
        hearings.service.decide_late(s, secretary, by_party["Zeta ApS"].id, {"decision": "admit", "reason": "Aftalt"})
        hearings.service.decide_late(s, secretary, by_party["Ærø Data"].id, {"decision": "reject", "reason": "Nej"})
        s.commit()
        ids = {name: r.id for name, r in by_party.items()}

    # redaction: outside the text, a passage not in it, the declining party: errors, nothing changes
    people.login(client, "secretary")
    for data, field in (({"start": "0", "end": "100000", "reason": "Persondata"}, "end"),
                        ({"passage": "findes ikke", "reason": "Persondata"}, "passage"),
                        ({"passage": "Jens Jensen", "reason": ""}, "reason")):
        bad = client.post(f"/hoeringer/svar/{ids['Aarhus']}/overstregning", data={"hearing_id": hearing_id, **data})
        assert bad.status_code == 422, field
        assert f'id="e-{field}-{ids["Aarhus"]}"' in bad.data.decode()
    declined = client.post(f"/hoeringer/svar/{ids['Frederiksberg']}/overstregning",
                           data={"hearing_id": hearing_id, "passage": "svar", "reason": "x"})
    assert declined.status_code == 422
    assert hearings.count(Redaction) == 0
    ok = client.post(f"/hoeringer/svar/{ids['Aarhus']}/overstregning",
                     data={"hearing_id": hearing_id, "passage": "Jens Jensen på 12345678", "reason": "Persondata"})
    assert ok.status_code == 302
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.kind == "hearing.redaction"))
        original = db.session.get(HearingResponse, ids["Aarhus"]).text
        assert event.detail["original_sha256"] == hashlib.sha256(original.encode()).hexdigest()
        redacted = "Aarhus støtter forslaget. Kontakt [overstreget]."
        assert event.detail["redacted_sha256"] == hashlib.sha256(redacted.encode()).hexdigest()

    # the working group's points, per section
    with app.app_context():
        s = db.session
        lead = people.user("lead")
        for response, section, point, disposition in (
                ("Aarhus", "2.1", "Adgang via NemLog-in", "incorporated"), ("Aarhus", None, "Generel støtte", "noted"),
                ("Frederiksberg", "1", "Formålet bør skærpes", "partly"),
                ("Zeta ApS", "3", "Tidsplanen er for kort", "not_incorporated")):
            hearings.service.add_point(s, lead, hearing_id, {
                "response_id": ids[response], "section_id": sections[section] if section else 0, "point": point,
                "disposition": disposition, "reason": f"Begrundelse: {point}"})
        s.commit()

    # the draft note, generated from the record
    people.login(client, "lead")
    docx = client.get(f"/hoeringer/{hearing_id}/hoeringsnotat.docx")
    assert docx.status_code == 200
    doc = Docx(io.BytesIO(docx.data))
    assert doc.core_properties.title == "Høringsnotat: Brugerstyring" and doc.core_properties.language == "da-DK"
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0] == ("Title", "Høringsnotat: Brugerstyring")
    assert [t for st, t in headings if st == "Heading 1"] == ["Høringsperiode", "Høringsliste", "Resumé",
                                                               "Høringssvarene", "Ændringer i teksten"]
    assert [t for st, t in headings if st == "Heading 2"] == ["Generelle bemærkninger", "1 Formål",
                                                               "2.1 Adgang til data", "3 Tidsplan"]
    hearing_list = doc.tables[0]
    assert hearing_list.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    rows = [[c.text for c in row.cells] for row in hearing_list.rows]
    assert rows == [["Høringspart", "Svar"], ["Aarhus", "Svar modtaget"], ["Frederiksberg", "Svar modtaget"],
                    ["Hjørring", "Intet svar"], ["Zeta ApS", "Svar modtaget efter fristen, medtaget"],
                    ["Ærø Data", "Svar modtaget efter fristen, ikke medtaget"]]
    formaal = [[c.text for c in row.cells] for row in doc.tables[2].rows]
    assert formaal[1] == ["Formålet bør skærpes", "Anonym høringspart", "Delvist indarbejdet",
                          "Begrundelse: Formålet bør skærpes"]
    changes = [[c.text for c in row.cells] for row in doc.tables[-1].rows]
    assert changes[1:] == [["1 Formål", "Begrundelse: Formålet bør skærpes"],
                           ["2.1 Adgang til data", "Begrundelse: Adgang via NemLog-in"]]

    pdf = client.get(f"/hoeringer/{hearing_id}/hoeringsnotat.pdf")
    facts = assert_accessible_pdf(pdf.data, title="Høringsnotat: Brugerstyring")
    assert {"Høringsliste", "Resumé", "2.1 Adgang til data", "Ændringer i teksten"} <= set(facts.bookmarks)
    words = " ".join(facts.text.split())  # table cells wrap
    assert "Anonym høringspart" in words and "Intet svar" in words
    assert client.get("/hoeringer/999999/hoeringsnotat.pdf").status_code == 404
    client.get("/logout")

    # the material gets a new version after the hearing (the resulting text); then the note is approved
    with app.app_context():
        s = db.session
        material = hearings.service.material(s, hearing_id)[0]
        hearings.byplan.documents.add(s, case_id=material.case_id, filename="brugerstyring.docx", content=_docx() + b"",
                                      actor="lead", document_id=material.id)
        s.commit()
    for username, values in (("lead", {"note_summary": "Fem parter blev hørt."}),
                             ("secretary", {"note_decision": "approve"})):
        task = hearings.task(hearing_id)
        with app.app_context():
            hearings.byplan.complete_task(db.session, people.user(username), task.id, values, None)
            db.session.commit()
    assert hearings.hearing(hearing_id).status == "concluded"

    # the approved note is frozen: DOCX and PDF versions with their sha256 in the document store
    with app.app_context():
        s = db.session
        frozen = s.scalar(select(HearingNoteDocument).where(HearingNoteDocument.hearing_id == hearing_id))
        pdf_blob = s.get(Blob, frozen.pdf_sha256)
        assert hashlib.sha256(pdf_blob.content).hexdigest() == frozen.pdf_sha256
        assert "Fem parter blev hørt." in assert_accessible_pdf(pdf_blob.content,
                                                                 title="Høringsnotat: Brugerstyring").text
        assert s.scalar(select(SectionComment.id)) is not None and s.scalar(select(NotePoint.id)) is not None

    # the public page: the redacted text only, never the declining party's, you said / we did, the note
    public = client.get(f"/offentlige-hoeringer/{hearing_id}").data.decode()
    assert "Jens Jensen" not in public and "Aarhus støtter forslaget. Kontakt [overstreget]." in public
    assert "Frederiksbergs svar" not in public
    assert "Vi spurgte, I svarede, vi gjorde" in public and "Adgang via NemLog-in" in public
    link = f"/offentlige-hoeringer/{hearing_id}/dokumenter/{material.id}/v2"
    assert link in public
    assert client.get(link).status_code == 200
    assert client.get(f"/offentlige-hoeringer/{hearing_id}/dokumenter/{material.id}/v9").status_code == 404
    note_pdf = client.get(f"/offentlige-hoeringer/{hearing_id}/dokumenter/{frozen.pdf_document_id}")
    assert note_pdf.status_code == 200 and note_pdf.data == pdf_blob.content
