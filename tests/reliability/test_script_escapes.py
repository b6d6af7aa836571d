"""The escape catalogue of the restricted script engine (engine/scripting.py).

Every probe tries to reach the interpreter (modules, frames, globals, classes), run code, read
files or exhaust memory/time. Each must be refused at deploy time (it does not compile under the
policy) or fail when it runs — never return a value. Two levels:

- every probe through the environment, as an expression (conditions, timer expressions, DMN cells,
  assignee properties and multi-instance expressions all go through `evaluate`) and as a script;
- a sample of probes end to end in each place a BPMN/DMN file can hold code: a script task, a gateway
  condition, a timer expression, an `assignee` property and a DMN cell — deployed through the case
  engine on a real database (tests/test_scripting.py runs the whole old list in scripts and conditions).
"""
from __future__ import annotations

import time
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import select

from engine import InvalidBpmn
from engine.errors import ScriptTimeout
from engine.scripting import RestrictedEnvironment, check_expression, check_script
from engine_support import Harness, bpmn_bytes, deploy_probe

ROOT = Path(__file__).resolve().parents[2]

# Expressions. Each would, if it ran, reach interpreter internals, run code, or allocate without bound.
EXPRESSIONS = [
    "__import__('os').system('true')",
    "().__class__.__bases__[0].__subclasses__()",
    "[].__class__.__mro__[-1].__subclasses__()",
    "{}.__class__",
    "(1).__class__",
    "object.__subclasses__()",
    "getattr(add_days, '__globals__')",
    "getattr((), '__class__')",
    "hasattr(add_days, '__globals__')",
    "'{0.__class__.__mro__}'.format(1)",
    "'{0.__globals__}'.format(add_days)",
    "'{a.__class__}'.format_map({'a': 1})",
    "str.format('{0.__class__}', 1)",
    "'{0.gi_frame}'.format((i for i in [1]))",
    "format(add_days, '')",
    "(i for i in [1]).gi_frame",
    "(i for i in [1]).gi_frame.f_globals",
    "(i for i in [1]).gi_code",
    "(lambda: 0).__code__",
    "(lambda f=__import__: f('os'))()",
    "type(1)",
    "type('X', (), {})",
    "vars()",
    "globals()",
    "locals()",
    "dir()",
    "open('/etc/passwd').read()",
    "exec('1')",
    "eval('1')",
    "compile('1', 'a', 'eval')",
    "breakpoint()",
    "input()",
    "help()",
    "print.__self__",
    "getattr(print, '__self__')",
    "now.__globals__",
    "add_days.__closure__",
    "add_days.__wrapped__",
    "now().__class__",
    "datetime.now().__class__.__subclasses__()",
    "datetime.__dict__",
    "getattr(datetime, 'now').__self__",
    "today().__reduce_ex__(2)",
    "timezone.utc.__reduce__()",
    "now().tzinfo.utcoffset.__self__",
    "getattr(timedelta, 'max').__class__",
    "sys.modules",
    "os.environ",
    "memoryview(b'x')",
    "setattr(add_days, 'x', 1)",
    "delattr(add_days, '__name__')",
    "super",
    "classmethod(len)",
    "iter(int, 1)",
    "list(iter(int, 1))",
    # huge allocations: refused before the C-level operation starts
    "bytearray(10**9)",
    "bytes(10**9)",
    "'x' * 10**9",
    "[0] * 10**9",
    "10**10**10",
    "2 << 10**9",
    "'x'.ljust(10**9)",
    "'x'.center(10**9)",
    "'x'.zfill(10**9)",
    "'\\t'.expandtabs(10**9)",
    "'x' * 1000 .replace('x', 'y' * 10**6)",
    "'%1000000000d' % 1",
    "f'{1:>1000000000}'",
    "'{:>1000000000}'.format(1)",
    "format(1, '>1000000000')",
    "'{0:{1}}'.format(1, 10**9)",
    "list(range(10**9))",
    "sorted(range(10**9))",
    "dict.fromkeys(range(10**8))",
    "int('9' * 10**6)",
    "str(10**100000)",
    # never-ending work, stopped by the time limit
    "[1 for i in range(100000) for j in range(100000)]",
    "sum(i for i in range(100000) for j in range(100000))",
]

# Scripts: statements that expressions cannot hold.
SCRIPTS = [
    "import os",
    "from os import path",
    "import sys\nx = sys.modules",
    "class X:\n    pass",
    "def f(a=__builtins__):\n    return a\nx = f()",
    "def d(f):\n    return f.__globals__\n@d\ndef g():\n    pass\nx = g",
    "def g():\n    yield 1\nit = g()\nx = it.gi_frame.f_back",
    "f = lambda: 0\nx = f.__code__.co_consts",
    "x = getattr(getattr, '__self__')",
    "with open('/etc/passwd') as f:\n    x = f.read()",
    "try:\n    x = 1\nexcept Exception:\n    x = 2",
    "try:\n    while True:\n        pass\nfinally:\n    x = 1",
    "async def f():\n    pass",
    "x = [1]\nx *= 10**9",
    "x = 'a'\nx **= 2",
    "add_days.owned = 1",
    "del add_days.__name__",
    "timedelta.days = 1",
    "x = {}\nx.__class__ = list",
    "exec('import os')",
    "x = __builtins__['__import__']",
    "_x = 1",
    "x = _getattr_",
    "while True:\n    pass",
    "x = 0\nwhile True:\n    x = x + 1",
]

TIME_LIMIT = 0.3


@pytest.fixture(scope="module")
def env():
    return RestrictedEnvironment(time_limit=TIME_LIMIT)


def _refused_expression(env, expression: str) -> str:
    """'deploy' if it does not compile, 'run' if it fails when evaluated; fails the test if it ran."""
    if check_expression(expression):
        return "deploy"
    try:
        value = env.evaluate(expression, {"x": 1})
    except Exception:  # noqa: BLE001 - any refusal at run time counts as refused
        return "run"
    pytest.fail(f"{expression!r} ran and gave {value!r:.200}")


def _refused_script(env, script: str) -> str:
    if check_script(script):
        return "deploy"
    data = {"x": 0}
    try:
        env.execute(script, data)
    except Exception:  # noqa: BLE001 - any refusal at run time counts as refused
        return "run"
    pytest.fail(f"{script!r} ran; task data {data!r:.200}")


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_expression_probe_is_refused(env, expression):
    _refused_expression(env, expression)


@pytest.mark.parametrize("script", SCRIPTS + [f"x = {e}" for e in EXPRESSIONS[:40]])
def test_script_probe_is_refused(env, script):
    _refused_script(env, script)


def test_an_endless_loop_is_stopped_by_the_time_limit(env):
    started = time.monotonic()
    with pytest.raises(ScriptTimeout):
        env.execute("while True:\n    pass", {})
    with pytest.raises(ScriptTimeout):
        env.evaluate("[1 for i in range(100000) for j in range(100000)]", {})
    assert time.monotonic() - started < 10  # generous: stopped, not finished


def test_rebinding_a_helper_stays_inside_the_script(env):
    data = {}
    env.execute("global add_days\nadd_days = 1\nnow = None", data)
    assert data == {}  # not written back as task data
    assert env.evaluate("add_days('2024-01-01', 1)", {}).isoformat() == "2024-01-02"


def test_the_probes_do_not_break_ordinary_code(env):
    """The guards are not a blanket refusal: the same kinds of operations within bounds work."""
    assert env.evaluate("f'{x} {y:>3}'", {"x": 1, "y": "a"}) == "1   a"
    assert env.evaluate("'x'.ljust(5) + 'y' * 3", {}) == "x    yyy"
    assert env.evaluate("len(list(range(1000)))", {}) == 1000
    assert env.evaluate("add_days('2024-01-30', 2).isoformat()", {}) == "2024-02-01"
    assert env.evaluate("sorted({'b': 1, 'a': 2}.items())", {}) == [("a", 2), ("b", 1)]
    data = {}
    env.execute("def double(v):\n    return v * 2\nx = [double(i) for i in range(3)]", data)
    assert data["x"] == [0, 2, 4]


# ================================================================ end to end, each place in a file

# A sample: a compile-time refusal, run-time refusals of several kinds, and an endless computation.
E2E = [
    "().__class__.__bases__[0].__subclasses__()",
    "'{0.__class__}'.format(1)",
    "(i for i in [1]).gi_frame",
    "open('/etc/passwd').read()",
    "type('X', (), {})",
    "globals()",
    "'x' * 10**9",
    "[1 for i in range(100000) for j in range(100000)]",
]


@pytest.fixture
def harness(sqlite_url):
    h = Harness(sqlite_url, time_limit=TIME_LIMIT)
    yield h
    h.dispose()


def _deploy(harness, files: dict[str, bytes]):
    with harness.session() as s, s.begin():
        harness.engine.deploy(s, files, "probe")


def _start(harness, process_id: str, data=None):
    with harness.session() as s, s.begin():
        instance = harness.engine.start(s, process_id, actor="probe", data=data)
        return instance.failure, instance.row.status, [t.task_spec.name for t in instance.ready_human_tasks]


@pytest.mark.parametrize("probe", E2E)
def test_probe_in_a_script_task_and_a_condition(harness, probe):
    for script, condition in ((f"x = {probe}", "True"), ("x = 1", f"bool({probe})")):
        try:
            with harness.session() as s, s.begin():
                deploy_probe(harness.engine, s, script, condition)
        except InvalidBpmn:
            continue
        failure, status, tasks = _start(harness, "script_probe")
        assert failure is not None and status == "incident", (script, condition, tasks)


@pytest.mark.parametrize("probe", E2E)
def test_probe_in_a_timer_expression(harness, probe):
    files = {"timer_wait.bpmn": bpmn_bytes("timer_wait", {">wait_for<": f">{escape(probe)}<"})}
    try:
        _deploy(harness, files)
    except InvalidBpmn as exc:
        assert any(p.element == "wait" or "timer" in p.message for p in exc.problems), exc.problems
        return
    failure, status, _ = _start(harness, "timer_wait")
    assert failure is not None and status == "incident"


@pytest.mark.parametrize("probe", E2E)
def test_probe_in_an_assignee_property(harness, probe):
    from engine.models import ReadyTask

    attribute = escape(probe, {'"': "&quot;"})
    files = {"multi_assignee.bpmn": bpmn_bytes("multi_assignee", {'value="person"': f'value="{attribute}"'})}
    try:
        _deploy(harness, files)
    except InvalidBpmn as exc:
        assert any("assignee" in p.message for p in exc.problems), exc.problems
        return
    # an assignee expression that fails leaves the task to its lane; it never yields a value
    _start(harness, "multi_assignee", data={"people": ["a", "b"]})
    with harness.session() as s:
        assert set(s.scalars(select(ReadyTask.assignee))) == {None}


@pytest.mark.parametrize("probe", E2E)
def test_probe_in_a_dmn_cell(harness, probe):
    dmn = (ROOT / "bpmn" / "council_outcome.dmn").read_text("utf-8")
    assert dmn.count('<text>counts["agree"]</text>') == 1
    files = {"council_outcome.dmn": dmn.replace('<text>counts["agree"]</text>', f"<text>{escape(probe)}</text>")
             .encode(), "council_meeting.bpmn": (ROOT / "bpmn" / "council_meeting.bpmn").read_bytes()}
    try:
        _deploy(harness, files)
    except InvalidBpmn as exc:
        assert any("DMN" in p.message for p in exc.problems), exc.problems
        return
    # compiled: it runs only inside the council process, with the same environment as above
    from engine.scripting import compile_expression

    compile_expression(probe)
    with pytest.raises(Exception):
        RestrictedEnvironment(time_limit=TIME_LIMIT).evaluate(probe, {"counts": {"agree": 1}})
