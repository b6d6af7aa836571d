"""The architecture catalogue (issue 14): word-level differences, migration 0013 of the flat principles,
the demo catalogue on its public pages and in the public API."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from council_support import CouncilDriver
from steps.proposal_driver import ProposalDriver
from workflows.catalogue.diff import as_text, word_diff

# ------------------------------------------------------------------ word-level difference


def test_word_diff_marks_inserted_and_deleted_words_and_keeps_both_texts():
    old = "Nye løsninger anvender den fælles infrastruktur."
    new = "Nye og ændrede løsninger anvender den fælleskommunale infrastruktur."
    segments = word_diff(old, new)
    assert "".join(s.text for s in segments if s.op != "insert") == old
    assert "".join(s.text for s in segments if s.op != "delete") == new
    assert [s.text for s in segments if s.op == "insert"] == [" og ændrede", "fælleskommunale"]
    assert [s.text for s in segments if s.op == "delete"] == ["fælles"]
    assert as_text(word_diff("a b", "a c")) == "a [-b-]{+c+}"


def test_word_diff_of_equal_and_empty_texts():
    assert [s.op for s in word_diff("samme tekst", "samme tekst")] == ["equal"]
    assert word_diff("", "") == []
    assert [(s.op, s.text) for s in word_diff("", "ny")] == [("insert", "ny")]


# ------------------------------------------------------------------ migration 0013

@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'm.sqlite'}"
    server = request.getfixturevalue("postgres_server")
    return server.create_database(f"c_{abs(hash(str(tmp_path))) % 10**8}")


def _alembic(url):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from web.cli import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg, ScriptDirectory.from_config(cfg).get_revision("0013").down_revision


def _connect(url):
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))


def _flat_catalogue(url):
    """Two meetings (the later one created first), a principle in two versions and one in one version."""
    engine = _connect(url)
    meta = sa.MetaData()
    meta.reflect(engine, only=["working_group", "proposal", "principle", "council_meeting", "agenda_item"])
    t = meta.tables
    at = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)
    later = datetime(2025, 2, 1, 8, 0, tzinfo=timezone.utc)
    with engine.begin() as c:
        group = c.execute(t["working_group"].insert().values(name="Brugerstyring", description="")).inserted_primary_key[0]
        meetings = {}
        for when in (later, at):
            meetings[when] = c.execute(t["council_meeting"].insert().values(
                title="Rådsmøde", starts_at=when, place="", online_link="", item_deadline=when.date(),
                publish_days=7, status="concluded", minutes_summary="", minutes_round=0,
                created_at=when)).inserted_primary_key[0]
        proposals = []
        for title in ("Data genbruges", "Data genbruges", "Åbne standarder"):
            proposals.append(c.execute(t["proposal"].insert().values(
                working_group_id=group, kind="principle", title=title, summary="", statement="", rationale="",
                implications="", status="approved", revision=1, created_at=at, updated_at=at)).inserted_primary_key[0])
        item = c.execute(t["agenda_item"].insert().values(
            meeting_id=meetings[later], position=1, kind="decision", title="Data genbruges", description="",
            proposal_id=proposals[1], outcome="approved", minutes="", removed=False)).inserted_primary_key[0]
        rows = [("data-genbruges", 1, "Data genbruges", "Første tekst", "superseded", proposals[0], at, meetings[at]),
                ("data-genbruges", 2, "Data genbruges", "Anden tekst", "current", proposals[1], later, meetings[later]),
                ("aabne-standarder", 1, "Åbne standarder", "Åbne standarder bruges", "current", proposals[2], at,
                 meetings[at])]
        for key, version, name, statement, status, proposal, when, meeting in rows:
            c.execute(t["principle"].insert().values(
                key=key, version=version, name=name, statement=statement, rationale="Fordi", implications="",
                status=status, decision="approved", proposal_id=proposal, working_group_id=group, approved_at=when,
                meeting_id=meeting))
    engine.dispose()
    return meetings, item


def test_migration_0013_moves_the_flat_principles_with_their_history(empty_url):
    from alembic import command

    cfg, before = _alembic(empty_url)
    command.upgrade(cfg, before)
    meetings, item = _flat_catalogue(empty_url)
    command.upgrade(cfg, "0013")
    engine = _connect(empty_url)
    with engine.connect() as c:
        principles = c.execute(sa.text("SELECT key, number FROM catalogue_principle ORDER BY number")).all()
        assert [tuple(r) for r in principles] == [("data-genbruges", 1), ("aabne-standarder", 2)]
        versions = c.execute(sa.text(
            "SELECT p.key, v.version, v.title, v.statement, v.status, v.superseded_by_id IS NOT NULL,"
            " v.agenda_item_id, v.meeting_id FROM catalogue_principle_version v"
            " JOIN catalogue_principle p ON p.id = v.principle_id ORDER BY p.number, v.version")).all()
        assert [tuple(v) for v in versions] == [
            ("data-genbruges", 1, "Data genbruges", "Første tekst", "superseded", True, None, meetings[min(meetings)]),
            ("data-genbruges", 2, "Data genbruges", "Anden tekst", "adopted", False, item, meetings[max(meetings)]),
            ("aabne-standarder", 1, "Åbne standarder", "Åbne standarder bruges", "adopted", False, None,
             meetings[min(meetings)])]
        numbers = dict(c.execute(sa.text("SELECT id, number FROM council_meeting")).all())
        assert numbers == {meetings[min(meetings)]: 1, meetings[max(meetings)]: 2}  # in the order they were held
        assert "principle" not in sa.inspect(c).get_table_names()
    engine.dispose()
    command.downgrade(cfg, before)
    engine = _connect(empty_url)
    with engine.connect() as c:
        flat = c.execute(sa.text("SELECT key, version, status, statement FROM principle ORDER BY key, version")).all()
        assert [tuple(r) for r in flat] == [("aabne-standarder", 1, "current", "Åbne standarder bruges"),
                                             ("data-genbruges", 1, "superseded", "Første tekst"),
                                             ("data-genbruges", 2, "current", "Anden tekst")]
    engine.dispose()
    command.upgrade(cfg, "0013")


# ------------------------------------------------------------------ the demo catalogue, public


@pytest.fixture
def demo(app):
    from web.extensions import db
    from workflows.demo import load_demo

    with app.app_context():
        assert load_demo(db.session, app.extensions["byplan"]) is not None
        db.session.commit()
    return app


def _text(html: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))



def test_demo_catalogue_is_public_with_rules_diff_and_provenance(demo):
    from web.extensions import db
    from workflows.catalogue import adopted_rule_versions
    from workflows.catalogue.service import overview

    client = demo.test_client()
    with demo.app_context():
        entries = overview(db.session)
        assert len(entries) >= 3
        assert all(2 <= len(e.rules) <= 4 for e in entries)
        adopted = adopted_rule_versions(db.session)
        assert any(v.scope == "municipal" for v in adopted)
        assert {v.code for v in adopted_rule_versions(db.session, "common")} < {v.code for v in adopted}
        codes = [v.code for v in adopted]
        assert codes == sorted(codes, key=lambda c: tuple(int(n) for n in c[3:].split(".")))
    catalogue = _text(client.get("/principper").data)
    assert "AR 2.1" in catalogue and "FK" in catalogue and "Udgået" in catalogue
    rule = _text(client.get("/regler/ar-2-1").data)
    assert "Version 2" in rule and re.search(r"Godkendt af Kommunernes It-Arkitekturråd, \d+\. møde, \d+\. juni 2025", rule)
    assert "Det betyder, at" in rule and "Jonas Holm" in rule and "Dagsordenspunkt:" in rule and "Referat:" in rule
    for meeting in set(re.findall(r'href="(/raadet/moeder/\d+)', client.get("/regler/ar-2-1").data.decode())):
        assert client.get(meeting).status_code == 200, meeting  # the deciding meeting's public page
    old = _text(client.get("/regler/ar-2-1/version/1").data)
    assert "Erstattet af AR 2.1 version 2" in old
    diff = client.get("/regler/ar-2-1/forskel")
    assert diff.status_code == 200 and "<ins>" in diff.data.decode() and "<del>" in diff.data.decode()
    retired = _text(client.get("/regler/ar-3-3").data)
    assert "Udgået efter beslutning i Kommunernes It-Arkitekturråd" in retired
    api = client.get("/api/v1/catalogue/rules/ar-2-1").get_json()
    assert [(v["version"], v["status"]) for v in api["versions"]] == [(2, "adopted"), (1, "superseded")]
    assert api["versions"][0]["scope"] == "common" and api["versions"][1]["scope"] == "municipal"
    principles = client.get("/api/v1/catalogue/principles").get_json()
    assert len(principles) == len(entries)
    assert "AR 2.1" in _text(client.get("/soeg?q=byggeblokke").data)


def test_the_public_catalogue_api_is_documented_without_a_token(client):
    spec = client.get("/api/openapi.json").get_json()
    for path in ("/api/v1/catalogue/principles", "/api/v1/catalogue/rules/{key}",
                 "/api/v1/catalogue/rules/{key}/versions/{version}"):
        assert spec["paths"][path]["get"]["security"] == [], path
    assert client.get("/api/v1/catalogue/principles").get_json() == []
    assert client.get("/api/v1/catalogue/rules/ar-1-1").status_code == 404


def test_an_approved_reference_architecture_is_listed_with_its_version(app, people, client):
    driver = ProposalDriver(app, people)
    driver.start("lead", "Referencearkitektur for sagsbehandling", "reference_architecture")
    driver.submit("lead", kind="reference_architecture", summary="Fælles model for sagsbehandling")
    driver.complete("secretary", {"screening": "complete"})
    CouncilDriver(app, people).decide_proposal(driver.case_id, {"decision": "approved"})
    page = _text(client.get("/principper").data)
    assert "Referencearkitekturer" in page and "Referencearkitektur for sagsbehandling · Version 1 · Optaget" in page
    assert client.get("/api/v1/catalogue/principles").get_json() == []  # no principle came of it
