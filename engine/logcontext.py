"""Structured logs: a request id and a case id on every log line, JSON when configured.

The web layer binds a request id per request (the `X-Request-ID` header if the proxy sent a sane one, or a
new one); a save stores it on the case row (`case.request_id`), and when the worker later loads that case
(a timer, a message) the id is bound again, so the worker's lines for the same case carry the id of the
request that last changed it. `configure("json")` installs python-json-logger's formatter on the root
logger; every record gets `request_id` and `case_id` (None when unknown) through a filter.
"""
from __future__ import annotations

import contextvars
import logging
import re
import sys
import uuid

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("byplan_request_id", default=None)
_case_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("byplan_case_id", default=None)
# Whether the bound request id came from a case row (the worker) rather than from a live request.
_from_case: contextvars.ContextVar[bool] = contextvars.ContextVar("byplan_request_from_case", default=False)
SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def new_request_id(offered: str | None = None) -> str:
    """The offered id if it is a sane token, else a new random one."""
    return offered if offered and SANE_ID.match(offered) else uuid.uuid4().hex


def bind_request(request_id: str | None) -> None:
    _request_id.set(request_id)
    _from_case.set(False)
    _case_id.set(None)


def bind_case(case_id: int | None, request_id: str | None = None) -> None:
    """The case being worked on; outside a request (the worker) the case's last request id is bound too."""
    _case_id.set(case_id)
    if _request_id.get() is None or _from_case.get():
        _request_id.set(request_id)
        _from_case.set(True)


def clear() -> None:
    _request_id.set(None)
    _from_case.set(False)
    _case_id.set(None)


def request_id() -> str | None:
    return _request_id.get()


def case_id() -> int | None:
    return _case_id.get()


class ContextFilter(logging.Filter):
    """Adds `request_id` and `case_id` to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        if not hasattr(record, "case_id"):
            record.case_id = _case_id.get()
        return True


def configure(fmt: str = "text", level: int = logging.INFO, stream=None) -> logging.Handler:
    """One handler on the root logger: JSON lines (`fmt="json"`) or readable text; replaces an earlier one
    installed here."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_byplan", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler._byplan = True  # type: ignore[attr-defined]
    handler.addFilter(ContextFilter())
    if fmt == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(case_id)s",
                                           rename_fields={"asctime": "time", "levelname": "level", "name": "logger"}))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s %(case_id)s]: "
                                               "%(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def live_request_id() -> str | None:
    """The id of the live request (not one carried from a case row), for a save to store."""
    return None if _from_case.get() else _request_id.get()
