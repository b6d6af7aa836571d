"""Step definitions for features/network.feature (the Networks service, the round's tasks, the public pages).

The clock is time_machine's (tick=False): every step sees the same instant until a step moves it,
and then the worker's sweep (due timers, then messages) runs as in production, unless the step
says the system has not yet acted.
"""
from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

import pytest
from pytest_bdd import given, parsers, scenario, scenarios, then, when

from engine import Forbidden
from workflows.dates import end_of_day
from workflows.network import NetworkError
from workflows.service import FormInvalid

from .common import COPENHAGEN, clock_at, day, moment
from .network_steps_support import NetworkScene

# Every scenario runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.usefixtures("db_url")





@scenario("network.feature", "Persondata slettet før tilmeldingsfristen giver ingen mail til en slettet adresse")
def test_no_practical_mail_after_anonymisation():
    pass


scenarios("network.feature")

T0 = datetime(2017, 2, 1, 9, 0, tzinfo=COPENHAGEN)
PERSON_RE = r'"([^"]+)" <([^>]+)>'

# The March 2017 round (seed 001): region, day, venue, town, places.
SEED_MEETINGS = [
    ("Midt-Nord", "tirsdag den 7. marts 2017", "Bramslevgaard", "Hobro", 40),
    ("Hovedstaden", "tirsdag den 14. marts 2017", "Frederiksberg Rådhus", "Frederiksberg", 60),
    ("Sjælland", "onsdag den 15. marts 2017", "Næstved Rådhus", "Næstved", 40),
    ("Syddanmark", "torsdag den 16. marts 2017", "Svendborg Rådhus", "Svendborg", 40),
]
SEED_PROGRAMME = [
    ("Midt-Nord", "case", "Erfaringer med brug og implementering af rammearkitekturen", "", "Hjørring Kommune"),
    ("Sjælland", "case", "Rejsen henimod monopolbrud", "", "Sorø Kommune"),
    ("Syddanmark", "case", "Erfaringer med brugerstyring", "Martin Dahlstrøm Vinter", "Esbjerg Kommune"),
]


def quoted(text: str) -> list[str]:
    return re.findall(r'"([^"]+)"', text)


def people(text: str) -> list[tuple[str, str]]:
    found = re.findall(PERSON_RE, text)
    assert found, text
    return found


def page_text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.get_data(as_text=True))


clock = clock_at(T0)


@pytest.fixture
def scene(app, people, clock):
    return NetworkScene(app, people, clock)


@pytest.fixture
def context() -> dict:
    """What one step leaves for the next (an error caught, the moved-up registrations, responses)."""
    return {"evaluations": []}


def _no_pending_error(context):
    assert context.get("error") is None, f"unexpected refusal: {context.get('error')!r}"


# ------------------------------------------------------------------ background

@given(parsers.re(r"det er (?P<when>.+ kl\. \d+\.\d+)$"))
@when(parsers.re(r"det er (?P<when>.+ kl\. \d+\.\d+)$"))
def _now(scene, when):
    scene.move_to(moment(when))
    assert datetime.now(COPENHAGEN) == moment(when)


@given(parsers.parse("it-arkitekturnetværket har {n:d} medlemskommuner, der hver har købt {seats:d} pladser pr. møde"))
def _members(scene, n, seats):
    names = scene.create_members(seats)
    assert len(names) == len(set(names)) == n
    memberships = scene.memberships()
    assert len(memberships) == n
    assert {s for _, s in memberships} == {seats}
    assert "Hjørring" in dict(memberships)


@given("kommunerne har disse kontaktpersoner:")
def _contacts(scene, datatable):
    header, *rows = datatable
    assert header == ["kontaktperson", "kommune"]
    for username, municipality in rows:
        scene.add_contact(username, municipality)
    scene.contacts = {username: municipality for username, municipality in rows}


# ------------------------------------------------------------------ planning

@when(parsers.re(r'"(?P<user>[^"]+)" planlægger runden "(?P<theme>[^"]+)" med tilmeldingsfrist (?P<deadline>.+)'))
def _plan(scene, user, theme, deadline):
    scene.create_round(user, theme, day(deadline))
    assert scene.round()["status"] == "draft"
    assert [(spec, lane) for spec, _, lane in scene.tasks()] == [("plan_round", "Sekretariat")]


@when(parsers.re(r'"(?P<user>[^"]+)" tilføjer de regionale møder:'))
def _add_meetings(scene, user, datatable):
    header, *rows = datatable
    assert header == ["region", "dag", "sted", "adresse", "pladser"]
    for region, on, venue, address, capacity in rows:
        scene.add_meeting(user, region, day(on), venue, address, int(capacity))
        m = scene.meeting(region)
        assert (m["day"], m["venue"], m["capacity"]) == (day(on), venue, int(capacity))
        assert m["title"] == f"Brug og implementering af rammearkitekturen – {region}"


@when(parsers.re(r'"(?P<user>[^"]+)" sætter programmet:'))
def _programme(scene, user, datatable):
    header, *rows = datatable
    assert header == ["region", "slags", "titel", "oplægsholder", "organisation"]
    for region, kind, title, speaker, organisation in rows:
        scene.add_programme_item(user, region, kind, title, speaker, organisation)
    for region in scene.meeting_ids:
        expected = [(k, t, s, o) for r, k, t, s, o in rows if r == region]
        assert scene.meeting(region)["programme"] == expected


@when(parsers.re(r'"(?P<user>[^"]+)" bekræfter møderne i (?P<regions>.+)'))
def _confirm(scene, user, regions):
    for region in quoted(regions):
        scene.confirm(user, region)


@then(parsers.re(r"advarer planlægningen om, at de (?P<sold>\d+) købte pladser pr\. møde er flere, "
                 r"end der er plads til i (?P<regions>.+)"))
def _warnings(scene, sold, regions):
    assert sum(s for _, s in scene.memberships()) == int(sold)
    assert [(r, s) for r, s, _ in scene.warnings()] == [(r, int(sold)) for r in quoted(regions)]


@when(parsers.re(r'"(?P<user>[^"]+)" forsøger at offentliggøre runden'))
def _try_publish(scene, context, user):
    with pytest.raises(FormInvalid) as refused:
        scene.complete(user, "plan_round")
    context["error"] = refused.value


@then(parsers.re(r'afvises offentliggørelsen, fordi mødet i "(?P<region>[^"]+)" ikke er bekræftet'))
def _publish_refused(scene, context, region):
    error = context.pop("error")
    assert error.errors["note"] == ["Confirm every regional meeting before publishing:", region]
    assert [spec for spec, _, _ in scene.tasks()] == ["plan_round"]


@then("runden er ikke offentlig")
def _not_public(scene):
    assert scene.round() == {"status": "draft", "published_at": None}
    assert scene.public_get(f"/netvaerk/program/{scene.round_id}").status_code == 404
    assert "Brug og implementering" not in scene.public_get("/netvaerk/moeder.ics").get_data(as_text=True)


@then("ingen kontaktperson har fået en mail om tilmelding")
def _no_open_mail(scene):
    assert scene.mails(tag="network.open") == []


@when(parsers.re(r'"(?P<user>[^"]+)" offentliggør runden'))
def _publish(scene, user):
    scene.complete(user, "plan_round")


@then("er runden åben for tilmelding")
def _open(scene):
    row = scene.round()
    assert row["status"] == "open"
    assert row["published_at"] == datetime.now(COPENHAGEN)
    assert [spec for spec, _, _ in scene.tasks()] == []


@then(parsers.re(r'der ligger (?P<n>\d+) mails "(?P<subject>[^"]+)" i udbakken, én til hver kontaktperson'))
def _open_mails(scene, n, subject):
    mails = scene.mails(tag="network.open")
    assert [m["subject"] for m in mails] == [subject] * int(n)
    assert sorted(m["to"] for m in mails) == sorted(f"{u}@example.org" for u in scene.contacts)
    for m in mails:
        assert "til og med 28.02.2017" in m["body"]
        assert f"/netvaerk/runder/{scene.round_id}" in m["body"]


@then(parsers.re(r"viser den offentlige programside de fire møder i rækkefølgen (?P<regions>.+) med sted og program"))
def _programme_page(scene, regions):
    text = page_text(scene.public_get(f"/netvaerk/program/{scene.round_id}"))
    assert "Brug og implementering af rammearkitekturen" in text
    order = quoted(regions)
    positions = [text.index(f"{region}: ") for region in order]
    assert positions == sorted(positions)
    for region, start in zip(order, positions):
        end = min([p for p in positions if p > start] or [len(text)])
        section = text[start:end]
        m = scene.meeting(region)
        assert m["venue"] in section
        assert "09.30–15.30" in section
        for _, title, speaker, organisation in m["programme"]:
            assert title in section and organisation in section and speaker in section


@then("mødekalenderen indeholder de fire møder")
def _calendar(scene):
    text = scene.public_get("/netvaerk/moeder.ics").get_data(as_text=True).replace("\r\n ", "")
    assert text.count("BEGIN:VEVENT") == 4
    for region in scene.meeting_ids:
        assert f"Brug og implementering af rammearkitekturen – {region}" in text


@given(parsers.re(r'runden "(?P<theme>[^"]+)" er offentliggjort '
                  r'med tilmeldingsfrist (?P<deadline>\w+ den \d+\. \w+ \d{4})'
                  r'(?:, og mødet i "(?P<region>[^"]+)" har plads til (?P<capacity>\d+) deltagere)?$'))
def _published_round(scene, theme, deadline, region, capacity):
    meetings = [(r, day(d), venue, town, int(capacity) if r == region else places)
                for r, d, venue, town, places in SEED_MEETINGS]
    scene.publish_seed_round(theme, day(deadline), meetings, SEED_PROGRAMME)
    if region:
        assert scene.meeting(region)["capacity"] == int(capacity)


# ------------------------------------------------------------------ registration

def _register(scene, context, user, name, email, region, municipality=None):
    _no_pending_error(context)
    try:
        context["status"] = scene.register(user, region, name, email, "It-arkitekt", municipality)
    except (FormInvalid, Forbidden, NetworkError) as exc:
        context["error"] = exc


@when(parsers.re(r'"(?P<user>[^"]+)" tilmelder "(?P<name>[^"]+)" <(?P<email>[^>]+)>(?: fra "(?P<municipality>[^"]+)")? '
                 r'til mødet i "(?P<region>[^"]+)"(?: igen)?$'))
def _register_step(scene, context, user, name, email, municipality, region):
    _register(scene, context, user, name, email, region, municipality)


@given(parsers.re(r'"(?P<user>[^"]+)" har tilmeldt (?P<persons>.+) til mødet i "(?P<region>[^"]+)"$'))
def _registered(scene, context, user, persons, region):
    for name, email in people(persons):
        _register(scene, context, user, name, email, region)
        _no_pending_error(context)


@then(parsers.re(r'er (?P<names>"[^"]+"(?:(?:, | og )"[^"]+")*) tilmeldt$'))
def _are_registered(scene, context, names):
    _no_pending_error(context)
    for name in quoted(names):
        assert scene.registration(name)["status"] == "registered", name


@then(parsers.re(r'står "(?P<name>[^"]+)" på ventelisten med status "(?P<status>\w+)", '
                 r'fordi (?P<municipality>\S+) har brugt sine (?P<seats>\d+) pladser'))
def _waiting(scene, context, name, status, municipality, seats):
    _no_pending_error(context)
    assert context["status"] == status == "waiting"
    reg = scene.registration(name)
    assert (reg["status"], reg["municipality"]) == ("waiting", municipality)
    used = [n for r in scene.meeting_ids for n in scene.statuses(r)["registered"]
            if scene.registration(n)["municipality"] == municipality]
    assert len(used) == int(seats), used


@then(parsers.re(r'er mødet i "(?P<region>[^"]+)" fuldt med (?P<n>\d+) tilmeldte og '
                 r'(?:ventelisten (?P<waiting>.+)|en tom venteliste)$'))
def _full(scene, context, region, n, waiting):
    _no_pending_error(context)
    statuses = scene.statuses(region)
    assert len(statuses["registered"]) == int(n) == scene.meeting(region)["capacity"]
    assert statuses["waiting"] == (quoted(waiting) if waiting else [])


@then(parsers.re(r'deltagerlisten for mødet i "(?P<region>[^"]+)" '
                 r'viser (?P<n>\d+) "tilmeldt" og (?P<k>\d+) "venteliste"'))
def _csv(scene, region, n, k):
    header, *rows = scene.participants_csv(region)
    assert header == ["Kommune", "Navn", "E-mail", "Stilling", "Status"]
    assert [r[4] for r in rows].count("tilmeldt") == int(n)
    assert [r[4] for r in rows].count("venteliste") == int(k)
    assert len(rows) == int(n) + int(k)


@when(parsers.re(r'"(?P<user>[^"]+)" melder "(?P<name>[^"]+)" fra$'))
def _cancel(scene, context, user, name):
    context["promoted"] = scene.cancel(user, name)
    assert scene.registration(name)["status"] == "cancelled"


@then(parsers.re(r'rykker (?:den ældste på ventelisten, )?"(?P<name>[^"]+)",? automatisk op som tilmeldt'))
def _promoted(scene, context, name):
    assert context.pop("promoted") == [name]
    assert scene.registration(name)["status"] == "registered"


@then(parsers.re(r'står "(?P<name>[^"]+)" stadig på ventelisten'))
def _still_waiting(scene, name):
    assert scene.registration(name)["status"] == "waiting"


@then(parsers.re(r"afvises tilmeldingen(?P<forbidden> som forbudt)?, fordi (?P<reason>.+)"))
def _registration_refused(scene, context, forbidden, reason):
    error = context.pop("error", None)
    assert error is not None, "the registration was accepted"
    if forbidden:
        assert isinstance(error, Forbidden)
        assert "own municipality" in str(error)
    elif reason == "personen allerede er tilmeldt mødet":
        assert isinstance(error, FormInvalid)
        assert error.errors == {"email": ["This person is already registered for the meeting."]}
    elif reason == "tilmeldingen er lukket":
        assert isinstance(error, NetworkError)
        assert str(error) == "Registration is closed for this meeting."
    else:
        raise AssertionError(reason)


@when(parsers.re(r'"(?P<user>[^"]+)" lader "(?P<name>[^"]+)" <(?P<email>[^>]+)> overtage "(?P<old>[^"]+)"s plads'))
def _swap(scene, context, user, name, email, old):
    _no_pending_error(context)
    try:
        scene.swap(user, old, name, email)
    except (FormInvalid, Forbidden, NetworkError) as exc:
        context["error"] = exc


@then(parsers.re(r'er "(?P<name>[^"]+)" tilmeldt på (?P<municipality>\S+)s plads i stedet for "(?P<old>[^"]+)"'))
def _swapped(scene, context, name, municipality, old):
    _no_pending_error(context)
    reg = scene.registration(name)
    assert (reg["status"], reg["municipality"]) == ("registered", municipality)
    region = next(r for r in scene.meeting_ids if name in scene.statuses(r)["registered"])
    assert old not in scene.statuses(region)["registered"]
    assert len(scene.statuses(region)["registered"]) == 2


# ------------------------------------------------------------------ the deadline

@when(parsers.re(r"klokken er (?P<when>.+ kl\. \d+\.\d+), før systemet har lukket runden"))
def _now_without_worker(scene, when):
    scene.move_to(moment(when), sweep=False)
    assert scene.round()["status"] == "open"


@when("tilmeldingsfristen udløber")
def _deadline_passes(scene):
    if datetime.now(COPENHAGEN) < moment("onsdag den 1. marts 2017 kl. 0.00"):
        scene.move_to(moment("onsdag den 1. marts 2017 kl. 0.00"), sweep=False)
    scene.sweep()


@given("tilmeldingsfristen er udløbet")
def _deadline_passed(scene):
    scene.move_to(moment("onsdag den 1. marts 2017 kl. 0.00") + timedelta(seconds=1))
    assert scene.round()["status"] == "closed"


@then("er runden lukket for tilmelding")
def _closed(scene):
    assert scene.round()["status"] == "closed"


@then(parsers.re(r"(?P<names>.+) får hver en mail med praktisk information og en kalenderinvitation \(\.ics\) "
                 r"til deres møde"))
def _practical(scene, names):
    mails = scene.mails(tag="network.practical")
    assert sorted(m["to_name"] for m in mails) == sorted(quoted(names))
    for m in mails:
        region = next(r for r in scene.meeting_ids if m["subject"].endswith(f"– {r}"))
        meeting = scene.meeting(region)
        assert m["subject"] == f"Praktisk information: {meeting['title']}"
        assert f"den {meeting['day']:%d.%m.%Y} kl. 09.30–15.30" in m["body"]
        assert m["ics"] is not None
        ics = m["ics"].replace("\r\n ", "")
        assert "METHOD:REQUEST" in ics and ics.count("BEGIN:VEVENT") == 1
        assert f"DTSTART:{meeting['day']:%Y%m%d}T083000Z" in ics  # 9.30 in Copenhagen (winter time)
        assert meeting["venue"] in ics


@then(parsers.re(r'"(?P<name>[^"]+)" på ventelisten får ingen mail med praktisk information'))
def _no_practical(scene, name):
    reg = scene.registration(name)
    assert reg["status"] == "waiting"
    assert [m for m in scene.mails() if m["to"] == reg["email"]] == []


@then(parsers.re(r'"(?P<user>[^"]+)" kan ikke længere melde "(?P<name>[^"]+)" fra'))
def _cannot_cancel(scene, user, name):
    with pytest.raises(NetworkError, match="Registration is closed"):
        scene.cancel(user, name)
    assert scene.registration(name)["status"] == "registered"


# ------------------------------------------------------------------ materials and evaluation

@then(parsers.re(r'har "(?P<user>[^"]+)" ingen opgave "(?P<title>[^"]+)" endnu'))
def _no_task(scene, user, title):
    assert [t for _, t, _ in scene.tasks()] == []


@when(parsers.re(r'mødet i "(?P<region>[^"]+)" er slut (?P<when>.+)'))
def _meeting_over(scene, region, when):
    assert (moment(when).date(), moment(when).strftime("%H:%M")) == (scene.meeting(region)["day"], "15:30")
    scene.move_to(moment(when) - timedelta(minutes=1))
    assert scene.tasks() == []
    scene.move_to(moment(when) + timedelta(seconds=1))


@then(parsers.re(r'har "(?P<user>[^"]+)" opgaven "(?P<title>[^"]+)"$'))
def _has_task(scene, user, title):
    [(spec, task_title, lane)] = scene.tasks()
    assert (spec, lane) == ("upload_materials", "Sekretariat")
    assert task_title.startswith(title), task_title


@then("ingen deltagere har fået en evalueringsmail endnu")
def _no_evaluation_mail(scene):
    assert scene.mails(tag="network.evaluation") == []


@when(parsers.re(r'"(?P<user>[^"]+)" deler (?P<files>.+) fra mødet i "(?P<region>[^"]+)"'))
def _materials(scene, context, user, files, region):
    context["materials"] = (region, quoted(files))
    for filename in quoted(files):
        magic = {"pdf": b"%PDF-1.7 ", "png": b"\x89PNG\r\n\x1a\n"}.get(filename.rsplit(".", 1)[-1], b"")
        scene.add_material(user, region, filename, magic + f"Materiale: {filename}".encode())
    assert len(scene.meeting(region)["documents"]) == len(quoted(files))


@when(parsers.re(r'"(?P<user>[^"]+)" afslutter opgaven "(?P<title>[^"]+)"'))
def _complete_materials(scene, user, title):
    scene.complete(user, "upload_materials", {"note": "Præsentationer og canvas fra dagen."})
    assert scene.tasks() == []


@then("kan et indlogget netværksmedlem se materialerne på programsiden, men en anonym besøgende kan ikke")
def _materials_visible(scene, context):
    region, files = context["materials"]
    meeting_id = scene.meeting_ids[region]
    path = f"/netvaerk/program/{scene.round_id}"
    member = page_text(scene.public_get(path, "contact"))
    anonymous = page_text(scene.public_get(path))
    for filename in files:
        assert filename in member
        assert filename not in anonymous
    assert "log ind for at se dem" in anonymous
    links = re.findall(rf"/netvaerk/moeder/{meeting_id}/dokumenter/(\d+)", member)
    assert sorted(map(int, links)) == sorted(scene.meeting(region)["documents"])
    client = scene.app.test_client()
    scene.people.login(client, "contact")
    material = client.get(f"/netvaerk/moeder/{meeting_id}/dokumenter/{links[0]}").data
    assert material.endswith(b"Materiale: " + files[0].encode())
    assert scene.app.test_client().get(f"/netvaerk/moeder/{meeting_id}/dokumenter/{links[0]}").status_code == 302


@then(parsers.re(r'(?P<names>.+) får hver en mail "(?P<subject>[^"]+)" med et personligt link til evalueringen'))
def _evaluation_mails(scene, names, subject):
    mails = scene.mails(tag="network.evaluation")
    assert sorted(m["to_name"] for m in mails) == sorted(quoted(names))
    for m in mails:
        assert m["subject"] == subject
        token = re.search(r"/netvaerk/evaluering/(\S+)", m["body"]).group(1)
        scene.tokens[m["to_name"]] = token
    assert len(set(scene.tokens.values())) == len(mails)


@then(parsers.re(r'evalueringen af mødet i "(?P<region>[^"]+)" har frist (?P<deadline>.+)'))
def _evaluation_deadline(scene, region, deadline):
    assert scene.meeting(region)["evaluation_deadline"] == day(deadline)


def _post_evaluation(scene, context, name, overall, usefulness, comment=""):
    response = scene.app.test_client().post(f"/netvaerk/evaluering/{scene.tokens[name]}", data={
        "overall": str(overall), "usefulness": str(usefulness), "comment": comment})
    context["evaluations"].append(response)


@when(parsers.re(r'"(?P<name>[^"]+)" evaluerer mødet med helhed (?P<overall>\d) og udbytte (?P<usefulness>\d)'
                 r'(?: og kommentaren "(?P<comment>[^"]+)")?$'))
def _evaluate(scene, context, name, overall, usefulness, comment):
    _post_evaluation(scene, context, name, overall, usefulness, comment or "")


@when(parsers.re(r'"(?P<name>[^"]+)" evaluerer mødet igen'))
def _evaluate_again(scene, context, name):
    _post_evaluation(scene, context, name, 1, 1, "Ændret mening")


@then(parsers.re(r"afvises svaret, fordi (?P<reason>.+)"))
def _evaluation_refused(context, reason):
    response = context["evaluations"].pop()
    message = {"hun allerede har svaret": "Du har allerede besvaret evalueringen. Tak.",
               "evalueringen er lukket": "Evalueringen er lukket."}[reason]
    assert response.status_code == 422
    assert message in html.unescape(response.get_data(as_text=True))


@then(parsers.re(r'viser opsummeringen af mødet i "(?P<region>[^"]+)" (?:stadig )?(?P<count>\d+) svar fra '
                 r'(?P<participants>\d+) deltagere, gennemsnit (?P<overall>[\d.]+) for helhed og '
                 r'(?P<usefulness>[\d.]+) for udbytte(?: og kommentaren "(?P<comment>[^"]+)")?$'))
def _summary(scene, context, region, count, participants, overall, usefulness, comment):
    assert [r.status_code for r in context["evaluations"]] == [302] * len(context["evaluations"])
    summary = scene.evaluate_summary(region)
    assert (summary["count"], summary["participants"]) == (int(count), int(participants))
    assert (summary["overall"], summary["usefulness"]) == (float(overall), float(usefulness))
    if comment:
        assert summary["comments"] == [comment]
    page = page_text(scene.public_get(f"/netvaerk/runder/{scene.round_id}", "secretary"))
    assert overall.replace(".", ",") in page or overall in page


@when(parsers.re(r'"(?P<user>[^"]+)" efter anmodning sletter persondata for "(?P<name>[^"]+)"'))
def _anonymise(scene, context, user, name):
    context["anonymised"] = scene.registration(name)
    scene.anonymise(user, name)


@then(parsers.re(r'står "(?P<name>[^"]+)"s navn og e-mail ikke længere på deltagerlisten, '
                 r"og hendes evalueringslink virker ikke"))
def _anonymised(scene, context, name):
    before = context["anonymised"]
    reg = scene.registration(name)
    assert reg["name"] == "(slettet)" and reg["anonymised_at"] is not None
    assert (reg["status"], reg["municipality"]) == ("registered", before["municipality"])
    rows = scene.participants_csv("Midt-Nord")
    flat = ";".join(";".join(r) for r in rows)
    assert name not in flat and before["email"] not in flat
    assert scene.app.test_client().get(f"/netvaerk/evaluering/{scene.tokens[name]}").status_code == 404


@when(parsers.re(r'evalueringsfristen for mødet i "(?P<region>[^"]+)" udløber'))
def _evaluation_deadline_passes(scene, region):
    deadline = end_of_day(scene.meeting(region)["evaluation_deadline"])
    scene.move_to(deadline - timedelta(minutes=1))
    scene.move_to(deadline + timedelta(seconds=1))
