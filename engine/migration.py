"""Moving running cases to another version of their process.

Built on `SpiffWorkflow.bpmn.util.diff`: the old and the new spec are aligned
element by element (by BPMN id first), every task of the case is given its
aligned spec, and the ready and waiting tasks are re-predicted on the new
version. A case is refused, with a reason naming the element, when a task it
has done or is doing has no counterpart in the new version, when a call
activity it is inside calls a process the new version does not have, or when
the migrated state would not load or run. Preview and run share one code path:
the preview migrates a freshly loaded copy and throws it away.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util.diff import SpecDiff, diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from .context import ProcessError
from .engine import CaseEngine
from .instance import CaseInstance
from .errors import NotFound, ProcessNotFound, StaleCase
from .messages import Message
from .models import Case, ProcessVersion

MIGRATABLE_STATUSES = ("running", "incident")
ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


@dataclass
class ElementChange:
    """An element of the old version that the new one removed or changed, or a new element."""

    process: str
    element: str
    name: str
    change: str  # "removed", "changed" or "added"
    attributes: list[str] = field(default_factory=list)


@dataclass
class CaseCheck:
    case_id: int
    title: str
    from_version_id: int
    version: int
    reasons: list[Message] = field(default_factory=list)  # English text, with id and args

    @property
    def migratable(self) -> bool:
        return not self.reasons


@dataclass
class MigrationPlan:
    target: ProcessVersion
    cases: list[CaseCheck]
    # per version id the cases come from: what differs from the target
    changes: dict[int, list[ElementChange]]
    versions: dict[int, ProcessVersion]

    @property
    def migratable(self) -> list[CaseCheck]:
        return [c for c in self.cases if c.migratable]

    @property
    def refused(self) -> list[CaseCheck]:
        return [c for c in self.cases if not c.migratable]


@dataclass
class MigrationResult:
    target: ProcessVersion
    migrated: list[CaseCheck]
    refused: list[CaseCheck]


def _label(task_spec) -> str:
    return task_spec.bpmn_name or task_spec.bpmn_id or task_spec.name


def _is_element(task_spec) -> bool:
    return getattr(task_spec, "bpmn_id", None) is not None


def spec_changes(engine: CaseEngine, old: ProcessVersion, new: ProcessVersion) -> list[ElementChange]:
    """What the new version removed, changed and added, element by element (called processes too)."""
    old_spec, old_subs = engine._spec_for(old)
    new_spec, new_subs = engine._spec_for(new)
    changes: list[ElementChange] = []
    pairs = [(old_spec.name, old_spec, new_spec)]
    pairs += [(name, spec, new_subs.get(name)) for name, spec in sorted(old_subs.items())]
    for name, before, after in pairs:
        if after is None:
            changes.append(ElementChange(name, name, name, "removed"))
            continue
        diff = SpecDiff(engine.serializer.registry, before, after)
        for ts in diff.removed:
            if _is_element(ts):
                changes.append(ElementChange(name, ts.bpmn_id, _label(ts), "removed"))
        for ts, attributes in diff.changed.items():
            if _is_element(ts):
                changes.append(ElementChange(name, ts.bpmn_id, _label(ts), "changed", sorted(attributes)))
        for ts in diff.added:
            if _is_element(ts):
                changes.append(ElementChange(name, ts.bpmn_id, _label(ts), "added"))
    for name in sorted(set(new_subs) - set(old_subs)):
        changes.append(ElementChange(name, name, name, "added"))
    return changes


def _check_diff(diff, caller: str | None) -> list[Message]:
    """Why the removed tasks stop the migration; `caller`: the call activity a called process runs under."""
    reasons = []
    suffix, where = ("_in", {"caller": caller}) if caller else ("", {})
    for task in diff.removed:
        label = _label(task.task_spec)
        if task.state & ACTIVE:
            reasons.append(Message("active_task_removed" + suffix, task=label, **where))
        elif task.state & (TaskState.COMPLETED | TaskState.CANCELLED):
            reasons.append(Message("completed_step_removed" + suffix, task=label, **where))
    return reasons


def _timers(workflow) -> dict[Any, tuple[str, Any]]:
    """Waiting timers' due times, so a migration does not restart a duration timer's clock."""
    kept = {}
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, TimerEventDefinition) and "event_value" in task.internal_data:
            kept[task.id] = (definition.expression, task.internal_data["event_value"])
    return kept


def _migrate(engine: CaseEngine, instance: CaseInstance, target: ProcessVersion) -> list[Message]:
    """Migrate the loaded workflow in place; return why it cannot be, or nothing if it was."""
    workflow = instance.workflow
    new_spec, new_subs = engine._spec_for(target)
    if workflow.spec.name != new_spec.name:
        return [Message("other_process", process=workflow.spec.name, target=new_spec.name)]
    top_diff, sp_diffs = diff_workflow(engine.serializer.registry, workflow, new_spec, new_subs)
    reasons = _check_diff(top_diff, None)
    for sp_id, sp_diff in sp_diffs.items():
        sp = workflow.subprocesses[sp_id]
        caller = workflow.get_task_from_id(sp_id)
        caller_label = _label(caller.task_spec) if caller is not None else str(sp_id)
        if sp_diff is None:
            if not sp.completed:
                reasons.append(Message("called_process_missing", process=sp.spec.name, caller=caller_label))
            continue
        reasons += _check_diff(sp_diff, caller_label)
    if reasons:
        return reasons

    timers = _timers(workflow)
    migrate_workflow(top_diff, workflow, new_spec)
    for sp_id, sp_diff in sp_diffs.items():
        sp = workflow.subprocesses.get(sp_id)
        if sp is not None and sp_diff is not None:
            migrate_workflow(sp_diff, sp, new_subs[sp.spec.name])
    workflow.subprocess_specs = new_subs
    for task in workflow.get_tasks(state=TaskState.WAITING):
        kept = timers.get(task.id)
        definition = getattr(task.task_spec, "event_definition", None)
        if kept and isinstance(definition, TimerEventDefinition) and definition.expression == kept[0]:
            task.internal_data["event_value"] = kept[1]

    for task in workflow.get_tasks():
        spec = task.task_spec
        owner = task.workflow.spec
        if owner.task_specs.get(spec.name) is not spec:
            return [Message("step_without_counterpart", task=_label(spec))]
    return []


def _cases(session: Session, target: ProcessVersion, case_ids: list[int] | None) -> list[Case]:
    query = (select(Case).where(Case.process_id == target.process_id, Case.process_version_id != target.id,
                                Case.status.in_(MIGRATABLE_STATUSES)).order_by(Case.id))
    if case_ids is not None:
        query = query.where(Case.id.in_(case_ids or [-1]))
    return list(session.scalars(query))


def _target(session: Session, version_id: int) -> ProcessVersion:
    target = session.get(ProcessVersion, version_id)
    if target is None:
        raise ProcessNotFound(f"process version {version_id}")
    return target


class Migration:
    """Preview and run the migration of running cases to a target process version."""

    def __init__(self, engine: CaseEngine):
        self.engine = engine

    def _check(self, session: Session, row: Case, target: ProcessVersion) -> tuple[CaseCheck, CaseInstance | None]:
        check = CaseCheck(row.id, row.title, row.process_version_id, row.version)
        try:
            instance = self.engine.load(session, row.id)
        except NotFound:
            raise
        except Exception as exc:  # noqa: BLE001 - a case that does not load cannot be migrated
            check.reasons.append(Message("state_does_not_load", detail=exc))
            return check, None
        check.reasons = _migrate(self.engine, instance, target)
        if check.reasons:
            return check, None
        try:
            self.engine._run(session, instance, "migration", instance.workflow.do_engine_steps)
            # the migrated state must load again on the new version
            spec, subs = self.engine._spec_for(target)
            self.engine.serializer.load(self.engine.serializer.dump(instance.workflow), spec, subs)
        except ProcessError as exc:
            check.reasons.append(Message("new_version_fails", element=exc.element or "?", detail=exc))
        except Exception as exc:  # noqa: BLE001
            check.reasons.append(Message("migrated_does_not_load", detail=exc))
        return check, (instance if not check.reasons else None)

    def preview(self, session: Session, version_id: int, case_ids: list[int] | None = None) -> MigrationPlan:
        """Which cases can move to the version, which cannot and why; changes nothing."""
        target = _target(session, version_id)
        rows = _cases(session, target, case_ids)
        checks = []
        for row in rows:
            savepoint = session.begin_nested()  # whatever the new version's first steps write is undone
            try:
                check, _instance = self._check(session, row, target)
            finally:
                savepoint.rollback()
            checks.append(check)
        versions = {row.process_version_id: row.process_version for row in rows}
        for pv in session.scalars(select(ProcessVersion).where(ProcessVersion.process_id == target.process_id,
                                                                ProcessVersion.id != target.id)):
            versions.setdefault(pv.id, pv)
        changes = {vid: spec_changes(self.engine, pv, target) for vid, pv in versions.items()}
        return MigrationPlan(target, checks, changes, versions)

    def run(self, session: Session, version_id: int, case_ids: list[int] | None = None, *, actor: str | None,
            expected_versions: dict[int, int] | None = None) -> MigrationResult:
        """Migrate every migratable case; refused cases are left as they are.

        `expected_versions` (case id -> version read by the caller, e.g. on the preview page):
        a case that changed since raises StaleCase and nothing is migrated.
        """
        target = _target(session, version_id)
        rows = _cases(session, target, case_ids)
        for row in rows:
            expected = (expected_versions or {}).get(row.id)
            if expected is not None and expected != row.version:
                raise StaleCase(f"case {row.id} changed since the preview")
        migrated, refused = [], []
        for row in rows:
            old = row.process_version
            savepoint = session.begin_nested()
            try:
                check, instance = self._check(session, row, target)
                if instance is None:
                    savepoint.rollback()  # a refused case is left exactly as it was
                    refused.append(check)
                    continue
                instance.row.process_version_id = target.id
                instance.row.process_version = target
                instance.projected = None  # the tasks' specs changed: their rows are all rewritten on save
                self.engine.save(session, instance, actor=actor, kind="migrate",
                                 summary=f"{target.process_id}: {old.content_hash[:12]} → {target.content_hash[:12]}",
                                 detail={"from_version_id": old.id, "to_version_id": target.id,
                                         "from_hash": old.content_hash, "to_hash": target.content_hash})
                savepoint.commit()
            except BaseException:
                if savepoint.is_active:
                    savepoint.rollback()
                raise
            migrated.append(check)
        return MigrationResult(target, migrated, refused)


__all__ = ["CaseCheck", "ElementChange", "Migration", "MigrationPlan", "MigrationResult", "spec_changes"]
