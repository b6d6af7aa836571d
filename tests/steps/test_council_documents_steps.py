"""Step definitions for features/council_documents.feature: the agenda pack and the minutes as PDFs, read with
pypdf (tests/pdf_support.py), through the service layer and the meeting's document route."""
from __future__ import annotations

import hashlib
import io

import pytest
from pypdf import PdfReader
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import select

from tests.pdf_support import assert_accessible_pdf, read_pdf

from . import test_council_steps as _council

pytestmark = pytest.mark.usefixtures("db_url")

# the shared steps and fixtures (scene, context, clock) of the council feature
globals().update({k: v for k, v in vars(_council).items() if k.startswith("pytestbdd_stepdef")})
scene, context, clock = _council.scene, _council.context, _council.clock

scenarios("council_documents.feature")


def _pdf(text: str) -> bytes:
    from workflows.pdf import render_pdf

    return render_pdf("pdf/example.html", {"items": [text, f"{text}, fortsat"], "when": None}, title=text)


def _add_material(scene, title: str, filename: str, reason: str | None = None) -> None:
    item_id = scene.item(title).id
    with scene.work() as s:
        scene.council.add_material(s, scene.user("secretary"), item_id, filename, _pdf(f"Indhold af {filename}"),
                                   reason)


def _packs(scene) -> dict:
    from workflows.council.documents import CouncilDocument

    with scene.read() as s:
        out = {}
        for row in s.scalars(select(CouncilDocument).where(CouncilDocument.meeting_id == scene.meeting_id)):
            doc, version, content = scene.byplan.documents.get_version(s, row.document_id)
            out[(row.kind, row.variant)] = {"id": row.document_id, "versions": [v.number for v in doc.versions],
                                            "content": content, "sha256": version.sha256}
        return out


@given(parsers.parse('mødet har beslutningspunktet "{title}" med bilaget "{filename}"'))
def _decision_item(scene, title, filename):
    scene.add_item("secretary", "decision", title)
    _add_material(scene, title, filename)


@given(parsers.parse('mødet har det lukkede punkt "{title}" med bilaget "{filename}"'))
def _closed_item(scene, title, filename):
    from workflows.council import AgendaItem

    item_id = scene.add_item("secretary", "information", title)
    _add_material(scene, title, filename)
    with scene.work() as s:  # the items helper's page closes it; the record is what counts here
        item = s.get(AgendaItem, item_id)
        item.closed, item.closed_reason = True, "Forhandling om pris"


@given("dagsordenen udsendes")
@when("dagsordenen udsendes")
def _publish(scene):
    scene.publish()


@then("er dagsordenspakken gemt i en intern og en offentlig udgave med sha256")
def _stored(scene):
    packs = _packs(scene)
    assert set(packs) == {("agenda", "internal"), ("agenda", "public")}
    for pack in packs.values():
        assert pack["versions"] == [1] and pack["sha256"] == hashlib.sha256(pack["content"]).hexdigest()


@then(parsers.parse('den offentlige dagsordenspakke er et tagget PDF på dansk med titlen "{title}"'))
def _accessible(scene, title):
    assert_accessible_pdf(_packs(scene)[("agenda", "public")]["content"], title=title, lang="da")


@then(parsers.parse('den offentlige dagsordenspakke viser "{shown}" men ikke "{hidden}"'))
def _placeholder(scene, shown, hidden):
    facts = read_pdf(_packs(scene)[("agenda", "public")]["content"])
    assert shown in facts.text and hidden not in facts.text
    assert all(hidden not in b for b in facts.bookmarks)


@then(parsers.parse('den interne dagsordenspakke har bogmærket "{child}" under "{parent}"'))
def _bookmark(scene, child, parent):
    reader = PdfReader(io.BytesIO(_packs(scene)[("agenda", "internal")]["content"]))

    def find(entries):
        for n, entry in enumerate(entries):
            if isinstance(entry, list):
                if find(entry):
                    return True
            elif entry.title == parent:
                kids = entries[n + 1] if n + 1 < len(entries) and isinstance(entries[n + 1], list) else []
                return child in [k.title for k in kids if not isinstance(k, list)]
        return False

    assert find(reader.outline)


@then("en anonym kan hente den offentlige dagsordenspakke men ikke den interne")
def _anonymous(scene):
    packs = _packs(scene)
    client = scene.app.test_client()
    url = f"/raadet/moeder/{scene.meeting_id}/dokumenter/"
    assert client.get(url + str(packs[("agenda", "public")]["id"])).status_code == 200
    assert client.get(url + str(packs[("agenda", "internal")]["id"])).status_code == 404


@when(parsers.parse('"{user}" tilføjer bilaget "{filename}" til punktet "{title}" med begrundelsen "{reason}"'))
def _late_material(scene, user, filename, title, reason):
    assert user == "secretary"
    _add_material(scene, title, filename, reason)


@then(parsers.parse("har begge udgaver af dagsordenspakken version {number:d}"))
def _versions(scene, number):
    packs = _packs(scene)
    assert [packs[("agenda", v)]["versions"][-1] for v in ("internal", "public")] == [number, number]


@given(parsers.parse('formanden har afgjort, at "{member}" er inhabil på punktet "{title}" med begrundelsen '
                     '"{reason}"'))
def _conflict(scene, member, title, reason):
    from workflows.council.models import Conflict, Ruling

    item_id = scene.item(title).id
    with scene.work() as s:  # the board helper's pages record it; the record is what the minutes read
        s.add(Conflict(item_id=item_id, member=member, reason=reason, declared_by=member,
                       ruling=Ruling.CONFLICTED.value, ruled_by=scene.chair(), ruled_at=scene.now()))


@given(parsers.parse('"{member}" har meldt afbud med "{substitute}" som stedfortræder'))
def _absence(scene, member, substitute):
    from workflows.council.models import Absence

    with scene.work() as s:
        s.add(Absence(meeting_id=scene.meeting_id, member=member, substitute=substitute, reason="Sygdom",
                      registered_by=member, registered_at=scene.now()))


@when("rådet beslutter alle punkter, og referatet godkendes ved stilhed")
def _conclude(scene):
    scene.record_positions({("chair", item.id): "agree" for item in scene.items()})
    scene.hold_meeting()
    while scene.meeting_tasks("decide"):  # the conflicted member does not take part: a quorum only if the rule says so
        task, _values, data = scene.decide_task()
        values = {"decision": "approved"}
        if data.get("has_quorum") is False:
            values["quorum_exception"] = "Forretningsordenens § 5: formanden afgør punktet"
        scene.driver.complete(scene.chair(), task, values)
        scene.driver.sweep()
    scene.send_minutes("secretary", "Rådet godkendte forslaget.")
    scene.pass_minutes_deadline()
    assert scene.meeting().minutes_published_at is not None


def _minutes(scene, variant: str) -> str:
    return " ".join(read_pdf(_packs(scene)[("minutes", variant)]["content"]).text.split())


@then(parsers.parse('siger det offentlige referat "{text}"'))
def _public_says(scene, text):
    assert text in _minutes(scene, "public")


@then(parsers.parse('siger det offentlige referat ikke "{text}"'))
def _public_not(scene, text):
    assert text not in _minutes(scene, "public")


@then(parsers.parse('siger det interne referat "{text}"'))
def _internal_says(scene, text):
    assert text in _minutes(scene, "internal")
