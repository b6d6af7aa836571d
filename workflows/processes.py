"""Deploying process versions and migrating running cases: the administrator's services.

Plain values in, one transaction per action (the caller commits or rolls back). Validation
with the domain's rules (forms, lanes, service operations) is the engine's, configured in
workflows.runtime.build; this module adds who may do it and what the pages show.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from engine import CaseEngine, InvalidBpmn
from engine.errors import Problem
from engine.migration import Migration, MigrationPlan, MigrationResult

from .directory import User
from .i18n import N_
from .lanes import require_admin

MAX_FILES = 50


@dataclass
class Deployed:
    """A version that a deployment stored or made current again (plain values: a checked-only
    deployment is undone before anyone reads them)."""

    process_id: str
    name: str
    content_hash: str
    version_id: int | None
    reactivated: bool

    @property
    def short_hash(self) -> str:
        return self.content_hash[:12]


def _actor(user: User | None, system: str | None) -> str:
    """Who acts: a trusted system caller by its name (the command line: `system="cli"`), else an administrator."""
    if system is not None:
        return system
    require_admin(user)
    return user.username


def deploy_files(engine: CaseEngine, session: Session, user: User | None, files: dict[str, bytes], *,
                 check_only: bool = False, system: str | None = None) -> list[Deployed]:
    """Validate and deploy files together; InvalidBpmn (every problem) stores nothing.

    `check_only` validates and reports what would be deployed, then undoes it.
    """
    actor = _actor(user, system)
    if not files:
        raise InvalidBpmn("no files", [Problem("-", None, None, N_("Choose one or more .bpmn or .dmn files."))])
    if len(files) > MAX_FILES:
        raise InvalidBpmn("too many files", [Problem.of("-", None, None, "too_many_files", max=MAX_FILES)])
    savepoint = session.begin_nested()
    try:
        versions = engine.deploy(session, files, actor)
        result = [Deployed(pv.process_id, pv.name, pv.content_hash, None if check_only else pv.id,
                           pv.activated_at != pv.deployed_at) for pv in versions]
    except BaseException:
        savepoint.rollback()
        raise
    if check_only:
        savepoint.rollback()
    else:
        savepoint.commit()
    return result


def migration_preview(engine: CaseEngine, session: Session, user: User | None, version_id: int,
                      case_ids: list[int] | None = None, *, system: str | None = None) -> MigrationPlan:
    _actor(user, system)
    return Migration(engine).preview(session, version_id, case_ids)


def migrate(engine: CaseEngine, session: Session, user: User | None, version_id: int,
            case_ids: list[int] | None = None, expected_versions: dict[int, int] | None = None, *,
            system: str | None = None) -> MigrationResult:
    return Migration(engine).run(session, version_id, case_ids, actor=_actor(user, system),
                                 expected_versions=expected_versions)
