"""Case controls for the secretariat: suspend, resume and terminate a case with a reason, one case or a
filtered list of them (with migration to another process version), always previewed per case first.

The engine does the state change (engine/controls.py); this service decides who may, validates the
reason, filters the case list from the case rows alone (no workflow is loaded to list), and runs a bulk
action case by case, each in its own savepoint, so one case's failure is reported and the rest go on.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from marshmallow import ValidationError, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import CaseEngine, Forbidden, NotFound, StaleCase, controls
from engine.migration import Migration
from engine.models import Case, ProcessVersion

from . import lanes
from .directory import User, WorkingGroup, group_scope
from .errors import DomainError
from .forms import FormInvalid, FormSchema, choice, flatten_errors, integer, reference, text
from .i18n import N_

ACTIONS = [("suspend", N_("Suspend")), ("resume", N_("Resume")), ("terminate", N_("Terminate")),
           ("migrate", N_("Migrate to a process version"))]
STATUSES = [("running", N_("Running")), ("incident", N_("Stopped by an error")), ("suspended", N_("Suspended")),
            ("terminated", N_("Terminated")), ("completed", N_("Completed"))]
MAX_BULK = 500  # cases in one bulk action


class ControlError(DomainError):
    key = "reason"


class ReasonSchema(FormSchema):
    reason = text(N_("Reason"), required=True, max_length=controls.REASON_MAX, widget="textarea",
                  help=N_("Why: shown on the case page and kept in the case's history."))


class CaseFilterSchema(FormSchema):
    process = text(N_("Process"), max_length=200)
    version = reference(N_("Process version"), required=False)
    status = choice(N_("Status"), STATUSES, required=False, widget="select")
    group = reference(N_("Working group"), required=False)
    older_than = integer(N_("Not changed for at least (days)"), required=False, maximum=3650)

    class Meta:
        unknown = "exclude"  # a list's URL may carry paging and the like


class BulkSchema(ReasonSchema):
    action = choice(N_("Action"), ACTIONS, widget="select")
    target_version = reference(N_("Target version (migration)"), required=False)
    reason = text(N_("Reason"), required=True, max_length=controls.REASON_MAX, widget="textarea")
    case_ids = fields.List(fields.Integer(strict=False, validate=validate.Range(min=1, max=2**31 - 1)),
                           required=True, validate=validate.Length(min=1, max=MAX_BULK,
                                                                   error=N_("Choose between 1 and 500 cases.")),
                           error_messages={"required": N_("Choose at least one case.")},
                           metadata={"label": N_("Cases"), "widget": "checkboxes"})

    class Meta:
        unknown = "exclude"


@dataclass
class CaseOutcome:
    """One case of a bulk action: in a preview, whether it will be done (and what happens); in a
    result, whether it was done. `message` is a message id or an engine message."""

    case_id: int
    title: str
    status: str
    version: int
    ok: bool
    message: Any = ""


@dataclass
class BulkPlan:
    action: str
    reason: str
    target: ProcessVersion | None
    cases: list[CaseOutcome]

    @property
    def doable(self) -> list[CaseOutcome]:
        return [c for c in self.cases if c.ok]


def _load(schema: FormSchema, raw: dict, names) -> dict:
    try:
        return schema.load_form({k: raw.get(k) for k in names if raw.get(k) not in (None, "")})
    except ValidationError as exc:
        raise FormInvalid(flatten_errors(exc.normalized_messages())) from None


def parse_filters(raw: dict) -> dict:
    """The case list's filters from a query string; FormInvalid on a bad one."""
    return _load(CaseFilterSchema(), raw, ("process", "version", "status", "group", "older_than"))


class CaseControls:
    def __init__(self, engine: CaseEngine):
        self.engine = engine

    # ------------------------------------------------------------ who
    @staticmethod
    def may_control(user: User | None) -> bool:
        return lanes.is_secretariat(user) or lanes.is_admin(user)

    def _require(self, user: User) -> None:
        if not self.may_control(user):
            raise Forbidden(N_("Only the secretariat and administrators can suspend, resume or terminate cases."))

    # ------------------------------------------------------------ one case
    def control(self, session: Session, user: User, case_id: int, action: str, raw: dict,
                version: int | None) -> Case:
        """Suspend, resume or terminate one case with the reason in `raw`."""
        self._require(user)
        if session.get(Case, case_id) is None:
            raise NotFound(f"case {case_id}")
        reason = _load(ReasonSchema(), raw, ("reason",))["reason"]
        fn = {"suspend": controls.suspend, "resume": controls.resume, "terminate": controls.terminate}.get(action)
        if fn is None:
            raise NotFound(action)
        case = session.get(Case, case_id)
        refusal = self._refusal(action, case)
        if refusal:
            raise ControlError(refusal)
        return fn(self.engine, session, case_id, actor=user.username, reason=reason, expected_version=version)

    @staticmethod
    def _refusal(action: str, case: Case) -> str | None:
        if action == "suspend" and case.status not in controls.SUSPENDABLE:
            return N_("Only a running case (or one stopped by an error) can be suspended.")
        if action == "resume" and case.status != controls.SUSPENDED:
            return N_("Only a suspended case can be resumed.")
        if action == "terminate" and case.status not in controls.TERMINABLE:
            return N_("A completed or terminated case cannot be terminated.")
        if action == "migrate" and case.status == controls.SUSPENDED:
            return N_("A suspended case is not migrated: resume it first.")
        if action == "migrate" and case.status not in ("running", "incident"):
            return N_("Only running cases are migrated.")
        return None

    # ------------------------------------------------------------ the filtered list
    def filtered(self, session: Session, user: User, filters: dict, limit: int = MAX_BULK) -> list[Case]:
        """The cases matching the filters that the user may see, from the case rows (no workflow is loaded)."""
        query = select(Case).order_by(Case.updated_at.desc(), Case.id.desc()).limit(limit)
        if not user.has_role(*lanes.SEES_ALL_CASES):
            query = query.where(Case.scope.in_(lanes.my_scopes(user) or {"-"}))
        if filters.get("process"):
            query = query.where(Case.process_id == filters["process"])
        if filters.get("version"):
            query = query.where(Case.process_version_id == filters["version"])
        if filters.get("status"):
            query = query.where(Case.status == filters["status"])
        if filters.get("group"):
            query = query.where(Case.scope == group_scope(filters["group"]))
        if filters.get("older_than") is not None:
            query = query.where(Case.updated_at <= self.engine.clock() - timedelta(days=filters["older_than"]))
        return list(session.scalars(query))

    def filter_choices(self, session: Session) -> dict[str, list[tuple[str, str]]]:
        """Processes, versions and working groups to filter by (small tables, no case rows)."""
        versions = list(session.scalars(select(ProcessVersion).order_by(ProcessVersion.process_id,
                                                                        ProcessVersion.id)))
        processes = sorted({(v.process_id, v.name or v.process_id) for v in versions})
        groups = list(session.execute(select(WorkingGroup.id, WorkingGroup.name).order_by(WorkingGroup.name)))
        return {"process": processes,
                "version": [(str(v.id), f"{v.name or v.process_id} #{v.id} ({v.content_hash[:8]})") for v in versions],
                "group": [(str(g.id), g.name) for g in groups], "status": STATUSES}

    # ------------------------------------------------------------ bulk: preview, then run
    def _bulk_input(self, session: Session, user: User, raw: dict) -> tuple[dict, ProcessVersion | None]:
        self._require(user)
        values = _load(BulkSchema(), raw, ("action", "target_version", "reason", "case_ids"))
        target = None
        if values["action"] == "migrate":
            if not values.get("target_version"):
                raise FormInvalid({"target_version": [N_("Choose the version to migrate to.")]})
            target = session.get(ProcessVersion, values["target_version"])
            if target is None:
                raise FormInvalid({"target_version": [N_("There is no such process version.")]})
        return values, target

    def preview(self, session: Session, user: User, raw: dict) -> BulkPlan:
        """What the action will do to each chosen case; changes nothing."""
        values, target = self._bulk_input(session, user, raw)
        rows = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(values["case_ids"])))}
        out = []
        for case_id in dict.fromkeys(values["case_ids"]):
            case = rows.get(case_id)
            if case is None:
                continue
            refusal = self._refusal(values["action"], case)
            if refusal is None and target is not None:
                refusal = self._migration_refusal(session, case, target)
            out.append(CaseOutcome(case.id, case.title, case.status, case.version, refusal is None,
                                   refusal or _WILL[values["action"]]))
        return BulkPlan(values["action"], values["reason"], target, out)

    def _migration_refusal(self, session: Session, case: Case, target: ProcessVersion):
        if case.process_id != target.process_id:
            return N_("The case runs another process.")
        if case.process_version_id == target.id:
            return N_("The case is on this version already.")
        plan = Migration(self.engine).preview(session, target.id, [case.id])
        refused = plan.refused
        return refused[0].reasons[0] if refused else None

    def run(self, session: Session, user: User, raw: dict, expected: dict[int, int]) -> BulkPlan:
        """Do the action case by case, each in its own savepoint: a case that fails (changed since the
        preview, refused, or broken) is reported and left as it was; the others go on."""
        values, target = self._bulk_input(session, user, raw)
        action, reason = values["action"], values["reason"]
        out = []
        for case_id in dict.fromkeys(values["case_ids"]):
            case = session.get(Case, case_id)
            if case is None:
                continue
            title, status, version = case.title, case.status, case.version
            savepoint = session.begin_nested()
            try:
                message = self._one(session, user, case, action, reason, target, expected.get(case_id))
            except Exception as exc:  # noqa: BLE001 - one case's failure must not stop the others
                savepoint.rollback()
                out.append(CaseOutcome(case_id, title, status, version, False, _failure(exc)))
                continue
            savepoint.commit()
            after = session.get(Case, case_id)
            out.append(CaseOutcome(case_id, title, after.status, after.version, True, message))
        return BulkPlan(action, reason, target, out)

    def _one(self, session: Session, user: User, case: Case, action: str, reason: str,
             target: ProcessVersion | None, expected: int | None):
        if expected is not None and case.version != expected:
            raise ControlError(N_("The case changed after the preview; preview it again."))
        refusal = self._refusal(action, case)
        if refusal:
            raise ControlError(refusal)
        if action == "migrate":
            result = Migration(self.engine).run(session, target.id, [case.id], actor=user.username)
            if not result.migrated:
                reasons = result.refused[0].reasons if result.refused else []
                raise ControlError(reasons[0] if reasons else N_("The case cannot be migrated."))
            self.engine.audit.append(session, kind="case.bulk", actor=user.username, case_id=case.id,
                                     summary=reason[:500], detail={"action": action, "reason": reason[:2000],
                                                                   "to_version_id": target.id})
            return _DONE[action]
        fn = {"suspend": controls.suspend, "resume": controls.resume, "terminate": controls.terminate}[action]
        fn(self.engine, session, case.id, actor=user.username, reason=reason)
        return _DONE[action]


_WILL = {"suspend": N_("Will be suspended."), "resume": N_("Will be resumed; its due timers fire then."),
         "terminate": N_("Will be terminated: its tasks and timers are removed."),
         "migrate": N_("Will be migrated to the chosen version.")}
_DONE = {"suspend": N_("Suspended."), "resume": N_("Resumed."), "terminate": N_("Terminated."),
         "migrate": N_("Migrated.")}


def _failure(exc: Exception):
    if isinstance(exc, DomainError):
        return exc.args[0] if exc.args else N_("The action failed for this case.")
    if isinstance(exc, StaleCase):
        return N_("Someone else changed the case meanwhile; it was left as it was.")
    return N_("The action failed for this case; it was left as it was.")
