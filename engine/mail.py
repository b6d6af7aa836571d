"""Outgoing e-mail through a transactional outbox.

A mail is queued with `queue_mail` in the caller's session, so it is sent if
and only if the caller's state change commits. A worker calls
`MailDelivery.deliver_pending()` periodically; it claims unsent rows one per
transaction (SKIP LOCKED on PostgreSQL, so several workers can run), sends
each over SMTP and marks it sent in the same transaction.

Delivery is at-least-once: if the process dies after the SMTP server accepted
a mail but before the transaction committed, the mail is sent again on the
next sweep, with the same deterministic Message-ID so receivers can recognize
the duplicate.

A failed attempt is recorded on the row (attempts, last_error) and retried by
a later sweep after an exponential back-off (``retry_delay``, doubled per
failed attempt) until ``max_attempts`` is reached. One rejected mail never
stops the others; when the server cannot be reached at all, the sweep records
the failure on the mail it was about to send and stops, so an outage costs one
connection attempt per sweep, not one per queued mail.
"""
from __future__ import annotations

import logging
import re
import smtplib
import ssl as _ssl
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.headerregistry import Address
from email.utils import format_datetime, parseaddr
from typing import Any, Callable, Mapping

from sqlalchemy import ForeignKey, Integer, String, Text, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .claims import claim_each
from .models import Base, utcnow

log = logging.getLogger(__name__)

BACKENDS = ("smtp", "sink")
MAX_RETRY_DELAY = timedelta(days=1)


class MailError(ValueError):
    """A mail that cannot be queued: a bad address or a header that could inject headers."""


class OutboxMail(Base):
    """An e-mail to send, written in the transaction of the state change that caused it."""

    __tablename__ = "outbox_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(300))  # MAX_SUBJECT
    body: Mapped[str] = mapped_column(Text)  # plain text
    tag: Mapped[str] = mapped_column(String(50), default="")  # e.g. "hearing.invite"
    ics: Mapped[str | None] = mapped_column(Text)  # iCalendar (METHOD:REQUEST), sent as invitation.ics
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Not before this time is a failed mail tried again (None: as soon as possible).
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    # <outbox-{id}@{domain}>, set at the first attempt and kept, so a resend carries the same id.
    message_id: Mapped[str | None] = mapped_column(String(200))

    def status(self, max_attempts: int) -> str:
        """'sent', 'failed' (gave up after max_attempts) or 'pending'."""
        if self.sent_at is not None:
            return "sent"
        if self.attempts >= max_attempts:
            return "failed"
        return "pending"


# ------------------------------------------------------------------ queueing

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_RE = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*")
_LABEL_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def _control_chars(text: str) -> bool:
    """True if `text` holds a control or line/paragraph separator character (CR, LF, NUL, TAB, U+2028...)."""
    return any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in text)


def check_address(address: str) -> str:
    """Return `address` if it is a plain ASCII addr-spec (local@domain.tld); raise MailError otherwise."""
    if not isinstance(address, str) or not address:
        raise MailError("e-mail address is empty")
    if _control_chars(address) or any(c.isspace() for c in address):
        raise MailError(f"e-mail address {address!r} contains whitespace or control characters")
    if len(address) > 254:
        raise MailError("e-mail address is longer than 254 characters")
    if address.count("@") != 1:
        raise MailError(f"e-mail address {address!r} must contain exactly one '@'")
    local, domain = address.split("@")
    if not local or len(local) > 64 or not _LOCAL_RE.fullmatch(local):
        raise MailError(f"e-mail address {address!r} has an invalid part before '@'")
    labels = domain.split(".")
    if (len(labels) < 2 or not all(_LABEL_RE.fullmatch(label) for label in labels)
            or labels[-1].isdigit()):
        raise MailError(f"e-mail address {address!r} has an invalid domain")
    return address


def _check_header(name: str, value: str, max_length: int) -> str:
    if not isinstance(value, str):
        raise MailError(f"{name} must be text")
    if _control_chars(value):
        raise MailError(f"{name} must not contain line breaks or control characters")
    if len(value) > max_length:
        raise MailError(f"{name} is longer than {max_length} characters")
    return value


MAX_SUBJECT = 300  # OutboxMail.subject


def fit_subject(subject: str) -> str:
    """A subject made from user text (a title, a theme at its full allowed length, plus a prefix),
    shortened with an ellipsis to what a mail's subject holds."""
    return subject if len(subject) <= MAX_SUBJECT else subject[:MAX_SUBJECT - 1] + "…"


def queue_mail(session: Session, *, to: str, subject: str, body: str, case_id: int | None = None,
               to_name: str = "", tag: str = "", ics: str | None = None) -> OutboxMail:
    """Add a mail to the outbox in the caller's session (and so the caller's transaction).

    Raises MailError, before anything is added, for a bad address or a
    to/to_name/subject/tag that holds line breaks (header injection).
    """
    check_address(to)
    _check_header("to_name", to_name, 200)
    _check_header("subject", subject, MAX_SUBJECT)
    _check_header("tag", tag, 50)
    if not subject.strip():
        raise MailError("subject is empty")
    if not isinstance(body, str):
        raise MailError("body must be text")
    if ics is not None and not isinstance(ics, str):
        raise MailError("ics must be text")
    mail = OutboxMail(case_id=case_id, to_address=to, to_name=to_name, subject=subject, body=body,
                      tag=tag, ics=ics, attempts=0)
    session.add(mail)
    return mail


# ------------------------------------------------------------------- queries

def mail_for_case(session: Session, case_id: int) -> list[OutboxMail]:
    """The mails of one case, newest first."""
    query = (select(OutboxMail).where(OutboxMail.case_id == case_id)
             .order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc()))
    return list(session.scalars(query))


def recent_mail(session: Session, limit: int = 50, offset: int = 0) -> list[OutboxMail]:
    """The most recently queued mails, newest first (`offset` of them skipped: a page further on)."""
    query = (select(OutboxMail).order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc())
             .limit(limit).offset(offset))
    return list(session.scalars(query))


# ------------------------------------------------------------------ delivery

def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


@dataclass(frozen=True)
class MailSettings:
    """How mail leaves the system. backend "sink" sends nothing and only marks mails sent."""

    backend: str
    host: str = "localhost"
    port: int = 25
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    ssl: bool = False  # implicit TLS (SMTP_SSL, usually port 465)
    sender: str = "Byplan <noreply@byplan.example>"
    timeout: float = 10.0
    max_attempts: int = 5
    retry_delay: float = 300.0  # seconds before the first retry; doubled for each further one

    def __post_init__(self):
        if self.backend not in BACKENDS:
            raise ValueError(f"mail backend must be one of {', '.join(BACKENDS)}, not {self.backend!r}")
        if self.ssl and self.starttls:
            raise ValueError("mail settings: choose ssl (implicit TLS) or starttls, not both")
        if self.max_attempts < 1:
            raise ValueError("mail settings: max_attempts must be at least 1")
        address = parseaddr(self.sender)[1]
        try:
            check_address(address)
        except MailError as exc:
            raise ValueError(f"mail settings: bad sender {self.sender!r}: {exc}") from None

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any], prefix: str = "MAIL_") -> MailSettings:
        """Settings from e.g. a Flask config or os.environ: MAIL_BACKEND, MAIL_HOST, MAIL_PORT, ...

        Missing keys take the defaults; MAIL_BACKEND defaults to "sink".
        Strings (as from the environment) are converted.
        """
        def get(name, default=None):
            value = config.get(prefix + name)
            return default if value is None or value == "" else value

        kwargs: dict[str, Any] = {"backend": str(get("BACKEND", "sink")).strip().lower()}
        for name, convert in (("host", str), ("port", int), ("username", str), ("password", str),
                              ("starttls", _flag), ("ssl", _flag), ("sender", str), ("timeout", float),
                              ("max_attempts", int), ("retry_delay", float)):
            value = get(name.upper())
            if value is not None:
                kwargs[name] = convert(value)
        return cls(**kwargs)

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1]

    @property
    def domain(self) -> str:
        return self.sender_address.rpartition("@")[2]


def message_id_for(mail: OutboxMail, settings: MailSettings) -> str:
    return f"<outbox-{mail.id}@{settings.domain}>"


def build_message(mail: OutboxMail, settings: MailSettings, now: datetime | None = None) -> EmailMessage:
    """The EmailMessage for an outbox row: UTF-8 text, and the iCalendar invitation if any."""
    msg = EmailMessage()
    msg["From"] = settings.sender
    # An Address object, not formataddr(): assigning formataddr()'s encoded word re-parses it, and a
    # name like 'x" <evil@example.dk>, y' would then come out as a second recipient in the header.
    msg["To"] = Address(display_name=mail.to_name, addr_spec=mail.to_address)
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(now or utcnow())
    msg["Message-ID"] = mail.message_id or message_id_for(mail, settings)
    if mail.tag:
        msg["X-Outbox-Tag"] = mail.tag
    # quoted-printable keeps the message 7-bit clean for servers without 8BITMIME
    msg.set_content(mail.body, charset="utf-8", cte="quoted-printable")
    if mail.ics:
        msg.add_attachment(mail.ics, subtype="calendar", charset="utf-8", cte="quoted-printable",
                           filename="invitation.ics", params={"method": "REQUEST"})
    return msg


class _ServerUnavailable(Exception):
    """Connecting or logging in to the SMTP server failed; wraps the cause."""


class MailDelivery:
    """Sends queued mail; `deliver_pending` is one sweep, safe with several concurrent workers."""

    def __init__(self, settings: MailSettings, session_factory: Callable[[], Session],
                 clock: Callable[[], datetime] = utcnow):
        self.settings = settings
        self.session_factory = session_factory
        self.clock = clock

    def pending_query(self, now: datetime):
        return (select(OutboxMail)
                .where(OutboxMail.sent_at.is_(None),
                       OutboxMail.attempts < self.settings.max_attempts,
                       or_(OutboxMail.next_attempt_at.is_(None), OutboxMail.next_attempt_at <= now))
                .order_by(OutboxMail.id))

    def deliver_pending(self, limit: int = 100) -> int:
        """Send up to `limit` due mails, oldest first, one per transaction. Returns the number sent."""
        sent = 0
        conn: smtplib.SMTP | None = None
        try:
            for session, mail in claim_each(self.session_factory, self.pending_query(self.clock()),
                                            OutboxMail.id, limit):
                mail.message_id = mail.message_id or message_id_for(mail, self.settings)
                if self.settings.backend == "sink":
                    log.info("mail %s to %s not sent (sink backend): %s", mail.id, mail.to_address, mail.subject)
                    mail.sent_at = self.clock()
                    sent += 1
                    continue
                try:
                    message = build_message(mail, self.settings, self.clock())
                    if conn is None:
                        conn = self._connect()
                    conn.send_message(message, from_addr=self.settings.sender_address,
                                      to_addrs=[mail.to_address])
                except _ServerUnavailable as exc:
                    self._failed(mail, exc.__cause__ or exc)
                    session.commit()  # keep the record of the attempt, then end the sweep
                    break
                except (smtplib.SMTPException, OSError, ValueError, UnicodeError) as exc:
                    self._failed(mail, exc)
                    if isinstance(exc, (smtplib.SMTPServerDisconnected, OSError)):
                        conn = self._close(conn)  # reconnect for the next mail
                    continue
                mail.sent_at = self.clock()
                mail.last_error = None
                mail.next_attempt_at = None
                sent += 1
        finally:
            self._close(conn)
        return sent

    def _failed(self, mail: OutboxMail, exc: BaseException) -> None:
        mail.attempts += 1
        mail.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if mail.attempts >= self.settings.max_attempts:
            mail.next_attempt_at = None
            log.error("mail %s to %s failed %d times, giving up: %s", mail.id, mail.to_address,
                      mail.attempts, mail.last_error)
            return
        delay = timedelta(seconds=self.settings.retry_delay * 2 ** (mail.attempts - 1))
        mail.next_attempt_at = self.clock() + min(delay, MAX_RETRY_DELAY)
        log.warning("mail %s to %s not sent (attempt %d): %s", mail.id, mail.to_address, mail.attempts,
                    mail.last_error)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.ssl:
                conn = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=_ssl.create_default_context())
            else:
                conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        except (smtplib.SMTPException, OSError) as exc:
            raise _ServerUnavailable(str(exc)) from exc
        try:
            conn.ehlo_or_helo_if_needed()
            if s.starttls:
                conn.starttls(context=_ssl.create_default_context())
                conn.ehlo()
            if s.username:
                conn.login(s.username, s.password or "")
        except (smtplib.SMTPException, OSError) as exc:
            self._close(conn)
            raise _ServerUnavailable(str(exc)) from exc
        return conn

    @staticmethod
    def _close(conn: smtplib.SMTP | None) -> None:
        if conn is None:
            return None
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()
        return None
