"""Validating process files on deployment: every problem, with file, element and line; nothing stored.

Engine level (SQLite and PostgreSQL) with the domain's rules given as callbacks, as workflows.runtime does.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from engine import InvalidBpmn
from engine.models import AuditEvent, ProcessVersion
from engine.specs import DeployRules, validate_files
from engine_support import Harness, bpmn_bytes, probe_bytes

EXTERNAL = Path(__file__).parent / "bpmn" / "external"
FORMS = {"test.simple"}
RULES = DeployRules(form_exists=lambda key: key in FORMS, lane_exists=lambda lane: lane == "Team",
                    task_lane_exists=lambda lane: lane == "Team", service_exists=lambda name: name == "known.op")

DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="D" namespace="x">
  <decision id="pick" name="Pick">
    <decisionTable id="pick_table" hitPolicy="UNIQUE">
      <input id="in_n" label="n">
        <inputExpression id="in_n_expr" typeRef="integer"><text>n</text></inputExpression>
      </input>
      <output id="out_label" label="label" name="label" typeRef="string" />
      <rule id="rule_big">
        <inputEntry id="rule_big_n"><text>__ENTRY__</text></inputEntry>
        <outputEntry id="rule_big_out"><text>__OUTPUT__</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>
"""


@pytest.fixture
def h(db_url):
    harness = Harness(db_url)
    harness.engine.rules = RULES
    yield harness
    harness.dispose()


def refused(h, files: dict[str, bytes | str]) -> list:
    """Deploy files that must be refused; assert nothing was written; return the problems."""
    before = h.count(ProcessVersion), h.count(AuditEvent)
    with pytest.raises(InvalidBpmn) as info:
        with h.session() as s, s.begin():
            h.engine.deploy(s, files, "tester")
    assert (h.count(ProcessVersion), h.count(AuditEvent)) == before
    return info.value.problems


def deployed(h, files: dict[str, bytes | str]) -> list[str]:
    with h.session() as s, s.begin():
        return [pv.process_id for pv in h.engine.deploy(s, files, "tester")]


def problems_of(files, rules=RULES):
    return validate_files(files, rules=rules)[1]


def test_malformed_xml_names_the_line(h):
    text = bpmn_bytes("call_child").decode().replace("</bpmn:userTask>", "</bpmn:userTsk>")
    [problem] = refused(h, {"broken.bpmn": text})
    assert problem.file == "broken.bpmn" and problem.message.startswith("malformed XML")
    assert problem.line == text.splitlines().index("    </bpmn:userTsk>") + 1
    assert str(problem).startswith(f"broken.bpmn:{problem.line}: malformed XML")


def test_non_utf8_file_is_refused_with_its_line(h):
    raw = bpmn_bytes("call_child").replace(b'name="Child task"', 'name="Bør"'.encode("latin-1"))
    [problem] = refused(h, {"latin1.bpmn": raw})
    assert "not UTF-8" in problem.message
    assert problem.line == raw.split(b"\n").index(next(line for line in raw.split(b"\n") if b"B\xf8r" in line)) + 1


def test_every_schema_violation_names_element_and_line(h):
    text = bpmn_bytes("call_child").decode()
    text = text.replace('<bpmn:userTask id="child_task" name="Child task">',
                        '<bpmn:userTask id="child_task" name="Child task" colour="red">')
    text = text.replace('<bpmn:sequenceFlow id="flow_child_end" sourceRef="child_task" targetRef="end" />',
                        '<bpmn:sequenceFlow id="flow_child_end" sourceRef="child_task" />')
    problems = refused(h, {"schema.bpmn": text})
    lines = text.splitlines()
    assert [(p.element, p.line) for p in problems] == [
        ("child_task", next(i for i, line in enumerate(lines, 1) if 'colour="red"' in line)),
        ("flow_child_end", next(i for i, line in enumerate(lines, 1) if 'id="flow_child_end"' in line)),
    ]
    assert all(p.message.startswith("not valid BPMN 2.0") for p in problems)
    assert "colour" in problems[0].message and "targetRef" in problems[1].message
    assert "{http" not in problems[0].message  # namespaces shortened to prefixes


def test_unknown_called_process_names_the_call_activity(h):
    [problem] = refused(h, {"call_parent.bpmn": bpmn_bytes("call_parent")})
    assert problem.element == "call" and "'call_child'" in problem.message
    assert problem.line == next(i for i, line in enumerate(bpmn_bytes("call_parent").decode().splitlines(), 1)
                                if 'id="call"' in line)


def test_a_call_activity_may_call_a_deployed_process(h):
    assert deployed(h, {"call_child.bpmn": bpmn_bytes("call_child")}) == ["call_child"]
    assert deployed(h, {"call_parent.bpmn": bpmn_bytes("call_parent")}) == ["call_parent"]
    with h.session() as s, s.begin():
        case = h.engine.start(s, "call_parent", actor="t")
        assert [t.task_spec.name for t in case.ready_human_tasks] == ["child_task"]


def test_a_script_with_import_names_the_script_task(h):
    problems = refused(h, {"probe.bpmn": probe_bytes("import os\nx = 1", "False")})
    assert [(p.element, p.file) for p in problems] == [("probe_script", "probe.bpmn")]
    assert "import" in problems[0].message and problems[0].line


def test_a_missing_form_and_a_lane_without_role_are_named(h):
    text = bpmn_bytes("call_child").decode().replace('value="test.simple"', 'value="test.nothing"')
    text = text.replace('name="Team"', 'name="Outsiders"')
    problems = refused(h, {"c.bpmn": text})
    messages = {(p.element, p.message) for p in problems}
    assert ("child_task", "the form 'test.nothing' does not exist") in messages
    assert ("lane_team", "no role acts in the lane 'Outsiders'") in messages
    assert ("child_task", "the task is in the lane 'Outsiders', so no role can take it") in messages


def test_a_called_process_is_checked_even_when_not_executable(h):
    """A non-executable process runs when a call activity calls it: its tasks and code are checked too."""
    child = bpmn_bytes("call_child").decode().replace('isExecutable="true"', 'isExecutable="false"')
    child = child.replace('value="test.simple"', 'value="nope"')
    problems = refused(h, {"parent.bpmn": bpmn_bytes("call_parent"), "child.bpmn": child})
    assert ("child.bpmn", "child_task", "the form 'nope' does not exist") in {
        (p.file, p.element, p.message) for p in problems}


def test_every_problem_of_every_file_is_reported_and_nothing_is_deployed(h):
    bad_script = probe_bytes("import os", "__import__('os')")
    bad_form = bpmn_bytes("call_child").decode().replace('value="test.simple"', 'value="nope"')
    good = bpmn_bytes("timer_wait")
    problems = refused(h, {"a.bpmn": bad_script, "b.bpmn": bad_form, "c.bpmn": good, "d.bpmn": b"<oops"})
    assert {(p.file, p.element) for p in problems} == {
        ("a.bpmn", "probe_script"), ("a.bpmn", "flow_gw_yes"), ("b.bpmn", "child_task"), ("d.bpmn", None)}
    error = InvalidBpmn("the process files cannot be deployed", problems)
    assert str(error).splitlines()[0] == "the process files cannot be deployed"
    assert len(str(error).splitlines()) == len(problems) + 1


def test_no_executable_process_and_wrong_files_are_refused(h):
    signavio = (EXTERNAL / "signavio_order.bpmn").read_bytes()
    [problem] = refused(h, {"signavio_order.bpmn": signavio})
    assert "no executable process" in problem.message
    problems = refused(h, {"notes.txt": b"hello", "x.bpmn": DMN.encode(), "empty.bpmn": b""})
    assert {p.file for p in problems} == {"notes.txt", "x.bpmn", "empty.bpmn"}


def test_unquoted_timer_durations_and_unknown_services_are_named():
    text = (EXTERNAL / "camunda_report_reminder.bpmn").read_text().replace('>"PT1H"<', ">PT1H<")
    [problem] = problems_of({"r.bpmn": text})
    assert problem.element == "Event_grace" and '"PT1H"' in problem.message
    council = (Path(__file__).parent.parent / "bpmn" / "council_meeting.bpmn").read_text()
    dmn = (Path(__file__).parent.parent / "bpmn" / "council_outcome.dmn").read_text()
    quorum = (Path(__file__).parent.parent / "bpmn" / "council_quorum.dmn").read_text()
    problems = problems_of({"council_meeting.bpmn": council, "council_outcome.dmn": dmn, "council_quorum.dmn": quorum},
                           DeployRules(service_exists=lambda name: name != "council.count_positions"))
    assert {(p.element, p.message) for p in problems} == {
        ("count_positions", "the service operation 'council.count_positions' does not exist")}


def test_dmn_files_parse_and_their_cells_compile():
    council = (Path(__file__).parent.parent / "bpmn" / "council_meeting.bpmn").read_text()
    ok = DMN.replace("__ENTRY__", "&gt; 3").replace("__OUTPUT__", '"big"')
    [alone] = problems_of({"d.dmn": ok})  # valid, but a table alone has nothing to run it
    assert "add the .bpmn file" in alone.message
    bad = DMN.replace("__ENTRY__", "? &gt; ().__class__").replace("__OUTPUT__", "import os")
    problems = problems_of({"d.dmn": bad})
    assert {p.element for p in problems} == {"rule_big_n", "rule_big_out"}
    assert all(p.line for p in problems)
    [problem] = problems_of({"d.dmn": "<definitions xmlns='https://www.omg.org/spec/DMN/20191111/MODEL/'>"})
    assert problem.message.startswith("malformed XML")
    # a business rule task whose decision table is missing
    problems = problems_of({"council_meeting.bpmn": council})
    assert any(p.element == "propose" and "propose_outcome" in p.message for p in problems), problems


@pytest.mark.parametrize("name", sorted(p.name for p in EXTERNAL.iterdir()))
def test_files_from_other_modelers_are_named_never_crash(name):
    """Each file exported by another tool either validates or is refused with named reasons."""
    parsed, problems = validate_files({name: (EXTERNAL / name).read_bytes()},
                                      rules=DeployRules(form_exists=lambda key: False,
                                                        lane_exists=lambda lane: lane == "Sekretariat",
                                                        task_lane_exists=lambda lane: lane == "Sekretariat",
                                                        service_exists=lambda name: False))
    expected = {
        "camunda_invoice.bpmn": {"Lane_approver", "approveInvoice", "prepareBankTransfer", "assignApprover",
                                 "ServiceTask_archive", "Flow_approved", "Flow_rejected", "Lane_accountant",
                                 "Lane_team_assistant"},
        "camunda_report_reminder.bpmn": set(),
        "signavio_order.bpmn": {None},
        "spiffarena_document_review.bpmn": set(),
        "spiffarena_json_form.bpmn": {"Lane_requester", "Lane_manager", "Activity_request", "Activity_approve"},
    }[name]
    assert {p.element for p in problems} == expected, problems
    assert bool(parsed) and not problems or problems
    if name == "camunda_invoice.bpmn":
        messages = " | ".join(p.message for p in problems)
        for reason in ("camunda:formKey", "script format 'javascript'", "camunda:class", "${approved}"):
            assert reason in messages


def test_dmn_schema_violations_name_element_and_line():
    dmn = DMN.replace("__ENTRY__", "1").replace("__OUTPUT__", '"x"').replace(
        '<output id="out_label"', '<output id="out_label" colour="red"')
    [problem] = problems_of({"d.dmn": dmn}, DeployRules())
    assert problem.file == "d.dmn" and problem.element == "out_label" and problem.line == 8
    assert problem.message.startswith("not valid DMN") and "colour" in problem.message
