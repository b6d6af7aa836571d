"""What every area of the JSON API shares: the blueprint, bearer-token authentication, the documented error
answers, paging, the unit of work of a write, and the helpers that derive an API body from a form schema.

The errors themselves are mapped once, in web/errors.py (DomainError, FormInvalid, Conflict, ... as JSON
under /api/).
"""
from __future__ import annotations

import copy
from functools import wraps

from flask import abort, current_app, g, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy.exc import SQLAlchemyError

from workflows.directory import api_token, record_token_use
from workflows.forms import MAX_ID, FormSchema, text

from ..extensions import db
from ..forms import unit_of_work

bp = Blueprint("api", __name__, url_prefix="/api/v1", description="Byplan cases and tasks")

ERROR_DESCRIPTIONS = {
    400: "The request could not be read (e.g. a NUL character in a text).",
    401: "No valid bearer token (byplan token create USER).",
    403: "Your role may not do this.",
    404: "Not found, or not visible to you.",
    409: "The case changed since you read it (or the task is done, or the case is not stopped).",
    422: "Invalid input; errors per field.",
}


def errors(*codes: int, **descriptions: str):
    """Document the error answers of an operation (body: code, status, message, errors per field)."""
    from flask_smorest.error_handler import ErrorSchema

    def decorator(view):
        for code in codes:
            description = descriptions.get(f"e{code}") or ERROR_DESCRIPTIONS[code]
            view = bp.alt_response(code, schema=ErrorSchema, description=description)(view)
        return view

    return decorator


# ------------------------------------------------------------------ authentication

def _bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def token_required(view):
    """The caller is the owner of a valid bearer token (g.api_user), or the answer is 401.

    The check only reads. The token's last use (at most once a minute) is recorded after the action, in a
    short transaction of its own: never committed before the action runs, and never part of what the
    action's unit of work commits or rolls back.
    """
    @wraps(view)
    def wrapped(*args, **kwargs):
        secret = _bearer_token()
        row = api_token(db.session, secret) if secret else None
        if row is None:
            abort(401, "A valid bearer token is required (byplan token create USER).")
        g.api_user = row.user
        token_id, due = row.id, row.use_due()
        try:
            response = view(*args, **kwargs)
        except SQLAlchemyError:
            raise  # the database is in trouble: do not wait for it a second time for the last use
        except Exception:
            if due:
                _record_use(token_id)
            raise
        if due:
            _record_use(token_id)
        return response

    return wrapped


def _record_use(token_id: int) -> None:
    """Record a token's last use after the action: the action has committed or rolled back (a read only
    read, and its answer is already serialized), so whatever it left in the session is rolled back, not
    committed with the last use."""
    db.session.rollback()
    try:
        with unit_of_work() as uow:
            record_token_use(uow.session, token_id)
            uow.commit()
    except SQLAlchemyError as exc:  # the last use is bookkeeping: the action's answer stands
        current_app.logger.warning("could not record the API token's last use: %s", exc)


# ------------------------------------------------------------------ writes

def write(action):
    """Run one API write in one unit of work: committed when `action` returns, rolled back when it raises
    (web/errors.py then maps the error once). Returns the action's result."""
    with unit_of_work() as uow:
        result = action()
        uow.commit()
    return result


# ------------------------------------------------------------------ paging and bodies

class PageQuery(Schema):
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ID))


def attributes(obj, schema_cls) -> dict:
    """The raw attribute values a schema reads from obj, to extend before dumping."""
    return {name: getattr(obj, f.attribute or name) for name, f in schema_cls().fields.items()
            if hasattr(obj, f.attribute or name)}


def required_text(form: type[FormSchema], name: str, *, description: str = "") -> fields.String:
    """A form's optional text field as a required one, with the form's label, widget, help and limit."""
    meta = form._declared_fields[name].metadata
    field = text(meta["label"], required=True, max_length=meta["max_length"], widget=meta["widget"],
                 help=meta["help"])
    if description:
        field.metadata["description"] = description
    return field


def renamed(form: type[FormSchema], name: str, data_key: str) -> fields.Field:
    """A form's field under another name in the API's JSON (the same validation and limits)."""
    field = copy.deepcopy(form._declared_fields[name])
    field.data_key = data_key
    return field
