"""Notifications: each user chooses, per kind of mail, at once, a daily digest, or not at all.

Families send their event mails through `notify` (in the action's transaction, as `queue_mail`). A mail to a
person without an account (an external hearing party, a registered participant: `user_id=None`) always goes
at once. For a user: "now" (the default) queues it in the outbox; "digest" holds it in `held_notification`
until the worker builds that user's daily digest (`Notifications.send_digests`, at `digest_hour` Copenhagen
time: one mail with every notification held before that day's digest hour); "off" drops it.

Not optional (a user may take them in the digest, never turn them off), because silence has consequences:

- `council.minutes`: minutes out for approval; silence counts as approval by the deadline;
- `hearing.receipt`: the receipt for a hearing answer, the party's proof that it arrived in time;
- `hearing.close`: a hearing the municipality has not answered closes before its deadline (no answer after it).

Mails that are the process itself (a hearing party's invitation and reminder with the personal answer link, a
participant's practical information and evaluation link) go to people without an account and are not kinds
of notification at all; nor are the mails to a hearing subscriber (workflows/hearing/subscriptions.py), whose
subscription is the choice and whose every mail ends it with one click. All of them go through the outbox.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timezone
from enum import StrEnum
from pathlib import Path
from typing import Callable

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from engine.mail import check_address, fit_subject, queue_mail
from engine.models import Base, utcnow

from . import lanes
from .dates import COPENHAGEN
from .directory import COUNCIL_CHAIR, COUNCIL_MEMBER, MUNICIPALITY_CONTACT
from .forms import CHOOSE, FormInvalid
from .i18n import N_
from .mailtext import MailTemplates

TEMPLATES = MailTemplates(Path(__file__).parent / "mail")


class Mode(StrEnum):
    NOW = "now"
    DIGEST = "digest"
    OFF = "off"


MODES = [(Mode.NOW.value, N_("At once")), (Mode.DIGEST.value, N_("In a daily digest")),
         (Mode.OFF.value, N_("Not at all"))]


@dataclass(frozen=True)
class Kind:
    key: str  # the outbox tag of the mails of this kind
    label: str  # message id: what the mail is about
    audience: Callable[[object], bool]  # who receives it (a named check of workflows.lanes)
    optional: bool = True  # False: "not at all" is not offered (see the module's docstring)


def _contact(user) -> bool:
    return user is not None and user.has_role(MUNICIPALITY_CONTACT)


def _council(user) -> bool:
    return user is not None and user.has_role(COUNCIL_MEMBER, COUNCIL_CHAIR)


KINDS: dict[str, Kind] = {k.key: k for k in (
    Kind("proposal.submitted", N_("A proposal is submitted for screening (secretariat)"), lanes.is_secretariat),
    Kind("proposal.screened", N_("Your working group's proposal is screened or returned"), lanes.is_group_member),
    Kind("hearing.answer", N_("A hearing answer is received (secretariat)"), lanes.is_secretariat),
    Kind("hearing.receipt", N_("Receipt for your municipality's hearing answer"), _contact, optional=False),
    # issue 16: a hearing your municipality has not answered gets a later deadline, or closes before it
    Kind("hearing.extend", N_("A hearing your municipality has not answered gets a later deadline"), _contact),
    Kind("hearing.close", N_("A hearing your municipality has not answered is closed before its deadline"),
         _contact, optional=False),
    Kind("network.open", N_("Registration opens for a network round"), _contact),
    Kind("network.registration", N_("A colleague's registration is confirmed or moved up from the waiting list"),
         _contact),
    Kind("council.agenda", N_("A council meeting's agenda is published"), _council),
    Kind("council.positions", N_("Positions to record on a meeting's decision items"), _council),
    Kind("council.minutes", N_("Minutes out for approval"), _council, optional=False),
    Kind("council.substitute", N_("You act as a substitute for an absent council member at a meeting"),
         lambda user: True),  # issue 15: any active user who is not a member may be one
    Kind("case.mention", N_("A colleague mentions you in an internal comment on a case"), lambda user: True),
    # issue 14: architecture reviews
    Kind("review.submitted", N_("A project asks for an architecture review (secretariat)"), lanes.is_secretariat),
    Kind("review.assigned", N_("You review a project's architecture review"), lanes.is_group_member),
    Kind("review.decided", N_("Your project's architecture review is decided"), lanes.is_project_owner),
    Kind("review.dispensation_expiring", N_("Your project's dispensation expires soon"), lanes.is_project_owner,
         optional=False),
    Kind("review.rule_changed", N_("A rule your project's review cites has changed"), lanes.is_project_owner),
)}


def kinds_for(user) -> list[Kind]:
    """The kinds of mail this user receives in their roles (every kind for a user in none of them)."""
    return [k for k in KINDS.values() if k.audience(user)] or list(KINDS.values())


class NotificationPreference(Base):
    """A user's choice for one kind of mail; no row means "now"."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(50))
    mode: Mapped[str] = mapped_column(String(10), default=Mode.NOW.value)


class HeldNotification(Base):
    """A notification waiting for its user's next digest (not in the outbox until the digest is built)."""

    __tablename__ = "held_notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(50))
    to_address: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


def mode_for(session: Session, user_id: int | None, kind: str) -> str:
    if user_id is None:
        return Mode.NOW.value  # no account, no choice: at once
    # Without an autoflush: a mail sent in the middle of an action (a task form) must not write the action's
    # pending changes early (a case row flushed twice would count two versions for one save).
    with session.no_autoflush:
        mode = session.scalar(select(NotificationPreference.mode).where(NotificationPreference.user_id == user_id,
                                                                        NotificationPreference.kind == kind))
    known = KINDS.get(kind)
    return mode_for_choice(known, mode) if known is not None else (mode or Mode.NOW.value)


def notify(session: Session, kind: str, *, to: str, to_name: str, subject: str, body: str,
           user_id: int | None = None, case_id: int | None = None, ics: str | None = None,
           now: datetime | None = None) -> str:
    """Send a mail of `kind` as its recipient chose; returns the mode applied ("now", "digest", "off")."""
    mode = mode_for(session, user_id, kind)
    subject = fit_subject(subject)
    if mode == Mode.NOW:
        queue_mail(session, to=to, to_name=to_name, subject=subject, body=body, case_id=case_id, tag=kind, ics=ics)
    elif mode == Mode.DIGEST:
        check_address(to)  # a bad address fails the action now, not the digest later
        session.add(HeldNotification(user_id=user_id, kind=kind, to_address=to, to_name=to_name, subject=subject,
                                     body=body, case_id=case_id, created_at=now or utcnow()))
    return mode


def digest_cutoff(now: datetime, hour: int) -> datetime | None:
    """Today's digest moment (Copenhagen time) in UTC, if it has come; None before it."""
    local = now.astimezone(COPENHAGEN)
    cutoff = datetime.combine(local.date(), time(hour), COPENHAGEN)
    return cutoff.astimezone(timezone.utc) if local >= cutoff else None


class Notifications:
    """The users' choices and the daily digest."""

    def __init__(self, session_factory: Callable[[], Session] | None, links, *,
                 clock: Callable[[], datetime] = utcnow, digest_hour: int = 7):
        if not 0 <= digest_hour <= 23:
            raise ValueError(f"the digest hour must be 0-23, not {digest_hour}")
        self.session_factory = session_factory
        self.links = links
        self.clock = clock
        self.digest_hour = digest_hour

    # ---------------------------------------------------------- choices
    @staticmethod
    def preferences(session: Session, user) -> dict[str, str]:
        """{kind: mode} for every kind, the default where the user chose nothing."""
        chosen = dict(session.execute(select(NotificationPreference.kind, NotificationPreference.mode)
                                      .where(NotificationPreference.user_id == user.id)).all())
        return {key: mode_for_choice(kind, chosen.get(key)) for key, kind in KINDS.items()}

    @staticmethod
    def save_preferences(session: Session, user, raw: dict) -> dict[str, str]:
        """Set the user's mode per kind from a form ({kind: mode}); a missing kind keeps its mode."""
        errors = {}
        for key, value in raw.items():
            kind = KINDS.get(key)
            if kind is None:
                continue
            allowed = {m for m, _label in MODES if kind.optional or m != Mode.OFF}
            if value not in allowed:
                errors[key] = [CHOOSE]
        if errors:
            raise FormInvalid(errors)
        rows = {p.kind: p for p in session.scalars(select(NotificationPreference)
                                                   .where(NotificationPreference.user_id == user.id))}
        for key, value in raw.items():
            if key not in KINDS:
                continue
            row = rows.get(key)
            if row is None:
                session.add(NotificationPreference(user_id=user.id, kind=key, mode=value))
            else:
                row.mode = value
        session.flush()
        return Notifications.preferences(session, user)

    # ----------------------------------------------------------- digest
    def send_digests(self, now: datetime | None = None, limit: int = 500) -> int:
        """Build each user's digest from the notifications held before today's digest hour (one mail per
        user, into the outbox); returns the number of digests. One transaction per user."""
        now = now or self.clock()
        cutoff = digest_cutoff(now, self.digest_hour)
        if cutoff is None or self.session_factory is None:
            return 0
        sent = 0
        with self.session_factory() as session:
            users = list(session.scalars(select(HeldNotification.user_id).where(HeldNotification.created_at <= cutoff)
                                         .group_by(HeldNotification.user_id).order_by(HeldNotification.user_id)
                                         .limit(limit)))
        for user_id in users:
            with self.session_factory() as session, session.begin():
                rows = list(session.scalars(
                    select(HeldNotification).where(HeldNotification.user_id == user_id,
                                                   HeldNotification.created_at <= cutoff)
                    .order_by(HeldNotification.created_at, HeldNotification.id)
                    .with_for_update(skip_locked=True)))
                if not rows:
                    continue  # another worker took them
                self._digest(session, rows, now)
                session.execute(delete(HeldNotification).where(HeldNotification.id.in_([r.id for r in rows])))
                sent += 1
        return sent

    def _digest(self, session: Session, rows: list[HeldNotification], now: datetime) -> None:
        last = rows[-1]
        subject, body = TEMPLATES.render("digest", name=last.to_name, items=rows, day=now,
                                         settings_url=self.links("account.notifications") if self.links else "")
        queue_mail(session, to=last.to_address, to_name=last.to_name, subject=fit_subject(subject), body=body,
                   tag="digest")


def mode_for_choice(kind: Kind, chosen: str | None) -> str:
    """The mode in effect: the default "now" where nothing is chosen, never "off" for a required kind."""
    if chosen is None or (chosen == Mode.OFF and not kind.optional):
        return Mode.NOW.value
    return chosen
