"""Process analytics pages: the heatmap of a process version and the secretariat's dashboard (with lead
times per family). Thin: parse the filter, call workflows.analytics, render."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from workflows import analytics

from .extensions import byplan_service, db

bp = Blueprint("analytics", __name__)

FILTER_FIELDS = ("fra", "til", "gruppe", "sag")


@bp.app_template_filter("duration")
def duration(seconds) -> str:
    """A duration in words, to two significant units at most ("3 days 4 hours", "25 min")."""
    if seconds is None:
        return "–"
    seconds = float(seconds)
    if seconds >= 86400:
        days = seconds / 86400
        return gettext("%(n)s days", n=f"{days:.1f}".replace(".", ",") if days < 10 else f"{days:.0f}")
    if seconds >= 3600:
        return gettext("%(n)s hours", n=f"{seconds / 3600:.1f}".replace(".", ","))
    if seconds >= 60:
        return gettext("%(n)s min", n=f"{seconds / 60:.0f}")
    return gettext("%(n)s s", n=f"{seconds:.0f}")


@bp.get("/processer/<id:version_id>/varmekort")
@login_required
def heatmap(version_id: int):
    wanted = (request.args.get("version") or "").strip()
    args = {k: request.args[k] for k in FILTER_FIELDS if request.args.get(k)}
    if wanted.isdigit() and int(wanted) != version_id and int(wanted) < 2**31:
        return redirect(url_for("analytics.heatmap", version_id=int(wanted), **args))
    flt, errors = analytics.parse_filter(request.args)
    view = analytics.heatmap(byplan_service().engine, db.session, current_user, version_id, flt, errors)
    status = 422 if view.errors else 200
    return render_template("analytics/heatmap.html", view=view, raw=request.args,
                           errors={k: [v] for k, v in view.errors.items()}), status


@bp.get("/analyse")
@login_required
def dashboard():
    view = analytics.dashboard(db.session, current_user)
    return render_template("analytics/dashboard.html", view=view)
