"""The search: Danish words, extracted document text, visibility per role, hostile queries, the index kept
up to date by the services and rebuilt by `byplan reindex`; on SQLite (FTS5) and PostgreSQL (tsvector)."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine import SearchIndex, TextExtractor
from engine.models import ReadyTask, utcnow
from web.extensions import db
from workflows.dates import COPENHAGEN

from steps.proposal_driver import ProposalDriver


# ------------------------------------------------------------------ files

def text_pdf(text: str) -> bytes:
    """A one-page PDF whose content stream writes `text` in Helvetica (WinAnsi, so æ, ø and å work)."""
    literal = b"".join(b"\\" + bytes([c]) if c in b"()\\" else bytes([c]) for c in text.encode("cp1252"))
    stream = b"BT /F1 12 Tf 72 720 Td (" + literal + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def docx_file(*paragraphs: str) -> bytes:
    from docx import Document

    document = Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Tabelcelle"
    table.rows[0].cells[1].text = "Snitfladebeskrivelse"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def encrypted_pdf(text: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf(text))))
    writer.encrypt(user_password="hemmelig", owner_password="ejer")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def zip_bomb_docx() -> bytes:
    """A .docx whose document part unpacks from a few kB to 4 MB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (4 * 1024 * 1024))
    return buffer.getvalue()


# ------------------------------------------------------------- extraction

def test_extraction_reads_pdf_docx_and_text_and_survives_broken_files():
    extract = TextExtractor().extract
    assert extract("krav.pdf", text_pdf("Kravspecifikation for Ærø (og Åbenrå)")) == \
        "Kravspecifikation for Ærø (og Åbenrå)"
    word = extract("notat.docx", docx_file("Første afsnit om løsninger", "Andet afsnit"))
    assert "Første afsnit om løsninger" in word and "Snitfladebeskrivelse" in word
    assert extract("data.csv", "kommune;søgning\nHjørring;ja".encode("utf-8")) == "kommune;søgning\nHjørring;ja"
    assert extract("gammel.txt", "Næstved".encode("cp1252")) == "Næstved"  # not UTF-8: Windows-1252
    assert extract("billede.png", b"\x89PNG whatever") == ""
    # broken, encrypted and bomb files give no text and no exception
    assert extract("ødelagt.pdf", b"%PDF-1.4 this is not a pdf") == ""
    assert extract("låst.pdf", encrypted_pdf("Hemmeligt indhold")) == ""
    assert extract("bombe.docx", zip_bomb_docx()) == ""
    assert extract("ikke.docx", b"PK not a zip") == ""
    # the text is capped, and control characters never reach the index
    assert TextExtractor(max_chars=10).extract("lang.txt", b"a" * 100) == "a" * 10
    assert extract("styring.txt", b"a\x00b\x02c") == "a b c"


# ---------------------------------------------------------------- helpers

@pytest.fixture
def driver(app, people):
    return ProposalDriver(app, people)


def dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


def hits(client, q: str, **params) -> list[tuple[str, str]]:
    """(kind, title) of the hits on the search page's first page."""
    response = client.get("/soeg", query_string={"q": q, **params})
    assert response.status_code == 200, response.data
    page = response.data.decode()
    return [(kind, re.sub(r"<[^>]+>", "", title).strip()) for kind, title in re.findall(
        r'<li class="search-hit" data-kind="(\w+)" data-key="[^"]*">\s*<h2><a href="[^"]*">(.*?)</a>', page, re.S)]


def titles(client, q: str, **params) -> set[str]:
    return {title for _kind, title in hits(client, q, **params)}


def start_in_group(app, people, username: str, group_id: int, title: str) -> int:
    with app.app_context():
        case = app.extensions["byplan"].start_proposal(db.session, people.user(username), group_id, title)
        db.session.commit()
        return case.id


def draft_hearing(app, people, title: str, summary: str) -> int:
    with app.app_context():
        s = db.session
        secretary = people.user("secretary")
        hearings = app.extensions["byplan"].hearings
        hearing = hearings.create(s, secretary, title=title, summary=summary, working_group_id=people.group_id)
        hearings.add_external_party(s, secretary, hearing.id, {"name": "Leverandør A/S", "email": "a@lev.example"})
        s.commit()
        return hearing.id


def publish_hearing(app, people, hearing_id: int) -> None:
    from workflows.hearing import Hearing

    with app.app_context():
        s = db.session
        hearing = s.get(Hearing, hearing_id)
        task = s.scalar(select(ReadyTask).where(ReadyTask.case_id == hearing.case_id))
        deadline = utcnow().astimezone(COPENHAGEN).date() + timedelta(days=30)
        app.extensions["byplan"].complete_task(s, people.user("secretary"), task.id, {
            "title": hearing.title, "summary": hearing.summary, "deadline": deadline.isoformat(),
            "reminder_days": "0"}, None)
        s.commit()


def upload(client, case_id: int, filename: str, content: bytes, title: str = ""):
    return client.post(f"/sager/{case_id}/dokumenter", data={"title": title, "file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


# ------------------------------------------------------------------ tests

def test_danish_words_stemming_and_prefixes(client, app, people, driver):
    driver.start("lead", "Fælles brugerstyring på tværs af Ærø")
    driver.submit("lead", summary="Kommunerne bruger én løsning til adgangsstyring.",
                  statement="Adgang styres ét sted.")
    people.login(client, "lead")
    assert titles(client, "brugerstyring") == {"Fælles brugerstyring på tværs af Ærø"}
    assert titles(client, "ærø") == {"Fælles brugerstyring på tværs af Ærø"}
    assert titles(client, "ÆRØ TVÆRS") == {"Fælles brugerstyring på tværs af Ærø"}  # case-insensitive, all words
    assert titles(client, "adgangsstyring") == {"Fælles brugerstyring på tværs af Ærø"}  # the proposal's text
    assert titles(client, "aero") == set()  # æ, ø and å are letters of their own
    assert titles(client, "brugerstyring bananer") == set()  # every word must match

    draft_hearing(app, people, "Høring om fælles datadeling", "Materialet beskriver datadelingen.")
    if dialect(app) == "postgresql":
        assert titles(client, "høringer") == {"Høring om fælles datadeling"}  # Danish stemming
    else:
        assert titles(client, "hør") == {"Høring om fælles datadeling"}  # the last word is a prefix
        assert titles(client, "adgangssty") == {"Fælles brugerstyring på tværs af Ærø"}


def test_uploaded_pdf_and_docx_text_is_found_and_a_corrupt_pdf_by_its_title(client, app, people, driver):
    case_id = driver.start("lead", "Referencearkitektur for identitet")
    people.login(client, "lead")
    assert upload(client, case_id, "krav.pdf", text_pdf("Kravspecifikation for snitflader i Åbenrå")).status_code == 302
    assert upload(client, case_id, "notat.docx", docx_file("Notatet handler om løsningsarkitektur")).status_code == 302
    assert upload(client, case_id, "bilag.pdf", b"%PDF-1.4 \x00 broken", title="Ødelagt bilag").status_code == 302
    assert upload(client, case_id, "bombe.docx", zip_bomb_docx(), title="Pakket bilag").status_code == 302

    assert hits(client, "kravspecifikation") == [("document", "krav.pdf")]
    assert hits(client, "åbenrå snitflader") == [("document", "krav.pdf")]
    assert hits(client, "løsningsarkitektur") == [("document", "notat.docx")]
    assert hits(client, "snitfladebeskrivelse") == [("document", "notat.docx")]  # a table cell
    assert hits(client, "ødelagt") == [("document", "Ødelagt bilag")]
    assert hits(client, "pakket") == [("document", "Pakket bilag")]
    page = client.get("/soeg", query_string={"q": "kravspecifikation"}).data.decode()
    assert "<mark>Kravspecifikation</mark>" in page
    with app.app_context():
        from engine.models import Document

        doc_id = db.session.scalar(select(Document.id).where(Document.title == "krav.pdf"))
    assert f'href="/dokumenter/{doc_id}"' in page
    # a new version's text replaces the old one's
    assert client.post(f"/sager/{case_id}/dokumenter",
                       data={"document_id": str(doc_id), "file": (io.BytesIO(text_pdf("Helt ny tekst")), "krav.pdf")},
                       content_type="multipart/form-data").status_code == 302
    assert hits(client, "kravspecifikation") == []
    assert hits(client, "helt ny tekst") == [("document", "krav.pdf")]

    client.post("/logout")
    people.login(client, "outsider")  # another working group: neither the case nor its documents
    assert hits(client, "løsningsarkitektur") == [] and hits(client, "identitet") == []


def test_visibility_follows_who_may_open_the_record(client, app, people, driver):
    ours = start_in_group(app, people, "lead", people.group_id, "Fælles kalenderdeling")
    theirs = start_in_group(app, people, "outsider", people.other_group_id, "Fælles kalenderformat")
    hearing_id = draft_hearing(app, people, "Høring om kalenderdeling", "Udkast til høring om kalenderdeling.")

    everything = {"Fælles kalenderdeling", "Fælles kalenderformat", "Høring om kalenderdeling"}
    assert titles(client, "fælles kalenderdeling") == set()  # anonymous: no cases, no draft hearing
    assert titles(client, "høring kalenderdeling") == set()
    for name, expected in (("lead", {"Fælles kalenderdeling", "Høring om kalenderdeling"}),
                           ("member", {"Fælles kalenderdeling", "Høring om kalenderdeling"}),
                           ("outsider", {"Fælles kalenderformat"}),
                           ("contact", set()),
                           ("secretary", everything), ("councillor", everything), ("admin", everything)):
        people.login(client, name)
        found = titles(client, "kalenderdeling") | titles(client, "kalenderformat")
        assert found == expected, name
        client.post("/logout")

    # pages behind the hits agree: what the search shows, the user may open
    people.login(client, "member")
    assert client.get(f"/sager/{ours}").status_code == 200 and client.get(f"/sager/{theirs}").status_code == 403
    client.post("/logout")

    publish_hearing(app, people, hearing_id)  # published: everyone finds it, and is sent to the public page
    assert titles(client, "kalenderdeling") == {"Høring om kalenderdeling"}
    page = client.get("/soeg", query_string={"q": "kalenderdeling"}).data.decode()
    assert f'href="/offentlige-hoeringer/{hearing_id}"' in page


def test_public_principle_found_without_login_after_the_council_approves(client, app, people, driver):
    from council_support import CouncilDriver

    driver.start("lead", "Data genbruges på tværs")
    driver.submit("lead", summary="Resumé", statement="Kommunale grunddata registreres én gang.")
    driver.complete("secretary", {"screening": "complete"})
    assert hits(client, "grunddata") == []  # still a case of the working group
    CouncilDriver(app, people).decide_proposal(driver.case_id, {"decision": "approved"})
    assert hits(client, "grunddata") == [("principle", "Data genbruges på tværs")]
    page = client.get("/soeg", query_string={"q": "grunddata"}).data.decode()
    assert 'href="/principper/data-genbruges-paa-tvaers"' in page


def test_the_index_follows_changes_to_the_records(client, app, people, driver):
    driver.start("lead", "Foreløbig titel")
    people.login(client, "lead")
    assert titles(client, "foreløbig") == {"Foreløbig titel"}
    driver.submit("lead", title="Endelig overskrift", summary="Resumé", statement="Udsagn")
    assert titles(client, "foreløbig") == set()
    assert titles(client, "endelig overskrift") == {"Endelig overskrift"}


NASTY = ['"', '""', "'", "*", "**", "NEAR(", "NEAR(a b", "-", "- -", "AND", "OR", "NOT", "a AND", "title:x",
         "^x", "(", ")", "{x}", "x OR", "'; DROP TABLE search_entry; --", "1' OR '1'='1", "\\", "%", "_",
         ":*", "!", "&", "|", "<script>alert(1)</script>", "a\u200bb", "   ", "", "\u00e6\u00f8\u00e5\"*",
         "x" * 200]


def test_hostile_queries_never_fail(client, app, people, driver):
    driver.start("lead", "Brugerstyring <b>fed</b> & \"citat\"")
    people.login(client, "secretary")
    for q in NASTY:
        response = client.get("/soeg", query_string={"q": q})
        assert response.status_code == 200, (q, response.status_code)
        response = client.get("/soeg", query_string={"q": q, "type": "case", "page": "2"})
        assert response.status_code == 200, (q, response.status_code)
    # the title's markup is shown as text, only the match is marked
    page = client.get("/soeg", query_string={"q": "fed"}).data.decode()
    assert "Brugerstyring &lt;b&gt;<mark>fed</mark>&lt;/b&gt; &amp; &#34;citat&#34;" in page or \
        "Brugerstyring &lt;b&gt;<mark>fed</mark>&lt;/b&gt; &amp; &quot;citat&quot;" in page
    assert "<b>fed</b>" not in page
    echoed = client.get("/soeg", query_string={"q": "<script>alert(1)</script>"}).data.decode()
    assert "<script>alert(1)</script>" not in echoed and "&lt;script&gt;alert(1)&lt;/script&gt;" in echoed
    # too long, an unknown kind, a page that is not a number: 422 with the error at the field
    long = client.get("/soeg", query_string={"q": "x" * 10_000})
    assert long.status_code == 422 and 'id="e-q"' in long.data.decode()
    bad_type = client.get("/soeg", query_string={"q": "x", "type": "users"})
    assert bad_type.status_code == 422 and 'id="e-type"' in bad_type.data.decode()
    assert client.get("/soeg", query_string={"q": "x", "page": "zwei"}).status_code == 422
    assert client.get("/soeg", query_string={"q": "x", "page": "0"}).status_code == 422
    assert client.get("/soeg", query_string={"q": "x\x00"}).status_code == 400
    # the engine itself: any text is a valid query
    with app.app_context():
        from engine import Audience

        index = SearchIndex()
        for q in NASTY + ["x" * 10_000, " ".join(["ord"] * 500)]:
            found, total = index.query(db.session, q, visibility_filter=Audience.all())
            assert total == len(found) or total > len(found)


def test_results_page_empty_counts_kinds_and_paging(client, app, people):
    from engine import SearchIndex

    page = client.get("/soeg")
    assert page.status_code == 200 and 'id="result-count"' not in page.data.decode()
    none = client.get("/soeg", query_string={"q": "findesikke"}).data.decode()
    assert 'data-total="0"' in none
    with app.app_context():
        index = SearchIndex()
        for n in range(25):
            index.put(db.session, "principle", f"p{n}", f"Princip nummer {n}", "Fælles regnskabsdata",
                      ref={"key": f"p{n}", "version": 1})
        index.put(db.session, "hearing", 999, "Høring om regnskabsdata", "", ref={"hearing_id": 999})
        db.session.commit()
    first = client.get("/soeg", query_string={"q": "regnskabsdata"}).data.decode()
    assert 'data-total="26"' in first and len(hits(client, "regnskabsdata")) == 20
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get("/soeg", query_string={"q": "regnskabsdata", "page": "2"}).data.decode()
    assert len(re.findall(r'class="search-hit"', second)) == 6 and 'rel="prev"' in second
    only = client.get("/soeg", query_string={"q": "regnskabsdata", "type": "hearing"}).data.decode()
    assert 'data-total="1"' in only and hits(client, "regnskabsdata", type="hearing") == [
        ("hearing", "Høring om regnskabsdata")]
    assert "(26)" in only and "(25)" in only  # the counts per kind stay visible when filtered
    beyond = client.get("/soeg", query_string={"q": "regnskabsdata", "page": "9"})
    assert beyond.status_code == 200 and 'class="search-hit"' not in beyond.data.decode()


def test_header_search_box_is_a_labelled_get_form(client):
    page = client.get("/principper").data.decode()
    assert re.search(r'<form method="get" action="/soeg" role="search"', page)
    assert '<label for="header-q"' in page and 'id="header-q" type="search" name="q"' in page


def test_api_search_respects_the_token_users_visibility(client, app, people):
    start_in_group(app, people, "lead", people.group_id, "Fælles adgangslog")
    tokens = {name: people.token(name) for name in ("lead", "outsider", "secretary")}

    def get(name, **params):
        return client.get("/api/v1/search", query_string=params, headers={"Authorization": f"Bearer {tokens[name]}"})

    found = get("lead", q="adgangslog")
    assert found.status_code == 200
    body = found.get_json()
    assert body["total"] == 1 and body["counts"] == {"case": 1}
    [hit] = body["hits"]
    assert hit["kind"] == "case" and hit["title"] == "Fælles adgangslog" and hit["url"].startswith("/sager/")
    assert get("outsider", q="adgangslog").get_json()["total"] == 0
    assert get("secretary", q="adgangslog", type="case", limit=1).get_json()["total"] == 1
    assert get("secretary", q="adgangslog", type="principle").get_json()["total"] == 0
    for params in ({}, {"q": ""}, {"q": "x" * 201}, {"q": "x", "type": "users"}, {"q": "x", "limit": "0"}):
        response = get("lead", **params)
        assert response.status_code == 422, params
        assert response.get_json()["errors"]
    for q in NASTY:
        assert get("lead", q=q).status_code == (200 if q else 422), q
    assert client.get("/api/v1/search?q=x").status_code == 401


def test_reindex_command_rebuilds_an_emptied_index(client, app, people, driver, db_url, monkeypatch):
    case_id = driver.start("lead", "Ledelsesinformation")
    people.login(client, "lead")
    assert upload(client, case_id, "bilag.docx", docx_file("Nøgletal for sagsbehandlingstider")).status_code == 302
    hearing_id = draft_hearing(app, people, "Høring om nøgletal", "Resumé om nøgletal.")
    publish_hearing(app, people, hearing_id)
    before = hits(client, "nøgletal")
    assert ("hearing", "Høring om nøgletal") in before and ("document", "bilag.docx") in before

    with app.app_context():
        SearchIndex().clear(db.session)
        db.session.commit()
    assert hits(client, "nøgletal") == [] and hits(client, "ledelsesinformation") == []

    monkeypatch.setenv("DATABASE_URL", db_url)
    from web.cli import main

    result = CliRunner().invoke(main, ["reindex"], catch_exceptions=False)
    assert result.exit_code == 0 and "search index rebuilt" in result.output
    assert sorted(hits(client, "nøgletal")) == sorted(before)
    assert hits(client, "sagsbehandlingstider") == [("document", "bilag.docx")]  # text extracted again
    assert hits(client, "ledelsesinformation") == [("case", "Ledelsesinformation")]


def test_hearing_and_meeting_material_becomes_public_with_its_record(client, app, people):
    from council_support import CouncilDriver

    hearing_id = draft_hearing(app, people, "Høring om arkivering", "Resumé.")
    with app.app_context():
        version = app.extensions["byplan"].hearings.add_document(
            db.session, people.user("secretary"), hearing_id, "materiale.pdf", text_pdf("Bevaringsvurdering af data"))
        db.session.commit()
        doc_id = version.document_id
    assert hits(client, "bevaringsvurdering") == []
    publish_hearing(app, people, hearing_id)
    assert hits(client, "bevaringsvurdering") == [("document", "materiale.pdf")]
    page = client.get("/soeg", query_string={"q": "bevaringsvurdering"}).data.decode()
    link = f"/offentlige-hoeringer/{hearing_id}/dokumenter/{doc_id}"
    assert f'href="{link}"' in page and client.get(link).status_code == 200

    council = CouncilDriver(app, people)
    council.ensure_members()
    meeting_id = council.create_meeting(title="Rådsmøde om magasiner")
    with app.app_context():
        item = app.extensions["byplan"].council.add_item(db.session, people.user("secretary"), meeting_id, {
            "kind": "information", "title": "Orientering om journalisering", "description": ""})
        db.session.commit()
        item_id = item.id
    assert hits(client, "magasiner") == []  # not public before the agenda is
    people.login(client, "member")  # working-group members see meetings before publication
    assert hits(client, "journalisering") == [("meeting", "Rådsmøde om magasiner")]  # the items are its text
    client.post("/logout")
    council.publish_agenda(meeting_id)
    assert hits(client, "magasiner") == [("meeting", "Rådsmøde om magasiner")]
    people.login(client, "secretary")
    response = client.post(f"/raadet/punkter/{item_id}/materiale", content_type="multipart/form-data",
                           data={"reason": "Bilag", "file": (io.BytesIO(text_pdf("Journalplan for kommunerne")),
                                                             "journalplan.pdf")})
    assert response.status_code == 302
    client.post("/logout")
    assert hits(client, "journalplan") == [("document", "journalplan.pdf")]  # public with the published agenda
    page = client.get("/soeg", query_string={"q": "journalplan"}).data.decode()
    link = re.search(r'href="(/raadet/moeder/\d+/dokumenter/\d+)"', page).group(1)
    assert client.get(link).status_code == 200
    # the item is removed from the agenda: its material is no longer public, now or after a reindex
    people.login(client, "secretary")
    assert client.post(f"/raadet/punkter/{item_id}/fjern", data={"reason": "Udgår"}).status_code == 302
    client.post("/logout")
    assert hits(client, "journalplan") == []
    with app.app_context():
        app.extensions["byplan"].search.reindex(db.session)
        db.session.commit()
    assert hits(client, "journalplan") == []


def test_index_put_replace_retag_remove_and_audience(app):
    from engine import Audience

    index = SearchIndex()
    with app.app_context():
        s = db.session
        index.put(s, "note", 1, "Første notat", "om vejbelysning", visibility="scope:a")
        index.put(s, "note", 2, "Andet notat", "om vejbelysning", visibility="public")
        index.put(s, "other", 1, "Tredje", "om vejbelysning og \x00 styring", visibility="public")
        s.commit()

        def keys(audience, **kw):
            found, total = index.query(s, "vejbelysning", visibility_filter=audience, **kw)
            assert total == len(found)
            return sorted((h.kind, h.key) for h in found)

        assert keys(Audience()) == [("note", "2"), ("other", "1")]
        assert keys(Audience.of({"scope:a"})) == [("note", "1")]
        assert keys(Audience.of(set())) == []
        assert keys(Audience.all(), kinds=["note"]) == [("note", "1"), ("note", "2")]
        assert index.counts(s, "vejbelysning", visibility_filter=Audience.all()) == {"note": 2, "other": 1}
        index.put(s, "note", 2, "Andet notat", "om gadelys", visibility="public")  # replaces the text
        assert keys(Audience()) == [("other", "1")]
        assert index.retag(s, "note", 1, visibility="public", ref={"x": 1})
        assert not index.retag(s, "note", 99, visibility="public")
        [hit] = index.query(s, "første", visibility_filter=Audience())[0]
        assert hit.ref == {"x": 1} and hit.title_highlight.segments() == [("Første", True), (" notat", False)]
        index.remove(s, "other", 1)
        assert keys(Audience.all()) == [("note", "1")]
        assert index.query(s, "vejbelysning", visibility_filter=Audience.all(), offset=5) == ([], 1)
        s.rollback()
