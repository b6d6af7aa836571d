"""Full-text search over indexed entries, one interface for two databases, the same hits on both.

An entry is (kind, key) with a title, a body, a small `ref` dict for the
caller (what to link to) and one visibility value; a query sees the entries
whose visibility the reader's `Audience` holds.

Words are stemmed in Python (Snowball, Danish: `engine.search_text`) when an entry
is written and when a query is read; the entry keeps its original text and the
stemmed tokens (`title_terms`, `body_terms`), and only the tokens are indexed:

- SQLite: the FTS5 virtual table `search_fts` (unicode61, diacritics kept: æ, ø and
  å are letters of their own) over the token columns of `search_entry`, kept in step
  by triggers; ranked by bm25 (the title weighs 10).
- PostgreSQL: a generated `tsvector` column built from the tokens with the `simple`
  configuration (no second stemming, no stop words) and a GIN index; ranked by
  `ts_rank_cd` (the title has weight A).

A query is its words' stems, all required, the last one also a prefix: FTS5
`"stem" "stem"*`, PostgreSQL `to_tsquery('simple', $$'stem' & 'stem':*$$)` built from
quoted lexemes and passed as a parameter, so no input is ever query syntax.
Highlights are spans into the original title and a snippet of the body, found in
Python the way the index matched (`Highlighter`); the caller renders them.

The database-specific parts are created by the migrations (they are outside the models).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from sqlalchemy import (JSON, String, Text, UniqueConstraint, bindparam, cast, delete, func, or_, select, text,
                        update)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from .models import Base, utcnow
from .search_text import DanishAnalyzer, Highlighted, Highlighter, Query
from .textextract import clean_text

PUBLIC = "public"

FTS_TABLE = "search_fts"
VECTOR_COLUMN = "search_vector"
VECTOR_INDEX = "ix_search_entry_search_vector"
TEXT_CONFIG = "simple"
ANALYZER_STATE = "analyzer"


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
    title_terms: Mapped[str] = mapped_column(Text, default="")  # the stemmed tokens that are indexed
    body_terms: Mapped[str] = mapped_column(Text, default="")
    ref: Mapped[dict] = mapped_column(JSON, default=dict)
    visibility: Mapped[str] = mapped_column(String(100), index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SearchState(Base):
    """Facts about the index itself, e.g. which analyzer built it (a different one: rebuild)."""

    __tablename__ = "search_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


_UPSERTS: dict = {}


def _upsert(dialect: str):
    """The entry's upsert, built once per dialect (its values are bound at each execution, so the
    compiled statement is reused: bench P1). An entry whose text, tokens, ref and visibility are
    unchanged is left alone: no rewrite of the full-text index (most saves of a case change neither
    its title nor its text)."""
    stmt = _UPSERTS.get(dialect)
    if stmt is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(SearchEntry)
        written = ("title", "body", "title_terms", "body_terms", "ref", "visibility", "updated_at")
        changed = or_(*(getattr(SearchEntry, name).is_distinct_from(stmt.excluded[name]) for name in
                        ("title", "body", "title_terms", "body_terms", "visibility")),
                      cast(SearchEntry.ref, Text).is_distinct_from(cast(stmt.excluded.ref, Text)))
        stmt = stmt.on_conflict_do_update(index_elements=["kind", "key"],
                                          set_={name: stmt.excluded[name] for name in written}, where=changed)
        _UPSERTS[dialect] = stmt
    return stmt


@dataclass(frozen=True)
class Audience:
    """What a reader may find: entries with one of `values`, or every entry except `hidden` ones."""

    values: frozenset[str] = frozenset({PUBLIC})
    everything: bool = False
    hidden: frozenset[str] = frozenset()

    @classmethod
    def of(cls, values: Iterable[str]) -> Audience:
        return cls(values=frozenset(values))

    @classmethod
    def all(cls, hidden: Iterable[str] = ()) -> Audience:
        return cls(values=frozenset(), everything=True, hidden=frozenset(hidden))


@dataclass
class SearchHit:
    """One hit: `title_highlight` is the whole title with its matches, `snippet` a part of the body
    with its matches (spans into plain text)."""

    kind: str
    key: str
    title: str
    title_highlight: Highlighted
    snippet: Highlighted
    rank: float
    ref: dict = field(default_factory=dict)
    visibility: str = PUBLIC


class SearchIndex:
    """Entries in, ranked and filtered hits out; the backend follows the session's dialect."""

    def __init__(self, *, max_title_chars: int = 500, max_body_chars: int = 200_000, max_terms: int = 32,
                 max_term_chars: int = 100, max_query_chars: int = 1000, snippet_words: int = 24,
                 analyzer: DanishAnalyzer | None = None):
        # The body cap keeps PostgreSQL's tsvector far below its 1 MB limit whatever the text.
        self.max_title_chars = max_title_chars
        self.max_body_chars = max_body_chars
        self.max_terms = max_terms
        self.max_term_chars = max_term_chars
        self.max_query_chars = max_query_chars
        self.snippet_words = snippet_words
        self.analyzer = analyzer or DanishAnalyzer(max_term_chars=max_term_chars)
        self.highlighter = Highlighter(self.analyzer, snippet_words=snippet_words)

    # ------------------------------------------------------------- writing
    def put(self, session: Session, kind: str, key: str | int, title: str, body: str = "", *,
            ref: dict | None = None, visibility: str = PUBLIC) -> None:
        """Add or replace the entry (kind, key), in the caller's transaction."""
        title, body = clean_text(title, self.max_title_chars), clean_text(body, self.max_body_chars)
        values = {"kind": kind, "key": str(key), "title": title, "body": body,
                  "title_terms": self.analyzer.index_text(title), "body_terms": self.analyzer.index_text(body),
                  "ref": ref or {}, "visibility": visibility, "updated_at": utcnow()}
        session.execute(_upsert(session.get_bind().dialect.name), values)

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

    # ------------------------------------------------------ the analyzer
    def built_by(self, session: Session) -> str | None:
        """The analyzer that built the stored index (None: unknown, e.g. just migrated)."""
        state = session.get(SearchState, ANALYZER_STATE)
        return state.value if state is not None else None

    def needs_rebuild(self, session: Session) -> bool:
        return self.built_by(session) != self.analyzer.name

    def mark_built(self, session: Session) -> None:
        """Record that the whole index was just rebuilt by this analyzer."""
        state = session.get(SearchState, ANALYZER_STATE)
        if state is None:
            session.add(SearchState(name=ANALYZER_STATE, value=self.analyzer.name))
        else:
            state.value, state.updated_at = self.analyzer.name, utcnow()

    # ------------------------------------------------------------- reading
    def parse(self, query: str) -> Query:
        """The query's stems (the last one a prefix), as the index sees words."""
        return self.analyzer.query((query or "")[: self.max_query_chars], max_terms=self.max_terms)

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
        parsed = self.parse(query)
        score = (f"ts_rank_cd(e.{VECTOR_COLUMN}, tsq.query, 1)" if self._dialect(session) == "postgresql"
                 else f"-bm25({FTS_TABLE}, 10.0, 1.0)")
        match, params = self._match(session, parsed)
        where, where_params = self._filters(visibility_filter, kinds)
        stmt = text(f"SELECT e.kind AS kind, e.key AS key, e.title AS title, e.body AS body, e.ref AS ref, "
                    f"e.visibility AS visibility, {score} AS score FROM {match}{where} "
                    f"ORDER BY score DESC, e.id LIMIT :limit OFFSET :offset")
        stmt = self._bind(stmt, where_params).columns(ref=JSON)
        rows = session.execute(stmt, {**params, **where_params, "limit": limit, "offset": offset}).all()
        hits = [SearchHit(kind=r.kind, key=r.key, title=r.title,
                          title_highlight=self.highlighter.whole(r.title, parsed),
                          snippet=self.highlighter.snippet(r.body, parsed), rank=float(r.score),
                          ref=r.ref or {}, visibility=r.visibility)
                for r in rows]
        return hits, total

    def counts(self, session: Session, query: str, *, visibility_filter: Audience,
               kinds: Iterable[str] | None = None) -> dict[str, int]:
        """Hits per kind."""
        parsed = self.parse(query)
        if not parsed or (not visibility_filter.everything and not visibility_filter.values):
            return {}
        match, params = self._match(session, parsed)
        where, where_params = self._filters(visibility_filter, kinds)
        stmt = text(f"SELECT e.kind AS kind, count(*) AS n FROM {match}{where} GROUP BY e.kind")
        stmt = self._bind(stmt, where_params)
        return {row.kind: row.n for row in session.execute(stmt, {**params, **where_params})}

    # ------------------------------------------------------------ backends
    @staticmethod
    def _dialect(session: Session) -> str:
        return session.get_bind().dialect.name

    def _match(self, session: Session, parsed: Query) -> tuple[str, dict]:
        """FROM and WHERE clauses that give the matching entries as `e`, and their parameters."""
        if self._dialect(session) == "postgresql":
            return (f"search_entry e CROSS JOIN to_tsquery('{TEXT_CONFIG}', :q) AS tsq(query) "
                    f"WHERE e.{VECTOR_COLUMN} @@ tsq.query"), {"q": parsed.tsquery()}
        return (f"{FTS_TABLE} JOIN search_entry e ON e.id = {FTS_TABLE}.rowid WHERE {FTS_TABLE} MATCH :q",
                {"q": parsed.fts5()})

    @staticmethod
    def _filters(audience: Audience, kinds: Iterable[str] | None) -> tuple[str, dict]:
        clauses, params = "", {}
        if not audience.everything:
            clauses += " AND e.visibility IN :visible"
            params["visible"] = sorted(audience.values)
        elif audience.hidden:
            clauses += " AND e.visibility NOT IN :hidden"
            params["hidden"] = sorted(audience.hidden)
        if kinds is not None:
            clauses += " AND e.kind IN :kinds"
            params["kinds"] = sorted(set(kinds)) or [""]
        return clauses, params

    @staticmethod
    def _bind(stmt, params: dict):
        for name in params:
            stmt = stmt.bindparams(bindparam(name, expanding=True))
        return stmt
