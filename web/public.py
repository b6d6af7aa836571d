"""Public pages, no login: the public site's landing page, the principle catalogue, and the accessibility
statement's address."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template

from workflows.catalogue import STATUS_LABELS
from workflows.catalogue import service as catalogue_service
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
    """The architecture catalogue: principles with their rules, and the reference architectures (issue 14)."""
    return render_template("catalogue.html", principles=catalogue_service.overview(db.session),
                           references=catalogue_service.reference_architectures(db.session),
                           status_labels=STATUS_LABELS)


@bp.get("/principper/<key>")
def principle(key: str):
    principle, history, rules = catalogue_service.principle_page(db.session, key)
    return render_template("principle.html", principle=principle, current=history[0], history=history,
                           rules=rules, status_labels=STATUS_LABELS, validity=catalogue_service.validity_line)


@bp.get("/was")
def accessibility_statement():
    """The accessibility statement (ACCESSIBILITY_URL, by default on was.digst.dk): a stable short address."""
    return redirect(current_app.config["ACCESSIBILITY_URL"], code=302)
