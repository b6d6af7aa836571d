"""Parsing and validating process files, and storing each process version once.

`parse_processes` never lets an invalid file through and never stops at the
first problem: every problem found in every file is reported as a `Problem`
(file, element id, line, message). Domain rules (which forms, lanes and
service operations exist) come in as callbacks in `DeployRules`; processes
that are already deployed come in through `deployed`, so a call activity may
call a process that is not among the uploaded files.
"""
from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from lxml import etree
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask as SubWorkflowTaskMixin
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.spiff.parser.process import VALIDATOR

from .diagram import BPMN_NS, process_ids
from .errors import InvalidBpmn, Problem
from .messages import Message
from .scripting import check_expression, check_script
from .serialization import CaseSerializer, sha256_text

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
DMN_NAMESPACES = {
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
}
PREFIXES = {BPMN_NS: "bpmn", SPIFF_NS: "spiffworkflow", CAMUNDA_NS: "camunda",
            "http://www.omg.org/spec/BPMN/20100524/DI": "bpmndi", "http://www.omg.org/spec/DD/20100524/DC": "dc",
            "http://www.omg.org/spec/DD/20100524/DI": "di"}
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS, "camunda": CAMUNDA_NS}
PYTHON_SCRIPT_FORMATS = {"python", "python3", "text/python", "text/x-python", "application/x-python"}
HUMAN_TASKS = ("userTask", "manualTask")
# An ISO 8601 duration, date or cycle written without quotes: a Python name or a syntax error, never a time.
_BARE_ISO = re.compile(r"^\s*(R\d*/|P(?=\d|T\d)|\d{4}-\d{2}-\d{2})[^\"']*$")
MAX_PROBLEMS = 500


@dataclass
class DeployRules:
    """What the domain knows that the engine does not; None leaves a check out.

    form_exists(form key), lane_exists(lane name): any lane of a process,
    task_lane_exists(lane name or None): a lane whose human tasks some role can take,
    service_exists(operation name): a service task operator.
    """

    form_exists: Callable[[str], bool] | None = None
    lane_exists: Callable[[str], bool] | None = None
    task_lane_exists: Callable[[str | None], bool] | None = None
    service_exists: Callable[[str], bool] | None = None


@dataclass
class ParsedProcess:
    process_id: str
    name: str
    spec: object
    subprocess_specs: dict
    sources: dict[str, str] = field(default_factory=dict)


# A deployed process by id: (spec, its subprocess specs), or None.
Deployed = Callable[[str], "tuple[object, dict] | None"]


class _Collector:
    """Problems of one validation run, and where each element of each file is."""

    def __init__(self):
        self.problems: list[Problem] = []
        self.lines: dict[str, dict[str, int]] = {}

    def add(self, file: str, element: str | None, message: Message, line: int | None = None) -> None:
        if line is None and element:
            line = self.lines.get(file, {}).get(element)
        problem = Problem(file, element or None, line or None, message)
        if problem not in self.problems and len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)


def _short(text: str) -> str:
    """`{namespace}local` -> `prefix:local` in messages from lxml."""
    for ns, prefix in PREFIXES.items():
        text = text.replace("{%s}" % ns, prefix + ":")
    return text


def _nearest_id(element) -> str | None:
    while element is not None:
        if isinstance(element.tag, str) and element.get("id"):
            return element.get("id")
        element = element.getparent()
    return None


def _schema_problems(out: _Collector, fname: str, root, schema: etree.XMLSchema,
                     kind: str = "not_valid_bpmn") -> bool:
    """Validate against the XML schema; report every violation. True if valid."""
    if schema.validate(root):
        return True
    nsmap = {k: v for k, v in root.nsmap.items() if k}
    for error in schema.error_log:
        element = None
        try:
            found = root.getroottree().xpath(error.path, namespaces=nsmap) if error.path else []
            element = found[0] if found else None
        except etree.XPathError:
            element = None
        if element is None:
            at_line = [e for e in root.iter() if isinstance(e.tag, str) and e.sourceline == error.line]
            element = at_line[-1] if at_line else None
        message = _short(error.message)
        message = re.sub(r"\. Expected is (one of )?\(.*\)\.?$", ".", message)
        out.add(fname, _nearest_id(element), Message(kind, detail=message), error.line)
    return False


@lru_cache(maxsize=None)
def _dmn_schema(namespace: str) -> etree.XMLSchema | None:
    from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS

    path = SCHEMAS.get(namespace)
    return etree.XMLSchema(etree.parse(path)) if path else None


def _text(el) -> str:
    return (el.text or "").strip() if el is not None else ""


def _check_expression(out: _Collector, fname: str, element: str | None, kind: Message, text: str | None,
                      line: int | None = None) -> None:
    if not text or not text.strip():
        return
    why = check_script(text) if kind.id == "kind_script" else check_expression(text)
    if why:
        out.add(fname, element, Message("expression_refused", kind=kind, reason=why), line)


def _check_timer(out: _Collector, fname: str, element: str | None, text: str | None) -> None:
    if text and _BARE_ISO.match(text):
        out.add(fname, element, Message("bare_timer", text=text.strip()))


def _check_tree(out: _Collector, fname: str, root, rules: DeployRules, called: set[str]) -> None:
    """Checks on the XML that the parser does not make (engine and domain rules), for every process that
    can run: an executable one, or one that a call activity of the upload calls."""
    x = lambda el, path: el.xpath(path, namespaces=NS)  # noqa: E731
    for process in x(root, ".//bpmn:process"):
        runs = process.get("isExecutable") == "true" or process.get("id") in called
        lane_of = {}
        for lane in x(process, ".//bpmn:lane"):
            name = (lane.get("name") or "").strip()
            for ref in x(lane, "./bpmn:flowNodeRef"):
                lane_of[_text(ref)] = name
            if not runs:
                continue
            if not name:
                out.add(fname, lane.get("id"), Message("lane_without_name"), lane.sourceline)
            elif rules.lane_exists is not None and not rules.lane_exists(name):
                out.add(fname, lane.get("id"), Message("lane_without_role", lane=name), lane.sourceline)
        if not runs:
            continue
        for tag in HUMAN_TASKS:
            for task in x(process, f".//bpmn:{tag}"):
                task_id = task.get("id")
                # a task in an embedded subprocess takes the subprocess element's lane
                holder = task
                while holder is not None and holder.get("id") not in lane_of and holder is not process:
                    holder = holder.getparent()
                lane = lane_of.get(holder.get("id")) if holder is not None else None
                if rules.task_lane_exists is not None and not rules.task_lane_exists(lane):
                    why = Message("task_in_lane_without_role", lane=lane) if lane else Message("task_without_lane")
                    out.add(fname, task_id, why, task.sourceline)
                if rules.form_exists is None:
                    continue
                for prop in x(task, "./bpmn:extensionElements/spiffworkflow:properties/"
                                    "spiffworkflow:property[@name='formKey']"):
                    key = prop.get("value") or ""
                    if not rules.form_exists(key):
                        out.add(fname, task_id, Message("unknown_form", form=key), prop.sourceline)
                camunda_key = task.get(f"{{{CAMUNDA_NS}}}formKey")
                if camunda_key is not None:
                    out.add(fname, task_id, Message("camunda_form_key", form=camunda_key), task.sourceline)
                for schema in x(task, "./bpmn:extensionElements/spiffworkflow:formJsonSchemaFilename"):
                    out.add(fname, task_id, Message("json_schema_form", form=_text(schema)), schema.sourceline)
        for task in x(process, ".//bpmn:scriptTask"):
            script_format = (task.get("scriptFormat") or "python").strip().lower()
            if script_format not in PYTHON_SCRIPT_FORMATS:
                out.add(fname, task.get("id"), Message("script_format", format=task.get("scriptFormat")),
                        task.sourceline)
            elif task.get(f"{{{CAMUNDA_NS}}}resource") is not None:
                out.add(fname, task.get("id"), Message("external_script"), task.sourceline)
            else:
                for script in x(task, "./bpmn:script"):
                    _check_expression(out, fname, task.get("id"), Message("kind_script"), script.text,
                                      script.sourceline)
        for kind_id, path in (("kind_script", ".//spiffworkflow:preScript | .//spiffworkflow:postScript"),
                              ("kind_message_payload", ".//spiffworkflow:messagePayload"),
                              ("kind_multi_instance", ".//bpmn:loopCardinality | .//bpmn:completionCondition"),
                              ("kind_assignee", ".//spiffworkflow:property[@name='assignee']")):
            kind = Message(kind_id)
            for el in x(process, path):
                text = el.get("value") if el.tag == f"{{{SPIFF_NS}}}property" else el.text
                _check_expression(out, fname, _nearest_id(el), kind, text, el.sourceline)
        for task in x(process, ".//bpmn:serviceTask | .//bpmn:sendTask | .//bpmn:businessRuleTask"):
            for attr in ("class", "expression", "delegateExpression", "type", "topic"):
                if task.get(f"{{{CAMUNDA_NS}}}{attr}") is not None:
                    out.add(fname, task.get("id"), Message("camunda_service", attribute=attr), task.sourceline)
                    break
            for operator in x(task, "./bpmn:extensionElements/spiffworkflow:serviceTaskOperator"):
                name = operator.get("id") or ""
                if rules.service_exists is not None and not rules.service_exists(name):
                    out.add(fname, task.get("id"), Message("unknown_service", operation=name),
                            operator.sourceline)
                for param in x(operator, ".//spiffworkflow:parameter"):
                    _check_expression(out, fname, task.get("id"), Message("kind_parameter", name=param.get("id")),
                                      param.get("value"), param.sourceline)
        for timer in x(process, ".//bpmn:timerEventDefinition/*"):
            element = _nearest_id(timer.getparent().getparent())
            _check_timer(out, fname, element, timer.text)
            if not (timer.text and _BARE_ISO.match(timer.text)):
                _check_expression(out, fname, element, Message("kind_timer"), timer.text, timer.sourceline)
        for condition in x(process, ".//bpmn:conditionExpression"):
            language = (condition.get("language") or "python").lower()
            if "python" not in language:
                out.add(fname, _nearest_id(condition),
                        Message("condition_language", language=condition.get("language")), condition.sourceline)
            else:
                _check_expression(out, fname, _nearest_id(condition), Message("kind_condition"), condition.text,
                                  condition.sourceline)


def _dmn_cell(text: str) -> str:
    """An input entry as SpiffWorkflow's DMN engine evaluates it."""
    if re.search(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)", text):
        return re.sub(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)", "dmninputexpr", text)
    if check_expression(text) is None:
        return text
    return f"dmninputexpr {text}"


def _check_dmn(out: _Collector, fname: str, root) -> None:
    ns = {"dmn": etree.QName(root).namespace}
    for el in root.xpath(".//dmn:inputExpression/dmn:text | .//dmn:outputEntry/dmn:text", namespaces=ns):
        _check_expression(out, fname, _nearest_id(el), Message("kind_dmn_expression"), el.text, el.sourceline)
    for el in root.xpath(".//dmn:inputEntry/dmn:text", namespaces=ns):
        text = (el.text or "").strip()
        if text and text != "-":
            _check_expression(out, fname, _nearest_id(el), Message("kind_dmn_input"), _dmn_cell(text),
                              el.sourceline)


def _load(out: _Collector, fname: str, content: bytes | str):
    """Decode and parse one file; report why it cannot be read."""
    raw = content.encode("utf-8") if isinstance(content, str) else content
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        out.add(fname, None, Message("not_utf8", byte=f"{raw[exc.start]:02x}"), line)
        return None, None
    if not raw.strip():
        out.add(fname, None, Message("empty_file"))
        return None, None
    try:
        root = etree.fromstring(raw, parser=etree.XMLParser(resolve_entities=False, no_network=True,
                                                            huge_tree=False))
    except etree.XMLSyntaxError as exc:
        out.add(fname, None, Message("malformed_xml", detail=exc.msg), exc.lineno)
        return None, None
    out.lines[fname] = {}
    for el in root.iter():
        if isinstance(el.tag, str) and el.get("id") and el.get("id") not in out.lines[fname]:
            out.lines[fname][el.get("id")] = el.sourceline
    return text, root


def _spiff_problem(out: _Collector, fname: str, exc: Exception, element: str | None = None) -> None:
    message = str(exc).splitlines()[0].strip() if str(exc).strip() else type(exc).__name__
    message = message.rstrip(".") or type(exc).__name__
    element = getattr(exc, "id", None) or element
    line = getattr(exc, "line_number", None)
    out.add(getattr(exc, "file_name", None) or fname, element, Message("parser_error", detail=message),
            line if isinstance(line, int) else None)


def _dependencies(out: _Collector, parser, process_id: str, deployed: Deployed | None,
                  declared: set[str]) -> dict | None:
    """The specs a process calls (recursively), from the upload or else from the deployed processes."""
    used: dict = {}
    pending = [process_id]
    ok = True
    while pending:
        name = pending.pop()
        proc_parser = parser.get_process_parser(name)
        spec = proc_parser.get_spec()
        for ts in spec.task_specs.values():
            if not isinstance(ts, SubWorkflowTaskMixin) or ts.spec in used or ts.spec == process_id:
                continue
            if parser.get_process_parser(ts.spec) is not None:
                used[ts.spec] = parser.get_spec(ts.spec)
                pending.append(ts.spec)
                continue
            found = deployed(ts.spec) if deployed is not None else None
            if found is not None:
                called_spec, called_subprocesses = found
                used[ts.spec] = called_spec
                for sub_name, sub_spec in called_subprocesses.items():
                    used.setdefault(sub_name, sub_spec)
                continue
            ok = False
            if ts.spec not in declared:  # a process of a broken file is reported there
                out.add(proc_parser.filename, ts.bpmn_id, Message("unknown_called_process", process=ts.spec))
    return used if ok else None


def validate_files(files: dict[str, bytes | str], *, rules: DeployRules | None = None,
                   deployed: Deployed | None = None) -> tuple[list[ParsedProcess], list[Problem]]:
    """Parse and check every file; return the executable processes and every problem found."""
    rules = rules or DeployRules()
    out = _Collector()
    parser = SpiffBpmnParser()  # schemas are checked here, every violation, before the parser sees a file
    texts: dict[str, str] = {}
    declared: set[str] = set()
    dmn_files = []
    bpmn_roots = []
    if not files:
        out.add("-", None, Message("no_files"))
    for fname, content in sorted(files.items()):
        suffix = Path(fname).suffix.lower()
        if suffix not in (".bpmn", ".dmn"):
            out.add(fname, None, Message("wrong_file_type"))
            continue
        text, root = _load(out, fname, content)
        if root is None:
            continue
        namespace = etree.QName(root).namespace
        if suffix == ".dmn":
            if namespace not in DMN_NAMESPACES or etree.QName(root).localname != "definitions":
                out.add(fname, None, Message("not_dmn"), root.sourceline)
                continue
            schema = _dmn_schema(namespace)
            if schema is not None and not _schema_problems(out, fname, root, schema, "not_valid_dmn"):
                continue
            try:
                parser.add_dmn_xml(root, filename=fname)
            except Exception as exc:  # noqa: BLE001 - any parser failure is a problem of this file
                _spiff_problem(out, fname, exc)
                continue
            texts[fname] = text
            dmn_files.append((fname, root))
            continue
        if namespace != BPMN_NS or etree.QName(root).localname != "definitions":
            out.add(fname, None, Message("not_bpmn"), root.sourceline)
            continue
        declared |= set(process_ids(root))
        VALIDATOR.preprocess(root)
        if not _schema_problems(out, fname, root, VALIDATOR.validator):
            continue
        executable = [p for p in root.xpath(".//bpmn:process", namespaces=NS) if p.get("isExecutable") == "true"]
        if not executable:
            out.add(fname, None, Message("no_executable_process_in_file"))
        bpmn_roots.append((fname, root))
        try:
            parser.add_bpmn_xml(root, filename=fname)
        except Exception as exc:  # noqa: BLE001
            _spiff_problem(out, fname, exc)
            continue
        texts[fname] = text

    called = {ca.get("calledElement") for _f, root in bpmn_roots
              for ca in root.xpath(".//bpmn:callActivity", namespaces=NS)}
    for fname, root in bpmn_roots:
        _check_tree(out, fname, root, rules, called)

    for fname, root in dmn_files:
        for dmn_parser in [p for p in parser.dmn_parsers.values() if p.filename == fname]:
            try:
                dmn_parser.parse()
            except Exception as exc:  # noqa: BLE001
                _spiff_problem(out, fname, exc)
        _check_dmn(out, fname, root)

    parsed = []
    for process_id in parser.get_process_ids():
        proc_parser = parser.get_process_parser(process_id)
        fname = proc_parser.filename
        try:
            spec = parser.get_spec(process_id)
            subprocess_specs = _dependencies(out, parser, process_id, deployed, declared)
        except Exception as exc:  # noqa: BLE001
            _spiff_problem(out, fname, exc, process_id)
            continue
        if subprocess_specs is None:
            continue
        sources = {fname: texts.get(fname, "")}
        for name in subprocess_specs:
            sub = parser.get_process_parser(name)
            if sub is not None and sub.filename in texts:
                sources[sub.filename] = texts[sub.filename]
        parsed.append(ParsedProcess(process_id, proc_parser.get_name() or process_id, spec,
                                    subprocess_specs, sources))
    if files and not parser.get_process_ids() and not out.problems:
        if all(Path(f).suffix.lower() == ".dmn" for f in files):
            out.add(sorted(files)[0], None, Message("dmn_without_bpmn"))
        else:
            out.add(sorted(files)[0], None, Message("no_executable_process"))
    problems = sorted(out.problems, key=lambda p: (p.file, p.line or 0))
    return parsed, problems


def parse_processes(files: dict[str, bytes | str], *, rules: DeployRules | None = None,
                    deployed: Deployed | None = None) -> list[ParsedProcess]:
    """Parse BPMN/DMN files (name -> content) and return every executable process.

    Raises InvalidBpmn listing every problem found, with element ids and lines.
    """
    parsed, problems = validate_files(files, rules=rules, deployed=deployed)
    if problems:
        raise InvalidBpmn("the process files cannot be deployed", problems)
    return parsed


def read_directory(directory: str | Path) -> dict[str, bytes]:
    root = Path(directory)
    return {p.name: p.read_bytes() for p in sorted(root.iterdir()) if p.suffix in (".bpmn", ".dmn")}


def spec_hash(spec_json: str) -> str:
    return sha256_text(spec_json)


__all__ = ["DeployRules", "ParsedProcess", "Problem", "parse_processes", "read_directory", "spec_hash",
           "validate_files", "CaseSerializer"]
