"""Step definitions for features/council_portal.feature; the meeting steps of features/council.feature are
reused (their step fixtures are taken over from test_council_steps), the new ones are here."""
from __future__ import annotations

from datetime import timezone

import pytest
from pytest_bdd import parsers, scenarios, then, when

from workflows.service import FormInvalid

from . import test_council_steps as _council
from .common import moment

pytestmark = pytest.mark.usefixtures("db_url")

# the shared steps and fixtures (scene, context, clock) of the council feature
globals().update({k: v for k, v in vars(_council).items() if k.startswith("pytestbdd_stepdef")})
scene, context, clock = _council.scene, _council.context, _council.clock

scenarios("council_portal.feature")


@then(parsers.re(r"er fristen for punkter (?P<when>.+)"))
def _deadline_moment(scene, when):
    assert scene.meeting().deadline_moment == moment(when).astimezone(timezone.utc)


@then(parsers.re(r'har hvert af de (?P<n>\d+) medlemmer en holdningsopgave til "(?P<title>[^"]+)"'))
def _position_tasks_for(scene, n, title):
    item_id = scene.item(title).id
    members = sorted(r["member"] for _, r in scene.position_tasks() if r["item_id"] == item_id)
    assert members == sorted(scene.members()) and len(members) == int(n)


@then(parsers.re(r'har "(?P<user>[^"]+)" ingen beslutningsopgave (?P<when>.+)'))
def _no_decision_before(scene, user, when):
    scene.move_to(moment(when))
    assert scene.position_tasks() == []  # every position is in
    assert scene.meeting_tasks("decide") == []
    assert "Rådets beslutning" not in scene.inbox(user)


@then(parsers.re(r'er beslutningen om "(?P<title>[^"]+)" truffet på mødet "(?P<place>[^"]+)"'))
def _decided_at(scene, title, place):
    item = scene.item(title)
    assert item.decided_meeting_id == scene.meeting_id and item.decided_at >= scene.meeting().starts_at
    with scene.read() as s:
        page = scene.council.meeting_view(s, scene.meeting_id, scene.user("secretary"))
    assert [i.decided_place for i in page.items if i.id == item.id] == [place]


def _decision_context(scene):
    task, _, _ = scene.decide_task()
    with scene.read() as s:
        return scene.byplan.task_view(s, scene.user(scene.chair()), task.id).context


@then(parsers.re(r"viser formandens beslutningsopgave (?P<agree>\d+) enige, (?P<objects>\d+) indsigelser? "
                 r"og (?P<missing>\d+) medlemmer uden holdning"))
def _decision_basis(scene, agree, objects, missing):
    ctx = _decision_context(scene)
    assert (ctx.counts["agree"], ctx.counts["object"], len(ctx.missing)) == (int(agree), int(objects), int(missing))
    assert "Dorte Kjær" in ctx.missing


@then(parsers.re(r"viser opgaven, at Rådet ikke er beslutningsdygtigt \((?P<part>\d+) af (?P<eligible>\d+) deltager\)"))
def _no_quorum(scene, part, eligible):
    ctx = _decision_context(scene)
    assert (ctx.has_quorum, ctx.participating, ctx.eligible) == (False, int(part), int(eligible))


@then(parsers.re(r'viser opgaven "(?P<label>[^"]+)" som et forslag fra beslutningstabellen'))
def _suggestion(scene, label):
    from pathlib import Path

    from babel.support import Translations

    ctx = _decision_context(scene)
    danish = Translations.load(str(Path(__file__).parents[2] / "web" / "translations"), ["da"])
    assert danish.gettext(ctx.suggested_label) == label


@then(parsers.re(r'kan "(?P<user>[^"]+)" ikke beslutte "(?P<outcome>\w+)" uden en undtagelse, og punktet er uafgjort'))
def _no_exception(scene, user, outcome):
    task, _, _ = scene.decide_task()
    version = scene.meeting_case().version
    with pytest.raises(FormInvalid) as err:
        scene.driver.complete(user, task, {"decision": outcome})
    assert set(err.value.errors) == {"quorum_exception"}
    assert scene.meeting_case().version == version
    assert all(i.decided_at is None for i in scene.items())


@when(parsers.re(r'"(?P<user>[^"]+)" beslutter "(?P<title>[^"]+)" som godkendt med undtagelsen "(?P<text>[^"]+)"'))
def _approve_with_exception(scene, user, title, text):
    scene.decide(title, {"decision": "approved", "quorum_exception": text}, user)


@then(parsers.re(r'er punktet "(?P<title>[^"]+)" besluttet "(?P<outcome>\w+)" med undtagelsen "(?P<text>[^"]+)"'))
def _decided_with_exception(scene, title, outcome, text):
    item = scene.item(title)
    assert (item.outcome, item.quorum_exception) == (outcome, text)
