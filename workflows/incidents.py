"""Incidents: cases stopped by a failing script, service task or expression, and what an
administrator does about them — change a variable of the failed task, then retry it.

The list reads only the case rows (status, element, error, time), never a workflow.
"""
from __future__ import annotations

import json
import keyword
from typing import Any

from marshmallow import ValidationError, validates
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import CaseEngine, Forbidden, NotFound
from engine.models import Case

from .directory import ADMIN, User
from .lanes import PROCESS_STAFF
from .forms import FormInvalid, FormSchema, flatten_errors, text
from .i18n import N_

MAX_VALUE_LENGTH = 10_000


class DataFixSchema(FormSchema):
    """One top-level variable of the failed task: its name and a JSON value."""

    name = text(N_("Variable"), required=True, max_length=100,
                help=N_("The name of a variable in the failed step's data, e.g. hearing_id."))
    value = text(N_("New value (JSON)"), required=True, max_length=MAX_VALUE_LENGTH, widget="textarea",
                 help=N_('JSON: a number (42), text in double quotes ("Hjørring"), true, false, null, '
                         'a list or an object.'))

    def __init__(self, *args, reserved: frozenset[str] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.reserved = reserved

    @validates("name")
    def _valid_name(self, value: str, **kwargs) -> None:
        if not value.isidentifier() or keyword.iskeyword(value) or value.startswith("_"):
            raise ValidationError(N_("Use a variable name: letters, digits and _, not starting with a digit or _."))
        if value in self.reserved:
            raise ValidationError(N_("This name is reserved for the process scripts' helpers."))

    @validates("value")
    def _valid_json(self, value: str, **kwargs) -> None:
        try:
            json.loads(value)
        except (ValueError, RecursionError):  # RecursionError: nested too deeply
            raise ValidationError(N_("This is not valid JSON.")) from None


class Incidents:
    def __init__(self, engine: CaseEngine):
        self.engine = engine

    # ---------------------------------------------------------------- access
    @staticmethod
    def may_see(user: User) -> bool:
        return user.has_role(*PROCESS_STAFF)

    @staticmethod
    def may_resolve(user: User) -> bool:
        return user.has_role(ADMIN)

    def _require_resolver(self, user: User) -> None:
        if not self.may_resolve(user):
            raise Forbidden(N_("Only an administrator can change or retry a stopped case."))

    # ----------------------------------------------------------------- reads
    def list(self, session: Session, user: User, limit: int = 200, offset: int = 0) -> list[Case]:
        """Cases in incident, the most recent incident first (case rows only)."""
        if not self.may_see(user):
            raise Forbidden(N_("Only the secretariat and administrators can see stopped cases."))
        return list(session.scalars(
            select(Case).where(Case.status == "incident")
            .order_by(Case.incident_at.desc().nulls_last(), Case.id.desc()).limit(limit).offset(offset)))

    # --------------------------------------------------------------- actions
    def retry(self, session: Session, user: User, case_id: int, version: int | None) -> Case:
        """Run the failed step again; the case is an incident again if it fails again (no exception)."""
        self._require_resolver(user)
        self._case(session, case_id)
        return self.engine.retry(session, case_id, actor=user.username, expected_version=version).row

    def fix_data(self, session: Session, user: User, case_id: int, raw: dict[str, Any],
                 version: int | None) -> tuple[str, Any]:
        """Set one variable of the failed step from a form (name, JSON value); FormInvalid per field."""
        self._require_resolver(user)
        self._case(session, case_id)
        reserved = frozenset(self.engine.script_engine.environment.globals)
        try:
            values = DataFixSchema(reserved=reserved).load_form(
                {k: raw.get(k) for k in ("name", "value") if raw.get(k) is not None})
        except ValidationError as exc:
            errors = flatten_errors(exc.normalized_messages())
            raise FormInvalid({k: errors[k] for k in ("name", "value") if k in errors}) from None
        value = json.loads(values["value"])
        self.engine.fix_data(session, case_id, values["name"], value, actor=user.username,
                             expected_version=version)
        return values["name"], value

    @staticmethod
    def _case(session: Session, case_id: int) -> Case:
        case = session.get(Case, case_id)
        if case is None:
            raise NotFound(f"case {case_id}")
        return case

