"""Demo data of the operations features (issue 19), called by one line in workflows/demo.py after the
families' own demo data:

- a suspended case with its reason: a fourth architecture review, accepted at triage, whose project the
  steering group paused (the project owner's self-assessment waits until it is resumed);
- an active out-of-office delegation: council member Rune (raad5) is away for two weeks and Ronja (raad6)
  records his positions meanwhile;
- internal comments with mentions on the proposal the secretariat screens: the secretariat asks the
  working group's lead (@arbejdsgruppe), who answers (@sekretariat); each mention is a mail in the outbox.

Everything goes through the services the pages use (case controls, delegation, comments), so the audit log
and the timeline tell it as they would.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Case, ReadyTask, utcnow

from .case_controls import CaseControls
from .comments import add_comment
from .delegation import create_delegation, today
from .directory import User, WorkingGroup

SUSPEND_REASON = ("Projektets styregruppe har sat projektet på pause, indtil finansieringen er afklaret. "
                  "Vurderingen genoptages efter styregruppens møde.")


def load(session: Session, byplan) -> None:
    users = {u.username: u for u in session.scalars(select(User)).unique()}
    secretariat = users["sekretariat"]
    now = utcnow()
    _suspended_review(session, byplan, users, secretariat)
    if "raad5" in users and "raad6" in users:
        create_delegation(session, users["raad5"], {
            "delegate": "raad6", "starts_on": (today(now) - timedelta(days=1)).isoformat(),
            "ends_on": (today(now) + timedelta(days=13)).isoformat(),
            "note": "Ferie. Ronja registrerer mine holdninger på rådets punkter imens."}, now)
    screened = session.scalar(select(Case.id).where(Case.process_id == "proposal",
                                                    Case.title == "Fælles brugerstyring via Context Handler"))
    if screened is not None:
        links = byplan.links or (lambda *args, **kwargs: "")
        add_comment(session, secretariat, screened, {
            "body": "@arbejdsgruppe Før screeningen kan afsluttes, mangler vi jeres bilag om, hvordan "
                    "løsningerne modtager identitetstokens fra Context Handler."},
            audit=byplan.engine.audit, links=links, now=now)
        add_comment(session, users["arbejdsgruppe"], screened, {
            "body": "@sekretariat Bilaget er på vej; vi lægger det på sagen i denne uge."},
            audit=byplan.engine.audit, links=links, now=now + timedelta(minutes=20))
    session.flush()


def _suspended_review(session: Session, byplan, users: dict, secretariat: User) -> None:
    owner = users.get("projektejer")
    group = session.scalar(select(WorkingGroup).order_by(WorkingGroup.id))
    if owner is None or group is None or getattr(byplan, "reviews", None) is None:
        return  # the review demo did not run (no adopted rules)
    review = byplan.reviews.start_review(session, owner, {
        "project": "Fælles ydelsesoverblik", "organisation": "KOMBIT", "phase": "idea", "municipal": "yes",
        "description": "Et samlet overblik over borgerens ydelser på tværs af kommunens fagsystemer."})
    triage = session.scalar(select(ReadyTask).where(ReadyTask.case_id == review.case_id,
                                                    ReadyTask.form_key == "review.triage"))
    byplan.complete_task(session, secretariat, triage.id, {"triage": "accept", "working_group_id": str(group.id),
                                                           "reviewers": "arkitekt"}, None)
    CaseControls(byplan.engine).control(session, secretariat, review.case_id, "suspend",
                                        {"reason": SUSPEND_REASON}, None)
