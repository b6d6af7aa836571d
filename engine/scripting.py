"""A restricted script engine for BPMN scripts and expressions.

SpiffWorkflow's default environment runs every script, gateway condition,
timer expression, message payload and DMN cell with bare ``eval``/``exec`` and
full builtins. Here everything is compiled with RestrictedPython, runs with
its guards and a small allow-list of helpers, and is stopped after a time
limit.
"""
from __future__ import annotations

import ast
import json
import operator
import re
import sys
import time
import types
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Callable, Mapping

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from . import workdays
from .context import current_execution
from .errors import ScriptError, ScriptTimeout, ServiceError

MAX_RANGE = 100_000

_INPLACE = {
    "+=": operator.iadd, "-=": operator.isub, "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "|=": operator.ior, "&=": operator.iand, "^=": operator.ixor,
    # *=, **=, <<= and %= are refused at compile time: they would bypass the size guards
}


def _inplacevar(op, x, y):
    try:
        return _INPLACE[op](x, y)
    except KeyError:
        raise ScriptError(f"operator {op} is not allowed") from None


def _limited_range(*args):
    r = range(*args)
    if len(r) > MAX_RANGE:
        raise ScriptError(f"range() of more than {MAX_RANGE} items is not allowed")
    return r


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _today() -> date:
    return _now().date()


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _add_days(value, days: int) -> date:
    return _as_date(value) + timedelta(days=int(days))


def _days_between(start, end) -> int:
    return (_as_date(end) - _as_date(start)).days


def _iso(value) -> str:
    return value.isoformat()


HELPERS: dict[str, Any] = {
    "datetime": datetime,
    "date": date,
    "timedelta": timedelta,
    "timezone": timezone,
    "now": _now,
    "today": _today,
    "add_days": _add_days,
    "days_between": _days_between,
    "as_date": _as_date,
    "iso": _iso,
    "add_working_days": workdays.add_working_days,
    "is_working_day": workdays.is_working_day,
}

_EXTRA_BUILTINS = {
    "list": list, "dict": dict, "set": set, "frozenset": frozenset, "min": min, "max": max,
    "sum": sum, "any": any, "all": all, "enumerate": enumerate, "map": map, "filter": filter,
    "reversed": reversed, "range": _limited_range, "len": len, "sorted": sorted,
}


def _restricted_globals() -> dict[str, Any]:
    builtins = dict(safe_builtins)
    builtins.update(_EXTRA_BUILTINS)
    builtins["pow"] = _guarded_pow
    return {
        "__builtins__": builtins,
        "_getattr_": _getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": default_guarded_getiter,
        "_write_": full_write_guard,
        "_inplacevar_": _inplacevar,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_pow_": _guarded_pow,
        "_mul_": _guarded_mul,
        "_lshift_": _guarded_lshift,
        "_mod_": _guarded_mod,
    }


MAX_INT_BITS = 100_000
MAX_SEQUENCE = 1_000_000


def _guarded_pow(base, exponent, *mod):
    if isinstance(base, int) and isinstance(exponent, int) and not mod and abs(base) > 1:
        if exponent > MAX_INT_BITS or exponent * max(abs(base), 2).bit_length() > MAX_INT_BITS:
            raise ScriptError("the power is too large to compute")
    return pow(base, exponent, *mod)


def _guarded_mul(left, right):
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, (str, bytes, list, tuple)) and isinstance(times, int):
            if len(seq) * times > MAX_SEQUENCE:
                raise ScriptError("the repeated sequence would be too long")
    return left * right


_FORMAT_WIDTH = re.compile(r"%[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
MAX_WIDTH = 10_000


def _guarded_mod(left, right):
    """`%`-formatting with a bounded field width and precision."""
    if isinstance(left, (str, bytes)):
        text = left if isinstance(left, str) else left.decode("latin-1")
        for width, precision in _FORMAT_WIDTH.findall(text):
            for value in (width, precision):
                if value == "*" or (value and int(value) > MAX_WIDTH):
                    raise ScriptError("the format width is too large")
    return left % right


_PADDING = {"ljust", "rjust", "center", "zfill", "expandtabs"}
_MISSING = object()


def _getattr(obj, name, default=None):
    """RestrictedPython's safer_getattr, with size guards on str/bytes methods that allocate."""
    value = safer_getattr(obj, name, _MISSING)
    if value is _MISSING:
        if default is not None:
            return default
        # A typo in a condition must fail loudly, not evaluate to None and take the default flow.
        raise AttributeError(f"{type(obj).__name__!s} has no attribute {name!r}")
    if isinstance(obj, (str, bytes)):
        if name in _PADDING:
            def padded(width=0, *args):
                if int(width) > MAX_SEQUENCE:
                    raise ScriptError("the padded text would be too long")
                return value(width, *args)
            return padded
        if name == "replace":
            def replace(old, new, count=-1):
                occurrences = obj.count(old) if count < 0 else min(count, obj.count(old))
                if len(obj) + occurrences * max(len(new) - len(old), 0) > MAX_SEQUENCE:
                    raise ScriptError("the replaced text would be too long")
                return value(old, new, count)
            return replace
    return value


def _guarded_lshift(left, right):
    if isinstance(left, int) and isinstance(right, int) and right > MAX_INT_BITS:
        raise ScriptError("the shift is too large to compute")
    return left << right


_GUARDED_OPS = {ast.Pow: "_pow_", ast.Mult: "_mul_", ast.LShift: "_lshift_", ast.Mod: "_mod_"}


class ScriptPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, plus: no try/except (the time limit must not be
    catchable), and powers, repetitions and shifts go through size guards, since
    one huge C-level operation cannot be interrupted by the time limit."""

    def visit_Try(self, node):
        self.error(node, "try/except is not allowed in process scripts")
        return node

    visit_TryStar = visit_Try

    def visit_Import(self, node):
        # would fail at run time anyway (no __import__); refusing it here names it at deployment
        self.error(node, "import is not allowed in process scripts")
        return node

    visit_ImportFrom = visit_Import

    def visit_BinOp(self, node):
        node = super().visit_BinOp(node)
        guard = _GUARDED_OPS.get(type(node.op))
        if guard is None:
            return node
        func = ast.copy_location(ast.Name(id=guard, ctx=ast.Load()), node)
        return ast.copy_location(ast.Call(func=func, args=[node.left, node.right], keywords=[]), node)

    def visit_FormattedValue(self, node):
        spec = node.format_spec
        if spec is not None:
            for part in ast.walk(spec):
                if isinstance(part, ast.Constant) and any(
                        int(n) > MAX_WIDTH for n in re.findall(r"\d+", str(part.value))):
                    self.error(node, "the format width is too large")
        return super().visit_FormattedValue(node) if hasattr(super(), "visit_FormattedValue") \
            else self.generic_visit(node)

    def visit_AugAssign(self, node):
        if type(node.op) in _GUARDED_OPS:
            self.error(node, "write x = x * y instead of an augmented *=, **=, <<= or %=")
        return super().visit_AugAssign(node)


@lru_cache(maxsize=4096)
def compile_expression(expression: str):
    try:
        result = compile_restricted_eval(expression, "<expression>", policy=ScriptPolicy)
    except (TypeError, ValueError) as exc:  # e.g. NUL bytes in the source
        raise ScriptError(str(exc)) from None
    if result.errors or result.code is None:
        raise ScriptError("; ".join(result.errors) or f"cannot compile {expression!r}")
    return result.code


@lru_cache(maxsize=4096)
def compile_script(script: str):
    try:
        result = compile_restricted_exec(script, "<script>", policy=ScriptPolicy)
    except (TypeError, ValueError) as exc:  # e.g. NUL bytes in the source
        raise ScriptError(str(exc)) from None
    if result.errors or result.code is None:
        raise ScriptError("; ".join(result.errors) or "cannot compile script")
    return result.code


def check_expression(expression: str) -> str | None:
    """Return why the expression cannot run here, or None if it compiles."""
    try:
        compile_expression(expression)
    except ScriptError as exc:
        return str(exc)
    return None


def check_script(script: str) -> str | None:
    try:
        compile_script(script)
    except ScriptError as exc:
        return str(exc)
    return None


def _is_value(value) -> bool:
    return not (callable(value) or isinstance(value, types.ModuleType))


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates and executes with RestrictedPython under a wall-clock limit."""

    def __init__(self, helpers: Mapping[str, Any] | None = None, time_limit: float = 2.0):
        super().__init__(dict(HELPERS if helpers is None else helpers))
        self.time_limit = time_limit
        self._base = _restricted_globals()

    def _namespace(self, context, external_context) -> dict[str, Any]:
        clash = set(self.globals) & set(context)
        if clash:
            raise ScriptError(
                "task data overwrites a predefined helper; rename: " + ", ".join(sorted(clash))
            )
        namespace = dict(self._base)
        namespace.update(self.globals)
        namespace.update(external_context or {})
        namespace.update(context)
        return namespace

    def _limited(self, fn: Callable[[], Any]):
        deadline = time.monotonic() + self.time_limit

        def tracer(frame, event, arg):
            if time.monotonic() > deadline:
                raise ScriptTimeout(f"script ran longer than {self.time_limit:g} s and was stopped")
            return tracer

        previous = sys.gettrace()
        sys.settrace(tracer)
        try:
            return fn()
        finally:
            sys.settrace(previous)

    def evaluate(self, expression, context, external_context=None):
        code = compile_expression(expression)
        namespace = self._namespace(context, external_context)
        return self._limited(lambda: eval(code, namespace))  # noqa: S307 - restricted code only

    def execute(self, script, context, external_context=None):
        code = compile_script(script)
        namespace = self._namespace(context, external_context)
        reserved = set(namespace) - set(context)
        self._limited(lambda: exec(code, namespace))  # noqa: S102 - restricted code only
        for key in list(context):
            if key not in namespace:
                del context[key]
        for key, value in namespace.items():
            if key in reserved or key.startswith("_") or not _is_value(value):
                continue
            context[key] = value
        return True


ServiceHandler = Callable[[dict[str, Any], dict[str, Any]], Any]


class RestrictedScriptEngine(PythonScriptEngine):
    """PythonScriptEngine over the restricted environment, with named service handlers.

    ``services`` maps an operation name (``spiffworkflow:serviceTaskOperator``
    id) to ``handler(params, task_data)`` returning a JSON-serialisable value.
    """

    def __init__(self, services: Mapping[str, ServiceHandler] | None = None, time_limit: float = 2.0,
                 helpers: Mapping[str, Any] | None = None):
        super().__init__(environment=RestrictedEnvironment(helpers=helpers, time_limit=time_limit))
        self.services = dict(services or {})

    def validate(self, expression):
        compile_expression(expression)

    def call_service(self, task, operation_name=None, operation_params=None, **kwargs):
        handler = self.services.get(operation_name)
        if handler is None:
            raise WorkflowTaskException(
                f"unknown service operation {operation_name!r}", task=task,
                exception=ServiceError(operation_name))
        params = {name: p.get("value") for name, p in (operation_params or {}).items()}
        try:
            with _handler_savepoint():
                return json.dumps(handler(params, task.data))
        except Exception as exc:  # surfaced as a task error naming the element
            raise WorkflowTaskException(
                f"service {operation_name} failed: {exc}", task=task, exception=exc) from exc


@contextmanager
def _handler_savepoint():
    """While the case engine runs a case, a failing handler's database writes are undone (its
    savepoint is rolled back) and the case is saved as an incident; a retry runs the handler again."""
    context = current_execution.get()
    if context is None:
        yield
        return
    with context.session.begin_nested():
        yield
