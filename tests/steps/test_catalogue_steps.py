"""Step definitions for features/catalogue.feature: principles → rules → versions, changed only by the
council's decision (through the proposal, hearing and council processes and the public pages)."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import func, select

from workflows.service import FormInvalid

from council_support import CouncilDriver

from .common import COPENHAGEN, clock_at
from .hearing_driver import HearingDriver
from .proposal_driver import ProposalDriver

pytestmark = pytest.mark.usefixtures("db_url")

scenarios("catalogue.feature")

clock = clock_at(datetime(2026, 3, 2, 9, 0, tzinfo=COPENHAGEN))


@pytest.fixture
def driver(app, people, clock):
    return ProposalDriver(app, people)


@pytest.fixture
def council(app, people, clock):
    return CouncilDriver(app, people)


@pytest.fixture
def hearing(app, people, clock):
    return HearingDriver(app, people, clock)


def _text(html: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))


def _rule(driver, code):
    from workflows.catalogue import rule_by_key

    with driver.app.app_context():
        rule = rule_by_key(driver.db.session, code.lower().replace(" ", "-").replace(".", "-"))
        assert rule is not None, code
        return rule, [(v.version, v.status) for v in rule.versions]


def _statuses(driver, code) -> dict[int, str]:
    return dict(_rule(driver, code)[1])


# ------------------------------------------------------------------ background

@given(parsers.parse('arbejdsgruppen "{group}" med lederen "{lead}"'))
def _group(people, group, lead):
    assert people.group.name == group
    with people.app.app_context():
        assert people.user(lead).leads(people.group_id)


@given(parsers.re(r'kataloget har princip (?P<number>\d+) "(?P<title>[^"]+)" med den optagne regel "(?P<code>[^"]+)" '
                  r'"(?P<rule_title>[^"]+)" med teksten "(?P<text>[^"]+)"'))
def _catalogue(app, people, number, title, code, rule_title, text):
    from web.extensions import db
    from workflows.catalogue import Principle, PrincipleVersion, Rule, RuleVersion

    number, rule_number = int(number), int(code.split(".")[1])
    with app.app_context():
        s = db.session
        principle = Principle(key="byggeblokke", number=number, working_group_id=people.group_id)
        s.add(principle)
        s.flush()
        s.add(PrincipleVersion(principle_id=principle.id, version=1, title=title, statement=title, status="adopted"))
        rule = Rule(principle_id=principle.id, number=rule_number, key=f"ar-{number}-{rule_number}")
        s.add(rule)
        s.flush()
        s.add(RuleVersion(rule_id=rule.id, version=1, title=rule_title, text=text, status="adopted",
                          implications="løsningen bruger infrastrukturen", working_group_id=people.group_id))
        s.commit()


# ------------------------------------------------------------------ proposals

@when(parsers.parse('"{user}" opretter forslaget "{title}" som en ændring af reglen "{code}"'))
def _start_change(driver, user, title, code):
    with driver.app.app_context():
        case = driver.byplan.start_proposal(driver.db.session, driver.people.user(user), driver.people.group_id,
                                            title, "rule_change", code)
        driver.db.session.commit()
        driver.case_id = case.id


@when(parsers.parse('"{user}" opretter forslaget "{title}" som en udfasning af reglen "{code}"'))
def _start_retirement(driver, user, title, code):
    with driver.app.app_context():
        case = driver.byplan.start_proposal(driver.db.session, driver.people.user(user), driver.people.group_id,
                                            title, "rule_retirement", code)
        driver.db.session.commit()
        driver.case_id = case.id


@when(parsers.parse('"{user}" opretter forslaget "{title}" som en ny regel under princip {number:d}'))
def _start_rule(driver, user, title, number):
    with driver.app.app_context():
        case = driver.byplan.start_proposal(driver.db.session, driver.people.user(user), driver.people.group_id,
                                            title, "rule", str(number))
        driver.db.session.commit()
        driver.case_id = case.id


@then(parsers.parse('starter forslagets udkast med reglens gældende tekst "{text}"'))
def _draft_starts(driver, text):
    task = driver.task()
    with driver.app.app_context():
        view = driver.byplan.task_view(driver.db.session, driver.people.user("lead"), task.id)
    assert view.values["statement"] == text
    assert view.values["implications"] == "løsningen bruger infrastrukturen"


@when(parsers.parse('"{user}" indsender ændringen med teksten "{text}"'))
def _submit_change(driver, user, text):
    driver.submit(user, summary="Reglen udvides", statement=text)


@when(parsers.parse('"{user}" indsender udfasningen med begrundelsen "{reason}"'))
def _submit_retirement(driver, user, reason):
    driver.submit(user, summary=reason)


@when(parsers.parse('"{user}" indsender den nye regel med teksten "{text}" kun for kommunerne'))
def _submit_rule(driver, user, text):
    driver.submit(user, summary="En ny regel", statement=text, scope="municipal",
                  contacts="Mette Lund, KL, mette.lund@kl.example")


@when(parsers.parse('"{user}" screener forslaget som komplet og sender det i høring'))
def _to_hearing(driver, hearing, user):
    driver.complete(user, {"screening": "complete", "hearing": "yes"})
    hearing.attach_to_case(driver.case_id)


@when(parsers.parse('"{user}" screener forslaget som komplet'))
def _screen(driver, user):
    driver.complete(user, {"screening": "complete"})


@when(parsers.parse('høringen offentliggøres for "{name}"'))
def _hearing(hearing, name):
    from datetime import timedelta

    hearing.municipality("710", name, "Midt-Nord", f"hoering@{name.lower()}.example")
    hearing.add_municipalities("secretary", [name])
    hearing.publish("secretary", hearing.today() + timedelta(weeks=4), 0)
    hearing.respond_link(name, f"{name} støtter ændringen")


@when("høringen gennemføres til et godkendt høringsnotat")
def _conclude(hearing):
    hearing.conclude()


@when(parsers.parse('"{user}" reviderer ændringen uden yderligere ændringer'))
def _revise(driver, user):
    assert driver.task().title == "Revidér forslaget efter høringen"
    driver.submit(user)


@when("rådet på et møde godkender forslaget")
def _approve(driver, council):
    council.meeting_id = council.decide_proposal(driver.case_id, {"decision": "approved"})
    assert driver.case().status == "completed"


@when("rådet på et møde afviser forslaget")
def _reject(driver, council):
    council.meeting_id = council.decide_proposal(driver.case_id, {"decision": "rejected", "reason": "Uklar"})


# ------------------------------------------------------------------ assertions

@then(parsers.parse('har "{code}" en version {version:d} med status "{status}", som offentligheden ikke kan se'))
def _not_public(driver, client, code, version, status):
    assert _statuses(driver, code)[version] == status
    key = code.lower().replace(' ', '-').replace('.', '-')
    assert client.get(f"/regler/{key}/version/{version}").status_code == 404
    page = _text(client.get("/regler/ar-2-1").data)
    assert "Version 1" in page and "Optaget" in page


@then(parsers.parse('har "{code}" en version {version:d} med status "{status}", som vises på reglens offentlige side'))
def _public(driver, client, code, version, status):
    assert _statuses(driver, code)[version] == status
    assert _statuses(driver, code)[1] == "adopted"  # only the council's decision changes the adopted version
    page = _text(client.get(f"/regler/ar-2-1/version/{version}").data)
    assert "I høring" in page and "Høring:" in page, page


@then(parsers.parse('ser rådet ændringen som en forskel på ord, hvor "{word}" er tilføjet'))
def _council_sees_diff(driver, word):
    from workflows.proposal.tasks import proposal_record

    with driver.app.app_context():
        record = proposal_record(driver.db.session, driver.record())
    [text] = [f for f in record.catalogue.diffs if f.name == "text"]
    assert any(s.op == "insert" and word in s.text for s in text.segments)
    # the task page shows it (the council's tasks show the same proposal context)
    task = driver.task()
    client = driver.people.login(driver.app.test_client(), "secretary")
    page = client.get(f"/opgaver/{task.id}").data.decode()
    assert re.search(r"<ins>.*?" + re.escape(word), page) and "I kataloget" in page


@then(parsers.parse('er version {new:d} af "{code}" optaget, og version {old:d} er erstattet af version {new2:d}'))
def _adopted(driver, code, new, old, new2):
    rule, versions = _rule(driver, code)
    assert versions == [(new, "adopted"), (old, "superseded")]
    assert rule.versions[1].superseded_by_id == rule.versions[0].id


@then("reglens side viser gyldighedslinjen for mødet, der besluttede den")
def _validity(driver, council, client):
    from workflows.catalogue.service import danish_date

    meeting = council.meeting(council.meeting_id)
    assert meeting.number is not None
    expected = (f"Godkendt af Kommunernes It-Arkitekturråd, {meeting.number}. møde, "
                f"{danish_date(meeting.starts_at.astimezone(COPENHAGEN))}")
    page = _text(client.get("/regler/ar-2-1").data)
    assert expected in page
    assert "Erstattet af" in _text(client.get("/regler/ar-2-1/version/1").data)


@then("reglens side viser oprindelsen: forslaget, høringen, høringsnotatet og dagsordenspunktet")
def _provenance(driver, hearing, council, client):
    page = client.get("/regler/ar-2-1").data.decode()
    [item] = [i for i in council.items(council.meeting_id) if i.proposal_id is not None]
    assert f'href="/offentlige-hoeringer/{hearing.hearing_id}"' in page
    assert f'href="/raadet/moeder/{council.meeting_id}#punkt-{item.id}"' in page
    text = _text(page.encode())
    for label in ("Forslag:", "Høring:", "Høringsnotat:", "Dagsordenspunkt:"):
        assert label in text, label


@then(parsers.parse('forskellen mellem version 1 og 2 på reglens side viser "{removed}" som fjernet '
                    'og "{added}" som tilføjet'))
def _diff_page(client, removed, added):
    page = client.get("/regler/ar-2-1/forskel?fra=1&til=2")
    assert page.status_code == 200
    html = page.data.decode()
    assert re.search(r"<del>.*?" + re.escape(removed) + r".*?</del>", html)
    assert re.search(r"<ins>.*?" + re.escape(added) + r".*?</ins>", html)
    assert 'class="visually-hidden">[fjernet: ' in html and 'class="visually-hidden">[tilføjet: ' in html


@then(parsers.parse('søgningen finder "{word}" i reglen "{code}" uden login'))
def _search(client, word, code):
    page = client.get(f"/soeg?q={word}").data.decode()
    assert 'href="/regler/ar-2-1"' in page


@then(parsers.parse('den offentlige API viser "{code}" i version {version:d} med status "{status}"'))
def _api(client, code, version, status):
    answer = client.get("/api/v1/catalogue/rules/ar-2-1")
    assert answer.status_code == 200, answer.data
    body = answer.get_json()
    assert (body["code"], body["status"], body["versions"][0]["version"]) == (code, status, version)
    assert body["versions"][0]["validity"].startswith("Godkendt af Kommunernes It-Arkitekturråd")
    assert body["versions"][1]["superseded_by"] == version
    principles = client.get("/api/v1/catalogue/principles").get_json()
    assert [r["code"] for p in principles for r in p["rules"]] == [code]


@then(parsers.parse('er "{code}" stadig optaget, mens rådet ikke har besluttet'))
def _still_adopted(driver, code):
    assert _statuses(driver, code) == {1: "adopted"}


@then(parsers.parse('er "{code}" udgået'))
def _retired(driver, council, code):
    rule, versions = _rule(driver, code)
    assert versions == [(1, "retired")]
    assert rule.versions[0].retired_meeting_id == council.meeting_id


@then(parsers.parse('reglens side viser status "{label}" og rådets møde, der udfasede den'))
def _retired_page(client, council, label):
    page = client.get("/regler/ar-2-1").data.decode()
    assert label in _text(page.encode())
    assert "Udgået efter beslutning i Kommunernes It-Arkitekturråd" in _text(page.encode())
    assert f'href="/raadet/moeder/{council.meeting_id}#punkt-' in page


@then(parsers.parse('reglen "{code}" er ikke blandt de optagne regler, en vurdering skal forholde sig til'))
def _not_in_scope(driver, code):
    from workflows.catalogue import adopted_rule_versions

    with driver.app.app_context():
        assert code not in [v.code for v in adopted_rule_versions(driver.db.session, "municipal")]


@then(parsers.parse('er "{code}" optaget i version {version:d} og markeret "FK"'))
def _new_rule(driver, client, code, version):
    rule, versions = _rule(driver, code)
    assert versions == [(version, "adopted")]
    page = _text(client.get("/regler/ar-2-2").data)
    assert "FK" in page and "Mette Lund" in page and "Kun kommunerne (FK)" in page


@then(parsers.parse('"{code}" er blandt de optagne regler for en kommunal vurdering, men ikke for en fællesoffentlig'))
def _scope(driver, code):
    from workflows.catalogue import adopted_rule_versions

    with driver.app.app_context():
        s = driver.db.session
        assert [v.code for v in adopted_rule_versions(s, "municipal")] == ["AR 2.1", code]
        assert [v.code for v in adopted_rule_versions(s, "common")] == ["AR 2.1"]


def _counts(app):
    from web.extensions import db
    from workflows.catalogue import RuleVersion
    from workflows.proposal import Proposal

    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Proposal)),
                db.session.scalar(select(func.count()).select_from(RuleVersion)))


@then(parsers.parse('kan "{user}" ikke oprette en ændring af reglen "{code}", og intet er oprettet'))
def _bad_rule(driver, app, user, code):
    before = _counts(app)
    with app.app_context(), pytest.raises(FormInvalid) as err:
        driver.byplan.start_proposal(driver.db.session, driver.people.user(user), driver.people.group_id,
                                     "Ændring", "rule_change", code)
    assert set(err.value.errors) == {"target"}
    assert _counts(app) == before


@then(parsers.parse('kan "{user}" ikke oprette en ny regel uden et princip, og intet er oprettet'))
def _bad_principle(driver, app, user):
    before = _counts(app)
    for target in (None, "99", "AR 2.1"):
        with app.app_context(), pytest.raises(FormInvalid) as err:
            driver.byplan.start_proposal(driver.db.session, driver.people.user(user), driver.people.group_id,
                                         "Ny regel", "rule", target)
        assert set(err.value.errors) == {"target"}
    # the same through the HTML form: per-field error, 422
    client = driver.people.login(driver.app.test_client(), user)
    answer = client.post("/forslag/nyt", data={"group_id": driver.people.group_id, "kind": "rule", "title": "Ny regel"})
    assert answer.status_code == 422 and 'id="e-target"' in answer.data.decode()
    assert _counts(app) == before


@then(parsers.parse('kan "{user}" ikke indsende ændringen uden regeltekst, og sagen er uændret'))
def _no_text(driver, user):
    before = driver.case().version
    with pytest.raises(FormInvalid) as err:
        driver.submit(user, summary="Resumé", statement="")
    assert set(err.value.errors) == {"statement"}
    assert driver.case().version == before
    assert _statuses(driver, "AR 2.1") == {1: "adopted"}


@then(parsers.parse('er version {version:d} af "{code}" ikke optaget, og version 1 gælder stadig'))
def _rejected(driver, client, code, version):
    assert _statuses(driver, code) == {version: "rejected", 1: "adopted"}
    assert client.get(f"/regler/ar-2-1/version/{version}").status_code == 404


@then("reglens sider svarer 404 for ukendte regler og versioner")
def _not_found(client):
    for url in ("/regler/ar-9-9", "/regler/ar-2-1/version/7", "/regler/ar-2-1/forskel?fra=1&til=9",
                "/regler/ar-2-1/forskel?fra=abc&til=1", "/api/v1/catalogue/rules/ar-9-9",
                "/api/v1/catalogue/rules/ar-2-1/versions/2"):
        assert client.get(url).status_code == 404, url


@then(parsers.parse('høringens "vi gjorde" linker til forskellen mellem version {old:d} og {new:d} af "{code}"'))
def _we_did_links_the_diff(hearing, old, new, code):
    """Issue 16: "we asked / you said / we did" links a consulted rule's change to the catalogue's difference."""
    from workflows.hearing import Hearing

    with hearing.app.app_context():
        s = hearing.db.session
        links = hearing.hearings.publication.change_links(s, s.get(Hearing, hearing.hearing_id))
    key = code.lower().replace(" ", "-").replace(".", "-")
    assert any(label == f"{code}, version {new}" and url.endswith(f"/regler/{key}/forskel?fra={old}&til={new}")
               for label, url in links), links
