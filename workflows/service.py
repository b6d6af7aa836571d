"""Byplan's application services: plain values in, one transaction per user action.

The web layer and the API call these; they never touch SpiffWorkflow or the
tables directly. Sessions come from the caller, who commits or rolls back.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import CaseEngine, DocumentStore, Forbidden, NotFound, TaskNotFound
from engine import versions
from engine.diagram import ACTIVE, COMPLETED, ERROR, WAITING, element_states
from engine.models import AuditEvent, Case, CompletedTask, Document, ProcessVersion, ReadyTask, utcnow

from . import delegation, drafts, lanes, proposal
from .directory import User
from .drafts import ClosedTask
from .forms import FORMS, FieldSpec, FormDef, FormInvalid, FormRegistry, describe, json_schema, load_values  # noqa: F401  (FormInvalid re-exported)
from .i18n import N_
from .task_pages import TaskAlreadyDone, compose, done_task

log = logging.getLogger(__name__)
TIMELINE_PAGE = 50  # events per page of a case page's timeline
# Instructions are plain text; the page template escapes them once.
_jinja = SandboxedEnvironment(autoescape=False)


@dataclass
class SubmitContext:
    session: Session
    user: User | None
    case_id: int
    task_data: dict[str, Any]
    clock: Callable[[], datetime] = utcnow  # the engine's: task forms stamp records with it
    audit: Any = None  # the engine's AuditLog (keyed): a form that writes audit events uses this one
    links: Any = None  # workflows.links.Links, for the page links in the mails a task form sends (issue 13)

    @property
    def now(self) -> datetime:
        return self.clock()


@dataclass
class TaskView:
    task: ReadyTask
    case: Case
    form: FormDef | None
    fields: list[FieldSpec]
    values: dict[str, Any]
    instructions: str
    json_schema: dict[str, Any] | None
    documents: list[Document] = field(default_factory=list)
    task_data: dict[str, Any] = field(default_factory=dict)
    context: Any = None  # what the task is about (workflows.task_context), from the form's provider
    draft_saved_at: datetime | None = None  # the form shows the user's draft saved then
    acting_for: User | None = None  # the user acts for this absent colleague (workflows.delegation)


@dataclass
class PendingElement:
    """An element of a case's diagram that is active, waiting or failed, for the page's text list."""

    process_id: str
    process_name: str
    element: str
    name: str
    state: str


@dataclass
class CallLink:
    """A call activity that started a process within the case."""

    caller: str  # process id
    element: str
    element_name: str
    process_id: str  # the called process


@dataclass
class CaseDiagram:
    """The diagram of one process of a case: the case's own process or one it called."""

    process_id: str
    process_name: str
    states: dict[str, str]  # element id -> completed / active / waiting / error
    calls: list[CallLink]  # call activities of every process of the case that started a sub-workflow
    processes: list[tuple[str, str]]  # (id, name): the case's own process first, then those it called
    pending: list[PendingElement]

    @property
    def root(self) -> str:
        return self.processes[0][0]

    @property
    def called_here(self) -> dict[str, str]:
        """{call activity element: called process id} for the process shown."""
        return {c.element: c.process_id for c in self.calls if c.caller == self.process_id}

    def name_of(self, process_id: str) -> str:
        return dict(self.processes).get(process_id, process_id)


@dataclass
class CaseView:
    case: Case
    proposal: proposal.Proposal | None
    tasks: list[ReadyTask]
    documents: list[Document]
    events: list[AuditEvent]
    my_task_ids: set[str] = field(default_factory=set)
    hearing: Any = None
    diagram: CaseDiagram | None = None
    timeline: list = field(default_factory=list)  # workflows.timeline.TimelineEntry: the events in words
    timeline_page: int | None = None  # the page of events shown (TIMELINE_PAGE a page); None: all of them
    timeline_has_next: bool = False


@dataclass
class VersionView:
    version: ProcessVersion
    current: bool
    process_id: str  # the process whose diagram is shown
    file_name: str  # the file that defines it
    processes: list[str]  # the processes defined in the version's files
    files: list[str]


class Byplan:
    def __init__(self, engine: CaseEngine, documents: DocumentStore, *, hearings=None, council=None, networks=None,
                 mail=None, admin=None, incidents=None, search=None, forms: FormRegistry | None = None,
                 passwords=None, links=None, notifications=None):
        self.engine = engine
        self.passwords = passwords  # the argon2 hasher (runtime.build); None: the directory's default
        self.forms = forms if forms is not None else FormRegistry(FORMS.values())
        self.incidents = incidents
        self.documents = documents
        self.hearings = hearings
        self.council = council
        self.networks = networks
        self.mail = mail
        self.admin = admin
        self.search = search
        self.links = links  # issue 13: task forms send mail with page links
        self.notifications = notifications  # issue 13: the users' mail choices and the daily digest
        self.proposals = proposal.Proposals(engine, search)

    def reindex_search(self, session: Session, actor: str) -> dict[str, int]:
        """Rebuild the search index from the records (audited); returns the entries per kind."""
        counts = self.search.reindex(session)
        self.engine.audit.append(session, kind="search.reindex", actor=actor, summary="search index rebuilt",
                                 detail=counts)
        return counts

    # -------------------------------------------------------------- access
    def log_in(self, session: Session, username: str, password: str) -> User | None:
        """Check a password; every attempt, failed or not, is an audit event."""
        from .directory import authenticate

        user = authenticate(session, username, password, self.passwords)
        self.engine.audit.append(session, kind="login" if user else "login_failed", actor=username[:100],
                                 summary="logged in" if user else "wrong user name or password")
        return user

    def create_token(self, session: Session, user: User, label: str = "") -> str:
        from .directory import create_token

        token = create_token(session, user, label)
        self.engine.audit.append(session, kind="token", actor=user.username, summary=f"API token created: {label}")
        return token

    # ------------------------------------------------------------ proposals
    def start_proposal(self, session: Session, user: User, group_id: int, title: str,
                       kind: str = "principle", target: str | None = None) -> Case:
        return self.proposals.start_proposal(session, user, group_id, title, kind, target)

    # ---------------------------------------------------------------- tasks
    def inbox(self, session: Session, user: User, limit: int = 200, offset: int = 0) -> list[ReadyTask]:
        return self.engine.tasks_for(session, lanes.audiences(user), assignee=user.username, limit=limit,
                                     offset=offset, delegated_from=delegation.principals_for(
                                         session, user.username, delegation.today(self.engine.clock())),
                                     delegated_in=delegation.substitutions_for(session, user.username))

    def _acting(self, session: Session, user: User, proj: ReadyTask) -> delegation.Acting:
        """Who acts on the task, and for whom (an out-of-office delegation); Forbidden when the user may not."""
        acting = delegation.acting_for_task(session, user, proj.assignee, delegation.today(self.engine.clock()),
                                            case_id=proj.case_id)
        if acting is None or not lanes.may_act(acting.as_user, proj.lane, proj.scope):
            raise Forbidden(N_("This task belongs to another role."))
        return acting

    def _task_audit(self, acting: delegation.Acting):
        return delegation.DelegatedAudit(self.engine.audit, acting) if acting.delegated else self.engine.audit

    def waiting_for(self, session: Session, user: User) -> list:
        """Issue 13: work waiting for the user beyond their tasks (workflows.inbox.WaitingItem), from each
        family's own rows, the nearest deadline first."""
        from .inbox import waiting_for

        return waiting_for(session, user, (self.hearings, self.council, self.networks))

    def _projection(self, session: Session, task_id: str, user: User | None = None) -> ReadyTask:
        proj = session.get(ReadyTask, str(task_id))
        if proj is None:
            if session.get(CompletedTask, str(task_id)) is not None or session.get(ClosedTask, str(task_id)):
                raise TaskAlreadyDone(done_task(session, user, str(task_id)))  # who completed it, and when
            raise TaskNotFound(task_id)
        return proj

    def task_view(self, session: Session, user: User, task_id: str) -> TaskView:
        proj = self._projection(session, task_id, user)
        acting = self._acting(session, user, proj)
        instance = self.engine.load(session, proj.case_id)
        task = self.engine.ready_task(instance, task_id)
        form = self.forms.get(proj.form_key)
        ctx = SubmitContext(session, acting.as_user, proj.case_id, task.data, self.engine.clock,
                            self._task_audit(acting), self.links)
        values = form.initial(ctx) if form and form.initial else {}
        draft = drafts.draft_for(session, proj.id, user.username) if form is not None else None
        if draft is not None:
            values = {**values, **draft.values}
        raw_instructions = (task.task_spec.extensions or {}).get("instructionsForEndUser") or ""
        try:
            instructions = _jinja.from_string(raw_instructions).render(**task.data)
        except Exception:  # a broken template must not hide the task
            log.warning("instructions of %s do not render", proj.spec_name, exc_info=True)
            instructions = raw_instructions
        schema = form.schema() if form else None
        specs = describe(schema) if schema else []
        if form is not None and form.choices is not None:
            dynamic = form.choices(ctx)
            for spec in specs:
                if spec.name in dynamic:
                    spec.choices = dynamic[spec.name]
        documents = list(session.scalars(select(Document).where(Document.case_id == proj.case_id)
                                         .order_by(Document.created_at)))
        context = compose(session, form.context(ctx)) if form is not None and form.context else None
        return TaskView(task=proj, case=instance.row, form=form, fields=specs, values=values,
                        instructions=instructions, json_schema=json_schema(schema, specs) if schema else None,
                        documents=documents, task_data=dict(task.data), context=context,
                        draft_saved_at=draft.saved_at if draft is not None else None, acting_for=acting.principal)

    def save_draft(self, session: Session, user: User, task_id: str, raw: dict[str, Any]) -> str:
        """Keep what the user typed in a task's form without completing it; returns the task's title."""
        proj = self._projection(session, task_id, user)
        self._acting(session, user, proj)
        form = self.forms.get(proj.form_key)
        names = set(form.schema().fields) if form is not None else set()
        drafts.save_draft(session, proj.id, user.username, proj.case_id, drafts.clean(raw, names),
                          self.engine.clock())
        return proj.title

    def submit_task(self, session: Session, user: User, task_id: str, raw: dict[str, Any],
                    version: int | None) -> tuple[Case, str]:
        """Complete a task from a submitted form; returns the case and the task's title."""
        title = self._projection(session, task_id, user).title
        return self.complete_task(session, user, task_id, raw, version), title

    def complete_task(self, session: Session, user: User, task_id: str, raw: dict[str, Any],
                      version: int | None) -> Case:
        proj = self._projection(session, task_id, user)
        acting = self._acting(session, user, proj)
        form = self.forms.get(proj.form_key)
        values: dict[str, Any] = {}
        if form is not None:
            values = load_values(form.schema, raw)
        def task_data(task) -> dict:
            if form is None:
                return {}
            ctx = SubmitContext(session, acting.as_user, proj.case_id, task.data, self.engine.clock,
                                self._task_audit(acting), self.links)
            return form.on_submit(ctx, values)

        instance = self.engine.complete_task(
            session, proj.case_id, task_id, actor=user.username, expected_version=version,
            may_complete=lambda t: lanes.may_act(acting.as_user, t.task_spec.lane, proj.scope), data_from=task_data,
            audit_data=values, acting_for=acting.principal.username if acting.delegated else None)
        # its drafts went with its task row (drafts._task_left_the_worklist, in the save's flush)
        return instance.row

    # ---------------------------------------------------------------- cases
    def cases(self, session: Session, user: User, status: str | None = None, limit: int = 200,
              offset: int = 0) -> list[Case]:
        query = select(Case).order_by(Case.updated_at.desc(), Case.id.desc()).limit(limit).offset(offset)
        if status:
            query = query.where(Case.status == status)
        if not user.has_role(*lanes.SEES_ALL_CASES):
            query = query.where(Case.scope.in_(lanes.my_scopes(user) or {"-"}))
        return list(session.scalars(query))

    def case_row(self, session: Session, user: User, case_id: int) -> Case:
        case = session.get(Case, case_id)
        if case is None:
            raise NotFound(f"case {case_id}")
        if not lanes.may_view_case(user, case.scope) and not self._has_task_in(session, user, case_id):
            raise Forbidden(N_("You do not have access to this case."))
        return case

    @staticmethod
    def _has_task_in(session: Session, user: User, case_id: int) -> bool:
        """A user with a ready task in a case sees the case its task page links to (issue 14: a project owner's
        self-assessment in a review scoped to the working group)."""
        tasks = session.scalars(select(ReadyTask).where(ReadyTask.case_id == case_id))
        return any(lanes.may_take(user, t) for t in tasks)

    def case_view(self, session: Session, user: User, case_id: int, *, diagram: bool = False,
                  process_id: str | None = None, events_page: int | None = None) -> CaseView:
        """A case with its record, tasks and events; with `diagram`, also the element states of the process
        `process_id` (the case's own process by default), which loads the workflow."""
        case = self.case_row(session, user, case_id)
        states = None
        if diagram:
            try:
                states = self.case_diagram(session, case, process_id)
            except NotFound:
                raise
            except Exception:  # noqa: BLE001 - a state that no longer loads must not hide the rest of the case
                log.exception("case %s: the diagram's workflow state could not be loaded", case.id)
        tasks = list(session.scalars(select(ReadyTask).where(ReadyTask.case_id == case_id)
                                     .order_by(ReadyTask.ready_since)))
        documents = list(session.scalars(select(Document).where(Document.case_id == case_id)
                                         .order_by(Document.created_at)))
        events_query = select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq)
        has_next = False
        if events_page is not None:  # a page of the timeline (a case may have thousands of events)
            events_query = events_query.limit(TIMELINE_PAGE + 1).offset((events_page - 1) * TIMELINE_PAGE)
        events = list(session.scalars(events_query))
        if events_page is not None and len(events) > TIMELINE_PAGE:
            events, has_next = events[:TIMELINE_PAGE], True
        mine = {t.id for t in tasks if lanes.may_take(user, t)}
        from . import timeline
        from .hearing import hearing_for_case

        return CaseView(case=case, proposal=proposal.proposal_for_case(session, case_id), tasks=tasks,
                        documents=documents, events=events, my_task_ids=mine,
                        hearing=hearing_for_case(session, case_id), diagram=states,
                        timeline=timeline.entries(session, events), timeline_page=events_page,
                        timeline_has_next=has_next)

    def case_diagram(self, session: Session, case: Case, process_id: str | None = None) -> CaseDiagram:
        """The element states of a case (the one page besides a task that loads its workflow)."""
        state = element_states(self.engine.load(session, case.id).workflow)
        names = state.process_names
        process_id = process_id or state.root
        if process_id not in state.processes:
            raise NotFound(f"process {process_id} in case {case.id}")
        order = {ERROR: 0, ACTIVE: 1, WAITING: 2}
        pending = sorted(
            (PendingElement(pid, names.get(pid, pid), element, state.name(pid, element), s)
             for pid in state.processes for element, s in state.of(pid).items() if s != COMPLETED),
            key=lambda p: (order[p.state], state.processes.index(p.process_id), p.name))
        return CaseDiagram(process_id=process_id, process_name=names.get(process_id, process_id),
                           states=state.of(process_id),
                           calls=[CallLink(c.caller, c.element, state.name(c.caller, c.element), c.process_id)
                                  for c in state.calls],
                           processes=[(pid, names.get(pid, pid)) for pid in state.processes], pending=pending)

    def case_process_file(self, session: Session, user: User, case_id: int, process_id: str) -> tuple[str, str]:
        """(file name, BPMN XML) of a process of the case's own version, for its diagram."""
        case = self.case_row(session, user, case_id)
        return versions.version_process_file(versions.version_with_source(session, case.process_version_id),
                                             process_id)

    # ---------------------------------------------------- process versions
    def process_catalogue(self, session: Session, user: User) -> list[versions.ProcessSummary]:
        lanes.require_process_staff(user)
        return versions.process_catalogue(session)

    @staticmethod
    def may_deploy(user: User | None) -> bool:
        """Deploying and migrating process versions is for administrators."""
        return lanes.is_admin(user)

    def process_version(self, session: Session, user: User, version_id: int,
                        process_id: str | None = None) -> VersionView:
        lanes.require_process_staff(user)
        pv = versions.version_with_source(session, version_id)
        process_id = process_id or pv.process_id
        file_name, _xml = versions.version_process_file(pv, process_id)
        current = versions.latest_version_id(session, pv.process_id) == pv.id
        return VersionView(version=pv, current=current, process_id=process_id, file_name=file_name,
                           processes=versions.version_processes(pv), files=sorted(pv.source or {}))

    def process_version_file(self, session: Session, user: User, version_id: int, file_name: str) -> str:
        """The text of one of a version's source files."""
        lanes.require_process_staff(user)
        pv = versions.version_with_source(session, version_id)
        if file_name not in (pv.source or {}):
            raise NotFound(f"{file_name} in process version {version_id}")
        return pv.source[file_name]

    # ------------------------------------------------------------ documents
    def upload(self, session: Session, user: User, case_id: int, filename: str, content: bytes,
               title: str | None = None, document_id: int | None = None):
        case = self.case_row(session, user, case_id)
        if not lanes.may_edit_case(user, case.scope):
            raise Forbidden(N_("Only the working group and the secretariat can add documents to this case."))
        if case.status == "completed":
            raise Forbidden(N_("The case is closed; its documents can no longer change."))
        return self.documents.add(session, case_id=case_id, filename=filename, content=content,
                                  actor=user.username, title=title, document_id=document_id)

    def download(self, session: Session, user: User | None, document_id: int, number: int | None = None):
        doc, version, content = self.documents.get_version(session, document_id, number)
        if doc.case_id is not None:
            if user is None:
                raise Forbidden(N_("You do not have access to this case."))
            self.case_row(session, user, doc.case_id)
        if self.council is not None:  # issue 15: a closed item's material follows the meeting page's rule
            self.council.guard_material(session, user, document_id)
        return doc, version, content

    # ------------------------------------------------------------ catalogue
    def catalogue(self, session: Session) -> list:
        return self.proposals.catalogue(session)

    def principle_history(self, session: Session, key: str) -> list:
        return self.proposals.principle_history(session, key)
