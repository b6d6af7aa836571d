"""Step definitions for features/hearing.feature (run through the service layer).

The clock is time_machine's (tick=False): every step sees the same instant until
a step moves it, and then the worker's timer sweep runs as it would in production.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from pytest_bdd import given, parsers, scenario, scenarios, then, when
from sqlalchemy import select

from engine import Forbidden, NotFound
from engine.models import WaitingTimer
from workflows.hearing import HearingError, deadline_moment, missing_points
from workflows.service import FormInvalid

from .common import COPENHAGEN, clock_at, danish_moment
from .hearing_driver import HearingDriver
from .proposal_driver import ProposalDriver

# Every scenario runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.usefixtures("db_url")


@scenario("hearing.feature", "Påmindelsen ligger N dage før fristen, også hen over skiftet til vintertid")
def test_reminder_across_dst():
    pass


@scenario("hearing.feature", "Et høringsnotat til godkendelse kan ikke miste sine punkter")
def test_note_under_approval_keeps_points():
    pass


scenarios("hearing.feature")

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=COPENHAGEN)
DAY = "{weekday} den {day:d}. {month} {year:d}"
MOMENT = DAY + " kl. {hour:d}.{minute:d}"


def quoted(text: str) -> list[str]:
    return re.findall(r'"([^"]+)"', text)


clock = clock_at(T0)


@pytest.fixture
def driver(app, people, clock):
    return HearingDriver(app, people, clock)


@pytest.fixture
def proposal(app, people, clock):
    return ProposalDriver(app, people)


# ------------------------------------------------------------------ background

@given(parsers.parse("det er " + MOMENT))
def _now(driver, weekday, day, month, year, hour, minute):
    moment = danish_moment(weekday, day, month, year, hour, minute)
    driver.clock.move_to(moment)
    assert driver.now() == moment


@given(parsers.parse('arbejdsgruppen "{group}" med lederen "{lead}"'))
def _group(people, group, lead):
    assert people.group.name == group
    with people.app.app_context():
        assert people.user(lead).leads(people.group_id)
        assert people.user("secretary").has_role("secretariat")


@given("kommunerne med høringspostkasse:")
def _municipalities(driver, datatable):
    header, *rows = datatable
    assert header == ["kode", "kommune", "region", "høringspostkasse"]
    for code, name, region, email in rows:
        driver.municipality(code, name, region, email)
    assert driver.all_municipality_names() == sorted(r[1] for r in rows)


@given("leverandørerne:")
def _vendors(driver, datatable):
    header, *rows = datatable
    assert header == ["leverandør", "e-mail"]
    driver.vendors = {name: email for name, email in rows}


@given(parsers.parse('kommunen "{name}" uden høringspostkasse'))
def _municipality_without_mail(driver, name):
    driver.municipality("550", name, "Syddanmark", None)
    assert name not in driver.all_municipality_names()


@given("en offentliggjort høring med de 12 kommuner og 3 leverandører")
def _published_hearing(driver):
    driver.create("secretary", "Fælles brugerstyring")
    assert driver.add_municipalities("secretary", driver.all_municipality_names()) == 12
    for name, email in driver.vendors.items():
        driver.add_external("secretary", name, email)
    driver.upload("secretary", "referencearkitektur.pdf", b"%PDF-1.7 materiale")
    driver.publish("secretary", driver.today() + timedelta(weeks=6), 7)
    assert driver.hearing().status == "open"
    assert len(driver.tokens) == 15


# ---------------------------------------------------------------- preparation

@when(parsers.parse('"{user}" opretter høringen "{title}" for arbejdsgruppen'))
def _create(driver, user, title):
    driver.create(user, title)
    hearing = driver.hearing()
    assert (hearing.title, hearing.status, hearing.working_group_id) == (title, "draft", driver.people.group_id)


@when(parsers.parse('"{user}" tilføjer alle {count:d} kommuner som høringsparter'))
def _add_all_municipalities(driver, user, count):
    names = driver.all_municipality_names()
    assert len(names) == count
    assert driver.add_municipalities(user, names) == count
    # adding them again adds nobody twice
    assert driver.add_municipalities(user, names) == 0
    assert driver.hearing().parties_count == count


@when(parsers.re(r'"(?P<user>[^"]+)" tilføjer kommunerne (?P<names>.+) som høringsparter'))
def _add_municipalities(driver, user, names):
    before = driver.hearing().parties_count
    names = quoted(names)
    assert driver.add_municipalities(user, names) == len(names)
    assert driver.hearing().parties_count == before + len(names)


@when(parsers.parse('"{user}" tilføjer de {count:d} leverandører som høringsparter'))
def _add_vendors(driver, user, count):
    before = driver.hearing().parties_count
    assert len(driver.vendors) == count
    for name, email in driver.vendors.items():
        driver.add_external(user, name, email)
    assert driver.hearing().parties_count == before + count
    assert {p.name: p.email for p in driver.parties() if p.kind == "external"} == driver.vendors


@when(parsers.parse('"{user}" fjerner "{name}" som høringspart'))
def _remove_party(driver, user, name):
    before = driver.hearing().parties_count
    driver.remove_party(user, name)
    assert name not in [p.name for p in driver.parties()]
    assert driver.hearing().parties_count == before - 1


@when(parsers.parse('"{user}" uploader høringsmaterialet "{filename}"'))
def _upload(driver, user, filename):
    driver.upload(user, filename, b"%PDF-1.7 " + filename.encode())
    with driver.read() as s:
        assert [d.title for d in driver.hearings.material(s, driver.hearing_id)] == [filename]


@when(parsers.parse('"{user}" offentliggør høringen med svarfrist om {weeks:d} uger '
                    "og påmindelse {days:d} dage før"))
def _publish(driver, user, weeks, days):
    driver.publish(user, driver.today() + timedelta(weeks=weeks), days)
    hearing = driver.hearing()
    assert hearing.status == "open"
    assert hearing.published_at == driver.now()
    assert len(driver.tokens) == hearing.parties_count


# ------------------------------------------------------------------ responses

@given(parsers.parse('"{user}" svarer for sin kommune med "{text}"'))
@when(parsers.parse('"{user}" svarer for sin kommune med "{text}"'))
def _contact_responds(driver, user, text):
    response_id = driver.respond_contact(user, text)
    with driver.read():
        municipality = driver.user(user).municipality_id
    [response] = [r for r in driver.responses(current_only=True) if r.id == response_id]
    assert (response.text, response.late, response.submitted_by) == (text, False, user)
    assert response.party.municipality_id == municipality


LINK_RESPONSE = r'"(?P<name>[^"]+)" svarer via sit link med "(?P<text>[^"]+)"'


@given(parsers.re(LINK_RESPONSE + "$"))
@when(parsers.re(LINK_RESPONSE + "$"))
def _link_responds(driver, name, text):
    _respond_by_link(driver, name, text, [])


@given(parsers.re(LINK_RESPONSE + r' og bilaget "(?P<filename>[^"]+)"$'))
@when(parsers.re(LINK_RESPONSE + r' og bilaget "(?P<filename>[^"]+)"$'))
def _link_responds_with_file(driver, name, text, filename):
    _respond_by_link(driver, name, text, [(filename, b"%PDF-1.7 " + filename.encode())])


def _respond_by_link(driver, name, text, files):
    before = driver.responses(name)
    response_id = driver.respond_link(name, text, files)
    response = driver.latest_response(name)
    assert (response.id, response.text) == (response_id, text)
    assert response.version == len(before) + 1
    assert response.submitted_at == driver.now()
    assert [f.document.title for f in response.files] == [f"Høringssvar fra {name}: {n}" for n, _ in files]


@given(parsers.parse('"{name}" har bedt om, at svaret ikke offentliggøres'))
def _unpublish(driver, name):
    driver.request_unpublish(name)
    assert driver.party(name).unpublish_requested


@given(parsers.parse("det bliver " + MOMENT))
@when(parsers.parse("det bliver " + MOMENT))
def _time_passes(driver, weekday, day, month, year, hour, minute):
    moment = danish_moment(weekday, day, month, year, hour, minute)
    assert moment > driver.now(), "time only moves forward"
    driver.move_to(moment)


@when("påmindelsestidspunktet er passeret")
def _reminder_time(driver):
    # SpiffWorkflow fires a timer once its time is strictly past (the sweep then runs within seconds)
    reminder_at = driver.hearing().reminder_at
    assert driver.move_to(reminder_at + timedelta(seconds=1)) == 1


@given(parsers.parse('"{user}" optager det for sene svar fra "{name}" med begrundelsen "{reason}"'))
@when(parsers.parse('"{user}" optager det for sene svar fra "{name}" med begrundelsen "{reason}"'))
def _admit(driver, user, name, reason):
    driver.decide_late(user, name, "admit", reason)
    assert driver.latest_response(name).late_status == "admitted"


@given(parsers.parse('"{user}" afviser det for sene svar fra "{name}" med begrundelsen "{reason}"'))
@when(parsers.parse('"{user}" afviser det for sene svar fra "{name}" med begrundelsen "{reason}"'))
def _reject(driver, user, name, reason):
    driver.decide_late(user, name, "reject", reason)
    assert driver.latest_response(name).late_status == "rejected"


# ------------------------------------------------------------------- the note

@when(parsers.parse('"{user}" skriver punkterne i høringsnotatet:'))
def _write_points(driver, user, datatable):
    header, *rows = datatable
    assert header == ["høringspart", "punkt", "disposition", "begrundelse"]
    before = len(driver.points())
    for name, point, disposition, reason in rows:
        driver.add_point(user, name, point, disposition, reason)
    assert len(driver.points()) == before + len(rows)


@when(parsers.parse('"{user}" afslutter høringsnotatet med resuméet "{summary}"'))
def _finish_note(driver, user, summary):
    assert driver.task().title == "Udarbejd høringsnotat"
    driver.write_note(user, summary)
    assert driver.hearing().note_summary == summary
    assert driver.task().title == "Godkend høringsnotat"


@when(parsers.parse('"{user}" returnerer høringsnotatet med begrundelsen "{reason}"'))
def _return_note(driver, user, reason):
    driver.complete(user, {"note_decision": "return", "reason": reason})
    assert driver.hearing().status == "closed"


@when(parsers.parse('"{user}" godkender høringsnotatet'))
def _approve_note(driver, user):
    assert driver.task().title == "Godkend høringsnotat"
    driver.complete(user, {"note_decision": "approve"})
    hearing = driver.hearing()
    assert hearing.status == "concluded"
    assert hearing.concluded_at == driver.now()
    assert hearing.note_return_reason is None


@when("høringen gennemføres til et godkendt høringsnotat")
def _conclude(driver):
    driver.conclude()
    assert driver.case().status == "completed"


# ----------------------------------------------------------------- proposals

@when(parsers.parse('"{user}" opretter forslaget "{title}" som et arkitekturprincip'))
def _start_proposal(proposal, user, title):
    proposal.start(user, title, "principle")


@when(parsers.parse('"{user}" indsender forslaget med princippet "{statement}"'))
def _submit_proposal(proposal, user, statement):
    proposal.submit(user, summary="Resumé af forslaget", statement=statement, rationale="Begrundelse")
    assert proposal.record().status == "submitted"


@when(parsers.parse('"{user}" screener forslaget som komplet og sender det i høring'))
def _screen_to_hearing(proposal, driver, user):
    proposal.complete(user, {"screening": "complete", "hearing": "yes"})
    driver.attach_to_case(proposal.case_id)
    assert driver.case_id == proposal.case_id


@when(parsers.parse('"{user}" reviderer forslaget med princippet "{statement}"'))
def _revise(proposal, user, statement):
    assert proposal.task().title == "Revidér forslaget efter høringen"
    proposal.submit(user, statement=statement)
    assert proposal.record().statement == statement
    assert proposal.record().status == "screened"


@when(parsers.parse('rådet på et møde træffer beslutningen "{decision}"'))
def _decide(proposal, app, people, decision):
    from council_support import CouncilDriver

    CouncilDriver(app, people).decide_proposal(proposal.case_id, {"decision": decision})
    assert proposal.record().status == decision


@then(parsers.parse('har "{user}" opgaven "{title}" i forslagets sag'))
def _proposal_task(proposal, people, user, title):
    with people.app.app_context():
        from web.extensions import db

        inbox = proposal.byplan.inbox(db.session, people.user(user))
        assert [t.title for t in inbox if t.case_id == proposal.case_id] == [title]


@then(parsers.parse('forslagets status er "{status}"'))
def _proposal_status(proposal, status):
    assert proposal.record().status == status


@then("forslagets høring hører til arbejdsgruppen og er endnu ikke offentlig")
def _proposal_hearing(proposal, driver, people):
    hearing = driver.hearing()
    record = proposal.record()
    assert (hearing.proposal_id, hearing.case_id, hearing.title) == (record.id, proposal.case_id, record.title)
    assert hearing.working_group_id == people.group_id
    assert hearing.status == "draft"
    assert driver.public_page()[0] == 404


@then("er forslagets sag afsluttet")
def _proposal_done(proposal):
    assert proposal.case().status == "completed"
    assert proposal.task() is None


@then(parsers.parse('principkataloget indeholder "{title}" med princippet "{statement}"'))
def _catalogue(proposal, title, statement):
    with proposal.app.app_context():
        current = [(p.name, p.statement, p.version) for p in proposal.byplan.catalogue(proposal.db.session)]
    assert current == [(title, statement, 1)]


# ---------------------------------------------------------------- assertions

@then(parsers.parse('har "{user}" opgaven "{title}"'))
def _has_task(driver, user, title):
    assert driver.inbox_titles(user) == [title]


@then("høringen er endnu ikke offentlig")
def _not_public(driver):
    assert driver.hearing().status == "draft"
    assert driver.public_page()[0] == 404
    assert driver.mails() == []
    with driver.read() as s:
        assert driver.hearing_id not in [h.id for h in driver.hearings.public(s)]


@then(parsers.parse("er høringen åben med svarfristen " + MOMENT))
def _open_with_deadline(driver, weekday, day, month, year, hour, minute):
    hearing = driver.hearing()
    expected = danish_moment(weekday, day, month, year, hour, minute, 59)
    assert hearing.status == "open"
    assert hearing.deadline == expected.date()
    assert hearing.deadline_at == expected
    assert hearing.deadline_at == deadline_moment(expected.date())
    with driver.read() as s:
        timers = {t.spec_name: t.due_at for t in s.scalars(select(WaitingTimer)
                                                           .where(WaitingTimer.case_id == driver.case_id))}
    assert timers["Høringsfrist"] == expected


@then(parsers.parse("påmindelsen er sat til " + MOMENT))
def _reminder_set(driver, weekday, day, month, year, hour, minute):
    expected = danish_moment(weekday, day, month, year, hour, minute, 59)
    assert driver.hearing().reminder_at == expected
    with driver.read() as s:
        assert "Påmindelsesdato" in set(s.scalars(select(WaitingTimer.spec_name)
                                                 .where(WaitingTimer.case_id == driver.case_id)))


@then("der er ikke sat nogen påmindelse")
def _no_reminder(driver):
    assert driver.hearing().reminder_at is None
    with driver.read() as s:
        assert list(s.scalars(select(WaitingTimer.spec_name).where(WaitingTimer.case_id == driver.case_id))) \
            == ["Høringsfrist"]


@then(parsers.parse("der ligger {count:d} invitationer i udbakken, "
                    "én til hver høringspart med sit eget personlige link"))
def _invitations(driver, count):
    mails = driver.mails("hearing.invite")
    assert len(mails) == count
    parties = driver.parties()
    assert sorted(m.to_address for m in mails) == sorted(p.email for p in parties)
    tokens = set()
    for mail in mails:
        [token] = re.findall(r"/hoering/svar/([A-Za-z0-9_\-]+)", mail.body)
        tokens.add(token)
        with driver.read() as s:
            party = driver.hearings.party_for_token(s, token)
            # the link opens this very party, and only that party
            assert (party.email, party.name, party.hearing_id) == (mail.to_address, mail.to_name, driver.hearing_id)
            assert party.invited_at == driver.now()
    assert len(tokens) == count


@then(parsers.parse("ligger der {count:d} invitationer i udbakken"))
def _invitation_count(driver, count):
    assert len(driver.mails("hearing.invite")) == count
    assert len(driver.mails()) == count


@then(parsers.parse('invitationerne nævner svarfristen "{text}"'))
def _invitation_deadline(driver, text):
    mails = driver.mails("hearing.invite")
    assert mails and all(text in m.body for m in mails)
    assert all(driver.hearing().title in m.subject for m in mails)


@then(parsers.parse('den offentlige høringsside viser høringsmaterialet "{filename}"'))
def _public_material(driver, filename):
    status, page = driver.public_page()
    assert status == 200
    links = [(a.text_content().strip(), a.get("href")) for a in page.xpath("//a")
             if "/dokumenter/" in (a.get("href") or "")]
    assert [title for title, _ in links] == [filename]
    download = driver.app.test_client().get(links[0][1])
    assert download.status_code == 200
    assert download.data == b"%PDF-1.7 " + filename.encode()
    # the parties are listed, their answers are not yet public
    assert "Favrskov" in page.text_content()


@then("ingen har opgaver i høringens sag, mens høringen er åben")
def _waiting(driver):
    assert driver.task() is None
    assert driver.case().status == "running"
    with driver.read() as s:
        assert set(s.scalars(select(WaitingTimer.spec_name).where(WaitingTimer.case_id == driver.case_id))) \
            == {"Påmindelsesdato", "Høringsfrist"}


@then(parsers.parse("har {answered:d} af {total:d} høringsparter svaret"))
def _answered(driver, answered, total):
    hearing = driver.hearing()
    assert (hearing.answered_count, hearing.parties_count) == (answered, total)
    assert len({r.party_id for r in driver.responses()}) == answered


@then("ét sekund før påmindelsestidspunktet er der ikke sendt nogen påmindelser")
def _not_before_reminder(driver):
    reminder_at = driver.hearing().reminder_at
    assert driver.move_to(reminder_at - timedelta(seconds=1)) == 0
    assert driver.mails("hearing.reminder") == []
    assert driver.hearing().reminded_at is None


@then(parsers.parse("har præcis de {count:d} høringsparter, der ikke har svaret, fået en påmindelse"))
def _reminded(driver, count):
    answered = {r.party_id for r in driver.responses(current_only=True)}
    silent = [p for p in driver.parties() if p.id not in answered]
    assert len(silent) == count
    mails = driver.mails("hearing.reminder")
    assert sorted(m.to_address for m in mails) == sorted(p.email for p in silent)
    assert all(p.reminded_at == driver.now() for p in silent)
    assert driver.hearing().reminded_at == driver.now()
    # the reminder carries no link: the personal link stays in the invitation only
    assert not any("/hoering/svar/" in m.body for m in mails)


@then(parsers.parse('"{name}" har ikke fået nogen påmindelse'))
def _not_reminded(driver, name):
    party = driver.party(name)
    assert party.reminded_at is None
    assert party.email not in [m.to_address for m in driver.mails("hearing.reminder")]
    assert driver.current_response(name) is not None


@then("høringen er stadig åben for svar")
def _still_open(driver):
    assert driver.hearing().status == "open"
    # a second sweep sends nothing more
    assert driver.fire() == 0
    assert len(driver.mails("hearing.reminder")) == 10


@then(parsers.parse('er det gældende svar fra "{name}" version {version:d} med teksten "{text}"'))
def _current_version(driver, name, version, text):
    response = driver.current_response(name)
    assert (response.version, response.text) == (version, text)
    assert driver.hearing().answered_count == 1


@then(parsers.parse('version {version:d} med teksten "{text}" er bevaret, men ikke gældende'))
def _old_version(driver, version, text):
    old = [r for r in driver.responses() if r.version == version]
    assert [(r.text, r.current) for r in old] == [(text, False)]


@then(parsers.parse('ingen af svarene fra "{name}" er for sene'))
def _none_late(driver, name):
    rows = driver.responses(name)
    assert len(rows) == 2
    assert [(r.late, r.late_status) for r in rows] == [(False, None), (False, None)]


@then("er høringen lukket")
def _closed(driver):
    hearing = driver.hearing()
    assert hearing.status == "closed"
    assert hearing.closed_at is not None and hearing.closed_at <= driver.now()
    assert hearing.closed_at >= hearing.deadline_at


@then(parsers.parse('er svarene fra "{first}" og "{second}" gemt som for sene og afventer sekretariatets afgørelse'))
def _late_pending(driver, first, second):
    for name in (first, second):
        [response] = driver.responses(name)
        assert (response.late, response.late_status) == (True, "pending")
        assert response.submitted_at > driver.hearing().deadline_at
        assert not response.considered  # not in the note until admitted


@then(parsers.parse("viser sekretariatets oversigt {count:d} for sene svar, der afventer afgørelse"))
def _dashboard_late(driver, count):
    assert driver.dashboard_row("secretary").late_pending_count == count
    assert len([r for r in driver.responses() if r.late_status == "pending"]) == count


@then(parsers.parse('"{user}" kan ikke svare via den almindelige formular efter fristen, og intet er ændret'))
def _contact_too_late(driver, user):
    before = driver.snapshot()
    with pytest.raises(HearingError) as err:
        driver.respond_contact(user, "Hjørring svarer efter fristen")
    assert "deadline" in str(err.value)
    assert driver.snapshot() == before


@then(parsers.parse('det for sene svar fra "{name}" er optaget med begrundelsen "{reason}"'))
def _admitted(driver, name, reason):
    response = driver.latest_response(name)
    assert (response.late_status, response.late_reason, response.late_decided_by) == ("admitted", reason, "secretary")
    assert response.considered and response.current


@then(parsers.parse('det for sene svar fra "{name}" er afvist med begrundelsen "{reason}"'))
def _rejected(driver, name, reason):
    response = driver.latest_response(name)
    assert (response.late_status, response.late_reason, response.late_decided_by) == ("rejected", reason, "secretary")
    assert not response.considered


@then(parsers.parse('høringsnotatet skal omfatte svarene fra "{first}" og "{second}"'))
def _note_covers(driver, first, second):
    with driver.read() as s:
        assert sorted(r.party.name for r in missing_points(s, driver.hearing_id)) == sorted([first, second])


@then(parsers.parse('kan "{user}" ikke afslutte høringsnotatet, fordi svaret fra "{name}" mangler et punkt, '
                    "og intet er ændret"))
def _note_incomplete(driver, user, name):
    before = driver.snapshot()
    with pytest.raises(FormInvalid) as err:
        driver.write_note(user, "Et ufærdigt notat")
    assert set(err.value.errors) == {"points"}
    assert err.value.errors["points"][-1] == name
    assert driver.snapshot() == before
    assert driver.task().title == "Udarbejd høringsnotat"
    assert driver.hearing().note_summary == ""


@then(parsers.parse('kan "{user}" ikke returnere høringsnotatet uden begrundelse, og intet er ændret'))
def _return_needs_reason(driver, user):
    before = driver.snapshot()
    with pytest.raises(FormInvalid) as err:
        driver.complete(user, {"note_decision": "return", "reason": "  "})
    assert set(err.value.errors) == {"reason"}
    assert driver.snapshot() == before


@then(parsers.parse('høringsnotatets returbegrundelse er "{reason}"'))
def _return_reason(driver, reason):
    hearing = driver.hearing()
    assert (hearing.status, hearing.note_return_reason) == ("closed", reason)


@then("er høringen afsluttet, og sagen er lukket")
def _concluded_case_closed(driver):
    assert driver.hearing().status == "concluded"
    assert driver.case().status == "completed"
    assert driver.task() is None


@then("er høringen afsluttet")
def _concluded(driver):
    assert driver.hearing().status == "concluded"


@then(parsers.parse('den offentlige høringsside viser høringsnotatet "{summary}" med punkterne:'))
def _public_note(driver, summary, datatable):
    header, *expected = datatable
    assert header == ["høringspart", "punkt", "disposition"]
    status, page = driver.public_page()
    assert status == 200
    assert summary in page.text_content()
    rows = [[td.text_content().strip() for td in tr.xpath("td")] for tr in page.xpath("//table//tbody/tr")]
    assert sorted(r[:3] for r in rows) == sorted(expected)
    # the reasons are published with the dispositions
    assert all(r[3] for r in rows)


@then(parsers.re(r"den offentlige høringsside viser høringssvarene fra (?P<names>.+) og ingen andre"))
def _public_responses(driver, names):
    status, page = driver.public_page()
    assert status == 200
    shown = [h.text_content().strip() for h in page.xpath("//article[contains(@class, 'response')]/h3")]
    assert sorted(shown) == sorted(quoted(names))
    texts = " ".join(a.text_content() for a in page.xpath("//article"))
    for response in driver.responses():
        published = response.considered and not response.party.unpublish_requested
        assert (response.text in texts) == published, response.party.name


# --------------------------------------------------------------- bad input

@then(parsers.parse('kan "{user}" ikke offentliggøre høringen med svarfristen ' + DAY
                    + ', fejlen gælder "{field}", og intet er ændret'))
def _past_deadline(driver, user, weekday, day, month, year, field):
    deadline = danish_moment(weekday, day, month, year).date()
    assert deadline < driver.today()
    before = driver.snapshot()
    with pytest.raises(FormInvalid) as err:
        driver.publish(user, deadline, 7)
    assert set(err.value.errors) == {field}
    assert driver.snapshot() == before
    assert driver.task().title == "Forbered og offentliggør høringen"
    assert driver.tokens == {}


@then(parsers.parse('kan "{user}" ikke offentliggøre høringen, fordi "{name}" mangler en e-mailadresse, '
                    "og intet er ændret"))
def _party_without_mail(driver, user, name):
    before = driver.snapshot()
    with pytest.raises(FormInvalid) as err:
        driver.publish(user, driver.today() + timedelta(weeks=4), 7)
    assert set(err.value.errors) == {"parties"}
    assert err.value.errors["parties"][-1] == name
    assert driver.snapshot() == before
    assert driver.mails() == []


@then(parsers.parse('et tomt svar fra "{name}" afvises med en fejl ved "{field}", og intet er ændret'))
def _empty_response(driver, name, field):
    before = driver.snapshot()
    with pytest.raises(FormInvalid) as err:
        driver.respond_link(name, "   ")
    assert set(err.value.errors) == {field}
    assert driver.snapshot() == before
    assert driver.responses(name) == []


@then("et forfalsket link afvises som ukendt, også på hjemmesiden")
def _forged(driver):
    before = driver.snapshot()
    real = next(iter(driver.tokens.values()))
    forged = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    for token in (forged, "", "x" * 43):
        with pytest.raises(NotFound):
            driver.respond_link("?", "Et svar via et falsk link", token=token)
    client = driver.app.test_client()
    assert client.get(f"/hoering/svar/{forged}").status_code == 404
    assert client.post(f"/hoering/svar/{forged}", data={"text": "Falsk svar"}).status_code == 404
    assert driver.snapshot() == before


@then(parsers.parse('"{user}" kan ikke svare, fordi kommunen ikke er høringspart, og intet er ændret'))
def _outside_contact(driver, user):
    before = driver.snapshot()
    with pytest.raises(Forbidden):
        driver.respond_contact(user, "Hjørring vil også gerne svare")
    assert driver.snapshot() == before


@then(parsers.parse('kan "{name}" ikke svare på den afsluttede høring, og intet er ændret'))
def _concluded_refuses(driver, name):
    assert driver.hearing().status == "concluded"
    before = driver.snapshot()
    with pytest.raises(HearingError) as err:
        driver.respond_link(name, "Et svar efter høringens afslutning")
    assert "concluded" in str(err.value)
    assert driver.snapshot() == before


# ------------------------------------------------------------ more edges

@then(parsers.parse('et svar fra "{name}" ét sekund efter fristen er for sent, selv før høringen er lukket'))
def _late_before_sweep(driver, name):
    driver.clock.move_to(driver.hearing().deadline_at + timedelta(seconds=1))  # the worker has not run yet
    assert driver.hearing().status == "open"
    driver.respond_link(name, "Lige efter fristen")
    [response] = driver.responses(name)
    assert (response.late, response.late_status) == (True, "pending")
    assert driver.hearing().late_pending_count == 1


@then("den offentlige høringsside viser endnu ingen høringssvar")
def _no_public_responses(driver):
    status, page = driver.public_page()
    assert status == 200
    assert page.xpath("//article[contains(@class, 'response')]") == []
    text = page.text_content()
    assert driver.responses() and not any(r.text in text for r in driver.responses())


@then(parsers.parse('kan "{user}" ikke skrive et punkt til det afviste svar fra "{name}", og intet er ændret'))
def _no_point_for_rejected(driver, user, name):
    before = driver.snapshot()
    with pytest.raises(HearingError) as err:
        driver.add_point(user, name, "Et punkt", "indarbejdet", "Begrundelse")
    assert err.value.field == "response_id"
    assert driver.snapshot() == before


@then(parsers.parse('kan "{user}" ikke skrive et punkt til svaret fra "{name}", og intet er ændret'))
def _no_point_outside_group(driver, user, name):
    before = driver.snapshot()
    with pytest.raises(Forbidden):
        driver.add_point(user, name, "Et punkt", "indarbejdet", "Begrundelse")
    assert driver.snapshot() == before


def _response_file(driver, filename):
    for response in driver.responses():
        for f in response.files:
            if f.document.title.endswith(": " + filename):
                return response, f.document_id
    raise AssertionError(f"no response has the file {filename}")


@then(parsers.parse('bilaget "{filename}" kan hentes fra den offentlige høringsside'))
def _public_file(driver, filename):
    _, document_id = _response_file(driver, filename)
    url = f"/offentlige-hoeringer/{driver.hearing_id}/dokumenter/{document_id}"
    _, page = driver.public_page()
    assert url in [a.get("href") for a in page.xpath("//a")]
    download = driver.app.test_client().get(url)
    assert (download.status_code, download.data) == (200, b"%PDF-1.7 " + filename.encode())


@then(parsers.parse('bilaget "{filename}" kan ikke hentes fra den offentlige høringsside'))
def _hidden_file(driver, filename):
    response, document_id = _response_file(driver, filename)
    url = f"/offentlige-hoeringer/{driver.hearing_id}/dokumenter/{document_id}"
    _, page = driver.public_page()
    assert url not in [a.get("href") for a in page.xpath("//a")]
    assert filename not in page.text_content()
    client = driver.app.test_client()
    assert client.get(url).status_code == 404
    # the party itself still reaches its own file through its link
    own = client.get(f"/hoering/svar/{driver.tokens[response.party.name]}/dokumenter/{document_id}")
    assert (own.status_code, own.data) == (200, b"%PDF-1.7 " + filename.encode())


VENDOR = r'kan "(?P<user>[^"]+)" ikke tilføje leverandøren "(?P<name>[^"]+)" med e-mailen "(?P<email>[^"]*)"'


@then(parsers.re(VENDOR + r', fejlen gælder "(?P<field>[^"]+)", og intet er ændret$'))
def _bad_vendor(driver, user, name, email, field):
    before = driver.snapshot()
    with pytest.raises(FormInvalid) as err:
        driver.add_external(user, name, email)
    assert set(err.value.errors) == {field}
    assert driver.snapshot() == before


@then(parsers.re(VENDOR + r", og intet er ændret$"))
def _vendor_wrong_role(driver, user, name, email):
    before = driver.snapshot()
    with pytest.raises(Forbidden):
        driver.add_external(user, name, email)
    assert driver.snapshot() == before


@then(parsers.parse('kan "{user}" ikke tilføje kommunerne "{name}" til den offentliggjorte høring, '
                    "og intet er ændret"))
def _published_is_fixed(driver, user, name):
    before = driver.snapshot()
    with pytest.raises(HearingError):
        driver.add_municipalities(user, [name])
    with pytest.raises(HearingError):
        driver.upload(user, "eftersendt.pdf", b"%PDF-1.7 eftersendt")
    assert driver.snapshot() == before


@then(parsers.parse('har "{name}" gældende svar teksten "{text}"'))
def _current_text(driver, name, text):
    assert driver.current_response(name).text == text


@then(parsers.parse('kan det erstattede for sene svar fra "{name}" ikke optages bagefter, og intet er ændret'))
def _superseded_late(driver, name):
    older = sorted(driver.responses(name), key=lambda r: r.version)[0]
    before = driver.snapshot(), driver.current_response(name).id
    with pytest.raises(HearingError):
        with driver.work() as s:
            driver.hearings.decide_late(s, driver.user("secretary"), older.id,
                                        {"decision": "admit", "reason": "Også det ældre"})
    assert (driver.snapshot(), driver.current_response(name).id) == before


@when(parsers.parse('"{user}" forsøger at slette punktet til svaret fra "{name}", '
                    "mens notatet ligger til godkendelse"))
def _try_delete_point(driver, user, name):
    assert driver.task().title == "Godkend høringsnotat"
    [point] = [p for p in driver.points() if p.response.party.name == name]
    try:
        driver.delete_point(user, point.id)
    except (HearingError, Forbidden):
        assert [p.id for p in driver.points()] == [point.id]


@when(parsers.parse('"{user}" forsøger at godkende høringsnotatet'))
def _try_approve(driver, user):
    try:
        driver.complete(user, {"note_decision": "approve"})
    except (FormInvalid, HearingError):
        assert driver.hearing().status == "closed"


@then("offentliggøres høringsnotatet ikke med et høringssvar uden punkt")
def _no_published_gap(driver):
    with driver.read() as s:
        missing = [r.party.name for r in missing_points(s, driver.hearing_id)]
    assert not (driver.hearing().status == "concluded" and missing), f"concluded without points for {missing}"
