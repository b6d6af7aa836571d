"""Parsing and validating process files, and storing each process version once."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.spiff.parser.process import VALIDATOR

from .errors import InvalidBpmn
from .scripting import check_expression, check_script
from .serialization import CaseSerializer, sha256_text


@dataclass
class ParsedProcess:
    process_id: str
    name: str
    spec: object
    subprocess_specs: dict
    sources: dict[str, str] = field(default_factory=dict)


def _problem(where: str, element: str | None, message: str, line: int | None = None) -> str:
    parts = [where]
    if element:
        parts.append(f"element {element}")
    if line:
        parts.append(f"line {line}")
    return f"{', '.join(parts)}: {message}"


def _expressions(spec) -> Iterable[tuple[str, str, str]]:
    """Yield (task spec name, kind, text) for every script and expression in a spec."""
    for name, ts in spec.task_specs.items():
        # Duck-typed: the spiff parser builds its own task classes, not bpmn.specs.defaults'.
        script = getattr(ts, "script", None)
        if isinstance(script, str) and script:
            yield name, "script", script
        if hasattr(ts, "cond_task_specs"):
            for condition, _target in ts.cond_task_specs:
                text = getattr(condition, "args", [condition])[0] if condition is not None else None
                if text:
                    yield name, "expression", text
        event_definition = getattr(ts, "event_definition", None)
        if isinstance(event_definition, TimerEventDefinition):
            yield name, "expression", event_definition.expression
        for key in ("preScript", "postScript"):
            text = (getattr(ts, "extensions", None) or {}).get(key)
            if text:
                yield name, "script", text
        for attr in ("prescript", "postscript"):
            text = getattr(ts, attr, None)
            if text:
                yield name, "script", text


def parse_processes(files: dict[str, bytes | str]) -> list[ParsedProcess]:
    """Parse BPMN/DMN files (name -> content) and return every executable process.

    Raises InvalidBpmn listing every problem found, with element ids and lines.
    """
    parser = SpiffBpmnParser(validator=VALIDATOR)
    problems: list[str] = []
    texts: dict[str, str] = {}
    for fname, content in sorted(files.items()):
        raw = content.encode("utf-8") if isinstance(content, str) else content
        try:
            texts[fname] = raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(_problem(fname, None, "is not UTF-8 text"))
            continue
        try:
            tree = etree.fromstring(raw, parser=etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError as exc:
            problems.append(_problem(fname, None, f"malformed XML: {exc.msg}", exc.lineno))
            continue
        try:
            if fname.endswith(".dmn"):
                parser.add_dmn_xml(tree, filename=fname)
            else:
                parser.add_bpmn_xml(tree, filename=fname)
        except SpiffWorkflowException as exc:
            problems.append(_problem(fname, getattr(exc, "id", None), str(exc).splitlines()[0],
                                     getattr(exc, "line_number", None)))
        except Exception as exc:  # the validator raises plain errors for schema problems
            problems.append(_problem(fname, None, str(exc).splitlines()[0]))
    if problems:
        raise InvalidBpmn("the process files cannot be deployed", problems)

    parsed = []
    for process_id in parser.get_process_ids():
        proc_parser = parser.get_process_parser(process_id)
        if not proc_parser.process_executable:
            continue
        try:
            spec = parser.get_spec(process_id)
            subprocess_specs = parser.get_subprocess_specs(process_id)
        except SpiffWorkflowException as exc:
            problems.append(_problem(proc_parser.filename, getattr(exc, "id", None) or process_id,
                                     str(exc).splitlines()[0], getattr(exc, "line_number", None)))
            continue
        for s in [spec, *subprocess_specs.values()]:
            for element, kind, text in _expressions(s):
                why = check_script(text) if kind == "script" else check_expression(text)
                if why:
                    problems.append(_problem(proc_parser.filename, element, f"{kind} refused: {why}"))
        sources = {proc_parser.filename: texts.get(proc_parser.filename, "")}
        for name in subprocess_specs:
            sub = parser.get_process_parser(name)
            if sub is not None and sub.filename in texts:
                sources[sub.filename] = texts[sub.filename]
        parsed.append(ParsedProcess(process_id, proc_parser.get_name() or process_id, spec,
                                    subprocess_specs, sources))
    if problems:
        raise InvalidBpmn("the process files cannot be deployed", problems)
    return parsed


def read_directory(directory: str | Path) -> dict[str, bytes]:
    root = Path(directory)
    return {p.name: p.read_bytes() for p in sorted(root.iterdir()) if p.suffix in (".bpmn", ".dmn")}


def spec_hash(spec_json: str) -> str:
    return sha256_text(spec_json)


__all__ = ["ParsedProcess", "parse_processes", "read_directory", "spec_hash", "CaseSerializer"]
