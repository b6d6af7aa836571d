"""Step definitions for features/case_controls.feature (issue 19), through the web pages as each user."""
from __future__ import annotations

import html
import re
from datetime import date

import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import select

from council_support import CouncilDriver

pytestmark = pytest.mark.usefixtures("db_url")

scenarios("case_controls.feature")

DRAFT = {"kind": "principle", "title": "Fælles brugerstyring", "summary": "Sådan.", "statement": "Brug fælles login."}
ACTIONS = {"stiller": "suspend", "genoptager": "resume", "afslutter": "terminate"}


@pytest.fixture
def context() -> dict:
    return {"cases": {}}


def _as(client, people, name):
    people.login(client, name)
    return client


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _start(app, people, context, title):
    from web.extensions import db

    with app.app_context():
        case = app.extensions["byplan"].start_proposal(db.session, people.user("lead"), people.group_id, title)
        db.session.commit()
        context["cases"][title] = case.id


def _row(app, case_id):
    from engine.models import Case
    from web.extensions import db

    with app.app_context():
        row = db.session.get(Case, case_id)
        return row.status, row.version


def _task(app, case_id):
    from engine.models import ReadyTask
    from web.extensions import db

    with app.app_context():
        return db.session.scalar(select(ReadyTask.id).where(ReadyTask.case_id == case_id))


@given(parsers.parse('arbejdsgruppen har startet forslaget "{title}"'))
def _one(app, people, context, title):
    _start(app, people, context, title)


@given(parsers.re(r'arbejdsgruppen har startet forslagene (?P<titles>.+)'))
def _many(app, people, context, titles):
    for title in re.findall(r'"([^"]+)"', titles):
        _start(app, people, context, title)


@when(parsers.re(r'"(?P<who>[^"]+)" (?P<verb>stiller|genoptager|afslutter) sagen "(?P<title>[^"]+)"'
                 r'(?: i bero)? med begrundelsen "(?P<reason>[^"]+)"'))
def _control(client, people, context, who, verb, title, reason):
    response = _as(client, people, who).post(f"/sager/{context['cases'][title]}/styring",
                                             data={"action": ACTIONS[verb], "reason": reason})
    assert response.status_code == 302, response.status_code


@given(parsers.parse('"{who}" har afsluttet sagen "{title}"'))
def _terminated(client, people, context, who, title):
    _control(client, people, context, who, "afslutter", title, "Opgivet")


@then(parsers.parse('viser sagen "{title}" begrundelsen "{reason}"'))
def _shows_reason(client, people, context, title, reason):
    page = _text(_as(client, people, "secretary").get(f"/sager/{context['cases'][title]}"))
    assert reason in page


@then(parsers.re(r'kan "(?P<who>[^"]+)" (?P<neg>ikke )?færdiggøre opgaven på sagen "(?P<title>[^"]+)"'))
def _can_complete(app, client, people, context, who, neg, title):
    case_id = context["cases"][title]
    response = _as(client, people, who).post(f"/opgaver/{_task(app, case_id)}", data=DRAFT)
    assert response.status_code == (409 if neg else 302), response.status_code


@then(parsers.parse('har sagen "{title}" ingen åbne opgaver'))
def _no_tasks(app, context, title):
    assert _task(app, context["cases"][title]) is None
    assert _row(app, context["cases"][title])[0] == "terminated"


@when(parsers.parse('"{who}" vælger at stille alle arbejdsgruppens sager i bero med begrundelsen "{reason}"'))
def _bulk_preview(client, people, context, who, reason):
    listing = _text(_as(client, people, who).get(f"/sager/liste?group={people.group_id}"))
    ids = [i for i in context["cases"].values() if f'value="{i}"' in listing]
    assert len(ids) == len(context["cases"])
    context["form"] = {"action": "suspend", "reason": reason, "case_ids": [str(i) for i in ids]}
    context["preview"] = _text(client.post("/sager/liste/forhaandsvisning", data=context["form"]))
    context["versions"] = re.findall(r'name="version_(\d+)" value="(\d+)"', context["preview"])


@then(parsers.parse("viser forhåndsvisningen {ok:d} sager, der stilles i bero, og {refused:d}, der ikke kan"))
def _preview_counts(context, ok, refused):
    assert context["preview"].count("bp-ok") == ok and context["preview"].count("bp-refused") == refused


@when(parsers.parse('sagen "{title}" ændres, før handlingen udføres'))
def _changed(client, people, context, title):
    for verb in ("stiller", "genoptager"):
        _control(client, people, context, "secretary", verb, title, "mellemliggende ændring")


@when(parsers.parse('"{who}" udfører handlingen'))
def _bulk_run(client, people, context, who):
    ids = [case_id for case_id, _version in context["versions"]]
    data = {**context["form"], "case_ids": ids, **{f"version_{i}": v for i, v in context["versions"]}}
    context["result"] = _text(_as(client, people, who).post("/sager/liste/udfoer", data=data))


@then(parsers.parse("viser resultatet {done:d} sag ændret og {failed:d} fejlet"))
def _result_counts(context, done, failed):
    assert context["result"].count("bp-ok") == done and context["result"].count("bp-failed") == failed


@then(parsers.re(r'(?:er|kører) sagen "(?P<title>[^"]+)" (?P<state>stillet i bero|stadig)'))
def _state(app, context, title, state):
    assert _row(app, context["cases"][title])[0] == ("suspended" if state == "stillet i bero" else "running")


@given(parsers.parse('et rådsmøde med et beslutningspunkt, hvor "{member}" skal registrere sin holdning'))
def _meeting(app, people, context, member):
    from web.extensions import db

    council = CouncilDriver(app, people)
    council.ensure_members(("chair", "councillor"))
    meeting_id = council.create_meeting()
    with app.app_context():
        app.extensions["byplan"].council.add_item(db.session, people.user("secretary"), meeting_id,
                                                  {"kind": "decision", "title": "Fælles datamodel"})
        db.session.commit()
    council.publish_agenda(meeting_id)
    context["meeting_case"] = council.meeting(meeting_id).case_id
    [task] = [t for t in council.tasks(context["meeting_case"], "position") if t.assignee == member]
    context["position_task"] = task.id


@when(parsers.parse('"{who}" melder fravær i dag med "{delegate}" som stedfortræder'))
def _away(client, people, who, delegate):
    today = date.today().isoformat()
    response = _as(client, people, who).post("/konto/fravaer", data={"delegate": delegate, "starts_on": today,
                                                                     "ends_on": today})
    assert response.status_code == 302


@then(parsers.parse('ser "{who}" rådsmedlemmets opgave i sin indbakke'))
def _inbox(client, people, context, who):
    assert f"/opgaver/{context['position_task']}" in _text(_as(client, people, who).get("/opgaver"))


@when(parsers.parse('"{who}" registrerer holdningen "{position}" for "{principal}"'))
def _record(client, people, context, who, position, principal):
    response = _as(client, people, who).post(f"/opgaver/{context['position_task']}",
                                             data={"position": position, "comment": ""})
    assert response.status_code == 302


@then(parsers.parse('er holdningen registreret for "{member}"'))
def _position(app, member):
    from web.extensions import db
    from workflows.council import Position

    with app.app_context():
        assert db.session.scalar(select(Position.position).where(Position.member == member)) == "object"


@then(parsers.parse('viser tidslinjen "{text}"'))
def _timeline(client, people, context, text):
    assert text in _text(_as(client, people, "secretary").get(f"/sager/{context['meeting_case']}"))


@when(parsers.parse('"{who}" skriver kommentaren "{body}" på sagen "{title}"'))
def _comment(client, people, context, who, body, title):
    response = _as(client, people, who).post(f"/sager/{context['cases'][title]}/kommentarer", data={"body": body})
    assert response.status_code == 302


@then(parsers.parse('får "{who}" en mail om kommentaren'))
def _mail(app, who):
    from engine.mail import OutboxMail
    from web.extensions import db

    with app.app_context():
        assert db.session.scalar(select(OutboxMail.to_address).where(OutboxMail.tag == "case.mention")) \
            == f"{who}@example.org"


@then(parsers.parse('viser sagen "{title}" kommentaren "{text}"'))
def _shows_comment(client, people, context, title, text):
    assert text in _text(_as(client, people, "secretary").get(f"/sager/{context['cases'][title]}"))
