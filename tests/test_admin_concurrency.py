"""No silent lost update in administration: every edit form carries the record's version; an edit made from
an older read answers 409, changes nothing, names the fields someone else changed and keeps the user's input.
Runs on SQLite and PostgreSQL."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from engine.models import AuditEvent, utcnow


def query(app, fn):
    from web.extensions import db

    with app.app_context():
        result = fn(db.session)
        db.session.expunge_all()
        return result


def admin_event_count(app) -> int:
    return query(app, lambda s: s.scalar(select(func.count()).select_from(AuditEvent)
                                         .where(AuditEvent.kind == "admin")))


def stamp(page: str, action: str | None = None) -> dict[str, str]:
    """The hidden version fields of the form posting to `action` (the first stamped form when None)."""
    forms = re.findall(r"<form\b([^>]*)>(.*?)</form>", page, re.S)
    for attrs, body in forms:
        if action is not None and f'action="{action}"' not in attrs:
            continue
        version = re.search(r'name="version" value="([^"]*)"', body)
        original = re.search(r'name="original" value="([^"]*)"', body)
        if version:
            return {"version": version.group(1), "original": html.unescape(original.group(1))}
    raise AssertionError(f"no stamped form posting to {action}")


@pytest.fixture
def admin(client, people):
    return people.login(client, "admin")


def two_edits(admin, url: str, action: str | None, first: dict, second: dict, post_to: str | None = None):
    """Both edits start from the same read of the page; returns the two answers."""
    read = stamp(admin.get(url).data.decode(), action)
    target = post_to or action or url
    a = admin.post(target, data={**first, **read})
    b = admin.post(target, data={**second, **read})
    return a, b


def test_user_details(admin, app, people):
    from workflows.directory import User

    uid = people.ids["lead"]
    base = {"name": "Lead", "email": "lead@example.org", "municipality_id": ""}
    url = f"/admin/brugere/{uid}"
    a, b = two_edits(admin, url, url, {**base, "name": "Lead Første"}, {**base, "email": "anden@example.org"})
    assert a.status_code == 302
    events = admin_event_count(app)
    assert b.status_code == 409
    page = b.data.decode()
    assert "Brugeren &#39;lead&#39; blev ændret af en anden, mens du redigerede (felter: navn)" in page
    assert 'value="anden@example.org"' in page  # the second user's input is kept
    user = query(app, lambda s: s.get(User, uid))
    assert (user.name, user.email) == ("Lead Første", "lead@example.org")
    assert admin_event_count(app) == events
    # The page shown again carries the current version: saving it again, deliberately, is accepted.
    again = admin.post(url, data={**base, "name": "Lead Første", "email": "anden@example.org",
                                  **stamp(page, url)})
    assert again.status_code == 302
    assert query(app, lambda s: s.get(User, uid).email) == "anden@example.org"


def test_user_roles_alone_make_a_new_version(admin, app, people):
    from workflows.directory import User

    uid = people.ids["member"]
    base = {"name": "Member", "email": "member@example.org", "municipality_id": ""}
    url = f"/admin/brugere/{uid}"
    a, b = two_edits(admin, url, url, {**base, "roles": ["secretariat"]}, {**base, "name": "Andet Navn"})
    assert a.status_code == 302 and b.status_code == 409
    assert "(felter: roller)" in b.data.decode()
    user = query(app, lambda s: s.get(User, uid))
    assert user.name == "Member" and {r.role for r in user.role_rows} == {"secretariat"}


def test_municipality(admin, app, people):
    from workflows.directory import Municipality

    mid = query(app, lambda s: s.scalar(select(Municipality.id).where(Municipality.name == "Hjørring")))
    base = {"name": "Hjørring", "code": "860", "region": "Midt-Nord", "email": ""}
    url = f"/admin/kommuner/{mid}"
    a, b = two_edits(admin, url, None, {**base, "email": "hoering@hjoerring.dk"},
                     {**base, "name": "Hjørring Kommune", "code": "861"}, post_to=url)
    assert a.status_code == 302 and b.status_code == 409
    page = b.data.decode()
    assert "Kommunen &#39;Hjørring&#39; blev ændret af en anden" in page and "(felter: e-mail til høringer)" in page
    assert 'value="Hjørring Kommune"' in page and 'value="861"' in page
    muni = query(app, lambda s: s.get(Municipality, mid))
    assert (muni.name, muni.code, muni.email) == ("Hjørring", "860", "hoering@hjoerring.dk")


def test_working_group(admin, app, people):
    from workflows.directory import WorkingGroup

    gid = people.group_id
    url = f"/admin/arbejdsgrupper/{gid}"
    a, b = two_edits(admin, url, url, {"name": "Brugerstyring", "description": "Første"},
                     {"name": "Brugerstyring 2", "description": ""})
    assert a.status_code == 302 and b.status_code == 409
    page = b.data.decode()
    assert "Arbejdsgruppen &#39;Brugerstyring&#39; blev ændret af en anden" in page and "(felter: beskrivelse)" in page
    assert 'value="Brugerstyring 2"' in page
    group = query(app, lambda s: s.get(WorkingGroup, gid))
    assert (group.name, group.description) == ("Brugerstyring", "Første")


def _network(app, people, seats: int = 2) -> tuple[int, int]:
    from web.extensions import db
    from workflows.directory import Municipality
    from workflows.network import Network, NetworkMembership

    with app.app_context():
        s = db.session
        net = Network(name="KITA")
        s.add(net)
        s.flush()
        muni = s.scalar(select(Municipality).where(Municipality.name == "Hjørring"))
        row = NetworkMembership(network_id=net.id, municipality_id=muni.id, seats_per_meeting=seats)
        s.add(row)
        s.commit()
        return net.id, row.id


def test_network(admin, app, people):
    from workflows.network import Network

    nid, _ = _network(app, people)
    url = f"/admin/netvaerk/{nid}"
    a, b = two_edits(admin, url, url, {"name": "KITA", "description": "Netværket"},
                     {"name": "KITA-netværket", "description": ""})
    assert a.status_code == 302 and b.status_code == 409
    page = b.data.decode()
    assert "Netværket &#39;KITA&#39; blev ændret af en anden" in page and "(felter: beskrivelse)" in page
    assert 'value="KITA-netværket"' in page
    net = query(app, lambda s: s.get(Network, nid))
    assert (net.name, net.description) == ("KITA", "Netværket")


def test_seats(admin, app, people):
    from workflows.network import NetworkMembership

    nid, mid = _network(app, people)
    url = f"/admin/netvaerk/{nid}"
    action = f"/admin/netvaerk/{nid}/medlemmer/{mid}/pladser"
    a, b = two_edits(admin, url, action, {"seats_per_meeting": "5"}, {"seats_per_meeting": "3"})
    assert a.status_code == 302 and b.status_code == 409
    page = b.data.decode()
    assert "Medlemskabet for &#39;Hjørring&#39; blev ændret af en anden" in page
    assert "(felter: pladser pr. møde)" in page.lower()
    assert re.search(rf'id="seats-{mid}"[^>]*value="3"', page)  # the input kept
    assert query(app, lambda s: s.get(NetworkMembership, mid).seats_per_meeting) == 5


def test_council_term(admin, app, people):
    from web.extensions import db
    from workflows.council import CouncilMember

    with app.app_context():
        member = CouncilMember(user_id=people.ids["councillor"], term_start=utcnow().date(), organisation="KL")
        db.session.add(member)
        db.session.commit()
        member_id, start = member.id, member.term_start.isoformat()
    url = f"/admin/raad/{member_id}"
    a, b = two_edits(admin, url, url, {"term_start": start, "organisation": "KOMBIT"},
                     {"term_start": start, "organisation": "KL", "term_end": "2099-12-31"})
    assert a.status_code == 302 and b.status_code == 409
    page = b.data.decode()
    assert "Rådsmedlemmet &#39;Councillor&#39; blev ændret af en anden" in page and "(felter: organisation)" in page
    # the conflict page keeps the typed date, in its three inputs (day, month, year)
    assert all(f'name="term_end-{part}" value="{value}"' in page
               for part, value in (("day", "31"), ("month", "12"), ("year", "2099")))
    row = query(app, lambda s: s.get(CouncilMember, member_id))
    assert (row.organisation, row.term_end) == ("KOMBIT", None)
    # Ending the term from the same (now old) read is refused too.
    read = stamp(admin.get(url).data.decode(), url)
    admin.post(url, data={"term_start": start, "organisation": "KL", **read})
    ended = admin.post(f"{url}/afslut", data={"last_day": "2099-01-01", **read})
    assert ended.status_code == 409
    assert query(app, lambda s: s.get(CouncilMember, member_id).term_end) is None


def test_a_form_without_version_is_saved_as_before(admin, app, people):
    """Clients that send no version (older pages, scripts) keep the previous behaviour: the save wins."""
    from workflows.directory import WorkingGroup

    url = f"/admin/arbejdsgrupper/{people.group_id}"
    assert admin.post(url, data={"name": "Brugerstyring", "description": "x"}).status_code == 302
    assert admin.post(url, data={"name": "Brugerstyring", "description": "y"}).status_code == 302
    assert query(app, lambda s: s.get(WorkingGroup, people.group_id).description) == "y"


def test_a_garbled_version_is_stale(admin, app, people):
    url = f"/admin/arbejdsgrupper/{people.group_id}"
    answer = admin.post(url, data={"name": "Brugerstyring", "description": "x", "version": "abc"})
    assert answer.status_code == 409
    assert "Arbejdsgruppen &#39;Brugerstyring&#39; blev ændret af en anden, mens du redigerede." in answer.data.decode()


def test_the_message_escapes_the_name(admin, app, people):
    """The record's name is the user's text: shown as text in the message, never as markup or a format."""
    from workflows.directory import Municipality

    mid = query(app, lambda s: s.scalar(select(Municipality.id).where(Municipality.name == "Hjørring")))
    base = {"code": "860", "region": "Midt-Nord", "email": ""}
    url = f"/admin/kommuner/{mid}"
    a, b = two_edits(admin, url, None, {**base, "name": "<b>Hjørring</b> 100%"}, {**base, "name": "Hjørring"},
                     post_to=url)
    assert a.status_code == 302 and b.status_code == 409
    page = b.data.decode()
    assert "Kommunen &#39;&lt;b&gt;Hjørring&lt;/b&gt; 100%&#39; blev ændret" in page
    assert "<b>Hjørring</b>" not in page
