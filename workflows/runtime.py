"""Builds the case engine and services with every process family's handlers registered."""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Callable

from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from engine import AuditLog, CaseEngine, DocumentStore, RestrictedScriptEngine, SearchIndex, UploadPolicy
from engine.mail import MailDelivery, MailSettings
from engine.models import utcnow
from engine.specs import DeployRules, read_directory

from . import architecture_review, lanes, proposal
from . import case_controls, comments, saved_lists  # noqa: F401  (issue 19: their tables)
from . import public_law  # issue 18
from .admin import Admin
from .council import Council
from .directory import default_password_hasher
from .drafts import record_closed_tasks
from .forms import FORMS, FormRegistry
from .hearing import Hearings
from .incidents import Incidents
from .links import Links
from .network import Networks
from .notifications import Notifications
from .search import Search
from .service import Byplan

BPMN_DIR = Path(__file__).resolve().parent.parent / "bpmn"


def build(session_factory: Callable[[], Session], *, max_upload_bytes: int = 10 * 1024 * 1024,
          script_time_limit: float = 2.0, base_url: str = "http://127.0.0.1:5000",
          mail: MailSettings | None = None, links: Links | None = None,
          clock: Callable[[], datetime] = utcnow, forms: FormRegistry | None = None,
          audit_key: bytes | str | None = None, password_hasher: PasswordHasher | None = None,
          digest_hour: int = 7) -> Byplan:
    """Everything the app, the CLI and the worker use. `links` builds absolute page URLs (the web layer
    gives one that knows its routes); `clock` is the one source of "now" for the services (and the engine,
    its audit log and the mail delivery); `forms` the task forms (default: every family's); `audit_key`
    keys the audit chains (engine/audit.py); `password_hasher` the argon2 parameters (default: the
    directory's, argon2's own defaults unless a test or benchmark chose cheap ones)."""
    passwords = password_hasher or default_password_hasher()
    forms = forms if forms is not None else FormRegistry(FORMS.values())
    audit = AuditLog(clock, key=audit_key)
    services: dict = proposal.service_handlers(clock)
    script_engine = RestrictedScriptEngine(services, time_limit=script_time_limit)
    rules = DeployRules(form_exists=forms.__contains__, lane_exists=lanes.lane_exists,
                        task_lane_exists=lanes.task_lane_exists,
                        service_exists=lambda name: name in script_engine.services)
    engine = CaseEngine(script_engine=script_engine, session_factory=session_factory, audit=audit, rules=rules,
                        clock=clock)
    search = Search(SearchIndex())
    documents = DocumentStore(audit, UploadPolicy(max_bytes=max_upload_bytes), indexer=search.document)
    search.documents = documents
    engine.after_save.append(search.case_records)
    search.watch(session_factory)  # network rounds and hearing responses: re-indexed after each flush
    record_closed_tasks()  # a task completed or closed by the process says so on its page
    hearings = Hearings(engine, documents, links=links, clock=clock, search=search, subscription_key=audit_key)
    council = Council(engine, documents, links=links, clock=clock, search=search)
    script_engine.services.update(hearings.service_handlers())
    script_engine.services.update(council.service_handlers())
    networks = Networks(engine, documents, links, clock=clock)
    script_engine.services.update(networks.service_handlers())
    reviews = architecture_review.Reviews(engine, documents, links=links, clock=clock, search=search)  # issue 14
    script_engine.services.update(reviews.service_handlers())
    delivery = MailDelivery(mail or MailSettings(backend="sink"), session_factory, clock=clock)
    notifications = Notifications(session_factory, links, clock=clock, digest_hour=digest_hour)
    byplan = Byplan(engine, documents, hearings=hearings, council=council, networks=networks, mail=delivery,
                    admin=Admin(audit, passwords), incidents=Incidents(engine), search=search, forms=forms,
                    passwords=passwords, links=links, notifications=notifications)
    public_law.attach(byplan, engine, documents, links, clock)  # issue 18: access requests, retention, erasure
    byplan.reviews, byplan.board = reviews, architecture_review.BoardAdmin(audit)  # issue 14
    return byplan


def deploy_bundled(byplan: Byplan, session: Session, actor: str = "system"):
    """Deploy the process files shipped in bpmn/ (new versions only). BYPLAN_BPMN_DIR names another
    directory (the tests deploy the files as a modeler re-saved them)."""
    directory = os.environ.get("BYPLAN_BPMN_DIR") or BPMN_DIR
    return byplan.engine.deploy(session, read_directory(directory), actor)
