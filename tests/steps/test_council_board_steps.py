"""Step definitions for features/council_board.feature (issue 15: conflicts of interest, substitutes, attendance,
quorum); the meeting steps of features/council.feature are reused (their step fixtures are taken over from
test_council_steps), the new ones are here. Everything goes through the services and the pages."""
from __future__ import annotations

import html
from datetime import timedelta

import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import select

from engine import Forbidden
from engine.audit_people import Pseudonyms
from engine.models import AuditEvent, CompletedTask
from workflows.council.models import Conflict, CouncilError, Position
from workflows.forms import FormInvalid

from . import test_council_steps as _council
from .common import moment

pytestmark = pytest.mark.usefixtures("db_url")

# the shared steps and fixtures (scene, context, clock) of the council feature
globals().update({k: v for k, v in vars(_council).items() if k.startswith("pytestbdd_stepdef")})
scene, context, clock = _council.scene, _council.context, _council.clock

scenarios("council_board.feature")


def _board(scene):
    from workflows.council.board import Board

    return Board(scene.council)


def _page(scene, username: str | None = None, meeting_id: int | None = None) -> str:
    client = scene.app.test_client()
    if username:
        scene.people.login(client, username)
    response = client.get(f"/raadet/moeder/{meeting_id or scene.meeting_id}")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def _name(scene, username: str) -> str:
    with scene.read():
        return scene.user(username).name


def _acted(scene, case_id: int) -> list[tuple[str, str, str | None]]:
    with scene.read() as s:
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq)))
        return [(e.kind, actor, detail.get("acting_for"))
                for e, (actor, _summary, detail) in zip(events, Pseudonyms().reveal(s, events))]


# ------------------------------------------------------------------ setup

@given(parsers.re(r'brugeren "(?P<username>[^"]+)" med navnet "(?P<name>[^"]+)"'))
def _user(scene, username, name):
    from workflows.directory import create_user

    with scene.work() as s:
        create_user(s, username, name, f"{username}@example.org", scene.people.PASSWORD)


@given(parsers.re(r'"(?P<user>[^"]+)" har også oprettet "(?P<title>[^"]+)" med beslutningspunktet "(?P<item>[^"]+)"'))
def _other_meeting(scene, context, user, title, item):
    meeting = scene.meeting()
    with scene.work() as s:
        other = scene.council.create_meeting(s, scene.user(user), {
            "title": title, "date": meeting.starts_at.date().isoformat(), "start_time": "10:00",
            "place": "KL, Weidekampsgade 10", "item_deadline": meeting.item_deadline.isoformat(),
            "publish_days": str(meeting.publish_days)})
        scene.council.add_item(s, scene.user(user), other.id, {"kind": "decision", "title": item})
        context.setdefault("meetings", {})[title] = (other.id, other.case_id)


@when("dagsordenen udsendes")
def _publish(scene, context):
    scene.pass_item_deadline()
    scene.build_agenda()
    for _, case_id in context.get("meetings", {}).values():
        [task] = scene.driver.tasks(case_id, "build_agenda")
        scene.driver.complete("secretary", task, {"note": ""})
    scene.move_to(scene.call()["publish_at"] + timedelta(seconds=1))
    assert scene.meeting().agenda_published_at is not None


# ------------------------------------------------------------------ conflicts of interest

@when(parsers.re(r'"(?P<member>[^"]+)" erklærer sig inhabil i "(?P<title>[^"]+)" med begrundelsen "(?P<reason>[^"]+)"'))
def _declare(scene, member, title, reason):
    item_id = scene.item(title).id
    with scene.work() as s:
        _board(scene).declare_conflict(s, scene.user(member), item_id, {"reason": reason})


@when(parsers.re(r'"(?P<user>[^"]+)" rejser inhabilitet for "(?P<member>[^"]+)" i "(?P<title>[^"]+)" '
                 r'med begrundelsen "(?P<reason>[^"]+)"'))
def _raise(scene, user, member, title, reason):
    item_id = scene.item(title).id
    with scene.work() as s:
        row = _board(scene).declare_conflict(s, scene.user(user), item_id, {"member": member, "reason": reason})
        assert (row.member, row.declared_by) == (member, user)


@when(parsers.re(r'"(?P<user>[^"]+)" afgør, at "(?P<member>[^"]+)" er inhabil i "(?P<title>[^"]+)"'))
def _rule(scene, user, member, title):
    item_id = scene.item(title).id
    with scene.work() as s:
        _board(scene).rule_conflict(s, scene.user(user), item_id,
                                    {"member": member, "ruling": "conflicted", "note": "Formanden er enig"})


@then(parsers.re(r'har "(?P<member>[^"]+)" ingen holdningsopgave til "(?P<title>[^"]+)"'))
def _no_position_task(scene, member, title):
    item_id = scene.item(title).id
    requests = [r for _, r in scene.position_tasks() if r["item_id"] == item_id]
    assert member not in {r["member"] for r in requests}
    assert requests, "the other members still have theirs"
    assert scene.inbox(member, scene.meeting().case_id) == []


@then("er holdningsopgaven trukket tilbage af systemet i revisionssporet")
def _withdrawn(scene):
    kinds = [(kind, actor) for kind, actor, _ in _acted(scene, scene.meeting().case_id)]
    assert ("council.position_withdrawn", "system") in kinds and ("complete", "system") in kinds
    with scene.read() as s:
        assert "system" in set(s.scalars(select(CompletedTask.completed_by)))


@then(parsers.re(r'kan "(?P<member>[^"]+)" ikke tilkendegive en holdning til "(?P<title>[^"]+)", og intet ændres'))
def _conflicted_position(scene, member, title):
    item_id = scene.item(title).id
    before = scene.count(AuditEvent)
    with pytest.raises(CouncilError, match="conflicted"):
        scene.change_position(member, item_id, "agree")
    assert scene.count(AuditEvent) == before
    assert member not in {p.member for p in scene.positions(item_id)}


@then(parsers.re(r'kan "(?P<user>[^"]+)" ikke afgøre inhabiliteten for "(?P<member>[^"]+)" i "(?P<title>[^"]+)", '
                 r'og intet ændres'))
def _not_chair(scene, user, member, title):
    item_id = scene.item(title).id
    before = scene.count(AuditEvent)
    with pytest.raises(Forbidden):
        with scene.work() as s:
            _board(scene).rule_conflict(s, scene.user(user), item_id, {"member": member, "ruling": "conflicted"})
    assert scene.count(AuditEvent) == before
    assert scene.count(Conflict, Conflict.ruling.is_not(None)) == 0


@then(parsers.re(r'viser formandens beslutningsopgave "(?P<name>[^"]+)" som inhabil, og Rådet er beslutningsdygtigt '
                 r'\((?P<part>\d+) af (?P<eligible>\d+) deltager\)'))
def _decision_conflicted(scene, name, part, eligible):
    task, _, _ = scene.decide_task()
    with scene.read() as s:
        ctx = scene.byplan.task_view(s, scene.user(scene.chair()), task.id).context
    assert ctx.conflicted == [name] and name not in ctx.missing
    assert (ctx.has_quorum, ctx.participating, ctx.eligible) == (True, int(part), int(eligible))


@then(parsers.re(r'står der i referatet af "(?P<title>[^"]+)": "(?P<text>[^"]+)"'))
def _minutes_line(scene, title, text):
    item_id = scene.item(title).id
    page = _page(scene, "secretary")
    section = page[page.index(f'id="punkt-{item_id}"'):]
    assert text in section[:section.index("</details>")]


@then(parsers.re(r'viser den offentlige mødeside ikke begrundelsen "(?P<reason>[^"]+)"'))
def _public_reason(scene, reason):
    assert reason in _page(scene, "secretary")
    assert reason not in _page(scene)


# ------------------------------------------------------------------ substitutes

@when(parsers.re(r'"(?P<member>[^"]+)" melder afbud til mødet med stedfortræderen "(?P<substitute>[^"]+)"'))
def _absence(scene, member, substitute):
    with scene.work() as s:
        _board(scene).register_absence(s, scene.user(member), scene.meeting_id,
                                       {"substitute": substitute, "reason": "Ferie"})


@when(parsers.re(r'"(?P<substitute>[^"]+)" tilkendegiver "(?P<position>\w+)" for "(?P<member>[^"]+)" '
                 r'til "(?P<title>[^"]+)"'))
def _substitute_position(scene, substitute, position, member, title):
    with scene.read() as s:
        inbox = scene.byplan.inbox(s, scene.user(substitute))
    [task] = [t for t in inbox if t.assignee == member and t.case_id == scene.meeting().case_id]
    scene.driver.complete(substitute, task, {"position": position, "comment": "Stedfortræderens holdning"})


@then(parsers.re(r'er holdningen til "(?P<title>[^"]+)" registreret som "(?P<label>[^"]+)" i revisionssporet '
                 r'og på mødesiden'))
def _recorded_for(scene, title, label):
    item_id = scene.item(title).id
    with scene.read() as s:
        [row] = [p for p in s.scalars(select(Position).where(Position.item_id == item_id)) if p.acting_by]
        substitute, member = row.acting_by, row.member
    assert label == f"{_name(scene, substitute)} for {_name(scene, member)}"
    assert ("council.position", substitute, member) in _acted(scene, scene.meeting().case_id)
    assert label in _page(scene, "secretary")


@then(parsers.re(r'kan "(?P<substitute>[^"]+)" ikke tage "(?P<member>[^"]+)"s holdningsopgave på "(?P<title>[^"]+)", '
                 r'og intet ændres'))
def _outside_meeting(scene, context, substitute, member, title):
    meeting_id, case_id = context["meetings"][title]
    [task] = [t for t in scene.driver.tasks(case_id, "position") if t.assignee == member]
    with scene.read() as s:
        inbox = scene.byplan.inbox(s, scene.user(substitute))
    assert {t.case_id for t in inbox} == {scene.meeting().case_id}  # their own meeting's tasks only
    before = scene.count(AuditEvent)
    with pytest.raises(Forbidden):
        scene.driver.complete(substitute, task, {"position": "agree"})
    with pytest.raises(Forbidden), scene.read() as s:
        scene.byplan.task_view(s, scene.user(substitute), task.id)
    assert scene.count(AuditEvent) == before
    assert task.id in {t.id for t in scene.driver.tasks(case_id, "position")}


# ------------------------------------------------------------------ attendance and quorum

@when(parsers.re(r'"(?P<user>[^"]+)" registrerer fremmødet (?P<when>.+):'))
def _attendance(scene, user, when, datatable):
    header, *rows = datatable
    assert header == ["medlem", "fremmøde"]
    scene.move_to(moment(when))
    with scene.work() as s:
        _board(scene).record_attendance(s, scene.user(user), scene.meeting_id,
                                        {f"status-{m}": status for m, status in rows})


@then(parsers.re(r"viser formandens beslutningsopgave Rådet som beslutningsdygtigt efter fremmødet "
                 r"\((?P<part>\d+) af (?P<eligible>\d+) deltager\)"))
def _quorum_by_attendance(scene, part, eligible):
    task, _, _ = scene.decide_task()
    with scene.read() as s:
        ctx = scene.byplan.task_view(s, scene.user(scene.chair()), task.id).context
    assert (ctx.has_quorum, ctx.participating, ctx.eligible, ctx.basis) == (True, int(part), int(eligible),
                                                                            "attendance")


@then(parsers.re(r'viser mødesiden fremmødet med "(?P<label>[^"]+)"'))
def _attendance_shown(scene, label):
    page = _page(scene, "secretary")
    assert label in page[page.index('id="h-attendance"'):]


@then(parsers.re(r'afviser sekretariatet fremmødet (?P<when>.+), når "(?P<member>[^"]+)" er "(?P<status>\w+)" '
                 r"uden stedfortræder"))
def _attendance_refused(scene, when, member, status):
    from workflows.council.models import Attendance

    scene.move_to(moment(when))
    raw = {f"status-{m}": "present" for m in scene.members()}
    raw[f"status-{member}"] = status
    before = scene.count(AuditEvent)
    with pytest.raises(FormInvalid) as refused:
        with scene.work() as s:
            _board(scene).record_attendance(s, scene.user("secretary"), scene.meeting_id, raw)
    assert set(refused.value.errors) == {f"substitute-{member}"}
    assert scene.count(Attendance) == 0 and scene.count(AuditEvent) == before
    client = scene.app.test_client()
    scene.people.login(client, "secretary")
    response = client.post(f"/raadet/moeder/{scene.meeting_id}/fremmoede", data=raw)
    assert response.status_code == 422 and "Angiv den stedfortræder" in response.get_data(as_text=True)
    assert scene.count(Attendance) == 0
