"""Administration through the pages (/admin): only administrators; users and roles, municipalities, working
groups, networks and seats, council members and the chair, API tokens; per-field errors change nothing;
every change is an audit event of kind "admin"."""
from __future__ import annotations

import re
from datetime import timedelta

from types import SimpleNamespace

from engine.audit_people import Pseudonyms
import pytest
from sqlalchemy import func, select

from engine.models import AuditEvent, utcnow
from network_support import NetworkDriver
from support import People


def text(response) -> str:
    return response.data.decode()


def logout(client):
    client.post("/logout")


def query(app, fn):
    """Run fn(session) in a fresh app context and return its plain result."""
    from web.extensions import db

    with app.app_context():
        result = fn(db.session)
        db.session.expunge_all()
        return result


def count(app, model) -> int:
    return query(app, lambda s: s.scalar(select(func.count()).select_from(model)))


def admin_events(app) -> list:
    """The admin events as a reader sees them: people's references resolved (issue 18)."""
    def read(s):
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.kind == "admin").order_by(AuditEvent.id)))
        return [SimpleNamespace(id=e.id, kind=e.kind, actor=actor, summary=summary, detail=detail)
                for e, (actor, summary, detail) in zip(events, Pseudonyms().reveal(s, events))]
    return query(app, read)


def user_row(app, username: str):
    from workflows.directory import User

    return query(app, lambda s: s.scalars(select(User).where(User.username == username)).unique().one_or_none())


def roles_of(app, username: str) -> set[str]:
    return {r.role for r in user_row(app, username).role_rows}


@pytest.fixture
def admin(client, people):
    return people.login(client, "admin")


# ------------------------------------------------------------------ access

def _fixtures(app, people) -> dict:
    """One record of each kind, for the detail pages."""
    from web.extensions import db
    from workflows.council import CouncilMember
    from workflows.directory import ApiToken, Municipality
    from workflows.network import Network

    with app.app_context():
        s = db.session
        net = Network(name="KITA")
        s.add(net)
        member = CouncilMember(user_id=people.ids["councillor"], term_start=utcnow().date(), organisation="KL")
        s.add(member)
        s.commit()
        ids = {"network": net.id, "member": member.id,
               "municipality": s.scalar(select(Municipality.id).where(Municipality.name == "Hjørring"))}
    people.token("lead")
    ids["token"] = query(app, lambda s: s.scalar(select(ApiToken.id)))
    return ids


def admin_urls(ids: dict, people) -> list[str]:
    return ["/admin", "/admin/brugere", "/admin/brugere/ny", f"/admin/brugere/{people.ids['lead']}", "/admin/roller",
            "/admin/kommuner", "/admin/kommuner/ny", f"/admin/kommuner/{ids['municipality']}",
            "/admin/arbejdsgrupper", "/admin/arbejdsgrupper/ny", f"/admin/arbejdsgrupper/{people.group_id}",
            "/admin/netvaerk", "/admin/netvaerk/ny", f"/admin/netvaerk/{ids['network']}", "/admin/raad",
            f"/admin/raad/{ids['member']}", "/admin/tokens"]


def test_every_admin_page_is_for_administrators_only(client, app, people):
    ids = _fixtures(app, people)
    urls = admin_urls(ids, people)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    assert client.post(f"/admin/tokens/{ids['token']}/tilbagekald").status_code == 302
    for name in ("secretary", "councillor", "chair", "contact", "lead"):
        people.login(client, name)
        for url in urls:
            assert client.get(url).status_code == 403, (name, url)
        assert client.post("/admin/brugere/ny", data={"username": "x"}).status_code == 403
        assert client.post(f"/admin/tokens/{ids['token']}/tilbagekald").status_code == 403
        assert 'href="/admin"' not in text(client.get("/sager"))
        logout(client)
    people.login(client, "admin")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'href="/admin"' in text(response)  # the "Administration" link in the main menu
    assert count(app, AuditEvent) and not admin_events(app)  # looking changes nothing


def test_csrf_is_required_on_admin_forms(sqlite_url):
    from support import make_app

    app = make_app(sqlite_url, WTF_CSRF_ENABLED=True)
    People(app)
    client = app.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(page)).group(1)
    assert client.post("/login", data={"username": "admin", "password": People.PASSWORD,
                                       "csrf_token": token}).status_code == 302
    form = client.get("/admin/brugere/ny")
    assert 'name="csrf_token"' in text(form)
    response = client.post("/admin/brugere/ny", data={"username": "ny", "name": "Ny", "email": "ny@example.org",
                                                      "password": "long enough secret"})
    assert response.status_code == 400
    assert user_row(app, "ny") is None


# ------------------------------------------------------------------- users

GOOD_USER = {"username": "ny.bruger", "name": "Ny Bruger", "email": "ny@example.org", "municipality_id": "",
             "roles": ["secretariat", "admin"], "password": "et langt kodeord"}


def test_create_user_with_field_errors_then_success(admin, app, people):
    from workflows.directory import User

    before = count(app, User)
    bad = {"username": "lead", "name": "", "email": "not-an-address", "roles": ["secretariat", "emperor"],
           "password": "short", "municipality_id": "999999"}
    response = admin.post("/admin/brugere/ny", data=bad)
    assert response.status_code == 422
    body = text(response)
    for name in ("name", "email", "roles", "password"):
        assert f'id="e-{name}"' in body, name
    assert count(app, User) == before and not admin_events(app)
    # a taken user name (case-insensitive) and an unknown municipality are per-field errors too
    response = admin.post("/admin/brugere/ny", data={**GOOD_USER, "username": "LEAD"})
    assert response.status_code == 422 and 'id="e-username"' in text(response)
    response = admin.post("/admin/brugere/ny", data={**GOOD_USER, "municipality_id": "999999"})
    assert response.status_code == 422 and 'id="e-municipality_id"' in text(response)
    response = admin.post("/admin/brugere/ny", data={**GOOD_USER, "username": "two words"})
    assert response.status_code == 422 and 'id="e-username"' in text(response)
    # the entered values survive the re-render (but never the password)
    assert 'value="ny@example.org"' in text(response) and "et langt kodeord" not in text(response)
    assert 'value="admin" checked' in text(response)
    assert count(app, User) == before

    response = admin.post("/admin/brugere/ny", data=GOOD_USER)
    assert response.status_code == 302
    created = user_row(app, "ny.bruger")
    assert created.name == "Ny Bruger" and roles_of(app, "ny.bruger") == {"secretariat", "admin"}
    assert created.password_hash != GOOD_USER["password"]
    event = admin_events(app)[-1]
    assert event.actor == "admin" and "ny.bruger" in event.summary
    assert event.detail["roles"] == ["admin", "secretariat"]
    assert GOOD_USER["password"] not in str(event.detail) and created.password_hash not in str(event.detail)
    logout(admin)
    assert admin.post("/login", data={"username": "ny.bruger", "password": GOOD_USER["password"]}).status_code == 302


def test_edit_user_roles_and_municipality(admin, app, people):
    from workflows.directory import Municipality

    muni_id = query(app, lambda s: s.scalar(select(Municipality.id)))
    url = f"/admin/brugere/{people.ids['member']}"
    page = text(admin.get(url))
    assert "<fieldset" in page and "<legend>" in page and 'type="checkbox"' in page
    response = admin.post(url, data={"name": "", "email": "x", "roles": ["secretariat"]})
    assert response.status_code == 422 and 'id="e-name"' in text(response) and 'id="e-email"' in text(response)
    assert roles_of(app, "member") == set() and user_row(app, "member").name == "Member"
    response = admin.post(url, data={"name": "Mette Medlem", "email": "mette@example.org",
                                     "roles": ["secretariat", "municipality_contact"],
                                     "municipality_id": str(muni_id)})
    assert response.status_code == 302
    row = user_row(app, "member")
    assert row.name == "Mette Medlem" and row.municipality_id == muni_id
    assert roles_of(app, "member") == {"secretariat", "municipality_contact"}
    assert row.memberships  # working-group membership is not touched by the role boxes
    detail = admin_events(app)[-1].detail
    assert detail["user"] == "member" and detail["changes"]["name"] == ["Member", "Mette Medlem"]
    assert detail["changes"]["roles"] == [[], ["municipality_contact", "secretariat"]]
    # taking roles away
    assert admin.post(url, data={"name": "Mette Medlem", "email": "mette@example.org"}).status_code == 302
    assert roles_of(app, "member") == set()
    # the council roles follow the council register: not on the user form, and kept by its saves
    response = admin.post(url, data={"name": "Mette Medlem", "email": "mette@example.org",
                                     "roles": ["council_chair"]})
    assert response.status_code == 422 and 'id="e-roles"' in text(response)
    assert roles_of(app, "member") == set()
    councillor = f"/admin/brugere/{people.ids['councillor']}"
    before = roles_of(app, "councillor")
    assert "council_member" in before
    assert admin.post(councillor, data={"name": "Rita Rådsmedlem", "email": "rita@example.org"}).status_code == 302
    assert roles_of(app, "councillor") == before


def test_the_last_administrator_keeps_the_role_and_nobody_deactivates_themselves(admin, app, people):
    url = f"/admin/brugere/{people.ids['admin']}"
    response = admin.post(url, data={"name": "Admin", "email": "admin@example.org", "roles": ["secretariat"]})
    assert response.status_code == 422 and 'id="e-roles"' in text(response)
    assert roles_of(app, "admin") == {"admin"}
    response = admin.post(f"{url}/aktiv", data={"active": "0"})
    assert response.status_code == 422 and user_row(app, "admin").active
    assert not admin_events(app)
    # with a second administrator the first may give up the role
    admin.post(f"/admin/brugere/{people.ids['secretary']}",
               data={"name": "Secretary", "email": "secretary@example.org", "roles": ["secretariat", "admin"]})
    response = admin.post(url, data={"name": "Admin", "email": "admin@example.org", "roles": ["secretariat"]})
    assert response.status_code == 302 and roles_of(app, "admin") == {"secretariat"}
    # now not an administrator any more: the admin area is closed to them
    assert admin.get("/admin").status_code == 403


def test_a_deactivated_user_cannot_log_in_or_use_tokens(admin, app, people, client):
    token = people.token("lead")
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/tasks", headers=headers).status_code == 200
    lead_client = app.test_client()
    people.login(lead_client, "lead")
    url = f"/admin/brugere/{people.ids['lead']}"
    assert admin.post(f"{url}/aktiv", data={"active": "0"}).status_code == 302
    assert not user_row(app, "lead").active
    assert admin_events(app)[-1].detail == {"user": "lead", "active": False}
    assert api.get("/api/v1/tasks", headers=headers).status_code == 401
    assert lead_client.get("/opgaver").status_code in (302, 401)  # the open session ends too
    fresh = app.test_client()
    assert fresh.post("/login", data={"username": "lead", "password": People.PASSWORD}).status_code == 422
    assert "Deactivated" in text(admin.get("/admin/brugere?q=lead")) \
        or "Deaktiveret" in text(admin.get("/admin/brugere?q=lead"))
    assert admin.post(f"{url}/aktiv", data={"active": "1"}).status_code == 302
    assert fresh.post("/login", data={"username": "lead", "password": People.PASSWORD}).status_code == 302
    assert api.get("/api/v1/tasks", headers=headers).status_code == 200


def test_reset_password(admin, app, people):
    url = f"/admin/brugere/{people.ids['lead']}/adgangskode"
    old_hash = user_row(app, "lead").password_hash
    response = admin.post(url, data={"password": "kort"})
    assert response.status_code == 422 and 'id="e-password"' in text(response)
    assert user_row(app, "lead").password_hash == old_hash
    assert admin.post(url, data={"password": "et nyt og langt kodeord"}).status_code == 302
    event = admin_events(app)[-1]
    assert event.detail == {"user": "lead"} and "kodeord" not in event.summary
    other = user_row(app, "lead")
    assert other.password_hash not in str(event.detail)
    client = people.app.test_client()
    assert client.post("/login", data={"username": "lead", "password": People.PASSWORD}).status_code == 422
    assert client.post("/login", data={"username": "lead", "password": "et nyt og langt kodeord"}).status_code == 302


def test_user_list_filters_and_pages(admin, app, people):
    from web.extensions import db
    from workflows.admin import PAGE_SIZE
    from workflows.directory import create_user

    with app.app_context():
        for i in range(PAGE_SIZE + 3):
            create_user(db.session, f"bulk{i:02d}", f"Bulk {i:02d}", f"bulk{i}@example.org", "x" * 12)
        db.session.commit()
    first = text(admin.get("/admin/brugere"))
    assert first.count('href="/admin/brugere/') - first.count('href="/admin/brugere/ny"') == PAGE_SIZE
    assert 'rel="next"' in first
    last = text(admin.get("/admin/brugere?side=2"))
    assert 'rel="prev"' in last and 'rel="next"' not in last
    assert "bulk" in text(admin.get("/admin/brugere?side=999"))  # beyond the end: the last page
    filtered = text(admin.get("/admin/brugere?q=BULK 0"))
    assert "Bulk 00" in filtered and "Secretary" not in filtered
    by_role = text(admin.get("/admin/brugere?role=council_member"))
    assert "Chair" in by_role and "Councillor" in by_role and "Bulk" not in by_role and "Secretary" not in by_role
    groups = text(admin.get("/admin/brugere?role=wg_member"))
    assert "Lead" in groups and "Outsider" in groups and "Chair" not in groups


def test_roles_overview(admin, app, people):
    page = text(admin.get("/admin/roller"))
    for role in ("secretariat", "council_member", "council_chair", "wg_member", "municipality_contact", "admin"):
        assert f'id="role-{role}"' in page
    section = page.split('id="role-wg_member"')[1].split("</section>")[0]
    assert "Lead" in section and "Member" in section and "Secretary" not in section


# ----------------------------------------------------------- municipalities

def test_municipalities_create_and_edit_with_unique_names(admin, app, people):
    from workflows.directory import Municipality

    before = count(app, Municipality)
    response = admin.post("/admin/kommuner/ny", data={"name": "hjørring", "code": "860", "region": "Atlantis",
                                                     "email": "nope"})
    assert response.status_code == 422
    body = text(response)
    for name in ("name", "code", "region", "email"):
        assert f'id="e-{name}"' in body, name
    assert count(app, Municipality) == before
    response = admin.post("/admin/kommuner/ny", data={"name": "Aalborg", "code": "851", "region": "Midt-Nord",
                                                     "email": "hoering@aalborg.dk"})
    assert response.status_code == 302
    aalborg = query(app, lambda s: s.scalar(select(Municipality).where(Municipality.name == "Aalborg")))
    assert aalborg.email == "hoering@aalborg.dk"
    url = f"/admin/kommuner/{aalborg.id}"
    assert admin.get(url).status_code == 200
    response = admin.post(url, data={"name": "Hjørring", "code": "851", "region": "Midt-Nord"})
    assert response.status_code == 422 and 'id="e-name"' in text(response) and 'id="e-code"' not in text(response)
    assert admin.post(url, data={"name": "Aalborg Kommune", "code": "851", "region": "Midt-Nord"}).status_code == 302
    row = query(app, lambda s: s.get(Municipality, aalborg.id))
    assert row.name == "Aalborg Kommune" and row.email is None
    detail = admin_events(app)[-1].detail
    assert detail["changes"] == {"name": ["Aalborg", "Aalborg Kommune"], "email": ["hoering@aalborg.dk", None]}
    assert admin.get("/admin/kommuner/999999").status_code == 404


def test_a_concurrent_duplicate_is_a_conflict_not_a_500(admin, app, monkeypatch):
    """Two admins creating the same municipality at once: the second passes the service's uniqueness check
    before the first commits, and the database's constraint answers. That is 409, and nothing is saved."""
    from workflows.admin import Admin
    from workflows.directory import Municipality

    checked = Admin._load
    monkeypatch.setattr(Admin, "_load",
                        staticmethod(lambda session, schema, raw, unique=(): checked(session, schema, raw)))
    before, events = count(app, Municipality), len(admin_events(app))
    response = admin.post("/admin/kommuner/ny", data={"name": "Hjørring", "code": "999", "region": "Midt-Nord"})
    assert response.status_code == 409
    assert (count(app, Municipality), len(admin_events(app))) == (before, events)


# ----------------------------------------------------------- working groups

def memberships(app, group_id: int) -> dict[str, bool]:
    from workflows.directory import GroupMembership, User

    return query(app, lambda s: {u: lead for u, lead in s.execute(
        select(User.username, GroupMembership.is_lead).join(User, User.id == GroupMembership.user_id)
        .where(GroupMembership.group_id == group_id))})


def test_working_groups_members_and_one_lead(admin, app, people):
    from workflows.directory import WorkingGroup

    assert admin.post("/admin/arbejdsgrupper/ny", data={"name": "data"}).status_code == 422  # "Data" exists
    assert admin.post("/admin/arbejdsgrupper/ny", data={"name": "", "description": "x"}).status_code == 422
    assert admin.post("/admin/arbejdsgrupper/ny", data={"name": "Arkitekturstyring"}).status_code == 302
    assert count(app, WorkingGroup) == 3
    url = f"/admin/arbejdsgrupper/{people.group_id}"
    response = admin.post(url, data={"name": "Data"})
    assert response.status_code == 422 and 'id="e-name"' in text(response)
    assert admin.post(url, data={"name": "Brugerstyring og identitet", "description": "FBS"}).status_code == 302

    # adding: errors, a plain member, then a new lead (the old lead becomes a member)
    response = admin.post(f"{url}/medlemmer", data={"user_id": str(people.ids["member"])})
    assert response.status_code == 422 and 'id="e-user_id"' in text(response)
    assert admin.post(f"{url}/medlemmer", data={"user_id": "abc"}).status_code == 422
    assert admin.post(f"{url}/medlemmer", data={"user_id": str(people.ids["outsider"]), "lead": "1"}).status_code == 302
    assert memberships(app, people.group_id) == {"lead": False, "member": False, "outsider": True}
    assert admin_events(app)[-1].detail["previous_lead"] == "lead"

    # the lead cannot leave while others remain; first hand the lead on
    response = admin.post(f"{url}/medlemmer/{people.ids['outsider']}/fjern")
    assert response.status_code == 422 and "outsider" in memberships(app, people.group_id)
    assert admin.post(f"{url}/medlemmer/{people.ids['lead']}/leder").status_code == 302
    assert memberships(app, people.group_id) == {"lead": True, "member": False, "outsider": False}
    assert admin.post(f"{url}/medlemmer/{people.ids['outsider']}/fjern").status_code == 302
    assert memberships(app, people.group_id) == {"lead": True, "member": False}
    assert admin.post(f"{url}/medlemmer/{people.ids['outsider']}/fjern").status_code == 404
    kinds = [e.summary for e in admin_events(app)]
    assert any("removed from working group" in k for k in kinds) and any(" leads working group " in k for k in kinds)
    # the new lead may submit: their membership is what the proposal process checks
    assert user_row(app, "lead").leads(people.group_id)


# ------------------------------------------------------------------ networks

def test_network_members_and_seats(admin, app, people):
    from workflows.directory import Municipality
    from workflows.network import Network, NetworkMembership

    assert admin.post("/admin/netvaerk/ny", data={"name": ""}).status_code == 422
    assert admin.post("/admin/netvaerk/ny", data={"name": "KITA", "description": "Arkitekter"}).status_code == 302
    assert admin.post("/admin/netvaerk/ny", data={"name": "kita"}).status_code == 422
    net_id = query(app, lambda s: s.scalar(select(Network.id)))
    muni_id = query(app, lambda s: s.scalar(select(Municipality.id)))
    url = f"/admin/netvaerk/{net_id}"
    response = admin.post(f"{url}/medlemmer", data={"municipality_id": str(muni_id), "seats_per_meeting": "0"})
    assert response.status_code == 422 and 'id="e-seats_per_meeting"' in text(response)
    assert count(app, NetworkMembership) == 0
    assert admin.post(f"{url}/medlemmer", data={"municipality_id": str(muni_id),
                                                "seats_per_meeting": "3"}).status_code == 302
    response = admin.post(f"{url}/medlemmer", data={"municipality_id": str(muni_id), "seats_per_meeting": "3"})
    assert response.status_code == 422 and 'id="e-municipality_id"' in text(response)
    membership_id = query(app, lambda s: s.scalar(select(NetworkMembership.id)))
    response = admin.post(f"{url}/medlemmer/{membership_id}/pladser", data={"seats_per_meeting": "x"})
    assert response.status_code == 422 and f'id="e-seats-{membership_id}"' in text(response)
    assert admin.post(f"{url}/medlemmer/{membership_id}/pladser", data={"seats_per_meeting": "5"}).status_code == 302
    assert query(app, lambda s: s.get(NetworkMembership, membership_id).seats_per_meeting) == 5
    assert admin_events(app)[-1].detail["seats_per_meeting"] == [3, 5]
    assert admin.post(f"{url}/medlemmer/{membership_id}/fjern").status_code == 302
    assert count(app, NetworkMembership) == 0
    assert admin.post(f"{url}/medlemmer/{membership_id}/fjern").status_code == 404


def test_seats_and_removal_respect_registrations_in_a_current_round(app, people):
    from workflows.network import NetworkMembership, Registration

    net = NetworkDriver(app, people)
    network_id = net.network(municipalities=("Hjørring",), seats=1)
    _round_id, (meeting_id,) = net.create_round(network_id)
    contact = app.test_client()
    people.login(contact, "contact")
    for name in ("Anna", "Bo"):
        assert contact.post(f"/netvaerk/moeder/{meeting_id}/tilmeld",
                            data={"name": name, "email": f"{name.lower()}@hjoerring.dk"}).status_code == 302
    statuses = lambda: query(app, lambda s: {r.name: r.status for r in s.scalars(select(Registration))})  # noqa: E731
    assert statuses() == {"Anna": "registered", "Bo": "waiting"}

    admin = app.test_client()
    people.login(admin, "admin")
    membership_id = query(app, lambda s: s.scalar(select(NetworkMembership.id)))
    url = f"/admin/netvaerk/{network_id}/medlemmer/{membership_id}"
    # removing the municipality would orphan its registrations: refused, nothing changes
    response = admin.post(f"{url}/fjern")
    assert response.status_code == 422 and count(app, NetworkMembership) == 1
    # more seats move the waiting colleague up
    assert admin.post(f"{url}/pladser", data={"seats_per_meeting": "2"}).status_code == 302
    assert statuses() == {"Anna": "registered", "Bo": "registered"}
    assert admin_events(app)[-1].detail["promoted_from_waiting_list"]
    # fewer seats than colleagues registered: refused
    response = admin.post(f"{url}/pladser", data={"seats_per_meeting": "1"})
    assert response.status_code == 422 and f'id="e-seats-{membership_id}"' in text(response)
    assert query(app, lambda s: s.get(NetworkMembership, membership_id).seats_per_meeting) == 2


# ------------------------------------------------------------------- council

def council_rows(app) -> dict[str, tuple]:
    from workflows.council import CouncilMember

    return query(app, lambda s: {m.user.username: (m.term_start, m.term_end, m.is_chair)
                                 for m in s.scalars(select(CouncilMember)).unique()})


def test_council_members_terms_and_one_chair(admin, app, people):
    from workflows.admin import today as copenhagen_today
    from workflows.council import CouncilMember, members

    today = copenhagen_today()
    start = today - timedelta(days=30)
    response = admin.post("/admin/raad", data={"user_id": str(people.ids["councillor"]), "term_start": "",
                                              "term_end": "2020-13-01"})
    assert response.status_code == 422 and 'id="e-term_start"' in text(response) and 'id="e-term_end"' in text(response)
    response = admin.post("/admin/raad", data={"user_id": str(people.ids["councillor"]),
                                              "term_start": start.isoformat(),
                                              "term_end": (start - timedelta(days=1)).isoformat()})
    assert response.status_code == 422 and 'id="e-term_end"' in text(response)
    assert count(app, CouncilMember) == 0 and not admin_events(app)

    # the first chair, then a member who takes the chair over
    assert admin.post("/admin/raad", data={"user_id": str(people.ids["chair"]), "term_start": start.isoformat(),
                                           "is_chair": "1", "organisation": "KL"}).status_code == 302
    assert admin.post("/admin/raad", data={"user_id": str(people.ids["member"]),
                                           "term_start": start.isoformat()}).status_code == 302
    assert "council_member" in roles_of(app, "member") and "council_chair" not in roles_of(app, "member")
    response = admin.post("/admin/raad", data={"user_id": str(people.ids["member"]), "term_start": start.isoformat()})
    assert response.status_code == 422 and 'id="e-user_id"' in text(response)
    member_id = query(app, lambda s: s.scalar(select(CouncilMember.id).where(
        CouncilMember.user_id == people.ids["member"])))
    url = f"/admin/raad/{member_id}"
    response = admin.post(url, data={"term_start": start.isoformat(), "term_end": "2000-01-01", "is_chair": "1"})
    assert response.status_code == 422 and 'id="e-term_end"' in text(response)
    assert council_rows(app)["member"] == (start, None, False)
    assert admin.post(url, data={"term_start": start.isoformat(), "is_chair": "1"}).status_code == 302
    rows = council_rows(app)
    assert rows["member"][2] is True and rows["chair"][2] is False
    assert "council_chair" in roles_of(app, "member") and "council_chair" not in roles_of(app, "chair")
    assert admin_events(app)[-1].detail["changes"]["previous_chair"] == "chair"
    assert [m.user.username for m in query(app, lambda s: members(s))][0] == "member"  # the chair first

    # ending a term: not before it starts; a past last day takes the council roles with it
    response = admin.post(f"{url}/afslut", data={"last_day": (start - timedelta(days=1)).isoformat()})
    assert response.status_code == 422 and 'id="e-last_day"' in text(response)
    yesterday = today - timedelta(days=1)
    assert admin.post(f"{url}/afslut", data={"last_day": yesterday.isoformat()}).status_code == 302
    assert council_rows(app)["member"] == (start, yesterday, False)
    assert not roles_of(app, "member") & {"council_member", "council_chair"}
    assert "member" not in [m.user.username for m in query(app, lambda s: members(s))]
    assert admin_events(app)[-1].detail["term_end"] == [None, yesterday.isoformat()]
    # an ended member cannot be made chair
    response = admin.post(url, data={"term_start": start.isoformat(), "term_end": yesterday.isoformat(),
                                     "is_chair": "1"})
    assert response.status_code == 422 and 'id="e-is_chair"' in text(response)


# -------------------------------------------------------------- API tokens

def test_admin_creates_lists_and_revokes_tokens(admin, app, people):
    from workflows.directory import ApiToken

    response = admin.post("/admin/tokens", data={"user_id": "", "label": ""})
    assert response.status_code == 422 and 'id="e-user_id"' in text(response) and 'id="e-label"' in text(response)
    assert count(app, ApiToken) == 0
    response = admin.post("/admin/tokens", data={"user_id": str(people.ids["lead"]), "label": "ESDH-integration"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="secret" type="text" readonly value="(bp_[^"]+)"', text(response)).group(1)
    row = query(app, lambda s: s.scalars(select(ApiToken)).unique().one())
    assert row.user_id == people.ids["lead"] and row.label == "ESDH-integration" and row.last_used_at is None
    event = admin_events(app)[-1]
    assert event.detail == {"token": row.id, "user": "lead", "label": "ESDH-integration"}
    assert secret not in str(event.detail) and row.token_hash not in str(event.detail)

    api = app.test_client()
    assert api.get("/api/v1/tasks", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    listing = text(admin.get("/admin/tokens"))
    assert secret not in listing and row.token_hash not in listing and "ESDH-integration" in listing
    assert query(app, lambda s: s.get(ApiToken, row.id).last_used_at) is not None

    assert admin.post(f"/admin/tokens/{row.id}/tilbagekald").status_code == 302
    assert query(app, lambda s: s.get(ApiToken, row.id).revoked_at) is not None
    assert "revoked" in admin_events(app)[-1].summary
    assert api.get("/api/v1/tasks", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert admin.post(f"/admin/tokens/{row.id}/tilbagekald").status_code == 422  # already revoked
    assert admin.post("/admin/tokens/999999/tilbagekald").status_code == 404
    # every administrative change joined the audit log's hash chain
    byplan = app.extensions["byplan"]
    assert query(app, lambda s: byplan.engine.audit.verify(s)) is None


def test_the_api_records_last_use_and_refuses_revoked_tokens(app, people, client):
    import time_machine

    from web.extensions import db
    from workflows.directory import TOKEN_TOUCH_INTERVAL, ApiToken, token_hash

    token = people.token("secretary")
    headers = {"Authorization": f"Bearer {token}"}
    last_used = lambda: query(app, lambda s: s.scalar(  # noqa: E731
        select(ApiToken.last_used_at).where(ApiToken.token_hash == token_hash(token))))
    assert last_used() is None
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    first = last_used()
    assert first is not None
    with time_machine.travel(first + TOKEN_TOUCH_INTERVAL + timedelta(seconds=1), tick=False):
        assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    assert last_used() > first
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
        row.revoked_at = utcnow()
        db.session.commit()
    assert client.get("/api/v1/tasks", headers=headers).status_code == 401
