"""The deployed process versions, with how many cases run on each: read from rows, never from workflows."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer

from .diagram import defined_processes, process_file
from .errors import ProcessNotFound
from .models import VERSION_NEWEST_FIRST as NEWEST_FIRST, Case, ProcessVersion


@dataclass
class VersionSummary:
    version: ProcessVersion
    current: bool
    running: int = 0
    incidents: int = 0

    @property
    def short_hash(self) -> str:
        return self.version.content_hash[:12]


@dataclass
class ProcessSummary:
    process_id: str
    name: str  # the current version's name
    versions: list[VersionSummary] = field(default_factory=list)  # the current one first

    @property
    def current(self) -> VersionSummary:
        return next(v for v in self.versions if v.current)




def latest_version_id(session: Session, process_id: str) -> int | None:
    return session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_id == process_id)
                          .order_by(*NEWEST_FIRST).limit(1))


def process_catalogue(session: Session) -> list[ProcessSummary]:
    """Every process with its versions and the open cases per version (one GROUP BY over the cases)."""
    counts: dict[tuple[int, str], int] = {
        (version_id, status): n for version_id, status, n in session.execute(
            select(Case.process_version_id, Case.status, func.count())
            .where(Case.status.in_(("running", "incident")))
            .group_by(Case.process_version_id, Case.status))
    }
    versions = session.scalars(select(ProcessVersion).order_by(ProcessVersion.process_id, *NEWEST_FIRST))
    by_process: dict[str, list[ProcessVersion]] = {}
    for pv in versions:
        by_process.setdefault(pv.process_id, []).append(pv)
    catalogue = []
    for process_id, rows in by_process.items():
        current = rows[0]
        catalogue.append(ProcessSummary(process_id, current.name or process_id, [
            VersionSummary(pv, pv is current, counts.get((pv.id, "running"), 0), counts.get((pv.id, "incident"), 0))
            for pv in rows]))
    return catalogue


def version_with_source(session: Session, version_id: int) -> ProcessVersion:
    pv = session.get(ProcessVersion, version_id, options=[undefer(ProcessVersion.source)])
    if pv is None:
        raise ProcessNotFound(f"process version {version_id}")
    return pv


def version_processes(pv: ProcessVersion) -> list[str]:
    """The process ids defined in a version's files: its own first, then the processes it calls."""
    ids = [pv.process_id]
    for name in sorted(pv.source or {}):
        if name.endswith(".bpmn"):
            ids.extend(p for p in defined_processes(pv.source[name]) if p not in ids)
    return ids


def version_process_file(pv: ProcessVersion, process_id: str) -> tuple[str, str]:
    """(file name, XML) of the version's file that defines `process_id`; ProcessNotFound otherwise."""
    found = process_file(pv.source or {}, process_id)
    if found is None:
        raise ProcessNotFound(f"{process_id} in process version {pv.id}")
    return found
