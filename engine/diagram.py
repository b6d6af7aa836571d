"""What a case's BPMN diagram should highlight: the state of each element, per process.

Generic: reads a loaded workflow and the process files of its version; knows
nothing of Flask or of any domain.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity
from SpiffWorkflow.util.task import TaskState

COMPLETED = "completed"
ACTIVE = "active"
WAITING = "waiting"
ERROR = "error"
STATES = (COMPLETED, ACTIVE, WAITING, ERROR)
# When an element ran more than once (a loop, a multi-instance task, a process called twice),
# the most pressing state wins.
_PRIORITY = {COMPLETED: 0, WAITING: 1, ACTIVE: 2, ERROR: 3}

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


@dataclass(frozen=True)
class CalledProcess:
    """A call activity of process `caller` (element `element`) that started process `process_id`."""

    caller: str
    element: str
    process_id: str


@dataclass
class DiagramState:
    """Element states keyed by the process whose diagram draws the element.

    `states[process_id][element_id]` is one of STATES. Elements of an embedded
    subprocess are drawn in the enclosing process's diagram, so they are filed
    under the enclosing process; a call activity's sub-workflow is filed under
    the called process id.
    """

    root: str
    states: dict[str, dict[str, str]] = field(default_factory=dict)
    calls: list[CalledProcess] = field(default_factory=list)
    names: dict[str, dict[str, str]] = field(default_factory=dict)  # process -> element -> its name
    process_names: dict[str, str] = field(default_factory=dict)

    def name(self, process_id: str, element: str) -> str:
        return self.names.get(process_id, {}).get(element) or element

    def of(self, process_id: str) -> dict[str, str]:
        return self.states.get(process_id, {})

    @property
    def processes(self) -> list[str]:
        """The root process and every called process, in the order they were called."""
        seen = [self.root]
        for call in self.calls:
            if call.process_id not in seen:
                seen.append(call.process_id)
        return seen


def task_state(task) -> str | None:
    """The diagram state of one task, or None when the diagram should not mark it."""
    state = task.state
    spec = task.task_spec
    if state == TaskState.ERROR:
        return ERROR
    if state == TaskState.COMPLETED:
        return COMPLETED
    if state in (TaskState.READY, TaskState.STARTED):
        if spec.manual:
            return ACTIVE
        # a call activity or subprocess whose sub-workflow runs, or a due timer not yet fired
        return WAITING
    if state == TaskState.WAITING:
        return WAITING
    return None  # predicted (FUTURE, LIKELY, MAYBE) or CANCELLED


def _merge(target: dict[str, str], element: str, state: str) -> None:
    current = target.get(element)
    if current is None or _PRIORITY[state] > _PRIORITY[current]:
        target[element] = state


def element_states(workflow) -> DiagramState:
    """Walk a loaded BpmnWorkflow (with its sub-workflows) and return the element states."""
    top = workflow.top_workflow
    diagram = DiagramState(root=top.spec.name, process_names={top.spec.name: top.spec.description or top.spec.name})
    owners: dict = {}  # sub-workflow parent task id -> process id whose diagram draws its elements

    def owner_of(wf) -> str:
        if wf is top:
            return top.spec.name
        key = wf.parent_task_id
        if key not in owners:
            parent_task = top.get_task_from_id(key)
            if isinstance(parent_task.task_spec, CallActivity):
                owners[key] = wf.spec.name
                diagram.process_names.setdefault(wf.spec.name, wf.spec.description or wf.spec.name)
            else:  # embedded, transaction or event subprocess: drawn inside its parent
                owners[key] = owner_of(parent_task.workflow)
        return owners[key]

    for task in workflow.get_tasks():
        spec = task.task_spec
        if spec.bpmn_id is None:
            continue  # internal specs (Start, End, joins) have no element in the diagram
        state = task_state(task)
        if state is None:
            continue
        process_id = owner_of(task.workflow)
        _merge(diagram.states.setdefault(process_id, {}), spec.bpmn_id, state)
        diagram.names.setdefault(process_id, {})[spec.bpmn_id] = spec.bpmn_name or spec.bpmn_id
        if isinstance(spec, CallActivity) and task.id in top.subprocesses:
            call = CalledProcess(process_id, spec.bpmn_id, top.subprocesses[task.id].spec.name)
            if call not in diagram.calls:
                diagram.calls.append(call)
    return diagram


def defined_processes(xml: str) -> list[str]:
    """The ids of the processes defined in one BPMN file (an empty list for unreadable XML)."""
    try:
        tree = etree.fromstring(xml.encode("utf-8"),
                                parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return []
    return process_ids(tree)


def process_ids(root) -> list[str]:
    """The ids of the processes defined under a parsed BPMN element."""
    return [p.get("id") for p in root.iter(f"{{{BPMN_NS}}}process") if p.get("id")]


def process_file(sources: dict[str, str], process_id: str) -> tuple[str, str] | None:
    """(file name, XML) of the file among a version's sources that defines `process_id`."""
    for name in sorted(sources):
        if name.endswith(".bpmn") and process_id in defined_processes(sources[name]):
            return name, sources[name]
    return None
