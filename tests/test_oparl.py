"""The council's open data as OParl 1.1 (issue 15): every object valid against the OParl JSON schemas
(vendored in tests/oparl/), paging that walks whole lists, only public facts, closed items never with their
content, a constant number of queries per list page, CORS and caching."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
from sqlalchemy import event, select

from engine.models import utcnow
from reliability_support import build_demo_database
from support import make_app

SCHEMAS = Path(__file__).parent / "oparl"
SECRET = "Hemmelig lønforhandling med Leverandør X"
SECRET_FILE = "loenforhandling.pdf"
ROOT = "/oparl/v1.1"
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


# ------------------------------------------------------------------ schema validation

def _schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))


FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("url")
def _url(value) -> bool:
    return isinstance(value, str) and urlsplit(value).scheme in ("http", "https") and bool(urlsplit(value).netloc)


@FORMATS.checks("date-time")
def _date_time(value) -> bool:
    return isinstance(value, str) and bool(DATE_TIME.match(value))


@FORMATS.checks("date")
def _date(value) -> bool:
    return isinstance(value, str) and bool(re.match(r"^\d{4}-\d{2}-\d{2}$", value))


def validate(obj: dict, seen: set[str]) -> None:
    """Validate an OParl object by its type, and every object given inline in it by the schema it names."""
    name = obj["type"].rsplit("/", 1)[1]
    schema = _schema(name)
    jsonschema.Draft4Validator(schema, format_checker=FORMATS).validate(obj)
    seen.add(name)
    for key, prop in schema["properties"].items():
        if key not in obj:
            continue
        inner = prop.get("schema") or (prop.get("items") or {}).get("schema")
        if prop.get("type") == "object" and inner:
            validate(obj[key], seen)
        elif prop.get("type") == "array" and inner and prop.get("references") != "externalList":
            for value in obj[key]:
                if isinstance(value, dict):
                    validate(value, seen)
    assert "created" in obj and "modified" in obj, obj["id"]  # OParl 1.1: obligatory, inline objects too


# ------------------------------------------------------------------ the dataset

@pytest.fixture(scope="module")
def oparl_app(sqlite_template, tmp_path_factory):
    """The demo data, with today's meeting's minutes published and a closed item (with material) on it."""
    path = build_demo_database(sqlite_template, tmp_path_factory.mktemp("oparl") / "demo.sqlite")
    app = make_app(f"sqlite:///{path}")
    with app.app_context():
        from web.extensions import db
        from workflows.council import AgendaItem, AgendaItemDocument, Meeting

        s, byplan = db.session, app.extensions["byplan"]
        held = s.scalars(select(Meeting).where(Meeting.status == "minutes_review")).one()  # today's meeting
        # the closed item carries a proposal that is otherwise only on the next (unpublished) agenda
        unpublished = s.scalars(select(AgendaItem).join(Meeting, Meeting.id == AgendaItem.meeting_id).where(
            Meeting.agenda_published_at.is_(None), AgendaItem.proposal_id.is_not(None))).first()
        closed = AgendaItem(meeting_id=held.id, position=9, kind="information", title=SECRET,
                            description="Forhandlingsoplæg.", closed=True, closed_reason="Forretningshemmelighed",
                            proposal_id=unpublished.proposal_id)
        s.add(closed)
        s.flush()
        version = byplan.documents.add(s, case_id=held.case_id, filename=SECRET_FILE,
                                       content=b"%PDF-1.4\n% hemmeligt\n", actor="sekretariat")
        s.add(AgendaItemDocument(item_id=closed.id, document_id=version.document_id))
        byplan.engine.move_timer(s, held.case_id, "minutes_deadline", utcnow() - timedelta(seconds=1), actor="test")
        s.commit()
        byplan.engine.fire_due_timers()
        s.expire_all()
        assert s.get(Meeting, held.id).minutes_published_at is not None
        app.config["OPARL_TEST"] = {"held": held.id, "closed": closed.id, "closed_file": version.document_id,
                                    "closed_paper": unpublished.proposal_id, "closed_paper_title": unpublished.title}
    yield app
    with app.app_context():
        from web.extensions import db

        db.session.remove()
        db.engine.dispose()


def get(client, url: str, status: int = 200):
    parts = urlsplit(url)
    response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert response.status_code == status, (url, response.status_code, response.data[:300])
    return response


def walk_list(client, url: str) -> list[dict]:
    """Every object of an external list, following the next links."""
    objects, pages = [], 0
    while url:
        page = get(client, url).get_json()
        assert set(page) >= {"data", "pagination", "links"}
        objects += page["data"]
        url = page["links"].get("next")
        pages += 1
        assert pages < 1000
    return objects


def everything(client) -> dict[str, dict]:
    """Every object the API gives, by id: the lists walked page by page, then each object fetched alone."""
    system = get(client, f"{ROOT}/system").get_json()
    found = {system["id"]: system}
    for body in walk_list(client, system["body"]):
        found[body["id"]] = body
        for prop in ("organization", "person", "membership", "meeting", "agendaItem", "paper", "consultation",
                     "file"):
            for obj in walk_list(client, body[prop] + "?limit=2"):
                found[obj["id"]] = obj
    return found


# ------------------------------------------------------------------ tests

def test_every_object_is_valid_against_the_oparl_schemas(oparl_app):
    client = oparl_app.test_client()
    seen: set[str] = set()
    objects = everything(client)
    for url in list(objects):
        alone = get(client, url).get_json()  # every object under its id, too
        assert alone["id"] == url
        validate(alone, seen)
    for obj in objects.values():
        validate(obj, seen)
    assert seen >= {"System", "Body", "Organization", "Person", "Membership", "Meeting", "AgendaItem", "Paper",
                    "Consultation", "File", "Location"}
    for url in objects:
        assert url.startswith("http://127.0.0.1:5000/oparl/v1.1/")


def test_public_facts_only(oparl_app):
    client = oparl_app.test_client()
    ids = oparl_app.config["OPARL_TEST"]
    meetings = walk_list(client, f"{ROOT}/body/raadet/meeting")
    with oparl_app.app_context():
        from web.extensions import db
        from workflows.council import Meeting

        published = [str(m) for m in db.session.scalars(select(Meeting.id).where(
            Meeting.agenda_published_at.is_not(None)).order_by(Meeting.id))]
    assert [m["id"].rsplit("/", 1)[1] for m in meetings] == published  # the next meeting's agenda is not
    [meeting] = [m for m in meetings if m["id"].endswith(f"/meeting/{ids['held']}")]
    decided = [i for i in meeting["agendaItem"] if i.get("result")]
    assert decided and decided[0]["result"] == "Godkendt" and decided[0]["consultation"]
    [paper] = walk_list(client, f"{ROOT}/body/raadet/paper")
    assert paper["name"] == "Data genbruges på tværs"
    assert paper["consultation"][0]["agendaItem"] == decided[0]["id"] and paper["consultation"][0]["authoritative"]
    people = walk_list(client, f"{ROOT}/body/raadet/person")
    assert people and all("email" not in p and "@" not in json.dumps(p) for p in people)
    assert {p["membership"][0]["role"] for p in people} == {"Formand", "Medlem"}
    [file] = [f for f in walk_list(client, f"{ROOT}/body/raadet/file") if f["fileName"] == "kombit-status.pdf"]
    assert file["mimeType"] == "application/pdf" and len(file["sha512Checksum"]) == 128
    content = get(client, file["accessUrl"])
    assert "attachment" not in content.headers.get("Content-Disposition", "")
    assert content.data.startswith(b"%PDF") and len(content.data) == file["size"]
    import hashlib

    assert hashlib.sha512(content.data).hexdigest() == file["sha512Checksum"]
    download = get(client, file["downloadUrl"])
    assert download.headers["Content-Disposition"].startswith('attachment; filename="kombit-status.pdf"')


def test_decisions_wait_for_the_published_minutes(sqlite_template, tmp_path):
    path = build_demo_database(sqlite_template, tmp_path / "demo.sqlite")
    app = make_app(f"sqlite:///{path}")
    client = app.test_client()
    [meeting] = [m for m in walk_list(client, f"{ROOT}/body/raadet/meeting")  # its minutes: out for approval
                 if "Nyt fra KOMBIT" in json.dumps(m, ensure_ascii=False)]
    assert meeting["agendaItem"] and not any("result" in i or "resolutionText" in i for i in meeting["agendaItem"])
    assert all("authoritative" not in c or c["authoritative"] is False
               for p in walk_list(client, f"{ROOT}/body/raadet/paper") for c in p["consultation"])
    with app.app_context():
        from web.extensions import db

        db.engine.dispose()


def test_a_closed_item_is_a_placeholder_and_its_title_and_material_never_appear(oparl_app):
    client = oparl_app.test_client()
    ids = oparl_app.config["OPARL_TEST"]
    objects = everything(client)
    text = json.dumps(objects, ensure_ascii=False)
    assert SECRET not in text and SECRET_FILE not in text and "Forhandlingsoplæg" not in text
    assert ids["closed_paper_title"] not in text  # the proposal on the closed item is no paper
    get(client, f"{ROOT}/paper/{ids['closed_paper']}", 404)
    item = get(client, f"{ROOT}/agendaItem/{ids['closed']}").get_json()
    assert item["name"] == "Lukket punkt" and item["public"] is False
    assert set(item) == {"id", "type", "meeting", "number", "order", "name", "public", "created", "modified"}
    for url in objects:
        assert SECRET not in get(client, url).get_data(as_text=True)
    for tail in ("", "/access", "/download"):
        get(client, f"{ROOT}/file/{ids['closed_file']}{tail}", 404)
    get(client, f"{ROOT}/consultation/{ids['closed']}", 404)

    # the chair opens the item: from then on it is public like any other, and its `modified` moves on
    with oparl_app.app_context():
        from web.extensions import db
        from workflows.council import AgendaItem

        row = db.session.get(AgendaItem, ids["closed"])
        row.opened_at, row.opened_by = utcnow() + timedelta(seconds=2), "formand"
        db.session.commit()
    opened = get(client, f"{ROOT}/agendaItem/{ids['closed']}").get_json()
    assert opened["name"] == SECRET and opened["public"] is True and opened["modified"] > item["modified"]
    assert opened["auxiliaryFile"][0]["fileName"] == SECRET_FILE
    get(client, f"{ROOT}/file/{ids['closed_file']}/access")
    assert get(client, f"{ROOT}/paper/{ids['closed_paper']}").get_json()["consultation"][0]["agendaItem"] == \
        opened["id"]
    with oparl_app.app_context():  # closed again for the other tests
        row = db.session.get(AgendaItem, ids["closed"])
        row.opened_at = None
        db.session.commit()
    get(client, f"{ROOT}/file/{ids['closed_file']}", 404)


def test_unknown_and_unpublished_ids_are_404_with_an_oparl_error(oparl_app):
    client = oparl_app.test_client()
    with oparl_app.app_context():
        from web.extensions import db
        from workflows.council import AgendaItem, Meeting

        upcoming = db.session.scalars(select(Meeting).where(Meeting.agenda_published_at.is_(None))).first()
        hidden_item = db.session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == upcoming.id)).first()
    urls = [f"{ROOT}/meeting/999999", f"{ROOT}/meeting/{upcoming.id}", f"{ROOT}/location/{upcoming.id}",
            f"{ROOT}/agendaItem/999999", f"{ROOT}/paper/999999", f"{ROOT}/person/999999",
            f"{ROOT}/membership/999999", f"{ROOT}/organization/nobody", f"{ROOT}/organization/group-999999",
            f"{ROOT}/file/999999", f"{ROOT}/consultation/999999", f"{ROOT}/person/ingen", f"{ROOT}/body/raadet/x",
            f"{ROOT}/"]
    if hidden_item is not None:
        urls += [f"{ROOT}/agendaItem/{hidden_item.id}", f"{ROOT}/paper/{hidden_item.proposal_id or 999999}"]
    for url in urls:
        response = get(client, url, 404)
        assert response.get_json()["type"] == "https://schema.oparl.org/1.1/Error", url
        assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_paging_walks_the_whole_list_without_duplicates(oparl_app):
    client = oparl_app.test_client()
    for kind in ("agendaItem", "person", "organization", "membership"):
        whole = get(client, f"{ROOT}/body/raadet/{kind}?limit=100").get_json()
        assert "next" not in whole["links"]
        walked = walk_list(client, f"{ROOT}/body/raadet/{kind}?limit=1")
        assert [o["id"] for o in walked] == [o["id"] for o in whole["data"]]
        assert len({o["id"] for o in walked}) == len(walked) == whole["pagination"]["totalElements"] > 1
    first = get(client, f"{ROOT}/body/raadet/person?limit=1").get_json()
    assert first["pagination"]["elementsPerPage"] == 1 and first["links"]["next"].endswith("?limit=1&page=2")


def test_filters_created_and_modified(oparl_app):
    client = oparl_app.test_client()
    items = walk_list(client, f"{ROOT}/body/raadet/agendaItem")
    latest = max(i["modified"] for i in items)
    since = walk_list(client, f"{ROOT}/body/raadet/agendaItem?modified_since={latest.replace('+', '%2B')}")
    assert since and all(i["modified"] >= latest for i in since) and len(since) <= len(items)
    future = "2999-01-01T00:00:00%2B01:00"
    assert walk_list(client, f"{ROOT}/body/raadet/meeting?created_since={future}") == []
    page = get(client, f"{ROOT}/body/raadet/meeting?modified_until={future}&limit=1").get_json()
    assert "modified_until=2999-01-01T00%3A00%3A00%2B01%3A00" in page["links"]["self"]  # the filter is kept
    for bad in ("created_since=igår", "modified_since=2024-01-01T00:00:00", "limit=0", "limit=x", "page=-1"):
        response = get(client, f"{ROOT}/body/raadet/meeting?{bad}", 400)
        assert response.get_json()["type"] == "https://schema.oparl.org/1.1/Error"


def test_cors_json_and_caching(oparl_app):
    client = oparl_app.test_client()
    response = get(client, f"{ROOT}/system")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.mimetype == "application/json"
    assert response.get_json()["oparlVersion"] == "https://schema.oparl.org/1.1/"
    assert response.headers["Cache-Control"].startswith("public")
    again = client.get(f"{ROOT}/system", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_a_list_page_costs_the_same_queries_whatever_the_number_of_items(oparl_app):
    ids = oparl_app.config["OPARL_TEST"]
    client = oparl_app.test_client()

    def queries(url: str) -> int:
        from workflows.council import oparl

        oparl._SHA512.clear()  # the checksums of the material are read again (one query, however many files)
        with oparl_app.app_context():
            from web.extensions import db

            statements = []
            listener = lambda *args: statements.append(args[2])  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                get(client, url)
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)
            return len(statements)

    urls = [f"{ROOT}/body/raadet/meeting", f"{ROOT}/body/raadet/agendaItem", f"{ROOT}/body/raadet/file",
            f"{ROOT}/body/raadet/paper", f"{ROOT}/meeting/{ids['held']}"]
    before = {url: queries(url) for url in urls}
    with oparl_app.app_context():
        from web.extensions import db
        from workflows.council import AgendaItem, AgendaItemDocument

        s, byplan = db.session, oparl_app.extensions["byplan"]
        for n in range(6):
            item = AgendaItem(meeting_id=ids["held"], position=20 + n, kind="information", title=f"Ekstra {n}")
            s.add(item)
            s.flush()
            for m in range(2):
                version = byplan.documents.add(s, case_id=None, filename=f"bilag-{n}-{m}.txt",
                                               content=f"Bilag {n}.{m}".encode(), actor="sekretariat")
                s.add(AgendaItemDocument(item_id=item.id, document_id=version.document_id))
        s.commit()
    after = {url: queries(url) for url in urls}
    assert after == before


def test_a_meeting_through_its_process_on_sqlite_and_postgresql(app, people):
    """The council's own path (agenda built and published by the process), on both databases: the public
    meeting with its items and material, valid OParl; before the publication nothing."""
    from council_support import CouncilDriver

    driver = CouncilDriver(app, people)
    driver.ensure_members()
    meeting_id = driver.create_meeting(title="Ekstraordinært rådsmøde")
    client = app.test_client()
    with app.app_context():
        from web.extensions import db

        council = app.extensions["byplan"].council
        item = council.add_item(db.session, people.user("secretary"), meeting_id,
                                {"kind": "information", "title": "Status på brugerstyring"})
        council.add_material(db.session, people.user("secretary"), item.id, "status.txt", b"Status: i gang.")
        db.session.commit()
        item_id = item.id
    assert walk_list(client, f"{ROOT}/body/raadet/meeting") == []
    get(client, f"{ROOT}/agendaItem/{item_id}", 404)
    driver.publish_agenda(meeting_id)
    [meeting] = walk_list(client, f"{ROOT}/body/raadet/meeting")
    seen: set[str] = set()
    validate(meeting, seen)
    [public_item] = meeting["agendaItem"]
    assert public_item["name"] == "Status på brugerstyring" and "result" not in public_item
    [file] = public_item["auxiliaryFile"]
    assert get(client, file["accessUrl"]).data == b"Status: i gang."
    for obj in walk_list(client, f"{ROOT}/body/raadet/person") + walk_list(client, f"{ROOT}/body/raadet/file"):
        validate(obj, seen)
    assert seen >= {"Meeting", "AgendaItem", "File", "Location", "Person", "Membership"}
