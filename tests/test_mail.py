"""The mail outbox against a real SMTP server (aiosmtpd) on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import delete, func, select

import engine.mail  # noqa: F401  - outbox_mail on Base.metadata before Harness runs create_all
from engine.mail import (
    MailDelivery,
    MailError,
    MailSettings,
    OutboxMail,
    build_message,
    mail_for_case,
    queue_mail,
    recent_mail,
)
from engine.models import Base, Case
from engine_support import Harness, deploy

T0 = datetime(2031, 3, 3, 9, 0, tzinfo=timezone.utc)
DANISH_SUBJECT = "Høring om brugerstyring – svar senest 1. marts"
DANISH_BODY = "Kære Søren Ærø,\n\nI inviteres til høring om brugerstyring – svar senest 1. marts.\n\nMvh. Åse\n"
ICS = "\r\n".join([
    "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//Mail//DA", "METHOD:REQUEST",
    "BEGIN:VEVENT", "UID:hearing-1@byplan.example", "DTSTAMP:20310303T090000Z",
    "DTSTART:20310310T150000Z", "DTEND:20310310T160000Z", "SUMMARY:Høring om brugerstyring",
    "ORGANIZER:mailto:noreply@byplan.example", "ATTENDEE;RSVP=TRUE:mailto:soren@example.dk",
    "END:VEVENT", "END:VCALENDAR", "",
])


# ---------------------------------------------------------------- fixtures

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Collector:
    """aiosmtpd handler keeping every envelope it accepts."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.envelopes = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.envelopes.append(envelope)
        return "250 OK"

    def messages(self):
        return [email.message_from_bytes(e.content, policy=email.policy.default) for e in self.envelopes]


class SmtpServer:
    def __init__(self, port: int | None = None, delay: float = 0.0):
        self.port = port or free_port()
        self.handler = Collector(delay)
        self.controller: Controller | None = None

    def start(self) -> SmtpServer:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def envelopes(self):
        return self.handler.envelopes

    def messages(self):
        return self.handler.messages()


@pytest.fixture
def h(db_url):
    # The template databases are migrated; create only the outbox table on top (if no migration has),
    # so that tables still being written elsewhere cannot break these tests.
    harness = Harness(db_url, create=False)
    Base.metadata.create_all(harness.db, tables=[OutboxMail.__table__])
    yield harness
    harness.dispose()


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


class Clock:
    def __init__(self, now: datetime = T0):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs) -> None:
        self.now += timedelta(**kwargs)


def settings_for(port: int, **kwargs) -> MailSettings:
    return MailSettings(backend="smtp", host="127.0.0.1", port=port, timeout=5.0, **kwargs)


def queue(h, **kwargs) -> int:
    kwargs.setdefault("to", "soren@example.dk")
    kwargs.setdefault("subject", "Hej")
    kwargs.setdefault("body", "Hej Søren")
    with h.session() as s, s.begin():
        mail = queue_mail(s, **kwargs)
        s.flush()
        return mail.id


def get(h, mail_id: int) -> OutboxMail:
    with h.session() as s:
        return s.get(OutboxMail, mail_id)


# ------------------------------------------------------------------- tests

def test_queued_mail_is_delivered_once(h, smtp):
    mail_id = queue(h, to="soren@example.dk", to_name="Søren Ærø", tag="hearing.invite")
    delivery = MailDelivery(settings_for(smtp.port), h.session_factory, clock=Clock())

    assert delivery.deliver_pending() == 1
    assert delivery.deliver_pending() == 0

    assert len(smtp.envelopes) == 1
    envelope = smtp.envelopes[0]
    assert envelope.mail_from == "noreply@byplan.example"
    assert envelope.rcpt_tos == ["soren@example.dk"]
    msg = smtp.messages()[0]
    assert msg["Message-ID"] == f"<outbox-{mail_id}@byplan.example>"
    assert msg["To"].addresses[0].display_name == "Søren Ærø"
    assert msg["To"].addresses[0].addr_spec == "soren@example.dk"
    assert msg["From"].addresses[0].addr_spec == "noreply@byplan.example"
    assert msg["X-Outbox-Tag"] == "hearing.invite"
    assert msg["Date"].datetime == T0

    row = get(h, mail_id)
    assert row.sent_at == T0
    assert row.message_id == msg["Message-ID"]
    assert row.attempts == 0 and row.last_error is None


def test_danish_text_survives(h, smtp):
    queue(h, subject=DANISH_SUBJECT, body=DANISH_BODY, to_name="Åse Ørnfelt-Ærø")
    assert MailDelivery(settings_for(smtp.port), h.session_factory).deliver_pending() == 1

    raw = smtp.envelopes[0].content
    raw.decode("ascii")  # 7-bit clean on the wire: encoded words and quoted-printable
    msg = smtp.messages()[0]
    assert msg["Subject"] == DANISH_SUBJECT
    assert msg["To"].addresses[0].display_name == "Åse Ørnfelt-Ærø"
    body = msg.get_body(("plain",))
    assert body.get_content_charset() == "utf-8"
    assert body.get_content().replace("\r\n", "\n") == DANISH_BODY


def test_ics_arrives_as_text_calendar(h, smtp):
    queue(h, subject=DANISH_SUBJECT, body=DANISH_BODY, ics=ICS, tag="hearing.invite")
    assert MailDelivery(settings_for(smtp.port), h.session_factory).deliver_pending() == 1

    msg = smtp.messages()[0]
    assert msg.get_content_type() == "multipart/mixed"
    assert msg.get_body(("plain",)).get_content().replace("\r\n", "\n") == DANISH_BODY
    (calendar,) = list(msg.iter_attachments())
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_filename() == "invitation.ics"
    assert calendar.get_content_charset() == "utf-8"
    received = calendar.get_content().replace("\r\n", "\n")
    assert received == ICS.replace("\r\n", "\n")
    assert "SUMMARY:Høring om brugerstyring" in received


def test_mail_queued_in_rolled_back_transaction_is_never_sent(h, smtp):
    with h.session() as s:
        with s.begin():
            queue_mail(s, to="soren@example.dk", subject="Hej", body="x")
            s.flush()
            s.rollback()
    assert h.count(OutboxMail) == 0
    assert MailDelivery(settings_for(smtp.port), h.session_factory).deliver_pending() == 0
    assert smtp.envelopes == []


def test_smtp_down_is_retried_after_back_off(h):
    server = SmtpServer()  # port chosen, nothing listening yet
    clock = Clock()
    delivery = MailDelivery(settings_for(server.port, retry_delay=60), h.session_factory, clock=clock)
    first, second = queue(h, subject="1"), queue(h, subject="2")

    assert delivery.deliver_pending() == 0
    row = get(h, first)
    assert row.sent_at is None and row.attempts == 1
    assert "Connection refused" in row.last_error or "ConnectionRefused" in row.last_error
    assert row.next_attempt_at == T0 + timedelta(seconds=60)
    # the server being unreachable ends the sweep: the second mail was not charged an attempt
    assert get(h, second).attempts == 0

    server.start()
    try:
        clock.advance(seconds=30)  # the first mail is backing off; the second is due
        assert delivery.deliver_pending() == 1
        assert [m["Subject"] for m in server.messages()] == ["2"]
        clock.advance(seconds=30)
        assert delivery.deliver_pending() == 1
        assert [m["Subject"] for m in server.messages()] == ["2", "1"]
        assert delivery.deliver_pending() == 0
    finally:
        server.stop()
    row = get(h, first)
    assert row.sent_at == T0 + timedelta(seconds=60)
    assert row.attempts == 1 and row.last_error is None and row.next_attempt_at is None


def test_server_stopped_between_sweeps(h, smtp):
    delivery = MailDelivery(settings_for(smtp.port, retry_delay=0), h.session_factory)
    queue(h, subject="before")
    assert delivery.deliver_pending() == 1
    smtp.stop()
    mail_id = queue(h, subject="during")
    assert delivery.deliver_pending() == 0
    assert get(h, mail_id).attempts == 1
    smtp.start()
    assert delivery.deliver_pending() == 1
    assert [m["Subject"] for m in smtp.messages()] == ["before", "during"]


def test_max_attempts_respected(h):
    server = SmtpServer()
    clock = Clock()
    delivery = MailDelivery(settings_for(server.port, max_attempts=3, retry_delay=10), h.session_factory,
                            clock=clock)
    mail_id = queue(h)
    for expected in (1, 2, 3, 3, 3):
        assert delivery.deliver_pending() == 0
        assert get(h, mail_id).attempts == expected
        clock.advance(days=2)
    row = get(h, mail_id)
    assert row.status(3) == "failed" and row.next_attempt_at is None and row.last_error

    server.start()
    try:
        assert delivery.deliver_pending() == 0
        assert server.envelopes == []
        # a deliverer allowing more attempts picks it up again
        more = MailDelivery(settings_for(server.port, max_attempts=4), h.session_factory, clock=clock)
        assert more.deliver_pending() == 1
        assert len(server.envelopes) == 1
    finally:
        server.stop()


def test_rejected_recipient_does_not_stop_the_others(h):
    class Picky(Collector):
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.startswith("bounce"):
                return "550 no such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    server = SmtpServer()
    server.handler = Picky()
    server.start()
    try:
        bad = queue(h, to="bounce@example.dk")
        good = queue(h, to="soren@example.dk")
        delivery = MailDelivery(settings_for(server.port), h.session_factory)
        assert delivery.deliver_pending() == 1
        assert [e.rcpt_tos for e in server.envelopes] == [["soren@example.dk"]]
        row = get(h, bad)
        assert row.sent_at is None and row.attempts == 1 and "550" in row.last_error
        assert get(h, good).sent_at is not None
    finally:
        server.stop()


BAD = [
    ({"to": "soren@example.dk\r\nBcc: all@example.dk"}, "whitespace"),
    ({"to": "soren@example.dk\nBcc: all@example.dk"}, "whitespace"),
    ({"to": "soren @example.dk"}, "whitespace"),
    ({"to": "soren@example.dk "}, "whitespace"),
    ({"to": "soren\t@example.dk"}, "whitespace"),
    ({"to": ""}, "empty"),
    ({"to": "soren.example.dk"}, "exactly one"),
    ({"to": "soren@@example.dk"}, "exactly one"),
    ({"to": "a@b@example.dk"}, "exactly one"),
    ({"to": "@example.dk"}, "before"),
    ({"to": "soren.@example.dk"}, "before"),
    ({"to": "Søren@example.dk"}, "before"),
    ({"to": "Soren <soren@example.dk>"}, "whitespace"),
    ({"to": "soren@example"}, "domain"),
    ({"to": "soren@-example.dk"}, "domain"),
    ({"to": "soren@example..dk"}, "domain"),
    ({"to": "soren@blå.dk"}, "domain"),
    ({"to": "x" * 250 + "@example.dk"}, "254"),
    ({"subject": "Hej\r\nBcc: all@example.dk"}, "line breaks"),
    ({"subject": "Hej\nBcc: all@example.dk"}, "line breaks"),
    ({"subject": "Hej\rBcc: all@example.dk"}, "line breaks"),
    ({"subject": "Hej\u2028Bcc: all@example.dk"}, "line breaks"),
    ({"subject": "Hej\x00"}, "line breaks"),
    ({"subject": "   "}, "empty"),
    ({"subject": "x" * 301}, "longer"),
    ({"to_name": "Søren\r\nBcc: all@example.dk"}, "line breaks"),
    ({"to_name": "Søren\nBcc: all@example.dk"}, "line breaks"),
    ({"tag": "hearing\ninvite"}, "line breaks"),
]


def test_bad_addresses_and_header_injection_rejected(h):
    with h.session() as s, s.begin():
        for overrides, message in BAD:
            kwargs = {"to": "soren@example.dk", "subject": "Hej", "body": "x", **overrides}
            with pytest.raises(MailError, match=message):
                queue_mail(s, **kwargs)
        assert not s.new
    assert h.count(OutboxMail) == 0
    # the same values pass where they are harmless: line breaks in the body, spaces in subject and name
    mail_id = queue(h, to="soren.aero+byplan@sub.example-kommune.dk", to_name="Søren \"Ærø\", Jr.",
                    subject="Hej: <du> – svar", body="Linje 1\r\nBcc: not a header\n")
    assert get(h, mail_id).to_address == "soren.aero+byplan@sub.example-kommune.dk"


def test_header_injection_cannot_reach_the_wire(h, smtp):
    mail_id = queue(h, to_name='Søren "Ærø" <evil@example.dk>, x', subject="Hej",
                    body="Bcc: all@example.dk\r\n\r\nnot headers")
    assert MailDelivery(settings_for(smtp.port), h.session_factory).deliver_pending() == 1
    assert smtp.envelopes[0].rcpt_tos == ["soren@example.dk"]
    msg = smtp.messages()[0]
    assert msg["Bcc"] is None
    (to,) = msg["To"].addresses
    assert to.addr_spec == "soren@example.dk"
    assert to.display_name == 'Søren "Ærø" <evil@example.dk>, x'
    assert get(h, mail_id).sent_at is not None


def test_sink_backend_sends_nothing_but_marks_sent(h, smtp):
    ids = [queue(h, subject=f"m{i}") for i in range(3)]
    delivery = MailDelivery(MailSettings(backend="sink", host="127.0.0.1", port=smtp.port),
                            h.session_factory, clock=Clock())
    assert delivery.deliver_pending(limit=2) == 2
    assert delivery.deliver_pending() == 1
    assert delivery.deliver_pending() == 0
    assert smtp.envelopes == []
    for mail_id in ids:
        row = get(h, mail_id)
        assert row.sent_at == T0 and row.message_id == f"<outbox-{mail_id}@byplan.example>"


def test_two_deliverers_send_each_mail_exactly_once(h):
    server = SmtpServer(delay=0.002).start()
    try:
        with h.session() as s, s.begin():
            for i in range(50):
                queue_mail(s, to=f"person{i}@example.dk", subject=f"Mail {i}", body="Hej")
        deliveries = [MailDelivery(settings_for(server.port), h.session_factory) for _ in range(2)]
        barrier = threading.Barrier(2)
        results: list[int] = []
        errors: list[BaseException] = []

        def run(delivery):
            try:
                barrier.wait()
                results.append(delivery.deliver_pending())
            except BaseException as exc:  # noqa: BLE001 - reported below  # pragma: no cover
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(d,)) for d in deliveries]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors
        assert sum(results) == 50
        if h.db.dialect.name == "postgresql":  # SKIP LOCKED: both work at once (SQLite serializes writers)
            assert min(results) > 0, results
        ids = Counter(m["Message-ID"] for m in server.messages())
        assert len(ids) == 50 and set(ids.values()) == {1}
        assert h.count(OutboxMail, OutboxMail.sent_at.is_(None)) == 0
        assert deliveries[0].deliver_pending() == 0
    finally:
        server.stop()


def test_queries_newest_first_and_case_link(h):
    with h.session() as s, s.begin():
        deploy(h.engine, s, "timer_wait")
        case_id = h.engine.start(s, "timer_wait", actor="tester").id
    for i in range(3):
        queue(h, subject=f"case {i}", case_id=case_id)
    other = queue(h, subject="no case")
    with h.session() as s:
        assert [m.subject for m in mail_for_case(s, case_id)] == ["case 2", "case 1", "case 0"]
        assert [m.subject for m in recent_mail(s, limit=2)] == ["no case", "case 2"]
        assert len(recent_mail(s)) == 4
    with h.session() as s, s.begin():
        s.execute(delete(Case).where(Case.id == case_id))
    with h.session() as s:  # the mails outlive the case
        assert s.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.case_id.is_(None))) == 4
        assert mail_for_case(s, case_id) == []
    assert get(h, other).case_id is None


def test_settings():
    settings = MailSettings.from_mapping({
        "MAIL_BACKEND": "SMTP", "MAIL_HOST": "smtp.example.dk", "MAIL_PORT": "587", "MAIL_STARTTLS": "true",
        "MAIL_USERNAME": "byplan", "MAIL_PASSWORD": "hemmelig", "MAIL_SENDER": "Kommunen <plan@example.dk>",
        "MAIL_TIMEOUT": "3", "MAIL_MAX_ATTEMPTS": "7", "MAIL_RETRY_DELAY": "", "MAIL_SSL": "0",
    })
    assert settings == MailSettings(backend="smtp", host="smtp.example.dk", port=587, starttls=True,
                                    username="byplan", password="hemmelig",
                                    sender="Kommunen <plan@example.dk>", timeout=3.0, max_attempts=7)
    assert "hemmelig" not in repr(settings)
    assert settings.domain == "example.dk"
    assert MailSettings.from_mapping({}).backend == "sink"
    with pytest.raises(ValueError):
        MailSettings(backend="carrier-pigeon")
    with pytest.raises(ValueError):
        MailSettings(backend="smtp", ssl=True, starttls=True)
    with pytest.raises(ValueError):
        MailSettings(backend="smtp", sender="nobody")


def test_build_message_reuses_stored_message_id():
    mail = OutboxMail(id=7, to_address="a@example.dk", to_name="", subject="s", body="b", tag="",
                      message_id="<outbox-7@old.example>")
    msg = build_message(mail, MailSettings(backend="smtp"), T0)
    assert msg["Message-ID"] == "<outbox-7@old.example>"
    assert msg["To"] == "a@example.dk"
    assert msg.get_content_type() == "text/plain"
