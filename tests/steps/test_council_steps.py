"""Step definitions for features/council.feature (run through the service layer and the public pages).

The clock is time_machine's (tick=False): every step sees the same instant until a step
moves it, and then the worker's sweep (due timers, then messages) runs as in production.
"""
from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from engine import Forbidden
from workflows.council import CouncilError
from workflows.service import FormInvalid

from .common import COPENHAGEN, clock_at, day, moment
from .council_steps_support import CouncilScene

# Every scenario runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.usefixtures("db_url")



scenarios("council.feature")

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=COPENHAGEN)
ATOM = "{http://www.w3.org/2005/Atom}"


def quoted(text: str) -> list[str]:
    return re.findall(r'"([^"]+)"', text)


def page_text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.get_data(as_text=True))


clock = clock_at(T0)


@pytest.fixture
def scene(app, people, clock):
    return CouncilScene(app, people, clock)


@pytest.fixture
def context() -> dict:
    """What one step leaves for the next (an error caught, a count before an action)."""
    return {}


# ------------------------------------------------------------------ background

@given(parsers.re(r"det er (?P<when>.+)"))
def _now(scene, when):
    scene.clock.move_to(moment(when))
    assert scene.now() == moment(when)


@given(parsers.parse("rådet har {n:d} medlemmer:"))
def _members(scene, n, datatable):
    header, *rows = datatable
    assert header == ["medlem", "navn", "organisation", "formand"]
    for username, name, organisation, chair in rows:
        scene.add_member(username, name, organisation, chair == "ja")
    assert len(rows) == n
    assert sorted(scene.members()) == sorted(r[0] for r in rows)
    assert scene.chair() == next(r[0] for r in rows if r[3] == "ja")


@given(parsers.re(r'"(?P<user>[^"]+)" har oprettet rådsmødet "(?P<title>[^"]+)" (?P<starts>.+) '
                  r"med frist for punkter (?P<deadline>.+)"))
def _meeting(scene, user, title, starts, deadline):
    assert user == "secretary"  # CouncilDriver creates meetings as the secretariat
    scene.create_meeting(title, moment(starts).astimezone(timezone.utc), day(deadline))
    assert scene.meeting().status == "collecting"
    assert [t.spec_name for t in scene.meeting_tasks()] == []


# ------------------------------------------------------------------ the agenda

@given(parsers.re(r'arbejdsgruppen "(?P<group>[^"]+)" med lederen "(?P<lead>[^"]+)" '
                  r'har forslaget "(?P<title>[^"]+)" klar til rådet'))
def _proposal_ready(scene, group, lead, title):
    scene.add_group_lead(group, lead)
    scene.screened_proposal(group, lead, title)
    assert scene.inbox("secretary", scene.proposals[title]) == ["Sæt forslaget på rådets dagsorden"]


@given(parsers.re(r'"(?P<user>[^"]+)" sætter forslaget "(?P<title>[^"]+)" på mødets dagsorden'))
@when(parsers.re(r'"(?P<user>[^"]+)" sætter forslaget "(?P<title>[^"]+)" på mødets dagsorden'))
def _schedule(scene, user, title):
    assert user == "secretary"  # CouncilDriver schedules as the secretariat
    scene.schedule(title)
    item = scene.item(title)
    assert (item.kind, item.proposal_id) == ("decision", scene.proposal(title).id)
    assert scene.proposal(title).status == "scheduled"


@when(parsers.re(r'"(?P<user>[^"]+)" tilføjer orienteringspunktet "(?P<title>[^"]+)"'))
def _information_item(scene, user, title):
    scene.add_item(user, "information", title)
    assert scene.agenda_changes() == []  # before publication the agenda changes freely


@then("er mødet ikke offentligt")
def _not_public(scene):
    assert scene.public_page().status_code == 404
    assert scene.meeting().title not in page_text(scene.public_get("/raadet/moeder"))


@when("fristen for punkter udløber")
def _item_deadline(scene):
    assert scene.meeting_tasks() == []
    scene.pass_item_deadline()
    assert scene.meeting().status == "collecting"


@when(parsers.re(r'"(?P<user>[^"]+)" bygger dagsordenen'))
def _build(scene, user):
    scene.build_agenda(user)
    assert scene.meeting().status == "agenda"


@then(parsers.re(r"udsendes dagsordenen (?P<when>.+)"))
def _publish_time(scene, when):
    assert scene.timers() == [moment(when).astimezone(timezone.utc)]
    assert scene.call()["publish_at"] == moment(when)


@then(parsers.re(r"mødet er stadig ikke offentligt (?P<when>.+)"))
def _still_not_public(scene, when):
    scene.move_to(moment(when))
    assert scene.meeting().agenda_published_at is None
    assert scene.public_page().status_code == 404


@when("udsendelsestidspunktet er passeret")
def _publication(scene):
    scene.move_to(scene.call()["publish_at"] + timedelta(seconds=1))
    meeting = scene.meeting()
    assert meeting.status == "published"
    assert meeting.agenda_published_at == scene.now()


@given("dagsordenen er udsendt")
def _published(scene):
    scene.publish()


@then(parsers.re(r"viser den offentlige mødeside dagsordenen med punkterne (?P<titles>.+)"))
def _public_agenda(scene, titles):
    text = page_text(scene.public_page())
    expected = quoted(titles)
    assert [i.title for i in scene.items()] == expected
    # each item's heading (the DKFDS accordion numbers the items)
    positions = [re.search(rf"<h3[^>]*>(?:\d+\. )?{re.escape(title)} <span", text).start() for title in expected]
    assert positions == sorted(positions), "the agenda is shown in its order"
    assert scene.meeting().title in page_text(scene.public_get("/raadet/moeder"))


@then(parsers.parse("hvert af de {n:d} medlemmer har en holdningsopgave til hvert af de {k:d} beslutningspunkter"))
def _position_tasks(scene, n, k):
    decision_items = [i.id for i in scene.items() if i.kind == "decision"]
    members = scene.members()
    assert (len(members), len(decision_items)) == (n, k)
    tasks = scene.position_tasks()
    assert all(task.assignee == request["member"] for task, request in tasks)
    assert sorted((r["member"], r["item_id"]) for _, r in tasks) == sorted(
        (m, i) for m in members for i in decision_items)
    for member in members:
        assert scene.inbox(member, scene.meeting().case_id) == ["Tilkendegiv holdning"] * k


@then(parsers.re(r'orienteringspunktet "(?P<title>[^"]+)" har ingen holdningsopgaver'))
def _no_position_tasks(scene, title):
    item = scene.item(title)
    assert item.kind == "information"
    assert [r for _, r in scene.position_tasks() if r["item_id"] == item.id] == []


@then(parsers.re(r'der ligger (?P<n>\d+) mails "(?P<subject>[^"]+)" i udbakken, (?P<per>én|to) til hvert medlem'))
def _mails(scene, n, subject, per):
    tag = "council.agenda" if subject.startswith("Dagsorden") else "council.minutes"
    mails = [m for m in scene.mails(tag) if m.subject == subject]
    assert len(mails) == int(n)
    each = {"én": 1, "to": 2}[per]
    expected = sorted(f"{m}@example.org" for m in scene.members() for _ in range(each))
    assert sorted(m.to_address for m in mails) == expected
    assert all(f"/raadet/moeder/{scene.meeting_id}" in m.body for m in mails)


# ------------------------------------------------------------------ positions

@when(parsers.re(r'alle medlemmer tilkendegiver "(?P<position>\w+)" til begge beslutningspunkter, '
                 r'men "(?P<member>[^"]+)" gør indsigelse mod "(?P<title>[^"]+)"'))
def _positions_with_objection(scene, position, member, title):
    decision_items = [i.id for i in scene.items() if i.kind == "decision"]
    assert len(decision_items) == 2
    wanted = {(m, i): position for m in scene.members() for i in decision_items}
    wanted[(member, scene.item(title).id)] = "object"
    scene.record_positions(wanted)
    assert scene.position_tasks() == []


@when(parsers.re(r'"(?P<member>[^"]+)" tilkendegiver "(?P<position>\w+)" til "(?P<title>[^"]+)" '
                 r'med kommentaren "(?P<comment>[^"]+)"'))
def _position(scene, member, position, title, comment):
    item_id = scene.item(title).id
    [task] = [t for t, r in scene.position_tasks() if (r["member"], r["item_id"]) == (member, item_id)]
    scene.driver.complete(member, task, {"position": position, "comment": comment})
    [row] = [p for p in scene.positions(item_id) if p.member == member]
    assert (row.position, row.comment, row.replaced) == (position, comment, 0)


@when(parsers.re(r'"(?P<member>[^"]+)" ændrer sin holdning til "(?P<title>[^"]+)" til "(?P<position>\w+)" '
                 r'med kommentaren "(?P<comment>[^"]+)"'))
def _change_position(scene, member, title, position, comment):
    scene.change_position(member, scene.item(title).id, position, comment)


@then(parsers.re(r'har "(?P<member>[^"]+)" (?:stadig )?én holdning "(?P<position>\w+)" til "(?P<title>[^"]+)"'
                 r"(?:, som er ændret (?P<times>\d+) gang)?"))
def _one_position(scene, member, position, title, times):
    rows = [p for p in scene.positions(scene.item(title).id) if p.member == member]
    assert [p.position for p in rows] == [position]
    if times is not None:
        assert rows[0].replaced == int(times)


@when(parsers.re(r'alle øvrige medlemmer tilkendegiver "(?P<position>\w+)" til "(?P<title>[^"]+)"'))
def _other_positions(scene, position, title):
    item_id = scene.item(title).id
    scene.record_positions({(m, item_id): position for m in scene.members()})
    assert scene.position_tasks() == []
    assert len(scene.positions(item_id)) == len(scene.members())


@then(parsers.re(r'kan "(?P<user>[^"]+)" ikke tilkendegive en holdning til "(?P<title>[^"]+)", '
                 r'og intet er registreret'))
def _position_forbidden(scene, user, title):
    item_id = scene.item(title).id
    before = len(scene.positions(item_id))
    with pytest.raises(Forbidden):
        scene.change_position(user, item_id, "agree", "Jeg er ikke medlem")
    assert len(scene.positions(item_id)) == before
    assert user not in {p.member for p in scene.positions(item_id)}
    assert scene.inbox(user, scene.meeting().case_id) == []


@then(parsers.re(r'kan "(?P<user>[^"]+)" ikke tage "(?P<owner>[^"]+)"\'s holdningsopgave'))
def _others_task(scene, user, owner):
    tasks = scene.position_tasks()
    [(task, request)] = [(t, r) for t, r in tasks if r["member"] == owner]
    version = scene.meeting_case().version
    with pytest.raises(Forbidden):
        scene.driver.complete(user, task, {"position": "object", "comment": "På en andens vegne"})
    assert scene.meeting_case().version == version
    assert len(scene.position_tasks()) == len(tasks)
    assert scene.positions(request["item_id"]) == []


@then(parsers.re(r'kan "(?P<member>[^"]+)" ikke længere ændre sin holdning til "(?P<title>[^"]+)"'))
def _position_after_decision(scene, member, title):
    with pytest.raises(CouncilError):
        scene.change_position(member, scene.item(title).id, "object", "For sent")


# ------------------------------------------------------------------ decisions

@when(parsers.re(r"mødet holdes (?P<when>.+)"))
def _hold(scene, when):
    assert scene.meeting().starts_at == moment(when)
    scene.hold_meeting()


@then(parsers.re(r'har "(?P<user>[^"]+)" opgaven "(?P<title>[^"]+)"$'))
def _has_task(scene, user, title):
    assert scene.inbox(user, scene.meeting().case_id) == [title]


@then(parsers.re(r'foreslår beslutningstabellen formanden "(?P<outcome>\w+)" for "(?P<title>[^"]+)" '
                 r"ud fra (?P<agree>\d+) enige og (?P<objects>\d+) indsigelser?"))
def _proposed(scene, outcome, title, agree, objects):
    task, values, data = scene.decide_task()
    assert data["item"]["item_id"] == scene.item(title).id
    assert {k: data["counts"][k] for k in ("agree", "object", "abstain")} == {
        "agree": int(agree), "object": int(objects), "abstain": 0}
    assert data["proposed_outcome"] == outcome
    assert values["decision"] == outcome  # the chair's form starts from the proposal
    assert task.assignee is None and task.lane == "Rådsformand"


@when(parsers.re(r'"(?P<user>[^"]+)" beslutter "(?P<title>[^"]+)" som godkendt med ændringerne "(?P<changes>[^"]+)"'))
def _approve_with_changes(scene, user, title, changes):
    scene.decide(title, {"decision": "approved_with_changes", "changes": changes}, user)


@when(parsers.re(r'"(?P<user>[^"]+)" beslutter "(?P<title>[^"]+)" som godkendt$'))
def _approve(scene, user, title):
    scene.decide(title, {"decision": "approved"}, user)


@when(parsers.re(r'"(?P<user>[^"]+)" sender "(?P<title>[^"]+)" tilbage med begrundelsen "(?P<reason>[^"]+)"'))
def _send_back(scene, user, title, reason):
    scene.decide(title, {"decision": "sent_back", "reason": reason}, user)


@then(parsers.re(r'er punktet "(?P<title>[^"]+)" besluttet "(?P<outcome>\w+)" '
                 r'med det foreslåede udfald "(?P<proposed>\w+)"'))
def _decided(scene, title, outcome, proposed):
    item = scene.item(title)
    assert (item.outcome, item.proposed_outcome, item.decided_by) == (outcome, proposed, scene.chair())
    assert item.decided_at == scene.now()


@then(parsers.re(r'orienteringspunktet "(?P<title>[^"]+)" har ingen holdninger og ingen beslutning'))
def _information_untouched(scene, title):
    item = scene.item(title)
    assert scene.positions(item.id) == []
    assert (item.outcome, item.proposed_outcome, item.decided_at) == (None, None, None)
    assert scene.meeting().status == "minutes"  # every decision item is decided; this one needs none


@then(parsers.re(r'principkataloget indeholder "(?P<title>[^"]+)" i version (?P<version>\d+) '
                 r'med ændringerne "(?P<changes>[^"]+)" og et link til mødet'))
def _catalogue(scene, title, version, changes):
    with scene.read() as s:
        [principle] = [p for p in scene.byplan.catalogue(s) if p.name == title]
    assert (principle.version, principle.decision, principle.decision_changes) == (
        int(version), "approved_with_changes", changes)
    assert principle.meeting_id == scene.meeting_id
    text = page_text(scene.public_get(f"/principper/{principle.key}"))
    assert f'href="/raadet/moeder/{scene.meeting_id}"' in text


@then(parsers.re(r'forslaget "(?P<title>[^"]+)" er afsluttet med status "(?P<status>\w+)"'))
def _proposal_done(scene, title, status):
    assert scene.proposal_case(title).status == "completed"
    assert scene.proposal(title).status == status
    assert scene.driver.tasks(scene.proposals[title]) == []


@then(parsers.re(r'har "(?P<user>[^"]+)" opgaven "(?P<task>[^"]+)" på forslaget "(?P<title>[^"]+)"'))
def _proposal_task(scene, user, task, title):
    assert scene.inbox(user, scene.proposals[title]) == [task]
    assert scene.proposal_case(title).status == "running"


@then(parsers.re(r'forslaget "(?P<title>[^"]+)" har status "(?P<status>\w+)" og begrundelsen "(?P<reason>[^"]+)"'))
def _proposal_status(scene, title, status, reason):
    p = scene.proposal(title)
    assert (p.status, p.decision, p.decision_reason) == (status, "sent_back", reason)


@then("den offentlige mødeside viser endnu ikke beslutningerne")
def _decisions_not_public(scene):
    text = page_text(scene.public_page())
    for item in scene.items():
        assert item.title in text
        for hidden in (item.changes, item.reason):
            if hidden:
                assert hidden not in text
    assert "Godkendt med ændringer" not in text and "Sendt tilbage" not in text
    assert "<entry>" not in scene.public_get("/raadet/feed.atom").get_data(as_text=True)


@then(parsers.re(r'kan "(?P<user>[^"]+)" ikke træffe rådets beslutning'))
def _decide_forbidden(scene, user):
    task, _, _ = scene.decide_task()
    version = scene.meeting_case().version
    with pytest.raises(Forbidden):
        scene.driver.complete(user, task, {"decision": "approved"})
    assert scene.meeting_case().version == version
    assert all(i.decided_at is None for i in scene.items())


@then(parsers.re(r'kan "(?P<user>[^"]+)" ikke beslutte "(?P<outcome>\w+)" uden (?P<missing>ændringer|begrundelse), '
                 r"og punktet er uafgjort"))
def _decide_invalid(scene, user, outcome, missing):
    task, _, _ = scene.decide_task()
    version = scene.meeting_case().version
    with pytest.raises(FormInvalid) as err:
        scene.driver.complete(user, task, {"decision": outcome, "changes": "  ", "reason": ""})
    assert set(err.value.errors) == {{"ændringer": "changes", "begrundelse": "reason"}[missing]}
    assert scene.meeting_case().version == version
    assert [t.id for t, _, _ in [scene.decide_task()]] == [task.id]
    assert all(i.decided_at is None and i.outcome is None for i in scene.items())


# ------------------------------------------------------------------ agenda changes after publication

@when(parsers.re(r'"(?P<user>[^"]+)" prøver at tilføje punktet "(?P<title>[^"]+)" uden begrundelse'))
def _add_without_reason(scene, context, user, title):
    context["items"] = [(i.id, i.title) for i in scene.items()]
    with pytest.raises(CouncilError) as err:
        scene.add_item(user, "information", title)
    context["error"] = err.value


@then("afvises ændringen, og dagsordenen er uændret")
def _rejected_change(scene, context):
    assert context["error"].field == "reason"
    assert [(i.id, i.title) for i in scene.items()] == context["items"]
    assert scene.agenda_changes() == []


@when(parsers.re(r'"(?P<user>[^"]+)" tilføjer punktet "(?P<title>[^"]+)" med begrundelsen "(?P<reason>[^"]+)"'))
def _add_with_reason(scene, user, title, reason):
    scene.add_item(user, "information", title, reason)


@then(parsers.re(r'er ændringen "(?P<description>[^"]+)" registreret med begrundelsen "(?P<reason>[^"]+)"'))
def _change_recorded(scene, description, reason):
    [change] = scene.agenda_changes()
    assert (change.description, change.reason, change.by) == (description, reason, "secretary")
    assert change.item_id == scene.item(description.split(": ", 1)[1]).id


@then(parsers.re(r'den offentlige mødeside viser ændringen med begrundelsen "(?P<reason>[^"]+)"'))
def _change_public(scene, reason):
    text = page_text(scene.public_page())
    [change] = scene.agenda_changes()
    assert "Ændringer efter offentliggørelse" in text
    assert f"{change.description} – Begrundelse: {reason}" in text


# ------------------------------------------------------------------ minutes

@given(parsers.re(r'rådet har behandlet forslaget "(?P<title>[^"]+)" '
                  r'og godkendt det med ændringerne "(?P<changes>[^"]+)"'))
def _held_meeting(scene, title, changes):
    scene.add_group_lead("Brugerstyring", "lead")
    scene.screened_proposal("Brugerstyring", "lead", title)
    scene.schedule(title)
    scene.publish()
    item_id = scene.item(title).id
    scene.record_positions({(m, item_id): "agree" for m in scene.members()})
    scene.hold_meeting()
    scene.decide(title, {"decision": "approved_with_changes", "changes": changes})
    assert scene.meeting().status == "minutes"
    assert scene.inbox("secretary", scene.meeting().case_id) == ["Skriv referat"]


@when(parsers.re(r'"(?P<user>[^"]+)" skriver referatet af punktet "(?P<title>[^"]+)": "(?P<text>[^"]+)"'))
def _item_minutes(scene, user, title, text):
    scene.write_item_minutes(user, title, text)
    assert scene.item(title).minutes == text


@given(parsers.re(r'"(?P<user>[^"]+)" sender referatet "(?P<summary>[^"]+)" til godkendelse (?P<when>.+)'))
@when(parsers.re(r'"(?P<user>[^"]+)" sender referatet "(?P<summary>[^"]+)" til godkendelse (?P<when>.+)'))
def _send_minutes(scene, user, summary, when):
    scene.move_to(moment(when))
    scene.send_minutes(user, summary)
    assert scene.meeting().minutes_summary == summary


@then(parsers.re(r"er referatet til godkendelse(?: i runde (?P<round>\d+))? med frist for indsigelser (?P<when>.+)"))
def _minutes_review(scene, round, when):
    meeting = scene.meeting()
    deadline = moment(when) + timedelta(seconds=59)
    assert (meeting.status, meeting.minutes_round) == ("minutes_review", int(round or 1))
    assert meeting.minutes_deadline_at == deadline
    assert scene.timers() == [deadline]
    assert scene.meeting_tasks() == []


@then("referatet og beslutningerne er endnu ikke offentlige")
def _minutes_not_public(scene):
    meeting = scene.meeting()
    text = page_text(scene.public_page())
    assert meeting.minutes_summary not in text
    for item in scene.items():
        assert item.title in text
        assert item.minutes not in text if item.minutes else True
        assert item.changes not in text if item.changes else True
    feed = scene.public_get("/raadet/feed.atom").get_data(as_text=True)
    assert "<entry>" not in feed
    assert scene.public_get("/raadet/beslutninger").status_code == 200
    assert all(i.title not in page_text(scene.public_get("/raadet/beslutninger")) for i in scene.items())


@when(parsers.re(r"det bliver (?P<when>.+) uden indsigelser"))
def _until(scene, when):
    scene.move_to(moment(when))


@then("er referatet stadig til godkendelse")
def _still_review(scene):
    meeting = scene.meeting()
    assert (meeting.status, meeting.minutes_published_at) == ("minutes_review", None)
    assert scene.meeting_case().status == "running"


@when("fristen for indsigelser er passeret")
def _minutes_deadline(scene):
    scene.pass_minutes_deadline()


@then("er referatet offentliggjort, og mødet er afsluttet")
def _concluded(scene):
    meeting = scene.meeting()
    assert meeting.status == "concluded"
    assert meeting.minutes_published_at == scene.now()
    assert scene.meeting_case().status == "completed"
    assert scene.meeting_tasks() == [] and scene.timers() == []


@then(parsers.re(r'den offentlige mødeside viser referatet "(?P<text>[^"]+)"'))
def _public_minutes(scene, text):
    assert text in page_text(scene.public_page())


@then(parsers.re(r'den offentlige mødeside viser referatet af punktet "(?P<text>[^"]+)"'))
def _public_item_minutes(scene, text):
    assert text in page_text(scene.public_page())


@then(parsers.re(r'den offentlige mødeside viser beslutningen "(?P<label>[^"]+)" med ændringerne "(?P<changes>[^"]+)"'))
def _public_decision(scene, label, changes):
    assert f"Beslutning: {label}" in page_text(scene.public_page())
    assert changes in page_text(scene.public_page())
    assert changes in page_text(scene.public_get("/raadet/beslutninger"))


@then(parsers.re(r'rådets Atom-feed viser (?P<titles>.+)'))
def _feed(scene, titles):
    response = scene.public_get("/raadet/feed.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ElementTree.fromstring(response.get_data())
    entries = {e.findtext(f"{ATOM}title"): e for e in feed.iter(f"{ATOM}entry")}
    assert sorted(entries) == sorted(quoted(titles))
    for entry in entries.values():
        assert f"/raadet/moeder/{scene.meeting_id}" in entry.find(f"{ATOM}link").get("href")


@when(parsers.re(r'"(?P<member>[^"]+)" gør indsigelse mod referatet: "(?P<text>[^"]+)"'))
def _object(scene, member, text):
    scene.move_to(scene.now() + timedelta(days=2))
    objection = scene.object_to_minutes(member, text)
    assert (objection.round, objection.member) == (1, member)


@then("referatet er ikke offentliggjort")
def _not_published(scene):
    meeting = scene.meeting()
    assert (meeting.status, meeting.minutes_published_at) == ("minutes", None)
    assert meeting.minutes_summary not in page_text(scene.public_page())


@then(parsers.re(r'opgaven viser det hidtidige referat "(?P<text>[^"]+)"'))
def _minutes_initial(scene, text):
    assert scene.minutes_task_initial()["minutes_summary"] == text


@then(parsers.re(r'den offentlige mødeside viser ikke indsigelsen "(?P<text>[^"]+)"'))
def _objection_private(scene, text):
    assert text not in page_text(scene.public_page())


# ------------------------------------------------------------------ a decision item added after publication

@when(parsers.re(r'"(?P<user>[^"]+)" prøver at tilføje beslutningspunktet "(?P<title>[^"]+)" '
                 r'med begrundelsen "(?P<reason>[^"]+)"'))
def _late_decision_item(scene, context, user, title, reason):
    context["items"] = [(i.id, i.title) for i in scene.items()]
    with pytest.raises(CouncilError) as err:
        scene.add_item(user, "decision", title, reason)
    context["error"] = err.value


@then("afvises beslutningspunktet, og dagsordenen er uændret")
def _late_decision_refused(scene, context):
    # the process fixed its position requests and decision items at publication: a late one would never be decided
    assert context["error"].field == "kind"
    assert [(i.id, i.title) for i in scene.items()] == context["items"]
    assert scene.agenda_changes() == []


@when(parsers.re(r'medlemmerne tilkendegiver "(?P<position>\w+)" i alle deres holdningsopgaver'))
def _all_tasks(scene, position):
    while scene.position_tasks():
        scene.record_positions({(r["member"], r["item_id"]): position for _, r in scene.position_tasks()})


@when(parsers.re(r'"(?P<user>[^"]+)" godkender alle de punkter, formanden får forelagt'))
def _approve_all(scene, user):
    while scene.meeting_tasks("decide"):
        task, _, _ = scene.decide_task()
        scene.driver.complete(user, task, {"decision": "approved"})
        scene.driver.sweep()


@then("intet beslutningspunkt på mødet står uden beslutning")
def _none_undecided(scene):
    assert [i.title for i in scene.items() if i.kind == "decision" and i.decided_at is None] == []


@then(parsers.re(r'mødets status er "(?P<status>\w+)"'))
def _meeting_status(scene, status):
    assert scene.meeting().status == status
