"""The search gives the same hits on SQLite and PostgreSQL: Danish stems at index and query time, the last
word a prefix, bm25 / ts_rank order, highlight spans into the original text (HTML made and escaped by the
web layer); network rounds and published hearing responses are found by whom their pages let in."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from engine import Audience, SearchIndex
from engine.search_text import DanishAnalyzer, Highlighter
from web.extensions import db

from steps.proposal_driver import ProposalDriver

# ------------------------------------------------------- one corpus, one table

CORPUS = [  # key, title, body
    ("h1", "Høring om fælles datadeling", "Materialet beskriver datadelingen mellem kommunerne."),
    ("h2", "Høringerne i 2025", "En oversigt over årets høringssvar."),
    ("c1", "Fælles brugerstyring på tværs af Ærø", "Kommunerne bruger én løsning til adgangsstyring."),
    ("p1", "Et princip for genbrug af data", "Data registreres én gang og genbruges."),
    ("p2", "Arkitekturprincipper", "Principperne gælder alle løsninger i kommunen."),
    ("d1", "Udbudsmateriale", "Løsningen skal understøtte brugerstyring og principper for sikkerhed."),
]

# query -> the keys it finds; the same on both databases (the table of the closing note)
EXPECTED = {
    "høringer": {"h1", "h2"},        # plural -> the stem "høring"
    "høring": {"h1", "h2"},
    "hør": {"h1", "h2"},             # an unfinished last word is a prefix
    "brugerstyr": {"c1", "d1"},      # prefix of "brugerstyring"
    "brugerstyringen": {"c1", "d1"},  # definite form -> "brugerstyring"
    "principperne": {"p1", "p2", "d1"},  # -> "princip"; p2's "Principperne", d1's "principper"
    "princip": {"p1", "p2", "d1"},
    "kommunerne": {"h1", "c1", "p2"},  # -> "kommun": also "kommunen"
    "datadeling": {"h1"},
    "fælles datadelingen": {"h1"},   # every word must occur
    "løsninger": {"c1", "p2", "d1"},
    "ærø": {"c1"},
    "aero": set(),                   # æ, ø and å are letters of their own
    "genbruges data": {"p1"},
    "adgangssty": {"c1"},
    "brugerstyring bananer": set(),
    "høringssvar": {"h2"},
    "arkitektur": {"p2"},            # the head of a compound is its prefix
    "arkitektur*": {"p2"},           # "*" is no operator, only a character between words
    "tektur": set(),                 # the middle of a word is no prefix
    "2025": {"h2"},
}


def put_corpus(app) -> None:
    with app.app_context():
        index = SearchIndex()
        for key, title, body in CORPUS:
            index.put(db.session, "note", key, title, body, ref={"key": key})
        db.session.commit()


def found(app, query: str) -> list[str]:
    with app.app_context():
        hits, total = SearchIndex().query(db.session, query, visibility_filter=Audience.all(), limit=50)
        assert total == len(hits)
        return [h.key for h in hits]


def test_the_same_queries_find_the_same_entries_on_both_databases(app):
    put_corpus(app)
    table = {q: set(found(app, q)) for q in EXPECTED}
    assert table == EXPECTED


def test_the_title_ranks_first_and_the_order_is_stable(app):
    put_corpus(app)
    with app.app_context():
        index = SearchIndex()
        index.put(db.session, "note", "x1", "Om noget andet", "Datadeling nævnes her, i brødteksten.")
        index.put(db.session, "note", "x2", "Datadeling", "Kort.")
        db.session.commit()
    order = found(app, "datadeling")
    assert order[0] == "x2" and set(order) == {"x1", "x2", "h1"}
    assert found(app, "datadeling") == order


def test_highlight_spans_mark_the_original_words(app):
    put_corpus(app)
    with app.app_context():
        [hit] = SearchIndex().query(db.session, "datadelingen kommune", visibility_filter=Audience.all())[0]
    assert hit.key == "h1"
    assert hit.title_highlight.segments() == [("Høring om fælles ", False), ("datadeling", True)]
    marked = [hit.snippet.text[s:e] for s, e in hit.snippet.spans]
    assert marked == ["datadelingen", "kommunerne"]
    with app.app_context():
        [hit] = SearchIndex().query(db.session, "HØRINGER", visibility_filter=Audience.all(),
                                    kinds=["note"], limit=1)[0]
    assert [hit.title[s:e] for s, e in hit.title_highlight.spans] in (["Høringerne"], ["Høring"])


def test_snippets_cut_long_text_around_the_matches():
    analyzer = DanishAnalyzer()
    highlighter = Highlighter(analyzer, snippet_words=10)
    text = " ".join(["fyld"] * 200) + " Her står noget om høringssvarene fra kommunerne. " + " ".join(["slut"] * 50)
    snippet = highlighter.snippet(text, analyzer.query("høringssvar kommune"))
    assert snippet.text.startswith("…") and snippet.text.endswith("…")
    assert [snippet.text[s:e] for s, e in snippet.spans] == ["høringssvarene", "kommunerne"]
    assert len(analyzer.words(snippet.text)) == 10
    plain = highlighter.snippet("Ingen træf her.", analyzer.query("banan"))
    assert plain.text == "Ingen træf her." and plain.spans == ()


def test_queries_are_never_syntax():
    query = DanishAnalyzer().query('a" OR "b NEAR( \'x\' :* & | ! høringer')
    assert query.fts5() == '"a" "or" "b" "near" "x" "høring"*'
    assert query.tsquery() == "'a' & 'or' & 'b' & 'near' & 'x' & 'høring':*"
    assert not DanishAnalyzer().query("\"' :* & | ! -")


# ------------------------------------------------------------- through the web

def page_hits(client, q: str) -> list[tuple[str, str, str]]:
    """(kind, title HTML, href) of the hits on the search page."""
    page = client.get("/soeg", query_string={"q": q})
    assert page.status_code == 200
    return re.findall(r'<li class="search-hit" data-kind="(\w+)" data-key="[^"]*">\s*<h2><a href="([^"]*)">(.*?)</a>',
                      page.data.decode(), re.S)


def test_markup_in_a_document_title_stays_escaped_on_the_page_and_in_the_api(client, app, people):
    driver = ProposalDriver(app, people)
    case_id = driver.start("lead", "Sikker visning")
    people.login(client, "lead")
    response = client.post(f"/sager/{case_id}/dokumenter", content_type="multipart/form-data",
                           data={"title": "<script>alert(1)</script> Høringsnotater & <b>svar</b>",
                                 "file": (io.BytesIO(b"Notatet om <i>svarene</i> fra kommunerne."), "notat.txt")})
    assert response.status_code == 302
    page = client.get("/soeg", query_string={"q": "høringsnotat"}).data.decode()
    assert "<script>alert(1)</script>" not in page and "<b>svar</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Høringsnotater</mark> &amp; &lt;b&gt;svar&lt;/b&gt;" in page
    page = client.get("/soeg", query_string={"q": "svar"}).data.decode()
    assert "Notatet om &lt;i&gt;<mark>svarene</mark>&lt;/i&gt; fra kommunerne." in page

    token = people.token("lead")
    body = client.get("/api/v1/search", query_string={"q": "svar"},
                      headers={"Authorization": f"Bearer {token}"}).get_json()
    [hit] = body["hits"]
    assert [hit["title"][s:e] for s, e in hit["title_highlights"]] == ["svar"]
    assert [hit["snippet_text"][s:e] for s, e in hit["snippet_highlights"]] == ["svarene"]
    assert hit["snippet"].endswith("Notatet om &lt;i&gt;<mark>svarene</mark>&lt;/i&gt; fra kommunerne.")
    openapi = client.get("/api/openapi.json").get_json()
    assert "title_highlights" in openapi["components"]["schemas"]["SearchHit"]["properties"]


def test_a_network_round_is_found_by_its_theme_venue_and_programme(client, app, people):
    from network_support import NetworkDriver

    network = NetworkDriver(app, people)
    network_id = network.network(municipalities=("Hjørring",))
    byplan = app.extensions["byplan"]
    day = (datetime.now(timezone.utc) + timedelta(days=30)).date()
    with app.app_context():
        s = db.session
        secretary = people.user("secretary")
        row = byplan.networks.create_round(s, secretary, network_id, {
            "theme": "Datadrevne kommuner", "format": "talk",
            "registration_deadline": (day - timedelta(days=10)).isoformat()})
        meeting = byplan.networks.add_meeting(s, secretary, row.id, {
            "region": "Midt-Nord", "day": day.isoformat(), "starts": "09:30", "ends": "15:30",
            "venue": "Musikhuset", "address": "Thomas Jensens Allé 2", "capacity": "40"})
        s.flush()
        byplan.networks.add_programme_item(s, secretary, meeting.id, {
            "kind": "talk", "title": "Erfaringer med dataplatforme", "speaker": "Karen Blixen",
            "organisation": "Rungstedlund Kommune"})
        byplan.networks.confirm_meeting(s, secretary, meeting.id)
        s.commit()
        round_id, case_id = row.id, row.case_id

    def rounds(q):
        return [(href, title) for kind, href, title in page_hits(client, q) if kind == "round"]

    assert rounds("musikhuset") == [] and rounds("datadrevne") == []  # being planned: the secretariat's only
    people.login(client, "councillor")
    assert rounds("datadrevne") == [] and rounds("musikhuset") == []  # not the council's either
    client.post("/logout")
    people.login(client, "secretary")
    for q in ("datadrevne kommune", "musikhuset", "dataplatform", "blixen", "rungstedlund", "midt nord"):
        assert len(rounds(q)) == 1, q
    client.post("/logout")

    network.complete_single(case_id, "secretary", {})  # published
    assert [kind for kind, _h, _t in page_hits(client, "musikhuset")] == ["round"]  # anonymous
    [(href, title)] = rounds("musikhuset")
    assert href == f"/netvaerk/runder/{round_id}" and title == "Datadrevne kommuner"
    assert client.get(href).status_code == 200
    assert rounds("datadrevne") == [(href, "<mark>Datadrevne</mark> kommuner")]

    with app.app_context():  # the programme changes: the entry follows
        byplan.networks.add_programme_item(db.session, people.user("secretary"), meeting.id, {
            "kind": "talk", "title": "Geodata i landdistrikter", "speaker": "", "organisation": ""})
        db.session.commit()
    assert rounds("landdistrikterne") == [(href, "Datadrevne kommuner")]


T0 = datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def test_published_responses_are_found_anonymously_declined_and_unpublished_ones_not(client, app, people, clock):
    from steps.hearing_driver import HearingDriver

    hearing = HearingDriver(app, people, clock)
    hearing_id = hearing.create("secretary", "Høring om arkivering")
    hearing.add_external("secretary", "Leverandør A/S", "a@lev.example")
    hearing.add_external("secretary", "Konsulent ApS", "b@kon.example")
    hearing.publish("secretary", T0.date() + timedelta(days=21), 0)
    hearing.respond_link("Leverandør A/S", "Vi anbefaler journaliseringsplaner for alle kommuner.")
    hearing.respond_link("Konsulent ApS", "Bevaringsvurderinger er for dyre.")
    hearing.request_unpublish("Konsulent ApS")

    def kinds(q):
        return [k for k, _h, _t in page_hits(client, q)]

    assert kinds("journaliseringsplanerne") == [] and kinds("bevaringsvurdering") == []  # not concluded yet
    people.login(client, "member")  # the hearing's working group sees the responses at once
    assert kinds("journaliseringsplan") == ["response"] and kinds("bevaringsvurdering") == ["response"]
    client.post("/logout")
    people.login(client, "outsider")
    assert kinds("journaliseringsplan") == []
    client.post("/logout")

    hearing.conclude()
    [(kind, href, title)] = page_hits(client, "journaliseringsplanerne")  # anonymous
    assert kind == "response" and href == f"/offentlige-hoeringer/{hearing_id}"
    assert title == "Leverandør A/S – Høring om arkivering"
    assert client.get(href).status_code == 200 and "journaliseringsplaner" in client.get(href).data.decode()
    assert kinds("bevaringsvurdering") == []  # the party declined publication
    people.login(client, "secretary")
    assert kinds("bevaringsvurdering") == ["response"]
    [(_k, href, _t)] = page_hits(client, "bevaringsvurdering")
    assert href == f"/hoeringer/{hearing_id}"
    client.post("/logout")

    with app.app_context():  # a rebuild gives the same visibility
        app.extensions["byplan"].search.reindex(db.session)
        db.session.commit()
    assert kinds("journaliseringsplan") == ["response"] and kinds("bevaringsvurdering") == []


# ------------------------------------------------------------ the migration

def test_migration_stems_existing_entries_and_init_db_rebuilds(db_url, request):
    """An installation at 0004 with indexed entries: after the upgrade its entries are found by their stems;
    init-db then sees an index not built by the current analyzer and rebuilds it once."""
    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    from support import make_app
    from web.cli import MIGRATIONS, init_db

    if db_url.startswith("postgresql"):
        url = request.getfixturevalue("postgres_server").create_database(f"m_{abs(hash(db_url)) % 10**8}")
    else:
        url = db_url.replace(".sqlite", "-fresh.sqlite")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(cfg, "0004")
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO search_entry (kind, key, title, body, ref, visibility, updated_at) VALUES "
            "('note', '1', 'Høringer om principperne', 'Brugerstyringen', '{}', 'public', CURRENT_TIMESTAMP)"))
    command.upgrade(cfg, "head")
    engine.dispose()

    app = make_app(url)
    try:
        with app.app_context():
            index = SearchIndex()
            for q in ("høring", "princip", "brugerstyr"):
                assert [h.key for h in index.query(db.session, q, visibility_filter=Audience())[0]] == ["1"], q
            assert index.needs_rebuild(db.session)
            db.session.rollback()
        init_db(app)
        with app.app_context():
            assert not SearchIndex().needs_rebuild(db.session)
            assert SearchIndex().query(db.session, "høring", visibility_filter=Audience())[1] == 0  # rebuilt
            db.session.rollback()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
