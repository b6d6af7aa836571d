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
from datetime import datetime, timedelta, timezone
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
PUBLIC_REVIEW_PROJECT = "Fælles mødebooking"  # issue 14: the review whose decision _extras makes public
SUBSCRIBER_TO_CONFIRM = "ny-abonnent@byplan.example"  # issue 16: an unconfirmed hearing subscription
SUBSCRIBER = "abonnent@byplan.example"  # issue 16: a confirmed one (its unsubscribe link)


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
    item = s.scalars(select(AgendaItem).where(AgendaItem.closed.is_(False)).order_by(AgendaItem.id.desc())).first()
    byplan.council.add_material(s, user("sekretariat"), item.id, "bilag.txt", b"Bilag til punktet")
    _subscriptions(s)
    _public_review(s, byplan)


def _subscriptions(s) -> None:
    """Issue 16: a subscription waiting for its confirmation and a confirmed one, for the two links."""
    from engine.models import utcnow
    from workflows.hearing.records import Subscription

    now = utcnow()
    s.add_all([Subscription(email=SUBSCRIBER_TO_CONFIRM, created_at=now),
               Subscription(email=SUBSCRIBER, created_at=now, confirmed_at=now)])
    s.flush()


def _public_review(s, byplan) -> None:
    """Issue 14: the demo means "Fælles mødebooking" to be decided before today's held council meeting, so that
    its decision is public; but the board decides it now, after the meeting's start (an hour ago), so the held
    meeting lifts no embargo. Date the decision before the meeting and let the meeting's hook end the embargo
    (the review's process records the publication when the router delivers the message)."""
    from workflows.architecture_review.models import Review, ReviewDecision
    from workflows.council import Meeting, MeetingStatus

    review = s.scalar(select(Review).where(Review.project == PUBLIC_REVIEW_PROJECT))
    held = s.scalar(select(Meeting).where(Meeting.status == MeetingStatus.MINUTES_REVIEW.value)
                    .order_by(Meeting.starts_at.desc()).limit(1))
    if review is None or held is None:
        return
    decisions = list(s.scalars(select(ReviewDecision).where(ReviewDecision.review_id == review.id,
                                                            ReviewDecision.public_at.is_(None))))
    if not decisions:
        return
    for decision in decisions:
        decision.decided_at = held.starts_at - timedelta(minutes=30)
    byplan.reviews.messages.end_embargo(s, held)
    s.commit()
    byplan.engine.route_messages()


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
    from workflows.hearing.subscriptions import _email_tag
    from web.hearings import calendar_token
    from web.extensions import byplan_service
    from workflows.hearing.records import Subscription

    with app.test_request_context():
        s = db.session
        first = lambda stmt: s.scalars(stmt).first()  # noqa: E731
        case = first(select(Case).where(Case.title == PROPOSAL_CASE_TITLE))
        network = first(select(Network).order_by(Network.id))
        reg = first(select(Registration))
        version = first(select(ProcessVersion).where(ProcessVersion.process_id == "proposal"))
        public_review = first(select(ArchitectureReview).where(ArchitectureReview.project == PUBLIC_REVIEW_PROJECT))
        subscriptions = byplan_service().hearings.subscriptions
        to_confirm = first(select(Subscription).where(Subscription.email == SUBSCRIBER_TO_CONFIRM))
        confirmed = first(select(Subscription).where(Subscription.email == SUBSCRIBER))
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
            # material of the sample meeting (the next one; issue 15's demo puts material on today's meeting too)
            # that is not closed (closed material is the council's and staff's)
            # (a test posting to every form may have closed it meanwhile: then any material)
            "council_document_id": first(select(AgendaItemDocument.document_id).join(
                AgendaItem, AgendaItem.id == AgendaItemDocument.item_id).where(AgendaItem.closed.is_(False),
                AgendaItem.meeting_id == first(select(CouncilMeeting.id).order_by(CouncilMeeting.id.desc()))))
            or first(select(AgendaItemDocument.document_id).order_by(AgendaItemDocument.id)),
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
            "delegation_id": 1,  # issue 19: an out-of-office delegation (none in the demo: revoking is a 422)
            "review_id": first(select(ArchitectureReview.id).order_by(ArchitectureReview.id)),  # issue 14
            "redaction_id": 1,  # issue 16: a redaction of a response (none in the demo: 404)
            "kind": "docx",  # issue 16: the hearing note as DOCX (or pdf)
            # issue 14: the register shows the public decided review only (the sample review is in self-assessment)
            "public_review_id": public_review.id,
            "project_key": public_review.project_key,
            # issue 16: the links of a subscription's mails, signed with this app's key, as the mails carry them
            # (a link stays valid once used: an ended subscription's link then says it has ended)
            "subscription_confirm_token": subscriptions.tokens.sign({
                "p": "confirm", "id": getattr(to_confirm, "id", 0), "e": _email_tag(SUBSCRIBER_TO_CONFIRM),
                "x": int(datetime(2099, 1, 1, tzinfo=timezone.utc).timestamp())}),
            "subscription_unsubscribe_token": subscriptions.tokens.sign({
                "p": "unsubscribe", "id": getattr(confirmed, "id", 0), "e": _email_tag(SUBSCRIBER)}),
            "list_id": 1,  # issue 19: a saved list (the demo has none: deleting it is a 422)
            # issue 15: OParl objects that are public (today's meeting, its proposal's item, its material)
            **_oparl_samples(s),
        }
    return values


def _oparl_samples(s) -> dict[str, object]:
    from workflows.council import AgendaItem, AgendaItemDocument, CouncilMember
    from workflows.council import Meeting as CouncilMeeting

    item = s.scalars(select(AgendaItem).join(CouncilMeeting, CouncilMeeting.id == AgendaItem.meeting_id)
                     .where(CouncilMeeting.agenda_published_at.is_not(None), AgendaItem.proposal_id.is_not(None))
                     .order_by(AgendaItem.id)).first()
    material = s.scalars(select(AgendaItemDocument).join(AgendaItem, AgendaItem.id == AgendaItemDocument.item_id)
                         .join(CouncilMeeting, CouncilMeeting.id == AgendaItem.meeting_id)
                         .where(CouncilMeeting.agenda_published_at.is_not(None), AgendaItem.closed.is_(False),
                                AgendaItem.removed.is_(False))).first()
    return {"oparl_organization": "council", "oparl_member_id": s.scalars(select(CouncilMember.id)).first(),
            "oparl_meeting_id": item.meeting_id, "oparl_item_id": item.id, "oparl_paper_id": item.proposal_id,
            "oparl_file_id": material.document_id, "oparl_list": "meeting",
            "oparl_unknown": "person/ingen"}


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
            elif name == "token" and rule.endpoint == "subscriptions.confirm":
                key = "subscription_confirm_token"  # issue 16
            elif name == "token" and rule.endpoint == "subscriptions.unsubscribe":
                key = "subscription_unsubscribe_token"
            elif name == "review_id" and rule.endpoint == "reviews.public_review":
                key = "public_review_id"  # issue 14
            elif name == "key" and ("/regler/" in rule.rule or "/catalogue/rules/" in rule.rule):
                key = "rule_key"  # issue 14
            elif name == "key" and "/projekter/" in rule.rule:
                key = "project_key"  # issue 14: a project's reviews
            elif name == "version" and ("/regler/" in rule.rule or "/catalogue/rules/" in rule.rule):
                key = "rule_version"
            elif name == "document_id" and not rule.endpoint.startswith("cases."):
                key = rule.endpoint.split(".")[0].rstrip("s") + "_document_id"
            args[name] = values[key]
        path = rule.build(args, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls[f"{method} {rule.rule}"] = path
    return urls
