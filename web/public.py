"""Public pages, no login: the public site's landing page, the principle catalogue, and the accessibility
statement's address."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template

from workflows.council import OUTCOMES
from workflows.start import public_home

from .extensions import byplan_service
from .extensions import db

bp = Blueprint("public", __name__)


def render_public_home() -> str:
    """The public site's landing page (anonymous `/` shows it too)."""
    return render_template("public_home.html", home=public_home(byplan_service(), db.session),
                           outcome_labels=dict(OUTCOMES))


@bp.get("/forside")
def landing():
    return render_public_home()


@bp.get("/principper")
def catalogue():
    return render_template("catalogue.html", principles=byplan_service().catalogue(db.session))


@bp.get("/principper/<key>")
def principle(key: str):
    history = byplan_service().principle_history(db.session, key)
    return render_template("principle.html", current=history[0], history=history)


@bp.get("/was")
def accessibility_statement():
    """The accessibility statement (ACCESSIBILITY_URL, by default on was.digst.dk): a stable short address."""
    return redirect(current_app.config["ACCESSIBILITY_URL"], code=302)
