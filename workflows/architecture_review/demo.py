"""The architecture reviews' demo data: the board with its mandate and members, a project owner, and three
reviews against the demo catalogue's adopted rules, each taken through the process by its services:

- "Fælles borgerportal" waits in the project's self-assessment;
- "Digital post i sagsbehandlingen" is decided by the board with two dispensations, one expiring
  within a month; it is under embargo (decided, not public until the council's next meeting is held);
- "Fælles mødebooking" was decided before today's council meeting, which has been held: its decision
  is public in the register, with its rule usage.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import ReadyTask, utcnow

from ..directory import BOARD_MEMBER, PROJECT_OWNER, User, UserRole, WorkingGroup, create_user
from .models import ArchitectureBoard, BoardMember, answers, review_for_case

MANDATE = ("Kommunernes It-Arkitekturråd har givet Arkitekturboardet mandat til at afgøre arkitekturvurderinger af "
           "fælleskommunale og kommunale projekter og til at give tidsbegrænsede dispensationer fra "
           "rammearkitekturens regler. Principielle sager sendes til Rådet. Boardets afgørelser offentliggøres, "
           "når Rådets næste møde er holdt.")
# the board: two council members the council gave the mandate to (demo users that exist already)
BOARD = (("raad3", True, "KOMBIT"), ("raad4", False, "Aarhus Kommune"))
# the project owner of the demo's reviews (a KOMBIT project lead, the role "project owner")
OWNER = ("projektejer", "Per Projektejer (KOMBIT)")


def load_review_demo(session: Session, byplan, password: str = "") -> None:
    from ..catalogue import adopted_rule_versions

    if session.scalar(select(ArchitectureBoard.id)) is not None or not adopted_rule_versions(session):
        return
    users = {u.username: u for u in session.scalars(select(User)).unique()}
    if any(name not in users for name, _, _ in BOARD):
        return
    users[OWNER[0]] = create_user(session, OWNER[0], OWNER[1], f"{OWNER[0]}@byplan.example", password,
                                  (PROJECT_OWNER,), hasher=byplan.passwords)
    board = ArchitectureBoard(name="Arkitekturboardet", mandate=MANDATE)
    session.add(board)
    session.flush()
    for username, chair, organisation in BOARD:
        session.add(BoardMember(board_id=board.id, user_id=users[username].id, term_start=date(2024, 1, 1),
                                is_chair=chair, organisation=organisation))
        session.add(UserRole(user_id=users[username].id, role=BOARD_MEMBER))
    session.flush()
    for username, _, _ in BOARD:
        session.expire(users[username])  # their roles now include the board's
    group = session.scalar(select(WorkingGroup).order_by(WorkingGroup.id))
    reviews, secretariat = byplan.reviews, users["sekretariat"]
    today = utcnow().date()

    def task(review, form_key):
        return session.scalar(select(ReadyTask).where(ReadyTask.case_id == review.case_id,
                                                      ReadyTask.form_key == form_key))

    def complete(review, form_key, user, values):
        return byplan.complete_task(session, user, task(review, form_key).id, values, None)

    def through_review(user, project, organisation, description, choices, municipal="yes"):
        review = reviews.start_review(session, user, {"project": project, "organisation": organisation,
                                                      "description": description, "phase": "procurement",
                                                      "municipal": municipal})
        complete(review, "review.triage", secretariat, {"triage": "accept", "working_group_id": str(group.id),
                                                        "reviewers": "arkitekt"})
        if choices is None:
            return review, []
        rows = answers(session, review)
        raw = {}
        for row, choice in zip(rows, choices + ["meets"] * len(rows)):
            raw[f"assessment_{row.id}"] = choice
            if choice == "deviates":
                raw[f"explanation_{row.id}"] = "Projektet bruger en eksisterende løsning, der endnu ikke følger reglen."
            elif choice == "not_applicable":
                raw[f"explanation_{row.id}"] = "Projektet behandler ikke den slags data."
        complete(review, "review.self_assessment", users[review.owner.username], raw)
        devs = [r for r in rows if r.assessment == "deviates"]
        wg = {f"agree_{r.id}": "agree" for r in rows}
        complete(review, "review.wg_review", users["arkitekt"], {
            **wg, "recommendation": "compliant_with_dispensations" if devs else "compliant",
            "recommendation_comment": "Afvigelserne er forklaret og tidsbegrænsede."})
        return review, devs

    # 1. in self-assessment
    through_review(users["projektejer"], "Fælles borgerportal", "KOMBIT",
                   "En portal, hvor borgerne følger deres henvendelser til kommunen.", None)

    # 3. decided before today's (held) council meeting: public
    public, _ = through_review(users["projektejer"], "Fælles mødebooking", "KOMBIT",
                               "Booking af mødelokaler på tværs af kommunerne.", ["meets", "meets", "not_applicable"],
                               municipal="no")
    complete(public, "review.board_decision", users["raad3"],
             {"outcome": "approved", "reason": "Projektet følger rammearkitekturen."})
    session.commit()
    from ..council import Meeting, MeetingStatus
    from engine.models import Case

    held = session.scalar(select(Meeting).where(Meeting.status == MeetingStatus.MINUTES_REVIEW.value)
                          .order_by(Meeting.starts_at.desc()).limit(1))
    if held is not None and held.case_id:
        # the story: the board decided the day before that meeting (the demo runs it now, after the start)
        from .models import ReviewDecision

        for decision in session.scalars(select(ReviewDecision).where(
                ReviewDecision.review_id == review_for_case(session, public.case_id).id)):
            decision.decided_at = held.starts_at - timedelta(days=1)
        session.flush()
        reviews.messages.after_save(session, session.get(Case, held.case_id))  # the held meeting's hook
        session.commit()
        byplan.engine.route_messages()

    # 2. decided with two dispensations (one expiring within a month): under embargo
    embargoed, devs = through_review(users["projektejer"], "Digital post i sagsbehandlingen", "KOMBIT",
                                     "Afsendelse af digital post direkte fra fagsystemerne.",
                                     ["deviates", "meets", "deviates"])
    values = {"outcome": "approved_with_dispensations", "reason": "Afvigelserne er begrundede og tidsbegrænsede.",
              "conditions": "Projektet følger reglen ved næste udbud.",
              "expires_on": (today + timedelta(days=365)).isoformat()}
    if devs:
        values[f"expires_{devs[0].id}"] = (today + timedelta(days=21)).isoformat()
    complete(embargoed, "review.board_decision", users["raad3"], values)
    session.commit()
    assert review_for_case(session, embargoed.case_id).status == "decided"
