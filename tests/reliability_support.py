"""The demo data (workflows/demo.py, what `byplan demo` loads) as a test database, with a user per role.

`demo_template(tmp_path_factory, sqlite_template)` builds it once per session as an SQLite file,
`demo_postgres_template` as a PostgreSQL template database (each test's database is created from it
with CREATE DATABASE ... TEMPLATE); `DEMO_USERS` names the demo users by the role names of
tests/support.py People and adds an outsider (in no working group) and the contact of a municipality
that is no party to the demo hearing (Aalborg).
"""
from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from support import make_app

# role name (as in tests/support.py People) -> demo username
DEMO_USERS = {
    "lead": "arbejdsgruppe", "member": "arkitekt", "outsider": "udenfor", "secretary": "sekretariat",
    "chair": "formand", "councillor": "raadsmedlem", "contact": "kommune", "other_contact": "aalborg",
    "admin": "admin",
}
ROLES = tuple(DEMO_USERS)
PASSWORD = "byplan-demo"


def build_demo_database(sqlite_template: Path, target: Path) -> Path:
    shutil.copyfile(sqlite_template, target)
    load_demo_into(f"sqlite:///{target}")
    return target


def load_demo_into(url: str) -> None:
    """Loads the demo data and the extras into a migrated database with the processes deployed."""
    from web.extensions import db
    from workflows.demo import load_demo
    from workflows.directory import MUNICIPALITY_CONTACT, Municipality, create_user

    app = make_app(url)
    with app.app_context():
        s = db.session
        load_demo(s, app.extensions["byplan"])
        aalborg = s.scalar(select(Municipality).where(Municipality.name == "Aalborg"))
        create_user(s, "udenfor", "Ulla Udenfor", "udenfor@byplan.example", PASSWORD, ())
        create_user(s, "aalborg", "Aase Aalborg", "aalborg@byplan.example", PASSWORD, (MUNICIPALITY_CONTACT,),
                    aalborg)
        _extras(s, app.extensions["byplan"])
        s.commit()
        s.remove()
        db.engine.dispose()


PARTY_TOKEN = "party-token-of-favrskov"       # the demo hearing's link for Favrskov (no answer yet)
EVALUATION_TOKEN = "evaluation-token-of-hjoerring"  # a registration's evaluation link
PROPOSAL_CASE_TITLE = "Fælles brugerstyring via Context Handler"  # waits for screening


def _extras(s, byplan) -> None:
    """What the demo lacks for a sample of every route: a registration, known link tokens, an API
    token, a document on a proposal."""
    from engine.models import Case
    from workflows.directory import User, token_hash
    from workflows.hearing import HearingParty
    from workflows.council import AgendaItem
    from workflows.network import RegionalMeeting, Round

    def user(name):
        return s.scalar(select(User).where(User.username == name))

    meeting = s.scalars(select(RegionalMeeting).join(Round).where(Round.status == "open")
                        .order_by(RegionalMeeting.id)).first()
    reg = byplan.networks.register(s, user("kommune"), meeting.id, {
        "name": "Kim Kollega", "email": "kim@hjoerring.example", "job_title": "Arkitekt"})
    reg.evaluation_token_hash = token_hash(EVALUATION_TOKEN)
    party = s.scalar(select(HearingParty).where(HearingParty.name == "Favrskov"))
    party.token_hash = token_hash(PARTY_TOKEN)
    byplan.create_token(s, user("admin"), "access test")
    case = s.scalar(select(Case).where(Case.title == PROPOSAL_CASE_TITLE))
    byplan.upload(s, user("arbejdsgruppe"), case.id, "notat.txt", "Et notat om brugerstyring.".encode(),
                  title="Notat")
    byplan.networks.add_material(s, user("sekretariat"), meeting.id, "program.txt", b"Program")
    item = s.scalars(select(AgendaItem).order_by(AgendaItem.id.desc())).first()
    byplan.council.add_material(s, user("sekretariat"), item.id, "bilag.txt", b"Bilag til punktet")


def copy_demo(template: Path, tmp_path: Path) -> str:
    target = tmp_path / "demo.sqlite"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


_counter = itertools.count()


def demo_url(request, tmp_path) -> str:
    """A fresh copy of the demo database on the backend of the fixture's parameter (BACKENDS)."""
    if request.param == "sqlite":
        return copy_demo(request.getfixturevalue("demo_template"), tmp_path)
    server = request.getfixturevalue("postgres_server")
    return server.create_database(f"demo_{next(_counter)}", request.getfixturevalue("demo_postgres_template"))


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def login(client, role: str):
    if role == "anonymous":
        return client
    response = client.post("/login", data={"username": DEMO_USERS[role], "password": PASSWORD})
    assert response.status_code == 302, response.data[:500]
    return client


def token(app, role: str) -> str:
    from web.extensions import db
    from workflows.directory import User, create_token

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == DEMO_USERS[role]))
        value = create_token(db.session, user, "test")
        db.session.commit()
    return value


def sample_values(app) -> dict[str, object]:
    """A real value from the demo data for every path parameter name of the app's routes."""
    from engine.models import Case, Document, ProcessVersion, ReadyTask
    from web.extensions import db
    from workflows.council import AgendaItem, AgendaItemDocument, CouncilMember
    from workflows.council import Meeting as CouncilMeeting
    from workflows.directory import ApiToken, Municipality, User, WorkingGroup
    from workflows.hearing import Hearing, HearingDocument, HearingParty, HearingResponse
    from workflows.access_request import AccessRequest
    from workflows.architecture_review.models import Review as ArchitectureReview
    from workflows.network import MeetingDocument, Network, NetworkMembership, Registration
    from workflows.catalogue import Principle
    from web.hearings import calendar_token

    with app.test_request_context():
        s = db.session
        first = lambda stmt: s.scalars(stmt).first()  # noqa: E731
        case = first(select(Case).where(Case.title == PROPOSAL_CASE_TITLE))
        network = first(select(Network).order_by(Network.id))
        reg = first(select(Registration))
        version = first(select(ProcessVersion).where(ProcessVersion.process_id == "proposal"))
        values = {
            "group_id": first(select(WorkingGroup.id)),
            "user_id": first(select(User.id).where(User.username == "arkitekt")),
            "municipality_id": first(select(Municipality.id).where(Municipality.name == "Hjørring")),
            "network_id": network.id,
            "membership_id": first(select(NetworkMembership.id).where(NetworkMembership.network_id == network.id)),
            "member_id": first(select(CouncilMember.id).order_by(CouncilMember.id.desc())),
            "token_id": first(select(ApiToken.id)),
            "document_id": first(select(Document.id).where(Document.case_id == case.id)),
            "hearing_document_id": first(select(HearingDocument.document_id)),
            "council_document_id": first(select(AgendaItemDocument.document_id)),
            "network_document_id": first(select(MeetingDocument.document_id)),
            "number": 1,
            "token": PARTY_TOKEN,
            "hearing_id": first(select(Hearing.id)),
            "point_id": 1,
            "party_id": first(select(HearingParty.id).where(HearingParty.name == "Favrskov")),
            "response_id": first(select(HearingResponse.id)),
            "council_meeting_id": first(select(CouncilMeeting.id).order_by(CouncilMeeting.id.desc())),
            "network_meeting_id": reg.meeting_id,
            "round_id": reg.meeting.round_id,
            "registration_id": reg.id,
            "task_id": first(select(ReadyTask.id).where(ReadyTask.case_id == case.id)),
            "key": first(select(Principle.key)),
            "rule_key": "ar-2-1",  # issue 14: the demo's changed rule (two versions)
            "rule_version": 1,
            "version_id": version.id,
            "file_name": "proposal.bpmn",
            "item_id": first(select(AgendaItem.id).order_by(AgendaItem.id.desc())),
            "case_id": case.id,
            "process_id": "proposal",
            "filename": "byplan.css",
            "calendar_token": calendar_token(first(select(User.id).where(User.username == "kommune"))),
            "evaluation_token": EVALUATION_TOKEN,
            "request_id": first(select(AccessRequest.id).order_by(AccessRequest.id)),  # issue 18
            "delegation_id": 1,  # issue 19: an out-of-office delegation (none in the demo: 404)
            "review_id": first(select(ArchitectureReview.id).order_by(ArchitectureReview.id)),  # issue 14
            "list_id": 1,  # issue 19: a saved list (the demo has none: every list route answers 404)
        }
    return values


def route_urls(app) -> dict[str, str]:
    """{"METHOD rule": sample URL} for every route of the app (HEAD and OPTIONS left out)."""
    values = sample_values(app)
    urls = {}
    for rule in app.url_map.iter_rules():
        args = {}
        for name in rule.arguments:
            key = name
            if name == "meeting_id":
                key = "network_meeting_id" if rule.endpoint.startswith("network.") else "council_meeting_id"
            elif name == "token" and rule.endpoint == "hearings.user_calendar":
                key = "calendar_token"
            elif name == "token" and rule.endpoint == "network.evaluation":
                key = "evaluation_token"
            elif name == "key" and ("/regler/" in rule.rule or "/catalogue/rules/" in rule.rule):
                key = "rule_key"  # issue 14
            elif name == "version" and ("/regler/" in rule.rule or "/catalogue/rules/" in rule.rule):
                key = "rule_version"
            elif name == "document_id" and not rule.endpoint.startswith("cases."):
                key = rule.endpoint.split(".")[0].rstrip("s") + "_document_id"
            args[name] = values[key]
        path = rule.build(args, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls[f"{method} {rule.rule}"] = path
    return urls
