"""The council's Atom feed is valid RFC 4287: the feed has an author, and its `updated` is the newest
entry's (not the time of the request); a feed without entries has a fixed `updated`."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import time_machine
from lxml import etree

from council_support import CouncilDriver
from engine.models import utcnow

ATOM = "{http://www.w3.org/2005/Atom}"


def _parse(response) -> etree._Element:
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    return etree.fromstring(response.data)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _check_required(feed) -> None:
    """RFC 4287 §4.1.1: atom:feed has exactly one id, title and updated, and an author (none of the
    entries carries its own)."""
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(feed.findall(f"{ATOM}{name}")) == 1, name
    authors = feed.findall(f"{ATOM}author")
    assert len(authors) == 1 and authors[0].findtext(f"{ATOM}name") == "Kommunernes It-Arkitekturråd"
    for entry in feed.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
    assert feed.find(f"{ATOM}link[@rel='self']").get("href").endswith("/raadet/feed.atom")


def test_an_empty_feed_is_valid_and_does_not_change_with_the_clock(client):
    first = _parse(client.get("/raadet/feed.atom"))
    _check_required(first)
    assert first.findall(f"{ATOM}entry") == []
    with time_machine.travel(utcnow() + timedelta(days=3), tick=False):
        later = _parse(client.get("/raadet/feed.atom"))
    assert first.findtext(f"{ATOM}updated") == later.findtext(f"{ATOM}updated")
    assert _time(first.findtext(f"{ATOM}updated")) == datetime(1970, 1, 1, tzinfo=timezone.utc)


def test_the_feed_is_updated_when_its_newest_entry_is(client, app, people):
    from web.extensions import db

    council = CouncilDriver(app, people)
    council.ensure_members(("chair", "councillor"))
    meeting_id = council.create_meeting(title="Junimødet")
    with app.app_context():
        item = app.extensions["byplan"].council.add_item(db.session, people.user("secretary"), meeting_id,
                                                         {"kind": "decision", "title": "Fælles brugerstyring"}).id
        db.session.commit()
    council.publish_agenda(meeting_id)
    council.record_positions(meeting_id, {"chair": "agree", "councillor": "agree"})
    council.decide_all(meeting_id, {item: {"decision": "approved"}})
    [task] = council.tasks(council.meeting(meeting_id).case_id, "draft_minutes")
    council.complete("secretary", task, {"minutes_summary": "Rådet godkendte."})
    with time_machine.travel(utcnow() + timedelta(days=9), tick=False):
        council.sweep()  # silence approves: the minutes and the decision are published
    published = council.meeting(meeting_id).minutes_published_at

    with time_machine.travel(utcnow() + timedelta(days=30), tick=False):  # asked much later
        feed = _parse(client.get("/raadet/feed.atom"))
    _check_required(feed)
    entries = feed.findall(f"{ATOM}entry")
    assert sorted(e.findtext(f"{ATOM}title") for e in entries) == ["Godkendt: Fælles brugerstyring",
                                                                  "Referat: Junimødet"]
    newest = max(_time(e.findtext(f"{ATOM}updated")) for e in entries)
    assert _time(feed.findtext(f"{ATOM}updated")) == newest
    assert abs(newest - published) < timedelta(seconds=1)
