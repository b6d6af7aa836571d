"""Public pages, no login: the principle catalogue."""
from __future__ import annotations

from flask import Blueprint, render_template

from .extensions import byplan_service
from .extensions import db

bp = Blueprint("public", __name__)


@bp.get("/principper")
def catalogue():
    return render_template("catalogue.html", principles=byplan_service().catalogue(db.session))


@bp.get("/principper/<key>")
def principle(key: str):
    history = byplan_service().principle_history(db.session, key)
    return render_template("principle.html", current=history[0], history=history)
