"""What every part of the administration shares: the error, the audit entry, uniqueness of names (folded),
the choices of the forms, and the optimistic locking of edits (a version and the values as read)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from engine.audit import AuditLog
from engine.models import utcnow

from ..dates import COPENHAGEN
from ..directory import Municipality, User
from ..errors import DomainError, StaleRecord
from ..folding import fold
from ..forms import FormInvalid, FormSchema, load_values
from ..i18n import N_
from ..lanes import require_admin
from ..network import RegistrationStatus, RoundStatus  # noqa: F401  (re-exported)

PAGE_SIZE = 25
# The hidden fields of every edit form: the record's version and its values as the form showed them.
VERSION_FIELD = "version"
ORIGINAL_FIELD = "original"


# Rounds whose registrations still matter: the meetings have not all been held.
ACTIVE_ROUNDS = (RoundStatus.OPEN, RoundStatus.CLOSED)


class AdminError(DomainError):
    """A refused administrative change; `field` names the form field it concerns."""

    key = "admin"


def invalid(field: str, message: str) -> FormInvalid:
    return FormInvalid({field: [message]})


def today() -> date:
    return utcnow().astimezone(COPENHAGEN).date()


def plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def user_label(user: User) -> str:
    return f"{user.name} ({user.username})"


@dataclass
class Page:
    rows: list
    total: int
    page: int
    pages: int


# ------------------------------------------------------------ optimistic locking

@dataclass(frozen=True)
class Edit:
    """What an edit form says about the record it was read from: None when the form did not say."""

    version: int | None = None
    original: dict[str, str] | None = None


def take_edit(raw: dict) -> tuple[dict, Edit]:
    """Split the hidden version fields from the form's own values."""
    raw = dict(raw or {})
    version_text, original_text = raw.pop(VERSION_FIELD, None), raw.pop(ORIGINAL_FIELD, None)
    try:
        version = int(version_text) if version_text not in (None, "") else None
    except (TypeError, ValueError):
        version = 0  # garbled: matches no record's version (they start at 1), so it is refused as stale
    original = None
    if original_text:
        try:
            parsed = json.loads(original_text)
            original = {str(k): str(v) for k, v in parsed.items()} if isinstance(parsed, dict) else None
        except (TypeError, ValueError):
            original = None
    return raw, Edit(version, original)


@dataclass(frozen=True)
class Locked:
    """How one kind of record is locked: its name in messages, its edit form and its values as the form shows them."""

    what: str
    schema: type[FormSchema]
    values: Callable[[Any], dict[str, str]]
    name: Callable[[Any], str]

    def snapshot(self, row) -> dict[str, str]:
        return {k: "" if v is None else str(v) for k, v in self.values(row).items()}

    def stamp(self, row) -> dict[str, str]:
        """The hidden fields an edit form of `row` carries."""
        return {VERSION_FIELD: str(row.version),
                ORIGINAL_FIELD: json.dumps(self.snapshot(row), ensure_ascii=False, sort_keys=True)}

    def stale(self, row, edit: Edit) -> StaleRecord:
        changed: tuple[str, ...] = ()
        if edit.original is not None:
            now = self.snapshot(row)
            changed = tuple(k for k in now if edit.original.get(k) != now[k])
        fields = self.schema().fields
        labels = tuple(fields[k].metadata.get("label", k) for k in changed if k in fields)
        return StaleRecord(self.what, self.name(row), labels, changed)

    def check(self, row, edit: Edit) -> None:
        """Refuse an edit read from an older version of `row`."""
        if edit.version is not None and edit.version != row.version:
            raise self.stale(row, edit)

    def flush(self, session: Session, row, *, touch: str | None = None) -> None:
        """Write the edit with the versioned UPDATE; a concurrent edit that won the race is a StaleRecord.
        `touch`: a column to mark written, so that a change held in other tables (roles) bumps the version."""
        if touch is not None:
            flag_modified(row, touch)
        name = self.name(row)  # read now: after a failed flush the session can load nothing until rolled back
        try:
            session.flush()
        except StaleDataError:
            raise StaleRecord(self.what, name) from None


class AdminBase:
    """The collaborators and helpers that every part of `Admin` uses."""

    def __init__(self, audit: AuditLog, passwords=None):
        self.audit = audit
        self.passwords = passwords  # the argon2 hasher (runtime.build); None: the directory's default

    def _log(self, session: Session, actor: User, summary: str, detail: dict) -> None:
        self.audit.append(session, kind="admin", actor=actor.username, summary=summary, detail=detail)

    # ------------------------------------------------------------ choices
    def municipality_choices(self, session: Session, actor: User | None, blank: bool = True) -> list[tuple[str, str]]:
        require_admin(actor)
        rows = [(str(m.id), m.name) for m in session.scalars(select(Municipality).order_by(Municipality.name))]
        return ([("", N_("(none)"))] if blank else []) + rows

    def user_choices(self, session: Session, actor: User | None,
                     exclude: set[int] = frozenset()) -> list[tuple[str, str]]:
        require_admin(actor)
        users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.name)).unique()
        return [(str(u.id), user_label(u)) for u in users if u.id not in exclude]

    @staticmethod
    def _load(session: Session, schema_cls: type[FormSchema], raw: dict,
              unique: tuple[tuple[Any, str, int | None, str], ...] = ()) -> dict:
        """Validate a form, and check that values meant to be unique (model, column, own id, message) are free,
        so every field's error is reported at once. Unique means unique folded (`<column>_folded`): "Ærø"
        and "ærø" are one name."""
        errors: dict[str, list[str]] = {}
        values: dict = {}
        try:
            values = load_values(schema_cls, raw)
        except FormInvalid as exc:
            errors = dict(exc.errors)
        for model, column, own_id, message in unique:
            value = (raw.get(column) or "").strip()
            if not value or column in errors:
                continue
            query = select(model.id).where(getattr(model, f"{column}_folded") == fold(value))
            if own_id is not None:
                query = query.where(model.id != own_id)
            if session.scalar(query) is not None:
                errors[column] = [message]
        if errors:
            raise FormInvalid(errors)
        return values
