"""The process catalogue: every deployed process version, its diagram, its BPMN files and its running cases."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from .extensions import byplan_service
from .cases import xml_response
from .extensions import db

bp = Blueprint("processes", __name__, url_prefix="/processer")


@bp.get("")
@login_required
def index():
    catalogue = byplan_service().process_catalogue(db.session, current_user)
    return render_template("processes/index.html", catalogue=catalogue,
                           may_deploy=byplan_service().may_deploy(current_user))


@bp.get("/<id:version_id>")
@login_required
def version(version_id: int):
    view = byplan_service().process_version(db.session, current_user, version_id,
                                            process_id=request.args.get("proces") or None)
    return render_template("processes/version.html", view=view)


@bp.get("/<id:version_id>/filer/<file_name>")
@login_required
def download(version_id: int, file_name: str):
    xml = byplan_service().process_version_file(db.session, current_user, version_id, file_name)
    return xml_response(xml, download_name=file_name)
