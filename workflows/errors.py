"""The one base class of the services' domain errors.

A `DomainError` is bad input or a broken business rule that the user can correct: the web layer maps
every subclass once to 422 (with the message under `field`, or the family's own key), HTML or JSON. Each
process family subclasses it (`HearingError`, `CouncilError`, ...) so callers can still catch one family.
"""
from __future__ import annotations

from engine import Conflict

from .i18n import N_


class DomainError(Exception):
    """A refused action with a message id (translated by the web layer) and the form field it concerns."""

    #: the error key used when no field is named (e.g. "hearing"), set by each family's subclass
    key = "_"

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class StaleRecord(Conflict):
    """A record changed since the caller read it (optimistic locking of edits): answered with 409.

    `what` is a message id naming the kind of record ("The user"), `name` the record's name, `fields` the
    message ids of the labels of the fields someone else changed (empty when they are not known) and
    `changed` those fields' names. The web layer builds the translated message from them (`message`).
    """

    MESSAGE = N_("%(what)s '%(name)s' was changed by someone else while you were editing (fields: %(fields)s). "
                 "Your input is kept below: save again to overwrite those changes, or reload the page.")
    MESSAGE_NO_FIELDS = N_("%(what)s '%(name)s' was changed by someone else while you were editing. "
                           "Your input is kept below: save again to overwrite those changes, or reload the page.")

    def __init__(self, what: str, name: str, fields: tuple[str, ...] = (), changed: tuple[str, ...] = ()):
        super().__init__(f"{what} {name!r} changed meanwhile: {', '.join(changed) or '?'}")
        self.what, self.name, self.fields, self.changed = what, name, tuple(fields), tuple(changed)

    @property
    def message(self) -> str:
        return self.MESSAGE if self.fields else self.MESSAGE_NO_FIELDS
