"""A word-level difference between two texts (difflib's SequenceMatcher on word tokens).

The result is a list of segments (op, text): "equal", "insert" or "delete"; a replacement is a deletion
followed by an insertion. Whitespace is kept in the tokens, so joining the "equal" and "insert" segments
gives the new text back, and "equal" and "delete" the old.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

_TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Segment:
    op: str  # "equal", "insert", "delete"
    text: str


def tokens(text: str) -> list[str]:
    return _TOKENS.findall(text or "")


def word_diff(old: str, new: str) -> list[Segment]:
    a, b = tokens(old), tokens(new)
    segments: list[Segment] = []
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(Segment("equal", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            segments.append(Segment("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            segments.append(Segment("insert", "".join(b[j1:j2])))
    return _merge(segments)


def _merge(segments: list[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for s in segments:
        if not s.text:
            continue
        if merged and merged[-1].op == s.op:
            merged[-1] = Segment(s.op, merged[-1].text + s.text)
        else:
            merged.append(s)
    return merged


def changed(segments: list[Segment]) -> bool:
    return any(s.op != "equal" for s in segments)


def as_text(segments: list[Segment]) -> str:
    """A plain-text rendering (mail, the council's task page): [-deleted-] {+inserted+}."""
    return "".join(s.text if s.op == "equal" else (f"[-{s.text}-]" if s.op == "delete" else f"{{+{s.text}+}}")
                   for s in segments)
