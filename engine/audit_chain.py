"""The audit chains' primitives: hashes (unkeyed and keyed), key ids, MACs and the verification's outcome."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .serialization import canonical_json

GENESIS = "0" * 64
HEADS_FORMAT = "byplan-audit-heads/1"


def stream_of(case_id: int | None) -> str:
    return f"case:{case_id}" if case_id is not None else "system"


def digest(data: Any) -> str:
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def _event_body(prev_hash: str, stream: str, seq: int, case_id, at: datetime, actor, kind: str,
                summary: str, detail: dict, data_digest: str) -> bytes:
    return canonical_json([prev_hash, stream, seq, case_id, at.isoformat(), actor, kind, summary,
                           detail, data_digest]).encode("utf-8")


def event_hash(prev_hash: str, stream: str, seq: int, case_id, at: datetime, actor, kind: str,
               summary: str, detail: dict, data_digest: str) -> str:
    """The unkeyed hash (sha256) of the chains from before the key, and of logs kept without one."""
    return hashlib.sha256(_event_body(prev_hash, stream, seq, case_id, at, actor, kind, summary, detail,
                                      data_digest)).hexdigest()


def keyed_event_hash(key: bytes, prev_hash: str, stream: str, seq: int, case_id, at: datetime, actor,
                     kind: str, summary: str, detail: dict, data_digest: str) -> str:
    """The keyed hash (HMAC-SHA256) of an event: computable only with the key."""
    return hmac.new(key, _event_body(prev_hash, stream, seq, case_id, at, actor, kind, summary, detail,
                                     data_digest), hashlib.sha256).hexdigest()


def _mac(key: bytes, data: Any) -> str:
    return hmac.new(key, canonical_json(data).encode("utf-8"), hashlib.sha256).hexdigest()


def key_id(key: bytes) -> str:
    """A short public name of a key (an HMAC of a fixed label): tells a wrong key from tampering."""
    return _mac(key, "byplan audit key id")[:16]


def head_mac(key: bytes, stream: str, keyed_from: int, seq: int, hash_: str) -> str:
    return _mac(key, ["head", stream, keyed_from, seq, hash_])


def as_key(key: bytes | str | None) -> bytes | None:
    if key is None or key == "" or key == b"":
        return None
    return key.encode("utf-8") if isinstance(key, str) else bytes(key)


class AuditKeyError(RuntimeError):
    """The audit log is keyed with another key, or a writer without a key meets a keyed stream."""


@dataclass
class Broken:
    event_id: int
    stream: str
    seq: int
    reason: str

    def __str__(self):
        return f"audit event {self.event_id} ({self.stream} #{self.seq}): {self.reason}"


@dataclass
class WrongKey(Broken):
    """Not tampering: the log (or a heads file) was keyed with another key than the one given."""

    def __str__(self):
        return f"wrong key: {self.reason}"


@dataclass
class Verification:
    """The outcome of checking the whole log: the first problem (None: intact) and what was checked."""

    problem: Broken | None = None
    streams: int = 0
    events: int = 0
    keyed: int = 0  # events checked with the key
    unkeyed: int = 0  # events checked with the old unkeyed rule
    unchecked: int = 0  # keyed events not checked (no key given)
    published: int = 0  # published heads found in their chains
    notes: list[str] = field(default_factory=list)
