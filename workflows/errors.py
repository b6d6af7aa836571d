"""The one base class of the services' domain errors.

A `DomainError` is bad input or a broken business rule that the user can correct: the web layer maps
every subclass once to 422 (with the message under `field`, or the family's own key), HTML or JSON. Each
process family subclasses it (`HearingError`, `CouncilError`, ...) so callers can still catch one family.
"""
from __future__ import annotations


class DomainError(Exception):
    """A refused action with a message id (translated by the web layer) and the form field it concerns."""

    #: the error key used when no field is named (e.g. "hearing"), set by each family's subclass
    key = "_"

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field
