"""The public architecture catalogue (no login): rule pages, a rule's versions, the word-level difference
between two versions. The overview and the principle pages are public.catalogue / public.principle."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext

from workflows.catalogue import SCOPES, STATUS_LABELS
from workflows.catalogue import service as catalogue

from .extensions import db
from .links import ENDPOINTS

bp = Blueprint("catalogue", __name__)


def scope_label(value: str) -> str:
    return gettext(dict(SCOPES).get(value, value))


def _labels() -> dict:
    return {"status_labels": STATUS_LABELS, "scope_labels": dict(SCOPES), "endpoints": ENDPOINTS}


@bp.get("/regler/<key>")
def rule(key: str):
    return render_template("catalogue/rule.html", v=catalogue.rule_page(db.session, key), **_labels())


@bp.get("/regler/<key>/version/<int:version>")
def rule_version(key: str, version: int):
    return render_template("catalogue/rule.html", v=catalogue.rule_page(db.session, key, version), **_labels())


def _version_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 6:
        abort(404)
    return int(raw)


@bp.get("/regler/<key>/forskel")
def rule_diff(key: str):
    """?fra=<version>&til=<version> (by default the two newest public versions)."""
    old, new = _version_arg("fra"), _version_arg("til")
    if old is None or new is None:
        versions = catalogue.public_versions(catalogue.public_rule(db.session, key))
        if len(versions) < 2:
            return redirect(url_for("catalogue.rule", key=key))
        new = new or versions[0].version
        old = old or next((v.version for v in versions if v.version != new), versions[-1].version)
    return render_template("catalogue/diff.html", d=catalogue.rule_diff(db.session, key, old, new, scope_label),
                           **_labels())
