"""Reviews and projects in the search index, with their pages' visibility: a review is public once one of
its decisions is (the register's page), otherwise its case's (the staff and its working group); a project
has an entry once one of its reviews is public."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.models import Case

from .models import Review, ReviewDecision

PUBLIC = "public"  # workflows.search's visibility values (that module imports this one to reindex)


def scope_visibility(scope: str | None) -> str:
    return f"scope:{scope}" if scope else "staff"


def index_review(search, session: Session, review: Review) -> None:
    case = session.get(Case, review.case_id) if review.case_id else None
    public = bool(session.scalar(select(func.count()).select_from(ReviewDecision).where(
        ReviewDecision.review_id == review.id, ReviewDecision.public_at.is_not(None))))
    search.index.put(session, "review", review.id, f"Arkitekturvurdering: {review.project}",
                     "\n".join((review.organisation, review.description)),
                     ref={"review_id": review.id, "public": public, "project_key": review.project_key},
                     visibility=PUBLIC if public else scope_visibility(case.scope if case else None))
    if public:
        search.index.put(session, "project", review.project_key, review.project, review.organisation,
                         ref={"project_key": review.project_key}, visibility=PUBLIC)


def reindex_reviews(search, session: Session) -> dict[str, int]:
    counts = {"review": 0, "project": 0}
    keys = set()
    for review in session.scalars(select(Review).order_by(Review.id)):
        index_review(search, session, review)
        counts["review"] += 1
        keys.add(review.project_key)
    counts["project"] = len(keys)
    return counts
