"""Public pages, no login: the public site's landing page and the principle catalogue."""
from __future__ import annotations

from flask import Blueprint, render_template

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
