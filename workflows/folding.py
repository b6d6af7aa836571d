"""Case-insensitive names that fold Danish letters too: "Ærø", "ærø" and "ÆRØ" are one name.

SQLite's lower() folds ASCII only, so uniqueness is kept in a column of its own, written in Python
whenever the name is set (`folded_column` and `fold_on_set`), with a unique index on both databases.
"""
from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import mapped_column, validates


def fold(text: str | None) -> str | None:
    """The comparable form of a name: NFKC-normalised, case-folded (ß → ss, Æ → æ), without outer spaces."""
    if text is None:
        return None
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold()).strip()


def folded_column(source: str, length: int) -> Any:
    """A NOT NULL column holding fold(<source>), unique. Core inserts (bulk loads) fill it by its default;
    ORM writes by `fold_on_set`."""
    def _default(context):
        return fold(context.get_current_parameters().get(source))

    return mapped_column(String(length), nullable=False, unique=True, index=True, default=_default)


def fold_on_set(*sources: str):
    """A validator that keeps `<source>_folded` in step with each named attribute."""
    @validates(*sources)
    def _fold(self, key, value):
        setattr(self, f"{key}_folded", fold(value))
        return value

    return _fold
