"""Maps the engine's and the services' named errors to HTTP answers, HTML or JSON."""
from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from engine import CaseHeld, Conflict, DocumentRejected, EngineError, Forbidden, InvalidBpmn, NotFound, ProcessError
from workflows.errors import DomainError, StaleRecord
from workflows.forms import FormInvalid

from .engine_messages import describe
from .extensions import db


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _answer(status: int, message: str, errors: dict | None = None):
    db.session.rollback()
    if wants_json():
        body = {"code": status, "status": _status_name(status), "message": message}
        if errors is not None:
            body["errors"] = {"json": errors}
        return jsonify(body), status
    return render_template("error.html", status=status, message=message, errors=errors), status


def _status_name(status: int) -> str:
    return {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
            413: "Payload Too Large", 422: "Unprocessable Entity", 500: "Internal Server Error"}.get(status, "")


def upload_message(exc: DocumentRejected) -> str:
    messages = {"missing": _("Choose a file to upload."), "too_large": _("The file is too large."),
                "empty": _("The file is empty."),
                "type": _("This file type is not allowed."),
                "mismatch": _("The file's content does not match its name: it is not the kind of file its "
                              "extension says. Save it in the right format and upload it again.")}
    return messages.get(exc.code, str(exc))


def stale_message(exc: StaleRecord) -> str:
    """The translated message of an edit read from an older version of a record, naming what changed."""
    fields = ", ".join(_(label).lower() for label in exc.fields)
    return _(exc.message, what=_(exc.what), name=exc.name, fields=fields)


def register(app):
    @app.errorhandler(NotFound)
    def _not_found(exc):
        return _answer(404, _("Not found."))

    @app.errorhandler(Forbidden)
    def _forbidden(exc):
        return _answer(403, _(str(exc)) if str(exc) else _("You may not do this."))

    @app.errorhandler(Conflict)
    def _conflict(exc):
        return _answer(409, _("Someone else changed this case in the meantime. Reload the page and try again."))

    @app.errorhandler(CaseHeld)
    def _held(exc):  # issue 19: a suspended or terminated case's task
        if exc.status == "terminated":
            return _answer(409, _("The case is terminated: its tasks can no longer be completed."))
        return _answer(409, _("The case is suspended: its tasks cannot be completed until it is resumed."))

    @app.errorhandler(StaleRecord)
    def _stale_record(exc):
        message = stale_message(exc)
        if wants_json():
            db.session.rollback()
            return jsonify({"code": 409, "status": _status_name(409), "message": message,
                            "changed": list(exc.changed)}), 409
        return _answer(409, message)

    @app.errorhandler(StaleDataError)
    def _stale_data(exc):
        # A versioned row (a case, an administered record) that another request changed between this
        # request's read and its write; the services name it where they can (StaleRecord).
        app.logger.warning("stale versioned row: %s", exc)
        return _answer(409, _("Someone else changed this record in the meantime. Reload the page and try again."))

    @app.errorhandler(FormInvalid)
    def _invalid(exc):
        return _answer(422, _("The form has errors."), exc.errors)

    @app.errorhandler(DocumentRejected)
    def _rejected(exc):
        return _answer(413 if exc.too_large else 422, upload_message(exc))

    @app.errorhandler(DomainError)
    def _domain(exc):
        return _answer(422, _(str(exc)), {exc.field or exc.key: [_(str(exc))]})

    @app.errorhandler(InvalidBpmn)
    def _invalid_bpmn(exc):
        return _answer(422, _("The process files cannot be deployed."), {"files": [describe(p) for p in exc.problems]})

    @app.errorhandler(ProcessError)
    def _process(exc):
        app.logger.error("process error at %s: %s", exc.element, exc)
        return _answer(500, _("The process failed at step %(element)s. Nothing was saved; the administrator "
                              "has been told.", element=exc.element or "?"))

    @app.errorhandler(OperationalError)
    def _operational(exc):
        code = getattr(getattr(exc, "orig", None), "sqlstate", None)
        if code in ("40P01", "40001") or "database is locked" in str(exc):
            return _answer(409, _("Someone else changed this case in the meantime. Reload the page and try again."))
        app.logger.exception("database error")
        return _answer(500, _("Something went wrong on our side. The action was not saved; try again."))

    @app.errorhandler(IntegrityError)
    def _integrity(exc):
        # The services check uniqueness first; a unique violation that still reaches the database is a
        # concurrent request that saved the same record between that check and this flush. Any other
        # integrity error is a bug.
        orig = getattr(exc, "orig", None)
        if getattr(orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(orig):
            app.logger.warning("unique violation (concurrent change): %s", orig)
            return _answer(409, _("Someone else saved the same record at the same time. Reload the page and "
                                  "try again."))
        app.logger.exception("integrity error")
        return _answer(500, _("Something went wrong on our side. The action was not saved; try again."))

    @app.errorhandler(DataError)
    def _data(exc):
        # The last safety net: every field has its limit in its schema (a length within its VARCHAR column,
        # a number within INTEGER), so a value the database refuses is a field without one — a bug to fix,
        # but the user's input, not a server failure.
        app.logger.error("database refused a value (a field without its limit?): %s", getattr(exc, "orig", exc))
        return _answer(422, _("A value is too long or not valid."))

    @app.errorhandler(EngineError)
    def _engine(exc):
        app.logger.error("engine error: %s", exc)
        return _answer(500, _("The case engine could not complete the action."))

    @app.errorhandler(Exception)
    def _unexpected(exc):
        if isinstance(exc, HTTPException):
            return _http(exc)
        app.logger.exception("unexpected error")
        return _answer(500, _("Something went wrong on our side. The action was not saved; try again."))

    @app.errorhandler(HTTPException)
    def _http(exc):
        if wants_json():
            if exc.code == 422 and getattr(exc, "data", None):  # flask-smorest/webargs validation
                db.session.rollback()
                messages = exc.data.get("messages", {})
                body = {"code": 422, "status": "Unprocessable Entity", "message": _("The input has errors."),
                        "errors": messages}
                return jsonify(body), 422
            return _answer(exc.code or 500, exc.description or exc.name)
        messages = {
            400: _("The request could not be understood (the form may have expired). Go back and try again."),
            403: _("You may not do this."),
            404: _("The page does not exist."),
            405: _("This action is not allowed here."),
            413: _("The file is too large."),
        }
        return _answer(exc.code or 500, messages.get(exc.code, exc.description or exc.name))
