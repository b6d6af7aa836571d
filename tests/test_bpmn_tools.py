"""The files in bpmn/ as outside tools see them: bpmnlint (recommended rules), dmnlint, bpmn-moddle / dmn-moddle
(what bpmn-js, dmn-js and Camunda Modeler read and write), and the decision table's rules under its hit policy.

The node tools are pinned in package.json / package-lock.json (`make install` runs npm ci). The round trip
re-saves every file as a modeler does and runs the BDD suite of each family (tests/steps) on the re-saved files.
"""
from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
BPMN = ROOT / "bpmn"
NODE_MODULES = ROOT / "node_modules"
ROUND_TRIP = ROOT / "tests/tools/moddle_roundtrip.mjs"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
BPMN_FILES = sorted(BPMN.glob("*.bpmn"))
ALL_FILES = BPMN_FILES + sorted(BPMN.glob("*.dmn"))


def node(*args: str | Path, check: bool = False) -> subprocess.CompletedProcess:
    exe = shutil.which("node")
    if exe is None or not (NODE_MODULES / "bpmnlint").is_dir():
        pytest.fail("node or node_modules/ missing: run `make install` (npm ci installs bpmnlint, bpmn-moddle, ...)")
    result = subprocess.run([exe, *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


# ------------------------------------------------------------------ bpmnlint and dmnlint

def test_bpmnlint_recommended_reports_no_problem():
    assert json.loads((ROOT / ".bpmnlintrc").read_text())["extends"] == "bpmnlint:recommended"
    result = node(NODE_MODULES / "bpmnlint/bin/bpmnlint.js", *BPMN_FILES)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_bpmnlint_reports_an_unnamed_start_event(tmp_path):
    """The check itself works: today's fault (a start event without a name) fails it."""
    text = (BPMN / "hearing.bpmn").read_text("utf-8")
    broken = tmp_path / "broken.bpmn"
    broken.write_text(text.replace('<bpmn:startEvent id="start" name="Høring startet">',
                                   '<bpmn:startEvent id="start">'), "utf-8")
    (tmp_path / ".bpmnlintrc").write_text((ROOT / ".bpmnlintrc").read_text())
    result = subprocess.run([shutil.which("node"), str(NODE_MODULES / "bpmnlint/bin/bpmnlint.js"), str(broken)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "NODE_PATH": str(NODE_MODULES)})
    assert result.returncode != 0 and "label-required" in result.stdout, result.stdout + result.stderr


def test_dmnlint_reports_no_problem():
    result = node(NODE_MODULES / "dmnlint/bin/dmnlint.js", *BPMN.glob("*.dmn"))
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


# ------------------------------------------------------------------ the graph each modeler reads

@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_incoming_and_outgoing_lists_equal_the_sequence_flows(path):
    """bpmn-js draws the sequence flows but reads <incoming>/<outgoing>; both must describe one graph."""
    root = etree.parse(str(path)).getroot()
    flows = root.xpath("//bpmn:sequenceFlow", namespaces=NS)
    incoming: dict[str, set[str]] = {}
    outgoing: dict[str, set[str]] = {}
    for flow in flows:
        outgoing.setdefault(flow.get("sourceRef"), set()).add(flow.get("id"))
        incoming.setdefault(flow.get("targetRef"), set()).add(flow.get("id"))
    wrong = []
    nodes = [el for el in root.iter() if el.xpath("bpmn:incoming | bpmn:outgoing", namespaces=NS)
             or el.get("id") in incoming or el.get("id") in outgoing]
    for el in nodes:
        node_id = el.get("id")
        for tag, expected in (("incoming", incoming), ("outgoing", outgoing)):
            listed = [ref.text.strip() for ref in el.xpath(f"bpmn:{tag}", namespaces=NS)]
            if len(listed) != len(set(listed)) or set(listed) != expected.get(node_id, set()):
                wrong.append(f"{node_id}: <{tag}> lists {sorted(listed)}, "
                             f"the sequence flows say {sorted(expected.get(node_id, set()))}")
    assert not wrong, f"{path.name}:\n" + "\n".join(wrong)


# ------------------------------------------------------------------ a modeler's save

@pytest.fixture(scope="module")
def resaved(tmp_path_factory) -> tuple[Path, dict[str, list[str]]]:
    """Every file of bpmn/ read and written back by bpmn-moddle / dmn-moddle; the import warnings per file."""
    out = tmp_path_factory.mktemp("resaved")
    result = node(ROUND_TRIP, out, *ALL_FILES, check=True)
    return out, json.loads(result.stdout)


def test_moddle_imports_every_file_without_warnings(resaved):
    """bpmn-moddle's import warnings are what bpmn-js (and Camunda Modeler) report when opening a file."""
    out, warnings = resaved
    assert sorted(warnings) == sorted(p.name for p in ALL_FILES)
    assert not any(warnings.values()), json.dumps(warnings, indent=2, ensure_ascii=False)


def loop_refs(path: Path) -> list[tuple[str, str | None, str | None]]:
    root = etree.parse(str(path)).getroot()
    refs = []
    for loop in root.xpath("//bpmn:multiInstanceLoopCharacteristics", namespaces=NS):
        def text(tag):
            found = loop.xpath(f"bpmn:{tag}", namespaces=NS)
            return found[0].text.strip() if found else None
        refs.append((loop.getparent().get("id"), text("loopDataInputRef"), text("loopDataOutputRef")))
    return refs


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_a_modelers_save_keeps_every_multi_instance_loop(resaved, path):
    out, _ = resaved
    assert loop_refs(out / path.name) == loop_refs(path)
    assert all(data_input for _id, data_input, _output in loop_refs(path))


def test_the_resaved_files_deploy_without_problems(resaved):
    from engine.specs import read_directory, validate_files
    from workflows.runtime import build

    out, _ = resaved
    rules = build(lambda: None).engine.rules
    parsed, problems = validate_files(read_directory(out), rules=rules)
    assert not problems, problems
    assert {p.process_id for p in parsed} >= {"proposal", "hearing", "council_meeting", "network_round"}


def test_bpmn_dir_setting_deploys_that_directory(tmp_path, monkeypatch):
    """BYPLAN_BPMN_DIR (what the round trip below uses) is the directory deployed, not bpmn/."""
    from web import create_app
    from web.cli import init_db

    def deployed(name: str) -> dict[str, str]:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / name}", "TESTING": True})
        hashes = dict(init_db(app))
        with app.app_context():
            from web.extensions import db
            db.engine.dispose()
        return hashes

    bundled = deployed("bundled.sqlite")
    other = tmp_path / "other"
    shutil.copytree(BPMN, other)
    hearing = other / "hearing.bpmn"
    hearing.write_text(hearing.read_text("utf-8").replace('name="Høring startet"', 'name="Høring begyndt"'), "utf-8")
    monkeypatch.setenv("BYPLAN_BPMN_DIR", str(other))
    changed = deployed("other.sqlite")
    assert changed.keys() == bundled.keys()
    assert changed["hearing"] != bundled["hearing"]  # (and proposal, which calls it)
    assert changed["council_meeting"] == bundled["council_meeting"]


def test_bdd_suites_pass_on_the_resaved_files(resaved):
    """features/*.feature (tests/steps) on the files as a modeler saved them (SQLite: the files are the point)."""
    out, _ = resaved
    env = {**os.environ, "BYPLAN_BPMN_DIR": str(out)}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not postgres",
                             "tests/steps"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and " failed" not in result.stdout


# ------------------------------------------------------------------ the decision table

def outcome_before(agree: int, objections: int, _abstain: int) -> str:
    """council_outcome.dmn's rules as they were, taken in order, the first match winning (SpiffWorkflow's way)."""
    if agree >= 1 and objections == 0:
        return "approved"
    if agree > objections and objections > 0:
        return "approved_with_changes"
    return "sent_back"


@pytest.fixture(scope="module")
def outcome_table():
    from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
    from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
    from SpiffWorkflow.dmn.parser.BpmnDmnParser import BpmnDmnParser

    parser = BpmnDmnParser()
    parser.add_dmn_file(str(BPMN / "council_outcome.dmn"))
    dmn = parser.dmn_parsers["propose_outcome"]
    dmn.parse()
    (table,) = dmn.decision.decisionTables
    return table, DMNEngine(table), PythonScriptEngine()


GRID = list(itertools.product(range(9), repeat=3))  # agree, object, abstain: 0..8 each (9 council members)


def test_outcome_rules_are_mutually_exclusive_and_complete(outcome_table):
    """Hit policy UNIQUE: for every count exactly one rule matches (evaluated rule by rule, not first match)."""
    table, engine, script_engine = outcome_table
    assert table.hit_policy == "UNIQUE"
    check_rule = engine._DMNEngine__check_rule  # noqa: SLF001 - SpiffWorkflow's own rule test
    wrong = {}
    for agree, objections, abstain in GRID:
        task = SimpleNamespace(data={"counts": {"agree": agree, "object": objections, "abstain": abstain}},
                               workflow=SimpleNamespace(script_engine=script_engine))
        matched = [rule.id for rule in table.rules if check_rule(rule, task)]
        if len(matched) != 1:
            wrong[(agree, objections, abstain)] = matched
    assert not wrong, f"{len(wrong)} counts match other than one rule, e.g. {list(wrong.items())[:5]}"


def test_outcome_is_the_same_as_before_for_every_count(outcome_table):
    _table, engine, script_engine = outcome_table
    for counts in GRID:
        task = SimpleNamespace(data={"counts": dict(zip(("agree", "object", "abstain"), counts))},
                               workflow=SimpleNamespace(script_engine=script_engine))
        assert engine.result(task)["proposed_outcome"] == outcome_before(*counts), counts


def test_decision_table_declares_its_expression_language():
    """The rules are Python (SpiffWorkflow's script engine), not FEEL, the DMN default a modeler would assume."""
    root = etree.parse(str(BPMN / "council_outcome.dmn")).getroot()
    assert root.get("expressionLanguage") == "python"
