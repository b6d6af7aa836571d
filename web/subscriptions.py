"""Subscriptions by e-mail to new hearings and published hearing notes: the form, the confirmation link
(double opt-in) and the one-click unsubscribe link (no login; RFC 8058 one-click POST as well).

Views parse the request and call one method of the subscription service (workflows/hearing/subscriptions.py)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from workflows.forms import FormInvalid

from .extensions import byplan_service, csrf, db
from .forms import unit_of_work

bp = Blueprint("subscriptions", __name__)


def _service():
    return byplan_service().hearings.subscriptions


@bp.route("/hoeringer/abonnement", methods=["GET", "POST"])
def subscribe():
    service = _service()
    errors, values = {}, {"email": "", "working_group_id": "0", "principle_id": "0", "new_hearings": "1", "notes": "1"}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in values}
        try:
            with unit_of_work() as uow:
                service.subscribe(db.session, values)
                uow.commit()
        except FormInvalid as exc:
            errors = exc.errors
        else:
            flash(_("Check your e-mail: open the link in it to confirm the subscription."))
            return redirect(url_for("subscriptions.subscribe"))
    return render_template("hearings/subscribe.html", groups=service.groups(db.session),
                           topics=service.topics(db.session), values=values, errors=errors), (422 if errors else 200)


@bp.route("/hoeringer/abonnement/bekraeft/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """GET shows the button (a mail scanner opening the link confirms nothing); POST confirms."""
    service = _service()
    try:
        with unit_of_work() as uow:
            if request.method == "POST":
                service.confirm(db.session, token)
                uow.commit()
                flash(_("Your subscription is confirmed."))
                return redirect(url_for("hearings.public_list"))
            service.check_confirmation(db.session, token)
    except FormInvalid as exc:
        return render_template("hearings/subscription_link.html", errors=exc.errors, kind="confirm"), 422
    return render_template("hearings/subscription_link.html", errors={}, kind="confirm", token=token)


@bp.route("/hoeringer/abonnement/afmeld/<token>", methods=["GET", "POST"])
@csrf.exempt  # the link is the credential; a mail client's one-click POST (RFC 8058) has no CSRF token
def unsubscribe(token: str):
    service = _service()
    try:
        with unit_of_work() as uow:
            if request.method == "POST":
                service.unsubscribe(db.session, token)
                uow.commit()
                return render_template("hearings/subscription_link.html", errors={}, kind="unsubscribed")
            row = service.check_unsubscribe(db.session, token)
    except FormInvalid as exc:
        return render_template("hearings/subscription_link.html", errors=exc.errors, kind="unsubscribe"), 422
    kind = "unsubscribe" if row is not None else "unsubscribed"
    return render_template("hearings/subscription_link.html", errors={}, kind=kind, token=token)
