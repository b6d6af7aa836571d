"""The process catalogue: every deployed process version, its diagram, its BPMN files and its running cases."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from workflows.timeline import display_names

from .extensions import byplan_service
from .cases import xml_response
from .extensions import db

bp = Blueprint("processes", __name__, url_prefix="/processer")


@bp.get("")
@login_required
def index():
    catalogue = byplan_service().process_catalogue(db.session, current_user)
    names = display_names(db.session, (v.version.deployed_by for p in catalogue for v in p.versions))
    return render_template("processes/index.html", catalogue=catalogue, names=names,
                           may_deploy=byplan_service().may_deploy(current_user))


@bp.get("/<id:version_id>")
@login_required
def version(version_id: int):
    view = byplan_service().process_version(db.session, current_user, version_id,
                                            process_id=request.args.get("proces") or None)
    return render_template("processes/version.html", view=view,
                           names=display_names(db.session, [view.version.deployed_by]))


@bp.get("/<id:version_id>/filer/<file_name>")
@login_required
def download(version_id: int, file_name: str):
    xml = byplan_service().process_version_file(db.session, current_user, version_id, file_name)
    return xml_response(xml, download_name=file_name)
