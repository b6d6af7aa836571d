"""E-mail subscriptions to new hearings and published hearing notes: all, one working group's, or one topic's.

A topic is an architecture principle of the catalogue (workflows/catalogue): a hearing is about a principle
when it consults a version of that principle or of one of its rules (their `hearing_id`). A subscription may
name a working group and a topic; then a hearing must match both.

Double opt-in: a subscription is kept unconfirmed until its address opens the signed confirmation link,
which expires after CONFIRM_TTL (an unconfirmed subscription is deleted after that). Every mail has an
unsubscribe link that works with one click and no login, also as the RFC 8058 List-Unsubscribe /
List-Unsubscribe-Post headers; unsubscribing deletes the row, so no personal data is kept. Mails go
through the outbox like every other mail.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from engine.mail import MailError, check_address, queue_mail

from ..directory import WorkingGroup
from ..forms import CHOOSE, REQUIRED, FormInvalid
from ..i18n import N_
from ..links import Links
from . import mail
from .records import Subscription

CONFIRM_TTL = timedelta(days=3)
INVALID_LINK = N_("The link is not valid. Subscribe again to get a new one.")
EXPIRED_LINK = N_("The confirmation link has expired. Subscribe again to get a new one.")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SubscriptionTokens:
    """Signed tokens: base64(payload).base64(HMAC-SHA256(payload)); the payload names the purpose."""

    def __init__(self, key: bytes | str | None):
        key = key.encode() if isinstance(key, str) else key
        self.key = hmac.new(key or secrets.token_bytes(32), b"byplan hearing subscriptions", hashlib.sha256).digest()

    def sign(self, payload: dict) -> str:
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        return f"{_b64(body)}.{_b64(hmac.new(self.key, body, hashlib.sha256).digest())}"

    def verify(self, token: str, purpose: str) -> dict | None:
        try:
            body_text, sig_text = (token or "").split(".", 1)
            body = _unb64(body_text)
            if not hmac.compare_digest(_unb64(sig_text), hmac.new(self.key, body, hashlib.sha256).digest()):
                return None
            payload = json.loads(body)
        except (ValueError, TypeError):
            return None
        return payload if isinstance(payload, dict) and payload.get("p") == purpose else None


def _email_tag(email: str) -> str:
    return hashlib.sha256(email.lower().encode()).hexdigest()[:16]


class Subscriptions:
    def __init__(self, links: Links, clock: Callable[[], datetime], key: bytes | str | None = None):
        self.links, self.clock, self.tokens = links, clock, SubscriptionTokens(key)

    def groups(self, session: Session) -> list[WorkingGroup]:
        return list(session.scalars(select(WorkingGroup).order_by(WorkingGroup.name)))

    @staticmethod
    def topics(session: Session) -> list[tuple[int, str]]:
        """The topics one may subscribe to: the catalogue's principles that the public sees, as (id, label)."""
        from ..catalogue.models import Principle

        out = []
        for principle in session.scalars(select(Principle).order_by(Principle.number)):
            current = principle.current
            if current is not None:
                out.append((principle.id, f"{principle.number}. {current.title}"))
        return out

    @staticmethod
    def hearing_topics(session: Session, hearing_id: int) -> set[int]:
        """The principles a hearing is about: those whose own version, or whose rule's version, it consults."""
        from ..catalogue.models import PrincipleVersion, Rule, RuleVersion

        rules = select(Rule.principle_id).join(RuleVersion, RuleVersion.rule_id == Rule.id).where(
            RuleVersion.hearing_id == hearing_id)
        principles = select(PrincipleVersion.principle_id).where(PrincipleVersion.hearing_id == hearing_id)
        return set(session.scalars(rules.union(principles)))

    @staticmethod
    def _choice(raw: dict, key: str, valid: Callable[[int], bool], errors: dict) -> int | None:
        text = str(raw.get(key) or "").strip()
        if not text or text == "0":
            return None
        value = int(text) if text.isdigit() and len(text) < 10 else None
        if value is None or not valid(value):
            errors[key] = [CHOOSE]
            return None
        return value

    def subscribe(self, session: Session, raw: dict) -> Subscription | None:
        """Ask for a subscription: validate, keep it unconfirmed and mail the confirmation link. An address
        already confirmed for that scope gets no second mail (the answer is the same, so nobody learns who
        subscribes)."""
        email = (raw.get("email") or "").strip()
        errors: dict[str, list[str]] = {}
        if not email:
            errors["email"] = [REQUIRED]
        else:
            try:
                check_address(email)
                if "@" not in email or "." not in email.rsplit("@", 1)[-1] or len(email) > 254:
                    raise MailError("invalid")
            except MailError:
                errors["email"] = [N_("Enter a valid e-mail address.")]
        group_id = self._choice(raw, "working_group_id", lambda i: session.get(WorkingGroup, i) is not None, errors)
        topics = dict(self.topics(session))
        topic_id = self._choice(raw, "principle_id", lambda i: i in topics, errors)
        new_hearings, notes = bool(raw.get("new_hearings")), bool(raw.get("notes"))
        if not (new_hearings or notes):
            errors["kinds"] = [N_("Choose what you want to hear about.")]
        if errors:
            raise FormInvalid(errors)
        now = self.clock()
        session.execute(delete(Subscription).where(Subscription.confirmed_at.is_(None),
                                                   Subscription.created_at < now - CONFIRM_TTL))
        email = email.lower()
        row = session.scalar(select(Subscription).where(
            func.lower(Subscription.email) == email,
            Subscription.working_group_id.is_(None) if group_id is None else Subscription.working_group_id == group_id,
            Subscription.principle_id.is_(None) if topic_id is None else Subscription.principle_id == topic_id))
        if row is not None and row.confirmed_at is not None:
            return row
        if row is None:
            row = Subscription(email=email, working_group_id=group_id, principle_id=topic_id, created_at=now)
            session.add(row)
        row.new_hearings, row.notes, row.created_at = new_hearings, notes, now
        session.flush()
        expires = now + CONFIRM_TTL
        token = self.tokens.sign({"p": "confirm", "id": row.id, "e": _email_tag(email),
                                  "x": int(expires.timestamp())})
        group = session.get(WorkingGroup, group_id) if group_id else None
        what = " og ".join(w for w, on in (("nye høringer", new_hearings), ("offentliggjorte høringsnotater", notes))
                           if on)
        subject, body = mail.TEMPLATES.render("subscription_confirm", what=what, group=group.name if group else "",
                                              topic=topics.get(topic_id, ""),
                                              expires=expires,
                                              confirm_url=self.links("hearing.subscription_confirm", token=token))
        queue_mail(session, to=email, subject=subject, body=body, tag="hearing.subscribe")
        return row

    def _row(self, session: Session, token: str, purpose: str) -> tuple[Subscription | None, dict | None]:
        payload = self.tokens.verify(token, purpose)
        if payload is None:
            return None, None
        row = session.get(Subscription, payload.get("id"))
        if row is None or _email_tag(row.email) != payload.get("e"):
            return None, payload
        return row, payload

    def check_confirmation(self, session: Session, token: str) -> Subscription:
        row, payload = self._row(session, token, "confirm")
        if payload is not None and self.clock().timestamp() > payload.get("x", 0):
            raise FormInvalid({"token": [EXPIRED_LINK]})
        if row is None:
            raise FormInvalid({"token": [INVALID_LINK]})
        return row

    def confirm(self, session: Session, token: str) -> Subscription:
        row = self.check_confirmation(session, token)
        if row.confirmed_at is None:
            row.confirmed_at = self.clock()
        return row

    def unsubscribe_token(self, row: Subscription) -> str:
        return self.tokens.sign({"p": "unsubscribe", "id": row.id, "e": _email_tag(row.email)})

    def check_unsubscribe(self, session: Session, token: str) -> Subscription | None:
        """The subscription a link ends; None if it has ended already (the link then says so, no error)."""
        row, payload = self._row(session, token, "unsubscribe")
        if payload is None:
            raise FormInvalid({"token": [INVALID_LINK]})
        return row

    def unsubscribe(self, session: Session, token: str) -> bool:
        """Delete the subscription (its address is gone with it). False if there was none any more."""
        row = self.check_unsubscribe(session, token)
        if row is None:
            return False
        session.delete(row)
        return True

    def notify(self, session: Session, hearing, kind: str) -> int:
        """Mail the confirmed subscribers of a new hearing ("hearing") or a published note ("note")."""
        flag = Subscription.new_hearings if kind == "hearing" else Subscription.notes
        topics = self.hearing_topics(session, hearing.id)
        rows = session.scalars(select(Subscription).where(
            Subscription.confirmed_at.is_not(None), flag.is_(True),
            or_(Subscription.working_group_id.is_(None), Subscription.working_group_id == hearing.working_group_id),
            or_(Subscription.principle_id.is_(None), Subscription.principle_id.in_(topics)))
            .order_by(Subscription.id))
        public_url = self.links("hearing.public", hearing_id=hearing.id)
        sent, seen = 0, set()
        for row in rows:
            if row.email in seen:  # subscribed to all and to the group or topic: one mail
                continue
            seen.add(row.email)
            url = self.links("hearing.unsubscribe", token=self.unsubscribe_token(row))
            subject, body = mail.TEMPLATES.render("subscription_news", kind=kind, hearing=hearing,
                                                  public_url=public_url, unsubscribe_url=url)
            queue_mail(session, to=row.email, subject=subject, body=body, case_id=hearing.case_id,
                       tag=f"hearing.subscription.{kind}",
                       headers={"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
            sent += 1
        return sent
