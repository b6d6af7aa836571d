"""Full-text search over indexed entries, one interface for two databases.

An entry is (kind, key) with a title, a body, a small `ref` dict for the
caller (what to link to) and one visibility value; a query sees the entries
whose visibility the reader's `Audience` holds.

- SQLite: the table `search_entry` is the content of the FTS5 virtual table
  `search_fts` (unicode61 tokenizer without diacritics removal, so æ, ø and å
  are letters of their own), kept in step by triggers; ranked by bm25, the
  snippet by `snippet()`. The query is built from the input's words (each
  quoted, the last one a prefix), so no input is ever an FTS5 syntax error.
- PostgreSQL: a generated `tsvector` column (config `danish`: stemming) with a
  GIN index; `websearch_to_tsquery`, which accepts any text, `ts_rank_cd` and
  `ts_headline`.

Both DDL parts are created by the migration (they are outside the models).
Snippets are HTML: the text escaped, then `<mark>` put around the matches
the database marked with control characters (indexed text has none).
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from markupsafe import Markup
from sqlalchemy import (JSON, String, Text, UniqueConstraint, bindparam, cast, delete, func, or_, select, text,
                        update)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from .models import Base, utcnow
from .textextract import clean_text

PUBLIC = "public"

FTS_TABLE = "search_fts"
VECTOR_COLUMN = "search_vector"
VECTOR_INDEX = "ix_search_entry_search_vector"
TEXT_CONFIG = "danish"

_START, _STOP = "\x02", "\x03"
_WORD = re.compile(r"[^\W_]+")


def outside_models(name: str | None, type_: str, parent: str | None = None) -> bool:
    """True for the database objects of the search that the models do not declare (for Alembic)."""
    if type_ == "table":
        return bool(name) and (name == FTS_TABLE or name.startswith(FTS_TABLE + "_"))
    if type_ == "column":
        return parent == "search_entry" and name == VECTOR_COLUMN
    if type_ == "index":
        return name == VECTOR_INDEX
    return False


class SearchEntry(Base):
    __tablename__ = "search_entry"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    ref: Mapped[dict] = mapped_column(JSON, default=dict)
    visibility: Mapped[str] = mapped_column(String(100), index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class Audience:
    """What a reader may find: entries with one of `values`, or every entry."""

    values: frozenset[str] = frozenset({PUBLIC})
    everything: bool = False

    @classmethod
    def of(cls, values: Iterable[str]) -> Audience:
        return cls(values=frozenset(values))

    @classmethod
    def all(cls) -> Audience:
        return cls(values=frozenset(), everything=True)


@dataclass
class SearchHit:
    kind: str
    key: str
    title: str
    title_html: Markup
    snippet: Markup
    rank: float
    ref: dict = field(default_factory=dict)
    visibility: str = PUBLIC


def marked(value: str | None) -> Markup:
    """Database highlight output as safe HTML: escape everything, then mark the matches."""
    escaped = html.escape(value or "")
    opened = 0
    out = []
    for char in escaped:
        if char == _START:
            if not opened:
                out.append("<mark>")
            opened += 1
        elif char == _STOP:
            if opened:
                opened -= 1
                if not opened:
                    out.append("</mark>")
        else:
            out.append(char)
    if opened:
        out.append("</mark>")
    return Markup("".join(out))


class SearchIndex:
    """Entries in, ranked and filtered hits out; the backend follows the session's dialect."""

    def __init__(self, *, max_title_chars: int = 500, max_body_chars: int = 200_000, max_terms: int = 32,
                 max_term_chars: int = 100, max_query_chars: int = 1000, snippet_words: int = 24):
        # The body cap keeps PostgreSQL's tsvector far below its 1 MB limit whatever the text.
        self.max_title_chars = max_title_chars
        self.max_body_chars = max_body_chars
        self.max_terms = max_terms
        self.max_term_chars = max_term_chars
        self.max_query_chars = max_query_chars
        self.snippet_words = snippet_words

    # ------------------------------------------------------------- writing
    def put(self, session: Session, kind: str, key: str | int, title: str, body: str = "", *,
            ref: dict | None = None, visibility: str = PUBLIC) -> None:
        """Add or replace the entry (kind, key), in the caller's transaction."""
        values = {"kind": kind, "key": str(key), "title": clean_text(title, self.max_title_chars),
                  "body": clean_text(body, self.max_body_chars), "ref": ref or {}, "visibility": visibility,
                  "updated_at": utcnow()}
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(SearchEntry).values(**values)
        # An entry whose text, ref and visibility are unchanged is left alone: no rewrite of the
        # full-text index (most saves of a case change neither its title nor its text).
        changed = or_(*(getattr(SearchEntry, name).is_distinct_from(stmt.excluded[name]) for name in
                        ("title", "body", "visibility")),
                      cast(SearchEntry.ref, Text).is_distinct_from(cast(stmt.excluded.ref, Text)))
        stmt = stmt.on_conflict_do_update(
            index_elements=["kind", "key"],
            set_={name: stmt.excluded[name] for name in ("title", "body", "ref", "visibility", "updated_at")},
            where=changed)
        session.execute(stmt)

    def retag(self, session: Session, kind: str, key: str | int, *, visibility: str | None = None,
              ref: dict | None = None) -> bool:
        """Change an entry's visibility or ref without touching its text; False if there is none."""
        values = {}
        if visibility is not None:
            values["visibility"] = visibility
        if ref is not None:
            values["ref"] = ref
        if not values:
            return False
        result = session.execute(update(SearchEntry).where(SearchEntry.kind == kind, SearchEntry.key == str(key))
                                 .values(**values).execution_options(synchronize_session=False))
        return bool(result.rowcount)

    def remove(self, session: Session, kind: str, key: str | int) -> None:
        session.execute(delete(SearchEntry).where(SearchEntry.kind == kind, SearchEntry.key == str(key))
                        .execution_options(synchronize_session=False))

    def clear(self, session: Session, kinds: Iterable[str] | None = None) -> None:
        stmt = delete(SearchEntry)
        if kinds is not None:
            stmt = stmt.where(SearchEntry.kind.in_(list(kinds)))
        session.execute(stmt.execution_options(synchronize_session=False))

    def entry(self, session: Session, kind: str, key: str | int) -> SearchEntry | None:
        return session.scalar(select(SearchEntry).where(SearchEntry.kind == kind, SearchEntry.key == str(key)))

    def ref(self, session: Session, kind: str, key: str | int) -> dict | None:
        """An entry's ref (None: no such entry), without loading its text."""
        found = session.execute(select(SearchEntry.ref).where(SearchEntry.kind == kind,
                                                              SearchEntry.key == str(key))).first()
        return (found[0] or {}) if found is not None else None

    def visibility(self, session: Session, kind: str, key: str | int) -> str | None:
        return session.scalar(select(SearchEntry.visibility).where(SearchEntry.kind == kind,
                                                                   SearchEntry.key == str(key)))

    def count(self, session: Session) -> int:
        return session.scalar(select(func.count()).select_from(SearchEntry)) or 0

    # ------------------------------------------------------------- reading
    def terms(self, query: str) -> list[str]:
        """The words of a query, as the index sees words (letters and digits)."""
        words = _WORD.findall(unicodedata.normalize("NFC", (query or "")[: self.max_query_chars]))
        return [w[: self.max_term_chars] for w in words[: self.max_terms]]

    def query(self, session: Session, query: str, *, visibility_filter: Audience,
              kinds: Iterable[str] | None = None, limit: int = 20, offset: int = 0,
              counts: dict[str, int] | None = None) -> tuple[list[SearchHit], int]:
        """Hits for the page (best first) and the number of all hits. `counts`: the hits per kind of
        every kind, when the caller has read them already (counts()), so they are not read twice."""
        kinds = list(kinds) if kinds is not None else None
        if counts is None:
            counts = self.counts(session, query, visibility_filter=visibility_filter, kinds=kinds)
        total = sum(n for kind, n in counts.items() if kinds is None or kind in kinds)
        if not total or offset >= total:
            return [], total
        if self._dialect(session) == "postgresql":
            rows = self._pg_page(session, query, visibility_filter, kinds, limit, offset)
        else:
            rows = self._sqlite_page(session, query, visibility_filter, kinds, limit, offset)
        hits = [SearchHit(kind=r.kind, key=r.key, title=r.title, title_html=self._title_html(r.title, r.title_hl),
                          snippet=marked(r.snip), rank=float(r.score), ref=r.ref or {}, visibility=r.visibility)
                for r in rows]
        return hits, total

    @staticmethod
    def _title_html(title: str, highlighted: str | None) -> Markup:
        """The title with its matches marked, unless the highlighter changed the text (PostgreSQL drops
        what its parser takes for HTML tags): then the plain title, escaped."""
        if highlighted and highlighted.replace(_START, "").replace(_STOP, "") == title:
            return marked(highlighted)
        return marked(title)

    def counts(self, session: Session, query: str, *, visibility_filter: Audience,
               kinds: Iterable[str] | None = None) -> dict[str, int]:
        """Hits per kind."""
        terms = self.terms(query)
        if not terms or (not visibility_filter.everything and not visibility_filter.values):
            return {}
        match, params = self._match(session, query, terms)
        where, where_params = self._filters(visibility_filter, kinds)
        stmt = text(f"SELECT e.kind AS kind, count(*) AS n FROM {match}{where} GROUP BY e.kind")
        stmt = self._bind(stmt, where_params)
        return {row.kind: row.n for row in session.execute(stmt, {**params, **where_params})}

    # ------------------------------------------------------------ backends
    @staticmethod
    def _dialect(session: Session) -> str:
        return session.get_bind().dialect.name

    def _match(self, session: Session, query: str, terms: list[str]) -> tuple[str, dict]:
        """FROM and WHERE clauses that give the matching entries as `e`, and their parameters."""
        if self._dialect(session) == "postgresql":
            return (f"search_entry e CROSS JOIN websearch_to_tsquery('{TEXT_CONFIG}', :q) AS tsq(query) "
                    f"WHERE e.{VECTOR_COLUMN} @@ tsq.query"), {"q": self._pg_text(query)}
        return (f"{FTS_TABLE} JOIN search_entry e ON e.id = {FTS_TABLE}.rowid WHERE {FTS_TABLE} MATCH :q",
                {"q": self._fts_query(terms)})

    def _pg_text(self, query: str) -> str:
        # websearch_to_tsquery never raises on syntax; the input is only trimmed.
        return (query or "")[: self.max_query_chars]

    @staticmethod
    def _fts_query(terms: list[str]) -> str:
        """Each word quoted (so no word is an operator), the last one a prefix."""
        quoted = [f'"{t}"' for t in terms]
        quoted[-1] += "*"
        return " ".join(quoted)

    @staticmethod
    def _filters(audience: Audience, kinds: Iterable[str] | None) -> tuple[str, dict]:
        clauses, params = "", {}
        if not audience.everything:
            clauses += " AND e.visibility IN :visible"
            params["visible"] = sorted(audience.values)
        if kinds is not None:
            clauses += " AND e.kind IN :kinds"
            params["kinds"] = sorted(set(kinds)) or [""]
        return clauses, params

    @staticmethod
    def _bind(stmt, params: dict):
        for name in params:
            stmt = stmt.bindparams(bindparam(name, expanding=True))
        return stmt

    def _sqlite_page(self, session, query, audience, kinds, limit, offset):
        terms = self.terms(query)
        match, params = self._match(session, query, terms)
        where, where_params = self._filters(audience, kinds)
        stmt = text(
            f"SELECT e.kind AS kind, e.key AS key, e.title AS title, e.ref AS ref, e.visibility AS visibility, "
            f"-bm25({FTS_TABLE}, 10.0, 1.0) AS score, "
            f"highlight({FTS_TABLE}, 0, char(2), char(3)) AS title_hl, "
            f"snippet({FTS_TABLE}, 1, char(2), char(3), '…', {int(self.snippet_words)}) AS snip "
            f"FROM {match}{where} "
            f"ORDER BY bm25({FTS_TABLE}, 10.0, 1.0), e.id LIMIT :limit OFFSET :offset")
        stmt = self._bind(stmt, where_params).columns(ref=JSON)
        return session.execute(stmt, {**params, **where_params, "limit": limit, "offset": offset}).all()

    def _pg_page(self, session, query, audience, kinds, limit, offset):
        terms = self.terms(query)
        match, params = self._match(session, query, terms)
        where, where_params = self._filters(audience, kinds)
        options = (f"StartSel={_START}, StopSel={_STOP}, MaxWords={int(self.snippet_words) + 11}, "
                   f"MinWords={max(5, int(self.snippet_words) // 2)}, MaxFragments=2, FragmentDelimiter=\" … \"")
        stmt = text(
            "SELECT page.kind AS kind, page.key AS key, page.title AS title, page.ref AS ref, "
            "page.visibility AS visibility, page.score AS score, "
            f"ts_headline('{TEXT_CONFIG}', page.title, page.query, :title_options) AS title_hl, "
            f"ts_headline('{TEXT_CONFIG}', page.body, page.query, :options) AS snip "
            "FROM (SELECT e.id, e.kind, e.key, e.title, e.body, e.ref, e.visibility, tsq.query, "
            f"ts_rank_cd(e.{VECTOR_COLUMN}, tsq.query, 1) AS score "
            f"FROM {match}{where} ORDER BY score DESC, e.id LIMIT :limit OFFSET :offset) AS page "
            "ORDER BY page.score DESC, page.id")
        stmt = self._bind(stmt, where_params).columns(ref=JSON)
        return session.execute(stmt, {**params, **where_params, "limit": limit, "offset": offset,
                                      "options": options,
                                      "title_options": f"StartSel={_START}, StopSel={_STOP}, HighlightAll=true"}).all()
