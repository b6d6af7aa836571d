"""Builds the case engine and services with every process family's handlers registered."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from sqlalchemy.orm import Session

from engine import AuditLog, CaseEngine, DocumentStore, RestrictedScriptEngine, UploadPolicy
from engine.specs import read_directory

from . import proposal
from .service import Byplan

BPMN_DIR = Path(__file__).resolve().parent.parent / "bpmn"

SERVICES = {**proposal.SERVICES}


def build(session_factory: Callable[[], Session], *, max_upload_bytes: int = 10 * 1024 * 1024,
          script_time_limit: float = 2.0) -> Byplan:
    audit = AuditLog()
    engine = CaseEngine(script_engine=RestrictedScriptEngine(SERVICES, time_limit=script_time_limit),
                        session_factory=session_factory, audit=audit)
    documents = DocumentStore(audit, UploadPolicy(max_bytes=max_upload_bytes))
    return Byplan(engine, documents)


def deploy_bundled(byplan: Byplan, session: Session, actor: str = "system"):
    """Deploy the process files shipped in bpmn/ (new versions only)."""
    return byplan.engine.deploy(session, read_directory(BPMN_DIR), actor)
