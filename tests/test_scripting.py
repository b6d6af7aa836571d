"""The restricted script environment: what BPMN scripts and expressions may and may not do.

Two levels:
- unit tests on ``RestrictedEnvironment`` (helpers, time limit, range limit, name clashes);
- escape probes put into tests/bpmn/script_probe.bpmn (in the script task and in the
  gateway condition) and run through the CaseEngine on a real database.
"""
from __future__ import annotations

import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import InvalidBpmn
from engine.errors import ScriptError, ScriptTimeout
from engine.models import AuditEvent, Case, ProcessVersion, ReadyTask
from engine.scripting import MAX_RANGE, RestrictedEnvironment, check_expression, check_script
from engine_support import Harness, deploy_probe

ROOT = Path(__file__).resolve().parent.parent


# ============================================================ unit: the environment

@pytest.fixture
def env():
    return RestrictedEnvironment(time_limit=0.3)


def test_date_helpers(env):
    ctx = {"start": "2024-02-27", "end": "2024-03-02T10:00:00+00:00"}
    env.execute(
        "due = add_days(start, 3)\n"
        "span = days_between(start, end)\n"
        "later = as_date(start) + timedelta(days=7)\n"
        "text = iso(due)\n",
        ctx,
    )
    assert ctx["due"] == date(2024, 3, 1)  # leap year
    assert ctx["span"] == 4
    assert ctx["later"] == date(2024, 3, 5)
    assert ctx["text"] == "2024-03-01"
    assert env.evaluate("days_between(add_days('2024-01-01', 10), '2024-01-01')", {}) == -10
    assert env.evaluate("datetime(2024, 1, 1, tzinfo=timezone.utc) + timedelta(hours=1)", {}) == \
        datetime(2024, 1, 1, 1, tzinfo=timezone.utc)


def test_now_and_today_are_aware_utc(env):
    now = env.evaluate("now()", {})
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
    assert env.evaluate("today()", {}) == now.date()


def test_ordinary_python_works(env):
    ctx = {"votes": [{"member": "a", "vote": "yes"}, {"member": "b", "vote": "no"},
                     {"member": "c", "vote": "yes"}],
           "tally": {}}
    env.execute(
        "yes = [v['member'] for v in votes if v['vote'] == 'yes']\n"
        "by_vote = {v['member']: v['vote'] for v in votes}\n"
        "for v in votes:\n"
        "    tally[v['vote']] = tally.get(v['vote'], 0) + 1\n"
        "count = 0\n"
        "for i in range(10):\n"
        "    count += i\n"
        "names = ''\n"
        "names += 'x'\n"
        "first, *rest = sorted(by_vote)\n"
        "total = sum(len(m) for m in yes)\n",
        ctx,
    )
    assert ctx["yes"] == ["a", "c"]
    assert ctx["by_vote"] == {"a": "yes", "b": "no", "c": "yes"}
    assert ctx["tally"] == {"yes": 2, "no": 1}
    assert ctx["count"] == 45
    assert ctx["names"] == "x"
    assert (ctx["first"], ctx["rest"]) == ("a", ["b", "c"])
    assert ctx["total"] == 2


def test_script_results_are_written_back_and_deleted_names_removed(env):
    ctx = {"keep": 1, "drop": 2}
    env.execute("del drop\nnew = keep + 1\nhelper = add_days\n", ctx)
    assert ctx == {"keep": 1, "new": 2}  # functions are not copied into task data


def test_endless_loop_is_stopped_by_time_limit(env):
    started = time.monotonic()
    with pytest.raises(ScriptTimeout, match="longer than 0.3"):
        env.execute("while True:\n    pass\n", {})
    # stopped by the limit, not before it (no upper bound: a loaded machine may take longer to stop it)
    assert time.monotonic() - started >= 0.25


def test_long_expression_is_stopped_by_time_limit(env):
    with pytest.raises(ScriptTimeout):
        env.evaluate("[1 for i in range(100000) for j in range(100000)]", {})


def test_time_limit_does_not_leak_a_tracer():
    import sys

    env = RestrictedEnvironment(time_limit=0.3)
    before = sys.gettrace()
    env.execute("x = 1", {})
    with pytest.raises(ScriptTimeout):
        env.execute("while True:\n    pass", {})
    assert sys.gettrace() is before


def test_time_limit_cannot_be_caught_by_the_script(env):
    """Regression: ScriptTimeout is raised by a sys.settrace tracer; a script that caught it
    (`except Exception`) ran on with the tracer unset, i.e. with no time limit at all."""
    log = []
    script = (
        "try:\n"
        "    while True:\n"
        "        pass\n"
        "except Exception:\n"
        "    pass\n"
        "log.append('escaped')\n"
        "n = 0\n"
        "for i in range(1000):\n"
        "    n += 1\n"
        "log.append(n)\n"
    )
    started = time.monotonic()
    try:
        env.execute(script, {"log": log})
    except ScriptError:
        pass
    assert time.monotonic() - started < 2
    # After the deadline the script must not run another line.
    assert log == []


def _run_child(script: str, *, wait: float, memory_bytes: int = 2 * 2**30) -> str | None:
    """Run `script` in RestrictedEnvironment(time_limit=0.05) in a child process with an
    address-space limit. Returns the name of the exception it raised ("" if none), or None if
    it was still running after `wait` seconds (then it is killed). A child process, because a
    long C-level operation holds the GIL, so a thread could not even be waited for."""
    child = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({memory_bytes}, {memory_bytes}))\n"
        "from engine.scripting import RestrictedEnvironment\n"
        "env = RestrictedEnvironment(time_limit=0.05)\n"
        "print('ready', flush=True)\n"
        "try:\n"
        "    env.execute(sys.argv[1], {})\n"
        "    print('', flush=True)\n"
        "except BaseException as exc:\n"
        "    print(type(exc).__name__, flush=True)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", child, script], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return None
        return proc.stdout.read().strip()
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()


def test_time_limit_bounds_a_single_long_operation():
    """Regression: the tracer only checks the deadline between Python lines and calls, so one
    long C-level operation (`3 ** 3 ** 17`: minutes) ran far past the limit."""
    assert _run_child("x = 3 ** 3 ** 17", wait=1.5) in ("ScriptTimeout", "ScriptError")


@pytest.mark.parametrize("script, message", [
    ("x = 3 ** 3 ** 17", "power"),
    ("x = 10 ** 10 ** 6", "power"),
    ("x = 'ab' * 10 ** 9", "sequence"),
    ("x = 10 ** 9 * [0]", "sequence"),
    ("x = (1, 2) * 10 ** 9", "sequence"),
    ("x = 1 << 10 ** 9", "shift"),
])
def test_huge_c_level_operations_are_refused(env, script, message):
    with pytest.raises(ScriptError, match=message):
        env.execute(script, {})


def test_ordinary_arithmetic_still_works(env):
    ctx = {}
    env.execute("a = 2 ** 10\nb = 'ab' * 3\nc = 1 << 4\nd = 1.5 ** 2\ne = [0] * 3\nf = 3 * 4\n"
                "g = pow(2, 5)\nh = 2\nh = h ** 3\n", ctx)
    assert ctx == {"a": 1024, "b": "ababab", "c": 16, "d": 2.25, "e": [0, 0, 0], "f": 12, "g": 32, "h": 8}


@pytest.mark.parametrize("script", [
    "try:\n    x = 1\nexcept Exception:\n    pass",
    "try:\n    x = 1\nfinally:\n    y = 2",
    "x = 2\nx **= 3",
    "x = 'a'\nx *= 3",
])
def test_constructs_that_would_escape_the_limits_are_refused_at_compile_time(script):
    assert check_script(script)


def test_pow_builtin_is_bounded_too():
    assert _run_child("x = pow(3, 3 ** 17)", wait=1.5) in ("ScriptTimeout", "ScriptError")


@pytest.mark.parametrize("script", [
    "x = 'a'.ljust(2 * 10 ** 9)",
    "x = 'a'.zfill(2 * 10 ** 9)",
    "x = '%02000000000d' % 1",
    "x = f'{1:02000000000d}'",
    "x = ('a' * 1000).replace('a', 'a' * 2000)",
])
def test_huge_string_padding_is_refused(script):
    """One C-level allocation cannot be interrupted by the time limit, so it is refused up front."""
    assert _run_child(script, wait=5, memory_bytes=1536 * 2**20) in ("ScriptError", "ScriptTimeout")


def test_range_is_limited(env):
    assert env.evaluate("len(range(10))", {}) == 10
    assert env.evaluate(f"len(range({MAX_RANGE}))", {}) == MAX_RANGE
    with pytest.raises(ScriptError, match="range"):
        env.evaluate("range(10**9)", {})
    with pytest.raises(ScriptError, match="range"):
        env.execute("for i in range(10**9):\n    pass\n", {})
    with pytest.raises(ScriptError, match="range"):
        env.execute("x = list(range(0, 10**9, 2))", {})


@pytest.mark.parametrize("name", ["add_days", "today", "datetime", "timedelta", "now"])
def test_task_data_clashing_with_a_helper_is_a_clear_error(env, name):
    with pytest.raises(ScriptError, match=rf"overwrites a predefined helper; rename: {name}"):
        env.execute("x = 1", {name: "2024-01-01"})
    with pytest.raises(ScriptError, match=rf"rename: {name}"):
        env.evaluate("1", {name: 1})


def test_clash_lists_every_clashing_name(env):
    with pytest.raises(ScriptError) as info:
        env.execute("x = 1", {"today": 1, "iso": 2, "fine": 3})
    assert str(info.value).endswith("rename: iso, today")


def test_helpers_cannot_be_modified(env):
    from engine.scripting import HELPERS

    for script in ("add_days.owned = 1", "timedelta.owned = 1", "setattr(add_days, 'owned', 1)"):
        with pytest.raises(TypeError):
            env.execute(script, {})
    assert not hasattr(HELPERS["add_days"], "owned")
    assert not hasattr(timedelta, "owned")


def test_unsupported_inplace_operator():
    from engine.scripting import _inplacevar

    with pytest.raises(ScriptError, match="not allowed"):
        _inplacevar("@=", 1, 2)


# ============================================================ escape probes

# (id, script for the script task, expression for the gateway condition)
# Each would, if it worked, read files, run commands or reach interpreter internals.
PROBES = [
    ("import_os", "import os\nx = os.listdir('/')", "__import__('os').listdir('/') != []"),
    ("from_import", "from os import system\nx = system('true')", "__import__('os').system('true') == 0"),
    ("open", "x = open('/etc/passwd').read()", "open('/etc/passwd').read() != ''"),
    ("dunder_import", "os = __import__('os')\nx = os.getcwd()", "__import__('os').getcwd() != ''"),
    ("subclasses", "x = len(().__class__.__base__.__subclasses__())",
     "len(().__class__.__base__.__subclasses__()) > 0"),
    ("getattr", "x = getattr((), '__class__')", "getattr((), '__class__') is not None"),
    ("str_format", "x = '{0.__class__.__base__}'.format(1)", "'{0.__class__}'.format(1) != ''"),
    ("str_type_format", "x = str.format('{0.__class__}', 1)", "str.format('{0.__class__}', 1) != ''"),
    ("format_map", "x = '{a.__class__}'.format_map({'a': 1})", "'{a.__class__}'.format_map({'a': 1}) != ''"),
    ("eval", "x = eval('1 + 1')", "eval('1 + 1') == 2"),
    ("exec", "exec('x = 1')", "exec('y = 1') is None"),
    ("compile", "x = compile('1', '<s>', 'eval')", "compile('1', '<s>', 'eval') is not None"),
    ("globals", "x = list(globals())", "len(globals()) > 0"),
    ("vars", "x = list(vars())", "len(vars()) > 0"),
    ("type_mro", "x = len(type(()).mro())", "len(type(()).mro()) > 0"),
    ("type_new", "X = type('X', (object,), {})\nx = str(X)", "type('X', (object,), {}) is not None"),
    ("class_statement", "class X:\n    pass\nx = str(X)", None),
    ("underscore_attr", "x = add_days.__globals__", "add_days.__globals__ is not None"),
    ("underscore_name", "x = _getattr_(add_days, '__globals__')",
     "_getattr_(add_days, '__globals__') is not None"),
    ("builtins", "x = __builtins__", "__builtins__ is not None"),
    ("generator_frame", "g = (i for i in [1])\nx = g.gi_frame.f_globals",
     "(i for i in [1]).gi_frame is not None"),
    ("write_helper_attr", "add_days.owned = True\nx = add_days.owned",
     "setattr(add_days, 'owned', True) is None"),
    ("write_class_attr", "timedelta.owned = True\nx = 1", "setattr(timedelta, 'owned', True) is None"),
    ("delete_helper_attr", "del add_days.__name__\nx = 1", "delattr(add_days, 'owned') is None"),
]


@pytest.fixture
def probe(sqlite_url):
    """Deploy script_probe with a given script/condition and start it; report how it was refused."""
    harness = Harness(sqlite_url, time_limit=0.3)

    def counts():
        with harness.session() as s:
            return {m.__name__: s.scalar(select(func.count()).select_from(m))
                    for m in (ProcessVersion, Case, ReadyTask, AuditEvent)}

    def run(script="x = 1", condition="False", data=None):
        before = counts()
        try:
            with harness.session() as s, s.begin():
                deploy_probe(harness.engine, s, script, condition)
        except InvalidBpmn as exc:
            assert counts() == before, "a refused deployment wrote to the database"
            return "deploy", exc
        with harness.session() as s, s.begin():
            instance = harness.engine.start(s, "script_probe", actor="probe", data=data)
            if instance.failure is None:
                return "ran", instance
            # a refused script or condition leaves the new case as an incident naming the element
            assert instance.row.status == "incident"
            assert instance.row.incident_element == instance.failure.element
            return "run", instance.failure

    yield run
    harness.dispose()


def test_probe_control_script_and_condition_run(probe):
    """The probe file works at all: a benign script runs and the condition picks the branch."""
    how, instance = probe("x = add_days('2024-01-01', 1)", "x == date(2024, 1, 2)")
    assert how == "ran"
    assert [t.task_spec.name for t in instance.ready_human_tasks] == ["yes"]
    how, instance = probe("x = 1", "x == 2")
    assert how == "ran"
    assert [t.task_spec.name for t in instance.ready_human_tasks] == ["no"]


@pytest.mark.parametrize("script", [p[1] for p in PROBES], ids=[p[0] for p in PROBES])
def test_probe_refused_in_script_task(probe, script):
    how, result = probe(script=script, condition="True")
    assert how in ("deploy", "run"), f"probe ran: {result.data if how == 'ran' else result}"
    if how == "run":
        assert result.element == "probe_script"
    else:
        assert any(p.element == "probe_script" and "script refused" in p.message for p in result.problems), \
            result.problems


@pytest.mark.parametrize("condition", [p[2] for p in PROBES if p[2]], ids=[p[0] for p in PROBES if p[2]])
def test_probe_refused_in_gateway_condition(probe, condition):
    how, result = probe(script="x = 1", condition=condition)
    assert how in ("deploy", "run"), f"probe ran: {result.data if how == 'ran' else result}"
    if how == "run":
        assert result.element == "probe_gw"
    else:
        # the condition is reported where it is written: on the gateway's outgoing flow
        assert any(p.element == "flow_gw_yes" and "condition refused" in p.message for p in result.problems), \
            result.problems


def test_deploy_refuses_a_condition_that_cannot_compile(probe):
    how, exc = probe(script="x = 1", condition="__import__('os') or ().__class__")
    assert how == "deploy"
    assert len(exc.problems) == 1
    assert exc.problems[0].element == "flow_gw_yes" and "__import__" in exc.problems[0].message
    assert exc.problems[0].line == 66
    assert check_expression("_x") and check_expression("1 + 1") is None
    assert check_script("x = eval('1')") and check_script("x = 1") is None


def test_deploy_refuses_a_script_that_cannot_compile(probe):
    """Regression: specs._expressions looked for bpmn.specs.defaults.ScriptTask, but the spiff
    parser builds spiff.specs.defaults.ScriptTask (not a subclass), so scripts were never
    checked at deploy."""
    how, exc = probe(script="x = ().__class__", condition="False")
    assert how == "deploy"
    assert any(p.element == "probe_script" and "__class__" in p.message for p in exc.problems)


def test_endless_loop_in_script_task_is_stopped(probe):
    started = time.monotonic()
    how, exc = probe(script="while True:\n    pass", condition="True")
    assert how == "run" and exc.element == "probe_script"
    assert "longer than 0.3" in str(exc)
    assert time.monotonic() - started < 3


def test_endless_condition_is_stopped(probe):
    how, exc = probe(condition="len([1 for i in range(100000) for j in range(100000)]) > 0")
    assert how == "run" and exc.element == "probe_gw"


def test_start_data_clashing_with_helper_fails_the_start(probe):
    how, exc = probe(data={"today": "2024-01-01"})
    assert how == "run" and "rename: today" in str(exc)


def test_a_typo_in_a_condition_fails_loudly_instead_of_taking_the_default_flow(probe):
    how, exc = probe(script="x = 1", condition="add_days.foo == 1")
    assert how == "run" and exc.element == "probe_gw"
    assert "has no attribute 'foo'" in str(exc)


def test_a_condition_error_names_its_cause(probe):
    how, exc = probe(script="x = 1", condition="open('/etc/passwd')")
    assert how == "run" and exc.element == "probe_gw"
    assert "NameError" in str(exc) and "open" in str(exc)
