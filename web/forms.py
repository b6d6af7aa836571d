"""Small helpers for reading HTML form input."""
from __future__ import annotations

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict

from workflows.forms import MAX_ID, join_date_parts


class FormRequest(Request):
    """A request whose form has each date posted as day, month and year fields (DKFDS "Datofelter") joined
    into the one field the form schemas know, so every view and schema sees a date as one value."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form and any(key.endswith(("-day", "-month", "-year")) for key in form):
            self.__dict__["form"] = ImmutableMultiDict(join_date_parts(list(form.items(multi=True))))


def form_version(form) -> int | None:
    raw = form.get("version", "")
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def form_id(form, name: str) -> int | None:
    """A record id from a form field; None when it is missing, not a number or larger than any id (a
    larger number would overflow the INTEGER column the database compares it with)."""
    ids = form_ids(form, name)
    return ids[0] if ids else None


def form_ids(form, name: str) -> list[int]:
    """The record ids of a repeated form field (check boxes), leaving out what cannot be an id."""
    return [int(v) for v in form.getlist(name) if v.isascii() and v.isdigit() and 0 < int(v) <= MAX_ID]


def uploaded_file(field: str = "file") -> tuple[str, bytes]:
    """The chosen file's name and content, or ("", b"") when none was chosen: the service checks the
    user's role first and then refuses the missing file (DocumentRejected "missing")."""
    from flask import request

    upload = request.files.get(field)
    if upload is None or not upload.filename:
        return "", b""
    return upload.filename, upload.read()


def unit_of_work():
    """The unit of work of this request's action (engine.uow.UnitOfWork over the request's session)."""
    from engine.uow import UnitOfWork

    from .extensions import db

    return UnitOfWork(db.session)


def attempt(action, *, anchor: str, success: str, rerender, redirect_to: str, domain_errors: tuple = ()):
    """Run one service action in one unit of work.

    On bad input (a FormInvalid, a refused upload or a DomainError, which carries an optional `field`) the
    transaction is rolled back and `rerender(errors, form, status)` shows the page again with the
    errors under `anchor`; otherwise the change is committed, `success` flashed, and the user sent
    to `redirect_to#anchor`. (`domain_errors`: further exception classes treated like a DomainError.)
    `success` may be a callable that takes the action's result and returns the message, or a
    (message, flash category) pair, or a list of them (a waitlisted registration is "info", not "saved").
    """
    from flask import flash, redirect, request

    from flask_babel import gettext as _

    from engine import DocumentRejected
    from workflows.errors import DomainError
    from workflows.forms import FormInvalid

    from .errors import upload_message

    try:
        with unit_of_work() as uow:  # rolled back on leaving by an exception, before the page is rendered again
            result = action()
            uow.commit()
    except FormInvalid as exc:
        return rerender({anchor: exc.errors}, dict(request.form), 422)
    except DocumentRejected as exc:
        return rerender({anchor: {"file": [upload_message(exc)]}}, dict(request.form), 413 if exc.too_large else 422)
    except (DomainError, *domain_errors) as exc:
        return rerender({anchor: {getattr(exc, "field", None) or "_": [str(exc)]}}, dict(request.form), 422)
    if uow.stopped_cases:
        # The change stands; an automatic step after it failed and the case waits for an administrator.
        flash(_("Saved, but the case then stopped because of an error in an automatic step. An administrator "
                "must fix it; you need not do this again."), "error")
    else:
        messages = success(result) if callable(success) else success
        for message in (messages if isinstance(messages, list) else [messages]):
            flash(*((message,) if isinstance(message, str) else message))
    return redirect(f"{redirect_to}#{anchor}")
