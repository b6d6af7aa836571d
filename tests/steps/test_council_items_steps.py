"""Step definitions for features/council_items.feature (closed and postponed items, issue 15); the meeting
steps of features/council.feature are reused (their step fixtures are taken over from test_council_steps)."""
from __future__ import annotations

import html
from datetime import timezone

import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import select

from workflows.service import FormInvalid

from . import test_council_steps as _council
from .common import moment

pytestmark = pytest.mark.usefixtures("db_url")

globals().update({k: v for k, v in vars(_council).items() if k.startswith("pytestbdd_stepdef")})
scene, context, clock = _council.scene, _council.context, _council.clock

scenarios("council_items.feature")


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.get_data(as_text=True))


def _meeting_id(scene, title: str) -> int:
    from workflows.council import Meeting

    with scene.read() as s:
        found = s.scalar(select(Meeting.id).where(Meeting.title == title))
    assert found is not None, title
    return found


def _item(scene, title: str):
    from workflows.council import AgendaItem

    with scene.read() as s:
        row = s.scalar(select(AgendaItem).where(AgendaItem.title == title))
    assert row is not None, title
    return row


def _material_url(scene, title: str) -> str:
    item = _item(scene, title)
    [link] = item.documents
    return f"/raadet/moeder/{item.meeting_id}/dokumenter/{link.document_id}"


def _client(scene, username: str | None):
    client = scene.app.test_client()
    if username:
        scene.people.login(client, username)
    return client


# ------------------------------------------------------------------ closed items

@given(parsers.re(r'"(?P<user>[^"]+)" har tilføjet beslutningspunktet "(?P<title>[^"]+)" '
                  r'med materialet "(?P<filename>[^"]+)"'))
def _item_with_material(scene, user, title, filename):
    item_id = scene.add_item(user, "decision", title)
    with scene.work() as s:
        scene.council.add_material(s, scene.user(user), item_id, filename, f"{title}: tilbud".encode())


@given(parsers.re(r'"(?P<user>[^"]+)" har lukket punktet "(?P<title>[^"]+)" med begrundelsen "(?P<reason>[^"]+)"'))
def _close(scene, user, title, reason):
    item_id = scene.item(title).id
    with scene.work() as s:
        scene.council.close_item(s, scene.user(user), item_id, {"reason": reason})
    assert scene.item(title).hidden_publicly


@then(parsers.re(r'viser den offentlige mødeside "(?P<shown>[^"]+)" og intet om "(?P<secret>[^"]+)"'))
def _public_placeholder(scene, shown, secret):
    text = _text(scene.public_page())
    assert shown in text and secret not in text


@then(parsers.re(r'viser den offentlige mødeside "(?P<shown>[^"]+)"$'))
def _public_shows(scene, shown):
    assert shown in _text(scene.public_page())


@then(parsers.re(r'nævner hverken Atom-feedet, søgningen, det offentlige API eller kalenderen "(?P<secret>[^"]+)"'))
def _no_channel(scene, secret):
    for url in ("/raadet/feed.atom", "/raadet/moeder.ics", "/raadet/beslutninger"):
        assert secret not in _text(scene.public_get(url)), url
    with scene.read() as s:
        assert scene.byplan.search.find(s, None, secret)[1] == 0  # nothing public
        assert scene.byplan.search.find(s, scene.user("outsider"), secret)[1] == 0
        assert scene.byplan.search.find(s, scene.user("secretary"), secret)[1] > 0  # the material, for staff
    token = scene.people.token("outsider")
    api = scene.app.test_client().get(
        f"/api/v1/council/meetings/{scene.meeting_id}", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200 and secret not in api.get_data(as_text=True)
    assert "Lukket punkt" in [i["title"] for i in api.get_json()["items"]]


@then(parsers.re(r'får en anonym bruger 404 på materialet til "(?P<title>[^"]+)"'))
def _anonymous_404(scene, title):
    assert scene.public_get(_material_url(scene, title)).status_code == 404


@then(parsers.re(r'får "(?P<user>[^"]+)" uden for Rådet 404 på materialet til "(?P<title>[^"]+)"'))
def _outsider_404(scene, user, title):
    assert _client(scene, user).get(_material_url(scene, title)).status_code == 404


@then(parsers.re(r'ser "(?P<user>[^"]+)" punktet "(?P<title>[^"]+)" og dets materiale'))
def _member_sees(scene, user, title):
    client = _client(scene, user)
    assert title in _text(client.get(f"/raadet/moeder/{scene.meeting_id}"))
    assert client.get(_material_url(scene, title)).status_code == 200


@when(parsers.re(r'"(?P<user>[^"]+)" åbner punktet "(?P<title>[^"]+)"'))
def _open(scene, user, title):
    item_id = scene.item(title).id
    with scene.work() as s:
        scene.council.open_item(s, scene.user(user), item_id, {"note": "Forhandlingen er afsluttet"})


@then("er lukningen og åbningen registreret i revisionssporet")
def _audited(scene):
    from engine.models import AuditEvent

    with scene.read() as s:
        kinds = list(s.scalars(select(AuditEvent.kind).where(AuditEvent.case_id == scene.meeting().case_id)
                               .order_by(AuditEvent.seq)))
    assert "council.item_closed" in kinds and "council.item_opened" in kinds
    assert kinds.index("council.item_closed") < kinds.index("council.item_opened")


# ------------------------------------------------------------------ postponed items

@given(parsers.re(r'der også er rådsmødet "(?P<title>[^"]+)" (?P<starts>.+ kl\. \d+\.\d+)$'))
def _other_meeting(scene, title, starts):
    at = moment(starts)
    today = scene.now().astimezone(at.tzinfo).date()
    scene.driver.create_meeting(title=title, days_ahead=(at.date() - today).days,
                                item_deadline_days=(at.date() - today).days - 1, publish_days=7)
    assert scene.driver.meeting(_meeting_id(scene, title)).starts_at.replace(tzinfo=timezone.utc) == at


@when(parsers.re(r'"(?P<user>[^"]+)" udsætter "(?P<title>[^"]+)" til "(?P<target>[^"]+)" '
                 r'med begrundelsen "(?P<reason>[^"]+)"'))
def _postpone(scene, user, title, target, reason):
    item_id = scene.item(title).id
    to = _meeting_id(scene, target)
    with scene.work() as s:
        scene.council.postpone_item(s, scene.user(user), item_id, {"meeting_id": to, "reason": reason})
    assert _item(scene, title).meeting_id == to


@then(parsers.re(r'har ingen en holdningsopgave på "(?P<title>[^"]+)", og den tilbagetrukne opgave er lukket af '
                 r"systemet"))
def _withdrawn(scene, title):
    from engine.models import CompletedTask

    meeting = scene.driver.meeting(_meeting_id(scene, title))
    assert scene.driver.tasks(meeting.case_id, "position") == []
    with scene.read() as s:
        by_system = list(s.scalars(select(CompletedTask).where(CompletedTask.case_id == meeting.case_id,
                                                                CompletedTask.completed_by == "system")))
    assert len(by_system) == len(scene.members()) - 1  # one member had recorded a position


@then(parsers.re(r'siger mødesiden for "(?P<title>[^"]+)" "(?P<text>[^"]+)"'))
def _page_says(scene, title, text):
    page = _client(scene, "secretary").get(f"/raadet/moeder/{_meeting_id(scene, title)}")  # april: not public yet
    assert text in _strip(_text(page)), text


def _strip(page: str) -> str:
    import re

    return " ".join(re.sub(r"<[^>]+>", "", page).split())


@then(parsers.re(r'viser sagen for forslaget "(?P<title>[^"]+)" mødet "(?P<meeting>[^"]+)"'))
def _case_shows(scene, title, meeting):
    page = _text(_client(scene, "lead").get(f"/sager/{scene.proposals[title]}"))
    assert f"»{meeting}«" in page


@then(parsers.re(r'venter "(?P<title>[^"]+)" ikke på en beslutning, og forslaget "(?P<proposal>[^"]+)" har ingen '
                 r"beslutning"))
def _not_waiting(scene, title, proposal):
    meeting = scene.driver.meeting(_meeting_id(scene, title))
    scene.driver.sweep()
    assert scene.driver.tasks(meeting.case_id, "decide") == []
    assert [t.spec_name for t in scene.driver.tasks(meeting.case_id)] == ["draft_minutes"]
    assert scene.proposal(proposal).decision is None
    assert scene.proposal_case(proposal).status == "running"


@when(parsers.re(r'Rådet holder "(?P<title>[^"]+)", hvor alle medlemmer tilkendegiver "(?P<position>\w+)"'))
def _hold_other(scene, title, position):
    scene.meeting_id = _meeting_id(scene, title)
    scene.publish()
    items = [i.id for i in scene.items() if i.kind == "decision"]
    scene.record_positions({(m, i): position for m in scene.members() for i in items})
    scene.hold_meeting()


@when(parsers.re(r'"(?P<user>[^"]+)" udsætter i sin beslutning "(?P<title>[^"]+)" til "(?P<target>[^"]+)" '
                 r'med begrundelsen "(?P<reason>[^"]+)"'))
def _chair_postpones(scene, user, title, target, reason):
    task, _, data = scene.decide_task()
    assert data["has_quorum"] is False
    with pytest.raises(FormInvalid) as refused:  # "postpone" needs the meeting
        scene.driver.complete(user, task, {"decision": "postpone", "reason": reason})
    assert set(refused.value.errors) == {"postpone_to"}
    scene.driver.complete(user, task, {"decision": "postpone", "postpone_to": str(_meeting_id(scene, target)),
                                       "reason": reason})
    scene.driver.sweep()


@then(parsers.re(r'er "(?P<title>[^"]+)" på dagsordenen til "(?P<meeting>[^"]+)"$'))
def _on_agenda(scene, title, meeting):
    assert _item(scene, title).meeting_id == _meeting_id(scene, meeting)


@when(parsers.re(r"klokken bliver (?P<when>.+)"))
def _clock(scene, when):
    scene.move_to(moment(when))


@when(parsers.re(r'"(?P<user>[^"]+)" prøver at udsætte "(?P<title>[^"]+)" til "(?P<target>[^"]+)"'))
def _try_postpone(scene, context, user, title, target):
    client = _client(scene, user)
    item = _item(scene, title)
    context["response"] = client.post(f"/raadet/punkter/{item.id}/udsaet", data={
        "meeting_id": item.meeting_id, "to_meeting_id": _meeting_id(scene, target), "reason": "Ikke klar"})


@then(parsers.re(r'afvises udsættelsen på feltet "(?P<field>\w+)" med "(?P<message>[^"]+)"'))
def _refused(scene, context, field, message):
    response = context["response"]
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert message in page
    assert {"meeting_id": "e-postpone-to-"}[field] in page


@then(parsers.re(r'er "(?P<title>[^"]+)" stadig på dagsordenen til "(?P<meeting>[^"]+)" uden udsættelser'))
def _unchanged(scene, title, meeting):
    from workflows.council.models import Postponement

    assert _item(scene, title).meeting_id == _meeting_id(scene, meeting)
    assert scene.count(Postponement) == 0
