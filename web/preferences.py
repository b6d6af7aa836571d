"""The signed-in user's choice of mail per kind of notification (/konto/beskeder): at once, a daily digest,
or not at all (issue 13; workflows.notifications)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from workflows.forms import FormInvalid
from workflows.notifications import KINDS, MODES, kinds_for

from .extensions import byplan_service, db
from .forms import unit_of_work

bp = Blueprint("preferences", __name__)


def _page(choices: dict, errors: dict, status: int = 200):
    return render_template("account/notifications.html", kinds=kinds_for(current_user), modes=MODES,
                           choices=choices, errors=errors,
                           digest_hour=byplan_service().notifications.digest_hour), status


@bp.get("/konto/beskeder")
@login_required
def notifications():
    return _page(byplan_service().notifications.preferences(db.session, current_user), {})


@bp.post("/konto/beskeder")
@login_required
def save_notifications():
    raw = {key: request.form[key] for key in KINDS if key in request.form}
    service = byplan_service().notifications
    try:
        with unit_of_work() as uow:
            service.save_preferences(db.session, current_user, raw)
            uow.commit()
    except FormInvalid as exc:
        choices = {**service.preferences(db.session, current_user), **raw}
        return _page(choices, exc.errors, 422)
    flash(_("Your choices of mail are saved."))
    return redirect(url_for("preferences.notifications"))
