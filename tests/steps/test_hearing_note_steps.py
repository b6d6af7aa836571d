"""Step definitions for features/hearing_note.feature (issue 16), through the services and the pages."""
from __future__ import annotations

import hashlib
import io
import re
from datetime import date, datetime, timedelta

import pytest
from docx import Document as Docx
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import func, select

from pdf_support import assert_accessible_pdf

from engine.mail import MailSettings, OutboxMail, build_message
from engine.models import Blob, ReadyTask, WaitingTimer
from workflows.dates import end_of_day
from workflows.forms import FormInvalid
from workflows.hearing import HearingParty, HearingResponse
from workflows.hearing.records import HearingNoteDocument, HearingSection, Redaction, SectionComment, Subscription

from .common import COPENHAGEN, Plumbing, clock_at

pytestmark = pytest.mark.usefixtures("db_url")
scenarios("hearing_note.feature")

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=COPENHAGEN)
clock = clock_at(T0)
MONTHS = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
          "november", "december"]
DISPOSITIONS = {"indarbejdet": "incorporated", "delvist": "partly", "ikke indarbejdet": "not_incorporated",
                "noteret": "noted"}


def danish_date(text: str) -> date:
    day, month, year = re.search(r"(\d+)\. (\w+) (\d{4})", text).groups()
    return date(int(year), MONTHS.index(month) + 1, int(day))


def quoted(text: str) -> list[str]:
    return re.findall(r'"([^"]+)"', text)


class Note(Plumbing):
    def __init__(self, app, people, clock):
        from web.extensions import db

        self.app, self.people, self.clock, self.db = app, people, clock, db
        self.byplan = app.extensions["byplan"]
        self.hearings = self.byplan.hearings
        self.hearing_id = None
        self.tokens: dict[str, str] = {}
        self.errors: dict = {}

    def response(self, s, party: str) -> HearingResponse:
        return s.scalar(select(HearingResponse).join(HearingParty).where(
            HearingResponse.hearing_id == self.hearing_id, HearingParty.name == party)
            .order_by(HearingResponse.id.desc()).limit(1))

    def count(self, model) -> int:
        with self.work() as s:
            return s.scalar(select(func.count()).select_from(model))

    def mails(self, tag: str | None = None, to: str | None = None) -> list[OutboxMail]:
        with self.work() as s:
            query = select(OutboxMail).order_by(OutboxMail.id)
            if tag:
                query = query.where(OutboxMail.tag == tag)
            if to:
                query = query.where(OutboxMail.to_address == to)
            rows = list(s.scalars(query))
            for r in rows:
                s.expunge(r)
            return rows

    def complete(self, username: str, values: dict) -> None:
        with self.work() as s:
            from workflows.hearing import Hearing

            task = s.scalar(select(ReadyTask).where(ReadyTask.case_id == s.get(Hearing, self.hearing_id).case_id))
            self.byplan.complete_task(s, self.user(username), task.id, values, None)


@pytest.fixture
def note(app, people, clock):
    return Note(app, people, clock)


# ------------------------------------------------------------------ background

@given(parsers.parse("det er {moment}"))
def at_moment(clock):
    clock.move_to(T0)


@given(parsers.parse("en høring \"{title}\" med afsnittene {sections}"))
def hearing_with_sections(note, title, sections):
    with note.work() as s:
        secretary = note.user("secretary")
        hearing = note.hearings.create(s, secretary, title=title, summary="Resumé",
                                       working_group_id=note.people.group_id)
        note.hearings.sections.enter(s, secretary, hearing.id, "\n".join(quoted(sections)))
        note.hearing_id = hearing.id


@given(parsers.parse("høringsparterne {names}"))
def parties(note, names):
    from workflows.directory import Municipality

    with note.work() as s:
        secretary = note.user("secretary")
        ids = []
        for i, name in enumerate(quoted(names)):
            email = f"hoering{i}@parter.example"
            if name.endswith(("ApS", "Kommune")):
                note.hearings.add_external_party(s, secretary, note.hearing_id, {"name": name, "email": email})
                continue
            muni = s.scalar(select(Municipality).where(Municipality.name == name))
            if muni is None:
                muni = Municipality(code=f"9{i}", name=name, region="Midt-Nord", email=email)
                s.add(muni)
                s.flush()
            muni.email = email
            ids.append(muni.id)
        note.hearings.add_municipalities(s, secretary, note.hearing_id, ids)


@given(parsers.parse("høringen er sendt ud med frist {day}"))
def published(note, day):
    note.complete("secretary", {"title": "Fælles datamodel", "summary": "Resumé",
                                "deadline": danish_date(day).isoformat(), "reminder_days": "5",
                                "reminder_unit": "working"})
    with note.work() as s:
        for mail in s.scalars(select(OutboxMail).where(OutboxMail.tag == "hearing.invite")):
            party = s.scalar(select(HearingParty).where(HearingParty.email == mail.to_address,
                                                        HearingParty.hearing_id == note.hearing_id))
            note.tokens[party.name] = re.search(r"/hoering/svar/(\S+)", mail.body).group(1)


# ------------------------------------------------------------------ responses

def _respond(note, party: str, text: str, comments: dict | None = None):
    with note.work() as s:
        sections = {sec.number: sec.id for sec in s.scalars(select(HearingSection))}
        raw = {"text": text, "section_comments": {str(sections[k]): v for k, v in (comments or {}).items()}}
        return note.hearings.respond_by_token(s, note.tokens[party], raw, [])


@when(parsers.parse("\"{party}\" svarer \"{text}\" med bemærkningen \"{comment}\" til afsnit \"{number}\""))
def respond_on_section(note, party, text, comment, number):
    _respond(note, party, text, {number: comment})


@when(parsers.parse("\"{party}\" svarer \"{text}\" og frabeder sig offentliggørelse"))
def respond_unpublished(note, party, text):
    _respond(note, party, text)
    with note.work() as s:
        note.hearings.unpublish_by_token(s, note.tokens[party], True)


@when(parsers.parse("\"{party}\" svarer \"{text}\""))
def respond(note, party, text):
    _respond(note, party, text)


@when("fristen er passeret")
def past_deadline(note, clock):
    with note.work() as s:
        from workflows.hearing import Hearing

        deadline_at = s.get(Hearing, note.hearing_id).deadline_at
    clock.move_to(deadline_at + timedelta(hours=10))
    note.byplan.engine.fire_due_timers()


@when(parsers.parse("\"{party}\" svarer for sent og svaret {decision}"))
def late(note, party, decision):
    response = _respond(note, party, f"{party}s sene svar")
    with note.work() as s:
        note.hearings.decide_late(s, note.user("secretary"), response.id, {
            "decision": "admit" if decision == "optages" else "reject", "reason": "Afgjort"})


@when("arbejdsgruppen noterer punkterne:")
def points(note, datatable):
    header, *rows = datatable
    with note.work() as s:
        sections = {sec.number: sec.id for sec in s.scalars(select(HearingSection))}
        for row in rows:
            values = dict(zip(header, row))
            note.hearings.add_point(s, note.user("lead"), note.hearing_id, {
                "response_id": note.response(s, values["part"]).id,
                "section_id": sections.get(values["afsnit"], 0), "point": values["punkt"],
                "disposition": DISPOSITIONS[values["behandling"]], "reason": f"Begrundelse: {values['punkt']}"})


# ------------------------------------------------------------------ the note

def _docx(note):
    with note.work() as s:
        return Docx(io.BytesIO(note.hearings.publication.draft(s, note.hearing_id, "docx")[1]))


@then("har høringsnotatet som Word-dokument høringslisten:")
def hearing_list(note, datatable):
    doc = _docx(note)
    assert doc.core_properties.language == "da-DK"
    table = doc.tables[0]
    assert [[c.text for c in row.cells] for row in table.rows] == [["Høringspart", "Svar"], *datatable[1:]]


@then(parsers.parse("har høringsnotatet overskrifterne {names} for punkterne"))
def note_headings(note, names):
    doc = _docx(note)
    assert [p.text for p in doc.paragraphs if p.style.name == "Heading 2"] == quoted(names)


@then(parsers.parse("står punktet \"{point}\" i høringsnotatet fra \"{who}\""))
def point_from(note, point, who):
    doc = _docx(note)
    rows = [[c.text for c in row.cells] for table in doc.tables[1:] for row in table.rows]
    assert [point, who] in [r[:2] for r in rows]


@then(parsers.parse("er høringsnotatet som PDF tilgængeligt med titlen \"{title}\""))
def pdf(note, title):
    with note.work() as s:
        data = note.hearings.publication.draft(s, note.hearing_id, "pdf")[1]
    facts = assert_accessible_pdf(data, title=title)
    assert "Høringsliste" in facts.bookmarks and "2.1 Sag" in facts.bookmarks


@then("kan en bemærkning til et afsnit, der ikke findes, ikke afgives, og intet er ændret")
def bad_section(note):
    before = (note.count(HearingResponse), note.count(SectionComment))
    with pytest.raises(FormInvalid) as error, note.work() as s:
        note.hearings.respond_by_token(s, note.tokens["Hjørring"], {"text": "Svar",
                                                                    "section_comments": {"999999": "x"}}, [])
    assert error.value.errors == {"section-999999": ["The hearing has no such section."]}
    assert (note.count(HearingResponse), note.count(SectionComment)) == before


# ------------------------------------------------------------------ redaction and publication

@then("kan sekretariatet ikke overstrege en passage uden for svarets tekst, og intet er ændret")
def bad_redaction(note):
    with pytest.raises(FormInvalid) as error, note.work() as s:
        response = note.response(s, "Aarhus")
        note.hearings.publication.add_redaction(s, note.user("secretary"), response.id,
                                                {"start": "5", "end": "5000", "reason": "Persondata"})
    assert set(error.value.errors) == {"end"}
    assert note.count(Redaction) == 0


def _section_id(s, number: str) -> int:
    return s.scalar(select(HearingSection.id).where(HearingSection.number == number))


@then(parsers.parse("kan sekretariatet ikke overstrege en passage uden for bemærkningen til afsnit \"{number}\", "
                    "og intet er ændret"))
def bad_comment_redaction(note, number):
    with note.work() as s:
        response_id, section_id, other = note.response(s, "Aarhus").id, _section_id(s, number), _section_id(s, "3")
    cases = [({"section_id": str(section_id), "start": "0", "end": "500"}, {"end"}),  # longer than the comment
             ({"section_id": str(section_id), "passage": "Jens Jensen"}, {"passage"}),  # in the text, not the comment
             ({"section_id": str(other), "start": "0", "end": "3"}, {"section_id"})]  # no comment on section 3
    for raw, fields in cases:
        with pytest.raises(FormInvalid) as error, note.work() as s:
            note.hearings.publication.add_redaction(s, note.user("secretary"), response_id,
                                                    {**raw, "reason": "Persondata"})
        assert set(error.value.errors) == fields
    assert note.count(Redaction) == 0


@then(parsers.parse("kan svaret fra \"{party}\", der ikke må offentliggøres, ikke overstreges"))
def declined_not_redacted(note, party):
    from workflows.hearing.models import HearingError

    with pytest.raises(HearingError), note.work() as s:
        note.hearings.publication.add_redaction(s, note.user("secretary"), note.response(s, party).id,
                                                {"passage": "Mette Hansen", "reason": "Navn"})
    assert note.count(Redaction) == 0


@when(parsers.parse("sekretariatet overstreger \"{passage}\" i bemærkningen til afsnit \"{number}\" fra \"{party}\" "
                    "med begrundelsen \"{reason}\""))
def redact_comment(note, passage, number, party, reason):
    with note.work() as s:
        note.hearings.publication.add_redaction(s, note.user("secretary"), note.response(s, party).id,
                                                {"section_id": str(_section_id(s, number)), "passage": passage,
                                                 "reason": reason})


@then("er begge overstregninger revideret med original og overstreget udgave")
def both_audited(note):
    from engine.models import AuditEvent

    with note.work() as s:
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.kind == "hearing.redaction")
                                .order_by(AuditEvent.id)))
        texts = [(e.detail["section"], e.detail["reason"], e.detail["original_sha256"], e.detail["redacted_sha256"])
                 for e in events]

    def sha(text):
        return hashlib.sha256(text.encode()).hexdigest()

    assert texts == [(None, "Personoplysninger", sha("Ring til Jens Jensen på 12345678 om sagen"),
                      sha("Ring til [overstreget] om sagen")),
                     ("2 Begreber", "Navn", sha("Spørg Mette Hansen om begreberne"),
                      sha("Spørg [overstreget] om begreberne"))]


@when(parsers.parse("arbejdsgruppen noterer punktet \"{point}\" til afsnit \"{number}\" fra \"{party}\""))
def one_point(note, point, number, party):
    with note.work() as s:
        note.hearings.add_point(s, note.user("lead"), note.hearing_id, {
            "response_id": note.response(s, party).id, "section_id": _section_id(s, number), "point": point,
            "disposition": "noted", "reason": "Noteret"})


@then(parsers.parse("står \"{text}\" hverken i det offentliggjorte høringsnotat som Word-dokument eller som PDF"))
def note_redacted(note, client, text):
    from pdf_support import read_pdf

    with note.work() as s:
        row = s.scalar(select(HearingNoteDocument).where(HearingNoteDocument.hearing_id == note.hearing_id))
        docx, pdf = s.get(Blob, row.docx_sha256).content, s.get(Blob, row.pdf_sha256).content
    doc = Docx(io.BytesIO(docx))
    words = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert "[overstreget] kan forklare begreberne" in words
    assert not any(text in w for w in words)
    pdf_text = read_pdf(pdf).text
    assert "[overstreget]" in pdf_text and text not in pdf_text


@when(parsers.parse("sekretariatet overstreger \"{passage}\" i svaret fra \"{party}\" med begrundelsen \"{reason}\""))
def redact(note, passage, party, reason):
    with note.work() as s:
        response = note.response(s, party)
        note.hearings.publication.add_redaction(s, note.user("secretary"), response.id,
                                                {"passage": passage, "reason": reason})


@when("høringsnotatet godkendes og offentliggøres")
def approve(note):
    with note.work() as s:
        for r in s.scalars(select(HearingResponse).where(HearingResponse.hearing_id == note.hearing_id)):
            if r.considered:
                note.hearings.add_point(s, note.user("lead"), note.hearing_id, {
                    "response_id": r.id, "point": "Kontakt om sagen", "disposition": "noted", "reason": "Noteret"})
    note.complete("lead", {"note_summary": "Ét svar."})
    note.complete("secretary", {"note_decision": "approve"})


def _public(note, client) -> str:
    return client.get(f"/offentlige-hoeringer/{note.hearing_id}").data.decode()


@then(parsers.parse("viser den offentlige høringsside \"{text}\""))
def public_shows(note, client, text):
    assert text in _public(note, client)


@then(parsers.parse("den offentlige høringsside viser ikke \"{text}\""))
def public_hides(note, client, text):
    assert text not in _public(note, client)


@then("er høringsnotatet gemt som dokumentversion med sha256")
def frozen(note):
    with note.work() as s:
        row = s.scalar(select(HearingNoteDocument).where(HearingNoteDocument.hearing_id == note.hearing_id))
        for sha in (row.docx_sha256, row.pdf_sha256):
            assert hashlib.sha256(s.get(Blob, sha).content).hexdigest() == sha


# ------------------------------------------------------------------ subscriptions

@when(parsers.parse("\"{email}\" abonnerer på nye høringer"))
def subscribe(note, email):
    with note.work() as s:
        note.hearings.subscriptions.subscribe(s, {"email": email, "new_hearings": "1"})


@then(parsers.parse("får \"{email}\" en mail med et bekræftelseslink"))
def confirmation_mail(note, email):
    [mail] = note.mails("hearing.subscribe", email)
    note.confirm_token = re.search(r"/bekraeft/(\S+)", mail.body).group(1)


@when("linket åbnes og abonnementet bekræftes")
def confirm(note, client):
    url = f"/hoeringer/abonnement/bekraeft/{note.confirm_token}"
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302


@when(parsers.parse("en ny høring \"{title}\" sendes ud"))
def new_hearing(note, title):
    with note.work() as s:
        hearing = note.hearings.create(s, note.user("secretary"), title=title, summary="Resumé",
                                       working_group_id=note.people.group_id)
        note.hearings.add_external_party(s, note.user("secretary"), hearing.id,
                                         {"name": "Part", "email": "part@kalender.example"})
        note.hearing_id = hearing.id
    note.complete("secretary", {"title": title, "summary": "Resumé", "deadline": "2026-04-14", "reminder_days": "0"})


@then(parsers.parse("får \"{email}\" en mail om \"{title}\" med et afmeldingslink og List-Unsubscribe"))
def news_mail(note, email, title):
    [mail] = note.mails("hearing.subscription.hearing", email)
    assert title in mail.body
    note.unsubscribe_url = re.search(r"(http://\S+/afmeld/\S+)", mail.body).group(1)
    message = build_message(mail, MailSettings(backend="sink"))
    assert message["List-Unsubscribe"] == f"<{note.unsubscribe_url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@when("afmeldingslinket bruges med ét klik")
def one_click(note, client):
    path = "/" + note.unsubscribe_url.split("://", 1)[1].split("/", 1)[1]
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200


@then(parsers.parse("er \"{email}\" slettet fra abonnenterne"))
def deleted(note, email):
    with note.work() as s:
        assert s.scalar(select(func.count()).select_from(Subscription).where(Subscription.email == email)) == 0


@then(parsers.parse("en abonnent med adressen \"{email}\" afvises, og der sendes intet"))
def bad_subscriber(note, email):
    before = len(note.mails())
    with pytest.raises(FormInvalid) as error, note.work() as s:
        note.hearings.subscriptions.subscribe(s, {"email": email, "new_hearings": "1"})
    assert set(error.value.errors) == {"email"}
    assert len(note.mails()) == before and note.count(Subscription) == 0


@given(parsers.parse("arkitekturprincippet {number:d} \"{title}\" i kataloget"))
def principle_in_catalogue(note, number, title):
    from workflows.catalogue import Principle, PrincipleVersion

    with note.work() as s:
        principle = Principle(key=f"princip-{number}", number=number, working_group_id=note.people.group_id)
        s.add(principle)
        s.flush()
        s.add(PrincipleVersion(principle_id=principle.id, version=1, title=title, statement=title, status="adopted"))
        note.principle_id = principle.id


@when(parsers.parse("\"{email}\" abonnerer på nye høringer om emnet \"{topic}\""))
def subscribe_topic(note, email, topic):
    with note.work() as s:
        [topic_id] = [i for i, label in note.hearings.subscriptions.topics(s) if label == topic]
        note.hearings.subscriptions.subscribe(s, {"email": email, "new_hearings": "1", "principle_id": str(topic_id)})


@then(parsers.parse("får \"{email}\" en mail med et bekræftelseslink om emnet \"{topic}\""))
def confirmation_mail_topic(note, email, topic):
    [mail] = note.mails("hearing.subscribe", email)
    assert f"om emnet »{topic}«" in mail.body
    note.confirm_token = re.search(r"/bekraeft/(\S+)", mail.body).group(1)


@then(parsers.parse("får \"{email}\" ingen mail om \"{title}\""))
def no_news(note, email, title):
    assert [m for m in note.mails("hearing.subscription.hearing", email) if title in m.body] == []


@when(parsers.parse("en ny høring \"{title}\" om en regel under princip {number:d} sendes ud"))
def new_hearing_on_topic(note, title, number):
    from workflows.catalogue import Principle, Rule, RuleVersion

    with note.work() as s:
        hearing = note.hearings.create(s, note.user("secretary"), title=title, summary="Resumé",
                                       working_group_id=note.people.group_id)
        note.hearings.add_external_party(s, note.user("secretary"), hearing.id,
                                         {"name": "Part", "email": "part@deling.example"})
        principle = s.scalar(select(Principle).where(Principle.number == number))
        rule = Rule(principle_id=principle.id, number=1, key=f"ar-{number}-1")
        s.add(rule)
        s.flush()
        s.add(RuleVersion(rule_id=rule.id, version=1, title=title, text=title, status="in_hearing",
                          hearing_id=hearing.id))
        note.hearing_id = hearing.id
    note.complete("secretary", {"title": title, "summary": "Resumé", "deadline": "2026-04-14", "reminder_days": "0"})


@then("et abonnement på et emne, der ikke findes, afvises, og der sendes intet")
def unknown_topic(note):
    before = len(note.mails())
    with pytest.raises(FormInvalid) as error, note.work() as s:
        note.hearings.subscriptions.subscribe(s, {"email": "ny@example.dk", "new_hearings": "1",
                                                  "principle_id": "999999"})
    assert error.value.errors == {"principle_id": ["Choose one of the options."]}
    assert len(note.mails()) == before and note.count(Subscription) == 0


@then("et udløbet bekræftelseslink afvises, og intet bekræftes")
def expired_link(note, client, clock):
    with note.work() as s:
        note.hearings.subscriptions.subscribe(s, {"email": "sen@example.dk", "new_hearings": "1",
                                                  "principle_id": str(note.principle_id)})
    token = re.search(r"/bekraeft/(\S+)", note.mails("hearing.subscribe", "sen@example.dk")[-1].body).group(1)
    clock.move_to(T0 + timedelta(days=4))
    before = len(note.mails())
    response = client.post(f"/hoeringer/abonnement/bekraeft/{token}")
    assert response.status_code == 422 and "Bekræftelseslinket er udløbet" in response.data.decode()
    with note.work() as s:
        assert s.scalar(select(Subscription.confirmed_at).where(Subscription.email == "sen@example.dk")) is None
    assert len(note.mails()) == before


# ------------------------------------------------------------------ deadlines

@then(parsers.parse("kan fristen ikke forlænges til {day}, fordi det er \"{holiday}\""))
def holiday_refused(note, day, holiday):
    with pytest.raises(FormInvalid) as error, note.work() as s:
        note.hearings.deadlines.extend(s, note.user("secretary"), note.hearing_id,
                                       {"deadline": danish_date(day).isoformat(), "reason": "x"})
    assert any(holiday in m for m in error.value.errors["deadline"])
    assert note.mails("hearing.extend") == []


@then(parsers.parse("kan fristen ikke forlænges til {day}, fordi den ligger før i dag"))
def past_refused(note, day):
    with pytest.raises(FormInvalid) as error, note.work() as s:
        note.hearings.deadlines.extend(s, note.user("secretary"), note.hearing_id,
                                       {"deadline": danish_date(day).isoformat(), "reason": "x"})
    assert error.value.errors["deadline"] == ["The deadline must be after today."]


@when(parsers.parse("sekretariatet forlænger fristen til {day} med begrundelsen \"{reason}\""))
def extend(note, day, reason):
    with note.work() as s:
        note.hearings.deadlines.extend(s, note.user("secretary"), note.hearing_id,
                                       {"deadline": danish_date(day).isoformat(), "reason": reason})


@then(parsers.parse("venter høringens frist-timer til {day} kl. 23.59"))
def timer_moved(note, day):
    with note.work() as s:
        due = s.scalar(select(WaitingTimer.due_at).where(WaitingTimer.spec_name == "Høringsfrist"))
    assert due == end_of_day(danish_date(day))


@then(parsers.parse("har \"{party}\" fået besked om den nye frist med begrundelsen \"{reason}\""))
def told(note, party, reason):
    with note.work() as s:
        email = s.scalar(select(HearingParty.email).where(HearingParty.name == party,
                                                          HearingParty.hearing_id == note.hearing_id))
    [mail] = note.mails("hearing.extend", email)
    assert reason in mail.body and "21.04.2026" in mail.body

