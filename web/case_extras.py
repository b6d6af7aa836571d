"""What the case page shows of issue 19's case controls and internal comments (web/cases.py renders it)."""
from __future__ import annotations

from flask_login import current_user

from workflows import comments
from workflows.case_controls import CaseControls

from .extensions import db


def case_page_extras(case_id: int, control_errors: dict | None = None, comment_errors: dict | None = None,
                     comment_body: str = "", control_reason: str = "") -> dict:
    """What the case page shows of the controls and the comments (web/cases.py renders it)."""
    return {"may_control": CaseControls.may_control(current_user),
            "case_comments": comments.comments_for(db.session, current_user, case_id),
            "control_errors": control_errors or {}, "comment_errors": comment_errors or {},
            "comment_body": comment_body, "control_reason": control_reason}
