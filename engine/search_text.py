"""The search's view of text: words, their Danish stems, queries and highlight spans.

Both databases index the same stemmed tokens, computed here: a word is a run of
letters and digits (NFC, lower case), stemmed by the Snowball stemmer for Danish
(PyStemmer). A query is the stems of its words, every one required, the last one
also as a prefix (so a word being typed matches). Highlights are found again in the
original text in Python: a word is marked when its stem is one of the query's stems
or begins with the last one, exactly what the databases match. The result is spans
(start, end) into plain text; turning them into HTML is the caller's business.
"""
from __future__ import annotations

import re
import threading
from bisect import bisect_left
import unicodedata
from dataclasses import dataclass, field

import Stemmer

# Stored with the index: an index built by another analyzer is rebuilt (see SearchIndex.analyzer_current).
ANALYZER = "snowball-danish/pystemmer-3"

_WORD = re.compile(r"[^\W_]+")
_ELLIPSIS = "…"


class DanishAnalyzer:
    """Words and stems; one PyStemmer object per thread (they are not thread-safe)."""

    name = ANALYZER

    def __init__(self, language: str = "danish", *, max_term_chars: int = 100):
        self.language = language
        self.max_term_chars = max_term_chars
        self._local = threading.local()

    def _stemmer(self):
        stemmer = getattr(self._local, "stemmer", None)
        if stemmer is None:
            stemmer = self._local.stemmer = Stemmer.Stemmer(self.language)
        return stemmer

    @staticmethod
    def words(text: str) -> list[str]:
        return _WORD.findall(unicodedata.normalize("NFC", text or ""))

    def stem(self, word: str) -> str:
        return self._stemmer().stemWord(word.lower()[: self.max_term_chars])

    def stems(self, words: list[str]) -> list[str]:
        return self._stemmer().stemWords([w.lower()[: self.max_term_chars] for w in words])

    def index_text(self, text: str) -> str:
        """The stemmed tokens of a text, space-separated: what both databases index."""
        return " ".join(self.stems(self.words(text)))

    def query(self, text: str, *, max_terms: int = 32) -> Query:
        """The query's stems; the last word is also a prefix. Empty when the text has no words."""
        stems = self.stems(self.words(text)[:max_terms])
        if not stems:
            return Query()
        exact = tuple(dict.fromkeys(stems[:-1]))
        return Query(exact=exact, prefix=stems[-1])


@dataclass(frozen=True)
class Query:
    """Every stem in `exact` must occur, and a token that begins with `prefix`."""

    exact: tuple[str, ...] = ()
    prefix: str | None = None

    def __bool__(self) -> bool:
        return self.prefix is not None

    def fts5(self) -> str:
        """FTS5 MATCH text: each stem a quoted string (never an operator), the last one a prefix."""
        quoted = [_fts_string(t) for t in self.exact] + [_fts_string(self.prefix) + "*"]
        return " ".join(quoted)

    def tsquery(self) -> str:
        """to_tsquery text: each stem a quoted lexeme, the last one a prefix (`:*`), joined by `&`."""
        lexemes = [_ts_lexeme(t) for t in self.exact] + [_ts_lexeme(self.prefix) + ":*"]
        return " & ".join(lexemes)

    def matches(self, stem: str) -> bool:
        return stem in self.exact or (self.prefix is not None and stem.startswith(self.prefix))


def _fts_string(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _ts_lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


@dataclass(frozen=True)
class Highlighted:
    """Plain text and the (start, end) spans of the words that matched, in order, not overlapping."""

    text: str = ""
    spans: tuple[tuple[int, int], ...] = field(default_factory=tuple)

    def segments(self) -> list[tuple[str, bool]]:
        """The text cut into (piece, marked) pairs."""
        out, at = [], 0
        for start, end in self.spans:
            if start > at:
                out.append((self.text[at:start], False))
            out.append((self.text[start:end], True))
            at = end
        if at < len(self.text):
            out.append((self.text[at:], False))
        return out

    def __bool__(self) -> bool:
        return bool(self.text)


class Highlighter:
    """Finds a query's words in original text, as the index matched them."""

    def __init__(self, analyzer: DanishAnalyzer, *, snippet_words: int = 24, max_spans: int = 500):
        self.analyzer = analyzer
        self.snippet_words = snippet_words
        self.max_spans = max_spans

    def spans(self, text: str, query: Query, limit: int | None = None) -> list[tuple[int, int]]:
        """Spans of the matching words. A stem is a prefix of its lower-cased word, so only the words
        that begin with one of the query's stems are stemmed."""
        if not text or not query:
            return []
        starts = sorted(set(query.exact) | {query.prefix}, key=len, reverse=True)
        candidate = re.compile(r"(?<![^\W_])(?:" + "|".join(re.escape(s) for s in starts) + r")[^\W_]*",
                               re.IGNORECASE)
        found, limit = [], limit or self.max_spans
        for match in candidate.finditer(text):
            if query.matches(self.analyzer.stem(unicodedata.normalize("NFC", match.group()))):
                found.append(match.span())
                if len(found) >= limit:
                    break
        return found

    def whole(self, text: str, query: Query) -> Highlighted:
        text = text or ""
        return Highlighted(text, tuple(self.spans(text, query)))

    def snippet(self, text: str, query: Query) -> Highlighted:
        """About `snippet_words` words around the densest group of matches (the beginning if none),
        with an ellipsis where text was cut."""
        text = text or ""
        if not text:
            return Highlighted()
        spans = self.spans(text, query)
        reach = self.snippet_words * 8  # characters: about the window's length
        anchor = 0
        if spans:
            best = (-1, -1)
            starts = [s for s, _e in spans]
            for i, start in enumerate(starts[:200]):
                inside = [text[s:e].lower() for s, e in spans[i:bisect_left(starts, start + reach)]]
                score = (len(set(inside)), len(inside))
                if score > best:
                    best, anchor = score, start
        # start a few words before the anchor (whole words only), then take the window's words
        window = max(0, anchor - 120)
        before = [m.start() for m in _WORD.finditer(text, window, anchor)]
        if before and before[0] == window and window > 0 and _WORD.match(text, window - 1):
            before = before[1:]  # cut in the middle of a word
        if window == 0 and len(before) <= 3:
            begin = 0
        else:
            begin = before[-3] if len(before) >= 3 else (before[0] if before else anchor)
        end = len(text)  # fewer words than the window holds: to the end
        for n, match in enumerate(_WORD.finditer(text, begin)):
            if n + 1 >= self.snippet_words:
                end = match.end()
                break
        prefix = _ELLIPSIS if begin > 0 else ""
        suffix = _ELLIPSIS if end < len(text) else ""
        piece = prefix + text[begin:end] + suffix
        shift = len(prefix) - begin
        inner = tuple((s + shift, e + shift) for s, e in spans if s >= begin and e <= end)
        return Highlighted(piece, inner)


__all__ = ["ANALYZER", "DanishAnalyzer", "Highlighted", "Highlighter", "Query"]
