"""A bare case engine for tests: no Flask, just SQLAlchemy, the engine and the test BPMN files.

Usage::

    harness = Harness(db_url)
    with harness.session() as s, s.begin():
        deploy(harness.engine, s, "timer_wait")
    ...
    harness.dispose()
"""
from __future__ import annotations

import os

from pathlib import Path
from typing import Any, Callable, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import workflows.directory  # noqa: F401  - domain tables on Base.metadata, so FKs resolve
import workflows.proposal  # noqa: F401
from engine import AuditLog, CaseEngine, RestrictedScriptEngine
from engine.db import make_engine, make_session_factory
from engine.models import Base

BPMN_DIR = Path(__file__).resolve().parent / "bpmn"

SCRIPT_PLACEHOLDER = "__SCRIPT__"
CONDITION_PLACEHOLDER = "__CONDITION__"


def bpmn_bytes(name: str, replace: Mapping[str, str] | None = None) -> bytes:
    """The bytes of tests/bpmn/<name>.bpmn, with each `replace` key substituted exactly once."""
    text = (BPMN_DIR / f"{name}.bpmn").read_text("utf-8")
    for old, new in (replace or {}).items():
        if text.count(old) != 1:
            raise AssertionError(f"{old!r} occurs {text.count(old)} times in {name}.bpmn, expected once")
        text = text.replace(old, new)
    return text.encode("utf-8")


def probe_bytes(script: str = "x = 1", condition: str = "False") -> bytes:
    """script_probe.bpmn with its script task and gateway condition filled in (CDATA, no escaping)."""
    for text in (script, condition):
        if "]]>" in text:
            raise ValueError("probe text must not contain ']]>'")
    return bpmn_bytes("script_probe", {SCRIPT_PLACEHOLDER: script, CONDITION_PLACEHOLDER: condition})


def bpmn_files(*names: str, replace: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, bytes]:
    """{file name: bytes} for deploy; `replace` maps a process name to its substitutions."""
    replace = replace or {}
    return {f"{n}.bpmn": bpmn_bytes(n, replace.get(n)) for n in names}


def deploy(engine: CaseEngine, session: Session, *names: str,
           replace: Mapping[str, Mapping[str, str]] | None = None, actor: str = "tester"):
    return engine.deploy(session, bpmn_files(*names, replace=replace), actor)


def deploy_probe(engine: CaseEngine, session: Session, script: str = "x = 1", condition: str = "False",
                 actor: str = "tester"):
    return engine.deploy(session, {"script_probe.bpmn": probe_bytes(script, condition)}, actor)


TEST_AUDIT_KEY = "test-audit-key-0123456789abcdef"


def audit_key() -> str:
    """The audit key of the test apps and CLI runs (tests/conftest.py sets BYPLAN_AUDIT_KEY)."""
    return os.environ.get("BYPLAN_AUDIT_KEY") or TEST_AUDIT_KEY


class Harness:
    """Database engine, session factory and CaseEngine for one database URL."""

    def __init__(self, url: str, *, services: Mapping[str, Callable[..., Any]] | None = None,
                 time_limit: float = 2.0, create: bool = True):
        self.url = url
        self.db = make_engine(url)
        if create:
            Base.metadata.create_all(self.db)
        self.session_factory = make_session_factory(self.db)
        self.audit = AuditLog(key=audit_key())
        self.engine = CaseEngine(script_engine=RestrictedScriptEngine(services or {}, time_limit=time_limit),
                                 session_factory=self.session_factory, audit=self.audit)

    def session(self) -> Session:
        return self.session_factory()

    def count(self, model, *where) -> int:
        with self.session() as s:
            return s.scalar(select(func.count()).select_from(model).where(*where))

    def dispose(self) -> None:
        self.db.dispose()


def make_harness(url: str, **kwargs) -> Harness:
    return Harness(url, **kwargs)
