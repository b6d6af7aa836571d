"""Outgoing e-mail through a transactional outbox.

A mail is queued with `queue_mail` in the caller's session, so it is sent if
and only if the caller's state change commits. A worker calls
`MailDelivery.deliver_pending()` periodically. It claims a batch of unsent rows
in one short transaction (SKIP LOCKED on PostgreSQL, so several workers can
run; a lease in claimed_by/claimed_until keeps other workers off them) and
commits; it speaks SMTP with no transaction open, so a slow server never holds
SQLite's write lock; each result is recorded in a short transaction of its own.

Delivery is at-least-once: if the process dies after the SMTP server accepted
a mail but before its result was recorded, the mail is sent again by a later
sweep (at once when the dead worker ran on the same host, otherwise when its
lease runs out), with the same deterministic Message-ID so receivers can
recognize the duplicate.

A failed attempt is recorded on the row (attempts, last_error) and retried by
a later sweep after an exponential back-off (``retry_delay``, doubled per
failed attempt) until ``max_attempts`` is reached. One rejected mail never
stops the others; when the server cannot be reached at all, the sweep records
the failure on the mail it was about to send and stops, so an outage costs one
connection attempt per sweep, not one per queued mail.
"""
from __future__ import annotations

import json
import logging
import os
import re
import secrets
import socket
import smtplib
import ssl as _ssl
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.headerregistry import Address
from email.utils import format_datetime, parseaddr
from typing import Any, Callable, Mapping

from sqlalchemy import ForeignKey, Integer, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from .models import Base, utcnow

log = logging.getLogger(__name__)

BACKENDS = ("smtp", "sink")
MAX_RETRY_DELAY = timedelta(days=1)
_SEND_STEPS = 4  # SMTP round trips of one send (MAIL, RCPT, DATA, end of data), each up to the timeout


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
    # further headers as JSON {name: value} (e.g. RFC 8058 List-Unsubscribe and List-Unsubscribe-Post)
    headers: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Not before this time is a failed mail tried again (None: as soon as possible).
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    # <outbox-{id}@{domain}>, set at the first attempt and kept, so a resend carries the same id.
    message_id: Mapped[str | None] = mapped_column(String(200))
    # The sweep that has claimed the mail ("host/pid/random") and until when; None when unclaimed.
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_until: Mapped[datetime | None] = mapped_column()

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
               to_name: str = "", tag: str = "", ics: str | None = None,
               headers: dict[str, str] | None = None) -> OutboxMail:
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
    for name, value in (headers or {}).items():
        _check_header("header name", name, 100)
        _check_header(name, value, 2000)
    mail = OutboxMail(case_id=case_id, to_address=to, to_name=to_name, subject=subject, body=body,
                      tag=tag, ics=ics, attempts=0, headers=json.dumps(headers) if headers else None)
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
    for name, value in json.loads(mail.headers or "{}").items():
        msg[name] = value
    # quoted-printable keeps the message 7-bit clean for servers without 8BITMIME
    msg.set_content(mail.body, charset="utf-8", cte="quoted-printable")
    if mail.ics:
        msg.add_attachment(mail.ics, subtype="calendar", charset="utf-8", cte="quoted-printable",
                           filename="invitation.ics", params={"method": "REQUEST"})
    return msg


def _claim_token() -> str:
    """Names one sweep: the host and process (so a dead claimant on this host is recognised) and a nonce."""
    return f"{socket.gethostname()[:150]}/{os.getpid()}/{secrets.token_hex(4)}"


def _claimant_gone(token: str) -> bool:
    """True if `token` names a process on this host that no longer runs (killed mid-sweep).

    A claimant on another host, or one that cannot be checked, is taken to be alive: its claim
    then ends when its lease runs out.
    """
    host, _, rest = token.partition("/")
    pid_text = rest.partition("/")[0]
    if host != socket.gethostname()[:150] or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False  # another sweep of this process (a thread): alive
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    try:  # a killed process not yet reaped by its parent (a zombie) no longer runs either
        state = open(f"/proc/{pid}/stat").read().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state in ("Z", "X")


class _ServerUnavailable(Exception):
    """Connecting or logging in to the SMTP server failed; wraps the cause."""


class MailDelivery:
    """Sends queued mail; `deliver_pending` is one sweep, safe with several concurrent workers.

    No transaction is open while SMTP is spoken: a short transaction claims a batch (a lease:
    claimed_by, claimed_until) and commits; each mail is sent with no transaction open; a short
    transaction of its own records the result and ends the claim. Another worker skips a claimed
    mail until its lease runs out, or at once when the claimant was a process on this host that no
    longer exists (a worker killed mid-sweep). A worker killed after the server accepted a mail but
    before the result was recorded therefore sends it again: at-least-once, with the same Message-ID.
    """

    def __init__(self, settings: MailSettings, session_factory: Callable[[], Session],
                 clock: Callable[[], datetime] = utcnow, batch_size: int = 10):
        self.settings = settings
        self.session_factory = session_factory
        self.clock = clock
        self.batch_size = batch_size

    @property
    def lease(self) -> timedelta:
        """How long a claim holds: a whole batch at the worst case of every SMTP step timing out."""
        return timedelta(seconds=self.batch_size * _SEND_STEPS * self.settings.timeout + 60)

    def pending_query(self, now: datetime):
        return (select(OutboxMail)
                .where(OutboxMail.sent_at.is_(None),
                       OutboxMail.attempts < self.settings.max_attempts,
                       or_(OutboxMail.next_attempt_at.is_(None), OutboxMail.next_attempt_at <= now))
                .order_by(OutboxMail.id))

    def deliver_pending(self, limit: int = 100) -> int:
        """Send up to `limit` due mails, oldest first, claimed in batches. Returns the number sent."""
        token = _claim_token()
        sent = 0
        seen: set[int] = set()  # a mail handled once in this sweep is not offered again
        conn: smtplib.SMTP | None = None
        batch: list[OutboxMail] = []
        try:
            while len(seen) < limit:
                batch = self._claim(token, seen, min(self.batch_size, limit - len(seen)))
                if not batch:
                    break
                seen.update(mail.id for mail in batch)
                while batch:
                    mail = batch[0]
                    if self.settings.backend == "sink":
                        log.info("mail %s to %s not sent (sink backend): %s", mail.id, mail.to_address,
                                 mail.subject)
                        sent += self._record(mail, token, None)
                        batch.pop(0)
                        continue
                    if self.clock() + timedelta(seconds=_SEND_STEPS * self.settings.timeout) > mail.claimed_until:
                        break  # the lease could run out mid-send: leave the rest to a later sweep
                    try:
                        message = build_message(mail, self.settings, self.clock())
                        if conn is None:
                            conn = self._connect()
                        conn.send_message(message, from_addr=self.settings.sender_address,
                                          to_addrs=[mail.to_address])
                    except _ServerUnavailable as exc:
                        self._record(mail, token, exc.__cause__ or exc)
                        batch.pop(0)
                        return sent  # the rest of the batch is released below; the sweep ends
                    except (smtplib.SMTPException, OSError, ValueError, UnicodeError) as exc:
                        self._record(mail, token, exc)
                        batch.pop(0)
                        if isinstance(exc, (smtplib.SMTPServerDisconnected, OSError)):
                            conn = self._close(conn)  # reconnect for the next mail
                        continue
                    sent += self._record(mail, token, None)
                    batch.pop(0)
                if batch:
                    break
        finally:
            self._close(conn)
            if batch:
                self._release(token, [mail.id for mail in batch])
        return sent

    def _claim(self, token: str, seen: set[int], size: int) -> list[OutboxMail]:
        """Claim up to `size` due, unclaimed mails in one short transaction (committed on return)."""
        now = self.clock()
        with self.session_factory() as session, session.begin():
            holders = session.scalars(select(OutboxMail.claimed_by).distinct()
                                      .where(OutboxMail.sent_at.is_(None), OutboxMail.claimed_until > now))
            gone = [holder for holder in holders if holder and _claimant_gone(holder)]
            free = [OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until <= now]
            if gone:
                free.append(OutboxMail.claimed_by.in_(gone))
            query = self.pending_query(now).where(or_(*free))
            if seen:
                query = query.where(OutboxMail.id.not_in(seen))
            batch = list(session.scalars(query.limit(size).with_for_update(skip_locked=True)))
            for mail in batch:
                if mail.claimed_by is not None:
                    log.warning("mail %s: taking over the claim of %s (gone or expired); it may have been "
                                "sent already and is sent again with the same Message-ID", mail.id,
                                mail.claimed_by)
                mail.message_id = mail.message_id or message_id_for(mail, self.settings)
                mail.claimed_by = token
                mail.claimed_until = now + self.lease
        return batch

    def _record(self, mail: OutboxMail, token: str, failure: BaseException | None) -> int:
        """Record one attempt in a short transaction of its own; returns 1 if the mail counts as sent."""
        with self.session_factory() as session, session.begin():
            row = session.get(OutboxMail, mail.id, with_for_update=True)
            if row is None:
                return 0
            if row.claimed_by == token:
                row.claimed_by = row.claimed_until = None
            if failure is None:
                if row.sent_at is None:
                    row.sent_at = self.clock()
                row.last_error = None
                row.next_attempt_at = None
                return 1
            if row.sent_at is None:  # not sent meanwhile by a worker that took over an expired claim
                self._failed(row, failure)
            return 0

    def _release(self, token: str, ids: list[int]) -> None:
        """End this sweep's claim on mails it did not try."""
        with self.session_factory() as session, session.begin():
            session.execute(update(OutboxMail)
                            .where(OutboxMail.id.in_(ids), OutboxMail.claimed_by == token)
                            .values(claimed_by=None, claimed_until=None))

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
