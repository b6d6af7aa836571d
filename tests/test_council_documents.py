"""The council's documents that leave the system (issue 15): the agenda pack and the minutes as accessible
PDFs, opened with pypdf: tags, title, language, bookmarks, page numbers, the merged material, the closed
item absent from the public variant, a new version when material changes, the minutes' lines."""
from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select

from council_support import CouncilDriver
from engine.models import utcnow
from tests.pdf_support import assert_accessible_pdf, read_pdf

CLOSED_TITLE = "Fortroligt udbud af brugerstyring"
SECRET_MATERIAL = "Tilbudsgivernes priser"


@pytest.fixture(scope="module")
def material_pdf() -> bytes:
    """A realistic attachment: a two-page PDF (rendered once, reused)."""
    from workflows.pdf import render_pdf

    return render_pdf("pdf/example.html", {"items": ["Baggrund for forslaget"] * 14, "when": None},
                      title="Bilag om brugerstyring")


@pytest.fixture(scope="module")
def secret_pdf() -> bytes:
    from workflows.pdf import render_pdf

    return render_pdf("pdf/example.html", {"items": [SECRET_MATERIAL], "when": None}, title="Fortroligt bilag")


@pytest.fixture
def council(app, people) -> CouncilDriver:
    driver = CouncilDriver(app, people)
    driver.ensure_members(("chair", "councillor"))
    return driver


def _service(app):
    return app.extensions["byplan"].council


def _add(app, people, meeting_id, title, kind="decision", description=""):
    from web.extensions import db

    with app.app_context():
        item = _service(app).add_item(db.session, people.user("secretary"), meeting_id,
                                      {"kind": kind, "title": title, "description": description})
        db.session.commit()
        return item.id


def _material(app, people, item_id, filename, content, reason=None):
    from web.extensions import db

    with app.app_context():
        version = _service(app).add_material(db.session, people.user("secretary"), item_id, filename, content,
                                             reason)
        db.session.commit()
        return version.document_id


def _close(app, item_id, reason="Forhandling om pris"):
    from web.extensions import db
    from workflows.council import AgendaItem

    with app.app_context():
        item = db.session.get(AgendaItem, item_id)
        item.closed, item.closed_reason = True, reason
        db.session.commit()


def _rows(app, meeting_id):
    """{(kind, variant): (document id, [version numbers], newest content)}"""
    from web.extensions import db
    from workflows.council.documents import CouncilDocument

    with app.app_context():
        out = {}
        for row in db.session.scalars(select(CouncilDocument).where(CouncilDocument.meeting_id == meeting_id)):
            doc, version, content = app.extensions["byplan"].documents.get_version(db.session, row.document_id)
            out[(row.kind, row.variant)] = (row.document_id, [v.number for v in doc.versions], content,
                                            version.sha256)
        return out


def _outline(data: bytes) -> dict[str, list[str]]:
    """Each outline entry's title -> the titles of its direct children (the bookmarks' nesting)."""
    reader = PdfReader(io.BytesIO(data))
    children: dict[str, list[str]] = {}

    def walk(entries):
        last = None
        for entry in entries:
            if isinstance(entry, list):
                children[last] = [e.title for e in entry if not isinstance(e, list)]
                walk(entry)
            else:
                last = entry.title
                children.setdefault(last, [])

    walk(reader.outline)
    return children


@pytest.fixture
def published(app, people, council, material_pdf, secret_pdf):
    meeting_id = council.create_meeting(title="Junimødet")
    open_item = _add(app, people, meeting_id, "Fælles brugerstyring", description="Forslag om fælles login.")
    closed_item = _add(app, people, meeting_id, CLOSED_TITLE)
    info_item = _add(app, people, meeting_id, "Orientering om sikkerhed", kind="information")
    _material(app, people, open_item, "brugerstyring.pdf", material_pdf)
    _material(app, people, open_item, "noter.txt", b"Noter til punktet\n")
    _material(app, people, closed_item, "priser.pdf", secret_pdf)
    _close(app, closed_item)
    council.publish_agenda(meeting_id)
    return meeting_id, {"open": open_item, "closed": closed_item, "info": info_item}


def test_the_agenda_pack_is_generated_at_publication_tagged_with_bookmarks_page_numbers_and_material(
        app, published, material_pdf, secret_pdf):
    meeting_id, ids = published
    rows = _rows(app, meeting_id)
    assert set(rows) == {("agenda", "internal"), ("agenda", "public")}
    _id, versions, internal, sha = rows[("agenda", "internal")]
    assert versions == [1] and sha == hashlib.sha256(internal).hexdigest()
    facts = assert_accessible_pdf(internal, title="Dagsorden: Junimødet (intern udgave)")
    material_pages = len(PdfReader(io.BytesIO(material_pdf)).pages)
    assert material_pages >= 2
    # cover, agenda, three item pages, the placed material pages
    assert facts.pages == 2 + 3 + material_pages + 1
    assert f"Side 1 af {facts.pages}" in facts.text and f"Side {facts.pages} af {facts.pages}" in facts.text
    for page in range(1, facts.pages + 1):  # every page numbered, the placed ones too
        assert f"Side {page} af {facts.pages}" in facts.text
    assert "Kommunernes It-Arkitekturråd" in facts.text and "KL, Weidekampsgade 10" in facts.text
    assert "Baggrund for forslaget" in facts.text  # the attached PDF's text is in the pack
    assert CLOSED_TITLE in facts.text and SECRET_MATERIAL in facts.text  # internal: the closed item in full
    assert "Forhandling om pris" in facts.text
    squeezed = re.sub(r"\s", "", facts.text)  # the table wraps the long hash
    assert "noter.txt" in squeezed and hashlib.sha256(b"Noter til punktet\n").hexdigest() in squeezed
    outline = _outline(internal)
    assert outline["1. Fælles brugerstyring"] == ["Bilag: brugerstyring.pdf"]
    assert outline[f"2. {CLOSED_TITLE}"] == ["Bilag: priser.pdf"]
    assert outline["Dagsorden: Junimødet (intern udgave)"] == [
        "Dagsorden", "1. Fælles brugerstyring", f"2. {CLOSED_TITLE}", "3. Orientering om sikkerhed"]
    # the placed pages are tagged: one Figure with an alternative text each, under the reserved Div
    root = facts.reader.trailer["/Root"]
    figures = re.findall(r"Bilag til punkt 1: brugerstyring.pdf, side \d af \d", _alt_texts(root))
    assert len(figures) == material_pages
    assert root["/MarkInfo"]["/Marked"]


def _alt_texts(root) -> str:
    found = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif hasattr(node, "get") and "/S" in node:
            if node["/S"] == "/Figure":
                found.append(str(node.get("/Alt")))
            if "/K" in node:
                walk(node["/K"])

    walk(root["/StructTreeRoot"]["/K"])
    return "\n".join(found)


def test_the_public_pack_shows_the_closed_item_as_a_placeholder_only(app, published, material_pdf):
    meeting_id, _ids = published
    public = _rows(app, meeting_id)[("agenda", "public")][2]
    facts = assert_accessible_pdf(public, title="Dagsorden: Junimødet")
    assert "Lukket punkt" in facts.text
    assert CLOSED_TITLE not in facts.text and SECRET_MATERIAL not in facts.text
    assert "Forhandling om pris" not in facts.text and "priser.pdf" not in facts.text
    assert "Baggrund for forslaget" in facts.text
    assert all(CLOSED_TITLE not in b and "priser" not in b for b in facts.bookmarks)
    assert "2. Lukket punkt" in facts.bookmarks
    material_pages = len(PdfReader(io.BytesIO(material_pdf)).pages)
    assert facts.pages == 2 + 3 + material_pages


def test_a_pack_without_material_keeps_its_pdf_ua_claim_and_one_with_placed_pages_drops_it(app, people, council,
                                                                                             published):
    meeting_id, _ids = published
    internal = _rows(app, meeting_id)[("agenda", "internal")][2]
    assert b"pdfuaid:part" not in _metadata(internal)
    bare = council.create_meeting(title="Kort møde")
    _add(app, people, bare, "Orientering", kind="information")
    council.publish_agenda(bare)
    content = _rows(app, bare)[("agenda", "public")][2]
    assert_accessible_pdf(content, title="Dagsorden: Kort møde")
    assert b'pdfuaid:part="1"' in _metadata(content)


def _metadata(data: bytes) -> bytes:
    return PdfReader(io.BytesIO(data)).trailer["/Root"]["/Metadata"].get_object().get_data()


def test_material_added_after_publication_makes_a_new_version_of_both_packs(app, people, published, material_pdf):
    meeting_id, ids = published
    before = _rows(app, meeting_id)
    _material(app, people, ids["info"], "sikkerhed.pdf", material_pdf, reason="Eftersendt bilag")
    after = _rows(app, meeting_id)
    for key in (("agenda", "internal"), ("agenda", "public")):
        assert after[key][0] == before[key][0]  # the same document, a new version
        assert after[key][1] == [1, 2]
        assert after[key][3] != before[key][3]
    facts = read_pdf(after[("agenda", "public")][2])
    assert "Bilag: sikkerhed.pdf" in facts.bookmarks
    # a change to the closed item's material changes only the internal pack
    _material(app, people, ids["closed"], "mere.txt", b"Mere om priserne\n", reason="Nyt bilag")
    again = _rows(app, meeting_id)
    assert again[("agenda", "internal")][1] == [1, 2, 3]
    assert again[("agenda", "public")][1] == [1, 2]


def test_closing_an_item_after_publication_takes_it_out_of_a_new_public_pack(app, people, published):
    from web.extensions import db

    meeting_id, ids = published
    before = _rows(app, meeting_id)
    assert "Fælles brugerstyring" in read_pdf(before[("agenda", "public")][2]).text
    with app.app_context():
        _service(app).close_item(db.session, people.user("secretary"), ids["open"],
                                 {"reason": "Fortrolige tilbud"})
        db.session.commit()
    after = _rows(app, meeting_id)
    versions = before[("agenda", "public")][1]
    assert after[("agenda", "public")][1] == versions + [versions[-1] + 1]
    public = read_pdf(after[("agenda", "public")][2])
    assert "Fælles brugerstyring" not in public.text and "brugerstyring.pdf" not in public.text
    assert "Fælles brugerstyring" in read_pdf(after[("agenda", "internal")][2]).text


def test_a_refused_change_generates_no_version(app, people, published):
    from workflows.council import CouncilError

    meeting_id, ids = published
    from web.extensions import db

    with app.app_context():
        with pytest.raises(CouncilError):  # a published agenda's change needs a reason
            _service(app).add_material(db.session, people.user("secretary"), ids["info"], "x.txt", b"x\n", None)
        db.session.rollback()
    assert _rows(app, meeting_id)[("agenda", "internal")][1] == [1]


def test_downloads_follow_the_access_rules(app, client, people, published):
    meeting_id, ids = published
    rows = _rows(app, meeting_id)
    internal_id, public_id = rows[("agenda", "internal")][0], rows[("agenda", "public")][0]
    url = f"/raadet/moeder/{meeting_id}/dokumenter/"
    anonymous = client.get(url + str(public_id))
    assert anonymous.status_code == 200 and anonymous.mimetype == "application/pdf"
    assert client.get(url + str(internal_id)).status_code == 404
    page = client.get(f"/raadet/moeder/{meeting_id}").get_data(as_text=True)
    assert f"dokumenter/{public_id}" in page and f"dokumenter/{internal_id}" not in page
    people.login(client, "member")  # a working group's member: the public variant only
    assert client.get(url + str(internal_id)).status_code == 404
    client.post("/logout")
    people.login(client, "councillor")
    assert client.get(url + str(internal_id)).status_code == 200
    page = client.get(f"/raadet/moeder/{meeting_id}").get_data(as_text=True)
    assert f"dokumenter/{internal_id}" in page and "Dagsorden med bilag (intern udgave)" in page
    # a member ruled conflicted on the closed item is not given its material
    _conflict(app, ids["closed"], "councillor")
    assert client.get(url + str(internal_id)).status_code == 404
    assert client.get(url + str(public_id)).status_code == 200
    assert client.get(f"/raadet/moeder/{meeting_id}/referat-udkast.pdf").status_code == 403
    client.post("/logout")
    people.login(client, "secretary")
    draft = client.get(f"/raadet/moeder/{meeting_id}/referat-udkast.pdf")
    assert draft.status_code == 200 and draft.mimetype == "application/pdf"
    facts = assert_accessible_pdf(draft.data, title="Udkast til referat: Junimødet (intern udgave)")
    assert "UDKAST" in facts.text


def _conflict(app, item_id, member, reason="Ansat hos en tilbudsgiver", public=False):
    from web.extensions import db
    from workflows.council.models import Conflict, Ruling

    with app.app_context():
        db.session.add(Conflict(item_id=item_id, member=member, reason=reason, declared_by=member,
                                ruling=Ruling.CONFLICTED.value, ruled_by="chair", ruled_at=utcnow(),
                                reason_public=public, ruling_note="Formanden er enig"))
        db.session.commit()


def _record_minutes(app, people, meeting_id, ids, later_meeting_id):
    """The records the board and items helpers' pages write: attendance, a substitute, conflicts,
    positions, a decision, a postponement, an objection."""
    from web.extensions import db
    from workflows.council.models import (
        Absence, AgendaItem, Attendance, MinutesObjection, Position, Postponement,
    )

    with app.app_context():
        s = db.session
        s.add(Absence(meeting_id=meeting_id, member="councillor", substitute="admin", reason="Ferie",
                      registered_by="councillor", registered_at=utcnow() - timedelta(days=1)))
        s.add(Attendance(meeting_id=meeting_id, item_id=0, member="chair", status="present", recorded_by="secretary"))
        s.add(Attendance(meeting_id=meeting_id, item_id=0, member="councillor", status="substitute",
                         substitute="admin", recorded_by="secretary"))
        s.add(Position(item_id=ids["open"], member="chair", position="agree", comment="Godt forslag"))
        s.add(Position(item_id=ids["open"], member="councillor", position="object", comment=""))
        item = s.get(AgendaItem, ids["open"])
        item.outcome, item.decided_at, item.decided_by, item.decided_meeting_id = "approved", utcnow(), "chair", \
            meeting_id
        item.reason, item.minutes = "Rådet fulgte indstillingen.", "Drøftet grundigt."
        s.add(Postponement(item_id=ids["info"], from_meeting_id=meeting_id, to_meeting_id=later_meeting_id,
                           reason="Manglende beslutningsdygtighed", by="chair"))
        s.get(AgendaItem, ids["info"]).meeting_id = later_meeting_id
        s.add(MinutesObjection(meeting_id=meeting_id, round=1, member="chair", text="Ret stavefejl i punkt 1"))
        s.commit()


def test_the_minutes_name_attendance_substitutes_conflicts_postponements_and_objections(app, people, council,
                                                                                      published):
    from web.extensions import db
    from workflows.council import get_meeting

    meeting_id, ids = published
    later = council.create_meeting(title="Septembermødet", days_ahead=60, item_deadline_days=50)
    _conflict(app, ids["open"], "councillor", reason="Bestyrelsesmedlem i leverandøren", public=False)
    _conflict(app, ids["closed"], "chair", reason="Hemmelig grund", public=False)
    _record_minutes(app, people, meeting_id, ids, later)
    with app.app_context():
        meeting = get_meeting(db.session, meeting_id)
        meeting.minutes_summary, meeting.minutes_round, meeting.minutes_published_at = "Rådet mødtes.", 2, utcnow()
        _service(app).papers.minutes_published(db.session, meeting)
        db.session.commit()
    rows = _rows(app, meeting_id)
    internal = assert_accessible_pdf(rows[("minutes", "internal")][2], title="Referat: Junimødet (intern udgave)")
    public = assert_accessible_pdf(rows[("minutes", "public")][2], title="Referat: Junimødet")
    for facts in (internal, public):
        text = " ".join(facts.text.split())
        assert "Til stede: Chair" in text
        assert "Admin (stedfortræder for Councillor)" in text
        assert "Councillor deltog ikke i behandlingen af punktet på grund af inhabilitet." in text
        assert "Godkendt" in text and "Rådet fulgte indstillingen." in text
        assert "Orientering om sikkerhed: udsat til møde Septembermødet" in text
        assert "1. Fælles brugerstyring" in facts.bookmarks
    internal_text, public_text = (" ".join(f.text.split()) for f in (internal, public))
    assert "Begrundelse: Bestyrelsesmedlem i leverandøren" in internal_text
    assert "Bestyrelsesmedlem i leverandøren" not in public_text  # the reason was not made public
    assert "Chair: Tilslutning – Godt forslag" in internal_text and "Admin for Councillor: Indsigelse" in internal_text
    assert "Tilslutning 1, Indsigelse 1" in internal_text and "Tilslutning 1" not in public_text
    assert "Ret stavefejl i punkt 1" in internal_text and "Ret stavefejl" not in public_text
    assert "1 indsigelse" in public_text
    assert "Manglende beslutningsdygtighed" in internal_text and "Manglende beslutningsdygtighed" not in public_text
    assert CLOSED_TITLE in internal_text and "Chair deltog ikke" in internal_text
    assert CLOSED_TITLE not in public_text and "Hemmelig grund" not in public_text and "Lukket punkt" in public_text
    assert "efter 2 runder" in public_text
    # the later meeting's minutes say where the item came from
    with app.app_context():
        from workflows.council.papers import minutes_paper

        paper = minutes_paper(db.session, later, public=True)
    assert paper.items[-1].lines == [f"Punktet er udsat fra møde Junimødet ({_when(app, meeting_id)})."]


def _when(app, meeting_id):
    from workflows.pdf import _datetime

    from web.extensions import db
    from workflows.council import get_meeting

    with app.app_context():
        return _datetime(get_meeting(db.session, meeting_id).starts_at)


def test_a_public_conflict_reason_is_in_the_public_minutes(app, people, council, published):
    from web.extensions import db
    from workflows.council.papers import minutes_paper

    meeting_id, ids = published
    _conflict(app, ids["open"], "councillor", reason="Ejer aktier i leverandøren", public=True)
    with app.app_context():
        paper = minutes_paper(db.session, meeting_id, public=True)
    assert paper.items[0].lines == ["Councillor deltog ikke i behandlingen af punktet på grund af inhabilitet. "
                                    "Begrundelse: Ejer aktier i leverandøren"]


def test_published_minutes_are_stored_and_linked_from_the_page_and_the_feed(app, client, people, council):
    meeting_id = council.create_meeting(title="Augustmødet")
    item = _add(app, people, meeting_id, "Fælles brugerstyring")
    council.publish_agenda(meeting_id)
    council.record_positions(meeting_id, {"chair": "agree", "councillor": "agree"})
    council.decide_all(meeting_id, {item: {"decision": "approved"}})
    [task] = council.tasks(council.meeting(meeting_id).case_id, "draft_minutes")
    council.complete("secretary", task, {"minutes_summary": "Rådet godkendte."})
    with time_machine.travel(utcnow() + timedelta(days=9), tick=False):
        council.sweep()  # silence approves: the minutes are published, and generated
    rows = _rows(app, meeting_id)
    minutes_id = rows[("minutes", "public")][0]
    facts = assert_accessible_pdf(rows[("minutes", "public")][2], title="Referat: Augustmødet")
    assert "Referatet er godkendt af rådets medlemmer" in " ".join(facts.text.split())
    page = client.get(f"/raadet/moeder/{meeting_id}").get_data(as_text=True)
    assert f"dokumenter/{minutes_id}" in page and f"dokumenter/{rows[('minutes', 'internal')][0]}" not in page
    assert client.get(f"/raadet/moeder/{meeting_id}/dokumenter/{minutes_id}").status_code == 200
    feed = client.get("/raadet/feed.atom").get_data(as_text=True)
    assert f"/raadet/moeder/{meeting_id}/dokumenter/{minutes_id}" in feed
    assert f"/raadet/moeder/{meeting_id}/dokumenter/{rows[('agenda', 'public')][0]}" in feed
    assert f"dokumenter/{rows[('minutes', 'internal')][0]}" not in feed
    assert 'rel="enclosure"' in feed and 'type="application/pdf"' in feed


def test_a_rotated_page_is_placed_upright_and_what_is_not_a_pdf_is_refused(material_pdf):
    from pypdf import PdfWriter
    from weasyprint import HTML

    from workflows.pdf.merge import MergeError, Placed, open_pdf, place_pages

    assert open_pdf(b"%PDF-1.7 not really") is None and open_pdf(b"plain text") is None
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(material_pdf)))
    writer.pages[0].rotate(90)
    rotated = io.BytesIO()
    writer.write(rotated)
    reader = open_pdf(rotated.getvalue())
    html = ('<html lang="da"><head><title>Prøve</title></head><body><h1>Prøve</h1>'
            '<div class="pdf-insert" style="break-before: page; height: 2mm"></div></body></html>')
    generated = HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
    with pytest.raises(MergeError):
        place_pages(generated, [Placed(page, "x") for page in reader.pages])  # one reserved page only
    facts = assert_accessible_pdf(place_pages(generated, [Placed(reader.pages[0], "Bilag, side 1")]), title="Prøve")
    assert facts.pages == 2 and "Baggrund for forslaget" in facts.text
    figure = facts.reader.pages[1]["/Resources"]["/XObject"]
    assert len(figure) == 1
