"""Small helpers for reading HTML form input."""
from __future__ import annotations


def form_version(form) -> int | None:
    raw = form.get("version", "")
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def attempt(action, *, anchor: str, success: str, rerender, redirect_to: str, domain_errors: tuple):
    """Run one service action in one transaction.

    On bad input (a FormInvalid or one of `domain_errors`, which carry an optional `field`) the
    transaction is rolled back and `rerender(errors, form, status)` shows the page again with the
    errors under `anchor`; otherwise the change is committed, `success` flashed, and the user sent
    to `redirect_to#anchor`.
    """
    from flask import flash, redirect, request

    from workflows.forms import FormInvalid

    from .extensions import db

    try:
        action()
        db.session.commit()
    except FormInvalid as exc:
        db.session.rollback()
        return rerender({anchor: exc.errors}, dict(request.form), 422)
    except domain_errors as exc:
        db.session.rollback()
        return rerender({anchor: {getattr(exc, "field", None) or "_": [str(exc)]}}, dict(request.form), 422)
    flash(success)
    return redirect(f"{redirect_to}#{anchor}")
