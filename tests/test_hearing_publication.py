"""Issue 16, finished: a section comment is redacted like the overall text (pages, API, public page, search),
the hearing's events read as sentences on the case timeline in Danish and English, and a deadline change
reaches the silent parties' mailboxes and their municipality contacts as each chose."""
from __future__ import annotations



from sqlalchemy import select

from test_hearing_controls import _mails
from test_hearing_note import AFTER, _setup
from test_hearings_web import DEADLINE, clock, hearings, municipalities, text_of  # noqa: F401

from engine.models import AuditEvent
from web.extensions import db
from workflows.hearing import Hearing, HearingResponse
from workflows.hearing.records import Redaction
from workflows.notifications import NotificationPreference


def _aarhus(app, hearing_id) -> int:
    with app.app_context():
        return db.session.scalar(select(HearingResponse.id).join(HearingResponse.party).where(
            HearingResponse.hearing_id == hearing_id, HearingResponse.current.is_(True),
            HearingResponse.text.like("Aarhus%")))


def test_a_section_comment_is_redacted_on_the_page_and_by_the_api_and_only_the_redacted_text_is_public(
        client, app, people, municipalities, hearings, clock, tmp_path):  # noqa: F811
    hearing_id, _tokens, sections = _setup(app, people, municipalities, hearings, client)
    clock.move_to(AFTER)
    hearings.byplan.engine.fire_due_timers()
    aarhus = _aarhus(app, hearing_id)
    people.login(client, "secretary")
    url = f"/hoeringer/svar/{aarhus}/overstregning"
    page = client.get(f"/hoeringer/{hearing_id}").data.decode()
    assert 'name="section_id"' in page and "Bemærkningen til 2.1 Adgang til data" in page

    # bad input per field: a section the response did not comment on, a passage only in the overall text,
    # offsets outside the comment (the API): nothing changes
    for data, field, message in (
            ({"section_id": sections["3"], "start": "0", "end": "3"}, "section_id",
             "Svaret har ingen bemærkning til det afsnit."),
            ({"section_id": sections["2.1"], "passage": "Jens Jensen"}, "passage",
             "Passagen står ikke i bemærkningens tekst."),
            ({"section_id": sections["2.1"], "start": "0", "end": "500"}, "end",
             "Passagen skal ligge inden for bemærkningens tekst.")):
        bad = client.post(url, data={"hearing_id": hearing_id, "reason": "Persondata", **data})
        assert bad.status_code == 422, field
        assert f'id="e-{field}-{aarhus}"' in bad.data.decode() and message in text_of(bad.data.decode())
    both = client.post(url, data={"hearing_id": hearing_id, "section_id": sections["3"], "passage": "x",
                                  "reason": ""}).data.decode()
    assert f'id="e-section_id-{aarhus}"' in both and f'id="e-reason-{aarhus}"' in both  # every field at once
    secretary = {"Authorization": f"Bearer {people.token('secretary')}"}
    api = f"/api/v1/hearing-responses/{aarhus}/redactions"
    outside = client.post(api, headers=secretary, json={"section_id": sections["2.1"], "start": 0, "end": 500,
                                                        "reason": "Persondata"})
    assert outside.status_code == 422 and set(outside.get_json()["errors"]["json"]) == {"end"}
    assert hearings.count(Redaction) == 0

    ok = client.post(url, data={"hearing_id": hearing_id, "section_id": sections["2.1"], "passage": "NemLog-in",
                                "reason": "Navn på en løsning"})
    assert ok.status_code == 302
    by_api = client.post(api, headers=secretary, json={"section_id": sections["1"], "passage": "klart",
                                                       "reason": "Stødende"})
    assert by_api.status_code == 201, by_api.get_json()
    with app.app_context():
        [comment_id] = [r.section_comment_id for r in db.session.scalars(select(Redaction))
                        if r.reason == "Stødende"]
    assert by_api.get_json()["section_comment_id"] == comment_id
    staff_html = client.get(f"/hoeringer/{hearing_id}").data.decode()
    assert "2.1 Adgang til data: »NemLog-in« – Navn på en løsning" in text_of(staff_html)
    # the page with the redaction forms of the comments (not in the demo crawl: only a closed hearing has them)
    # and the subscription page with its topics are valid HTML
    from test_html_validity import errors, run_vnu

    files = []
    for name, html in (("staff.html", staff_html), ("subscribe.html",
                                                    client.get("/hoeringer/abonnement").data.decode())):
        files.append(tmp_path / name)
        files[-1].write_text(html, encoding="utf-8")
    assert errors(run_vnu(files)) == []

    hearings.conclude(hearing_id)
    client.get("/logout")
    public = text_of(client.get(f"/offentlige-hoeringer/{hearing_id}").data.decode())
    assert "Adgang via [overstreget]" in public and "Formålet er [overstreget]" in public
    assert "NemLog-in" not in public and "klart" not in public
    # the public search finds the published (redacted) comment, never the original passage
    assert "Aarhus – Brugerstyring" not in text_of(client.get("/soeg?q=NemLog-in").data.decode())
    assert "Aarhus – Brugerstyring" in text_of(client.get("/soeg?q=Adgang").data.decode())


def test_the_hearings_events_read_as_sentences_in_danish_and_english(client, app, people, municipalities,
                                                                     hearings, clock):  # noqa: F811
    hearing_id, _tokens, sections = _setup(app, people, municipalities, hearings, client)
    people.login(client, "secretary")
    assert client.post(f"/hoeringer/{hearing_id}/frist", data={"deadline": "2031-04-07",
                                                               "reason": "Påsken"}).status_code == 302
    assert client.post(f"/hoeringer/{hearing_id}/luk", data={"close_reason": "Alle har svaret"}).status_code == 302
    aarhus = _aarhus(app, hearing_id)
    assert client.post(f"/hoeringer/svar/{aarhus}/overstregning", data={
        "hearing_id": hearing_id, "section_id": sections["2.1"], "passage": "NemLog-in",
        "reason": "Persondata"}).status_code == 302
    assert client.post(f"/hoeringer/svar/{aarhus}/overstregning", data={
        "hearing_id": hearing_id, "passage": "Jens Jensen", "reason": "Navn"}).status_code == 302
    hearings.conclude(hearing_id)
    with app.app_context():
        case_id = db.session.get(Hearing, hearing_id).case_id
        kinds = set(db.session.scalars(select(AuditEvent.kind).where(AuditEvent.case_id == case_id)))
    assert {"hearing.extend", "hearing.close", "hearing.deadline", "hearing.redaction",
            "hearing.note_approved"} <= kinds
    people.login(client, "secretary")
    page = text_of(client.get(f"/sager/{case_id}").data.decode())
    timeline = page[page.index("Tidslinje"):]
    with app.app_context():
        name = people.user("secretary").name
    for sentence in (f"{name} forlængede høringsfristen fra 24.3.2031 til 7.4.2031: Påsken",
                     f"{name} lukkede høringen før tid, før fristen 7.4.2031: Alle har svaret",
                     "Høringens påmindelse og frist blev flyttet til den nye dato",
                     f"{name} overstregede en passage i bemærkningen fra Aarhus til afsnit 2.1 Adgang til data "
                     "før offentliggørelsen: Persondata",
                     f"{name} overstregede en passage i høringssvaret fra Aarhus før offentliggørelsen: Navn",
                     "Det godkendte høringsnotat blev gemt som dokument og offentliggjort sammen med høringssvarene"):
        assert sentence in timeline, sentence
    assert "ændrede sagen" not in timeline  # no hearing event falls back to the generic sentence

    client.post("/language", data={"lang": "en", "next": "/"})
    english = text_of(client.get(f"/sager/{case_id}").data.decode())
    for sentence in (f"{name} extended the hearing's deadline from 24.3.2031 to 7.4.2031: Påsken",
                     f"{name} closed the hearing early, before its deadline 7.4.2031: Alle har svaret",
                     f"{name} redacted a passage of the comment of Aarhus on section 2.1 Adgang til data before "
                     "publication: Persondata",
                     "The approved hearing note was stored as a document and published with the answers"):
        assert sentence in english, sentence


def test_a_deadline_change_reaches_the_silent_parties_and_their_contacts_as_each_chose(
        client, app, people, municipalities, hearings, clock):  # noqa: F811
    m = municipalities
    hearing_id = hearings.draft("Kontakternes høring", municipalities=[m["Aarhus"], m["Hjørring"]],
                                externals=[("Zeta ApS", "zeta@x.example")])
    tokens = hearings.publish(hearing_id, DEADLINE, 5)
    client.post(f"/hoering/svar/{tokens['zeta@x.example']}", data={"text": "Zeta har svaret"})
    with app.app_context():
        contact = people.user("contact")
        db.session.expunge(contact)
    people.login(client, "secretary")
    assert client.post(f"/hoeringer/{hearing_id}/frist", data={"deadline": "2031-04-07",
                                                               "reason": "Mere tid"}).status_code == 302
    # the silent parties' mailboxes and Hjørring's contact; never Zeta, which has answered
    extend = _mails(app, "hearing.extend")
    assert sorted(x.to_address for x in extend) == sorted(
        ["hoering@aarhus.example", "hoering@hjoerring.example", contact.email])
    to_contact = next(x for x in extend if x.to_address == contact.email)
    assert to_contact.body.startswith(f"Kære {contact.name}") and "Mere tid" in to_contact.body

    # the contact takes deadline changes in the digest: held, not sent; the party's mailbox still gets it
    with app.app_context():
        db.session.add(NotificationPreference(user_id=contact.id, kind="hearing.close", mode="digest"))
        db.session.add(NotificationPreference(user_id=contact.id, kind="hearing.extend", mode="off"))
        db.session.commit()
    assert client.post(f"/hoeringer/{hearing_id}/luk", data={"close_reason": "Trukket"}).status_code == 302
    assert sorted(x.to_address for x in _mails(app, "hearing.close")) == sorted(
        ["hoering@aarhus.example", "hoering@hjoerring.example"])
    with app.app_context():
        from workflows.notifications import HeldNotification

        held = list(db.session.scalars(select(HeldNotification.kind).where(HeldNotification.user_id == contact.id)))
    assert held == ["hearing.close"]


def test_the_demo_hearing_has_section_comments_a_draft_note_and_the_topics_to_subscribe_to(client, app):
    import io

    from docx import Document as Docx

    from workflows.demo import load_demo
    from workflows.hearing import NotePoint
    from workflows.hearing.records import SectionComment, sections

    with app.app_context():
        s = db.session
        assert load_demo(s, app.extensions["byplan"]) is not None
        s.commit()
        hearing = s.scalar(select(Hearing).where(Hearing.title == "Fælles datamodel for sager og dokumenter"))
        assert hearing.status == "open" and len(sections(s, hearing.id)) == 6
        comments = list(s.scalars(select(SectionComment).join(HearingResponse).where(
            HearingResponse.hearing_id == hearing.id)))
        assert len(comments) == 4
        points = list(s.scalars(select(NotePoint).where(NotePoint.hearing_id == hearing.id)))
        assert len(points) == 4 and all(p.section_id for p in points) and hearing.note_summary
        _name, docx = app.extensions["byplan"].hearings.publication.draft(s, hearing.id, "docx")
        topics = app.extensions["byplan"].hearings.subscriptions.topics(s)
    headings = [p.text for p in Docx(io.BytesIO(docx)).paragraphs if p.style.name == "Heading 2"]
    assert headings == ["2.1 Sag", "3 Snitflader", "4 Overgang"]
    assert topics, "the demo catalogue's principles are the topics"
    page = client.get("/hoeringer/abonnement").data.decode()
    assert 'name="principle_id"' in page and topics[0][1] in page


def test_a_point_quoting_a_redacted_passage_shows_the_marker_from_the_passages_first_word():
    from workflows.hearing.note import mask

    assert mask("Mette Hansen kan forklare det; Mette Hansens notat er uklart, ikke klart.",
                ["Mette Hansen", "klart"]) == \
        "[overstreget] kan forklare det; [overstreget]s notat er uklart, ikke [overstreget]."
    assert mask("Intet at skjule", []) == "Intet at skjule"
