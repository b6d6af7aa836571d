"""The architecture-review family's input schemas: the request (start), triage, the rule-by-rule self-assessment
and working-group review, the board's decision, scheduling for the council, re-review; the board's members.

The self-assessment and the working group's review have one field pair per rule version of the review
(``assessment_<answer id>`` / ``explanation_<answer id>``, ``agree_<answer id>`` / ``comment_<answer id>``):
their schemas let those through (``unknown = INCLUDE``) and the task's function checks them against the
review's own answers, with an error per field (``answer_errors``).
"""
from __future__ import annotations

from datetime import date

from marshmallow import INCLUDE, ValidationError, validates_schema

from ..forms import MAX_ID, REQUIRED, FormSchema, checkbox, choice, date_field, integer, text
from ..i18n import N_
from .models import ASSESSMENTS, OUTCOMES, PHASES, RECOMMENDATIONS, Assessment, Outcome, Phase

EXPLAIN = N_("Explain the deviation or why the rule does not apply.")
DISAGREE_COMMENT = N_("Say why the working group disagrees.")
NOT_ADOPTED = N_("This rule version is no longer adopted: the review follows the catalogue's current rules.")
PAST_EXPIRY = N_("The expiry date must be after today.")
ACCEPT, REFUSE = "accept", "refuse"
AGREE, DISAGREE = "agree", "disagree"
RE_REVIEW, CLOSE = "re_review", "close"


class RequestForm(FormSchema):
    """A project submitted for architecture review."""

    project = text(N_("Project name"), required=True, max_length=200)
    organisation = text(N_("Owning organisation"), required=True, max_length=200,
                        help=N_("The municipality, KL or KOMBIT unit that owns the project."))
    description = text(N_("Description"), required=True, widget="textarea", max_length=10000,
                       help=N_("What the project builds or buys, for whom, and its main integrations."))
    phase = choice(N_("Phase"), PHASES, default=Phase.IDEA.value)
    municipal = choice(N_("Do the municipal-only (FK) rules apply?"),
                       [("yes", N_("Yes, a municipal project")), ("no", N_("No, the common rules only"))],
                       default="yes")
    wished_decision_on = date_field(N_("Wished decision date"), required=False)


class TriageForm(FormSchema):
    triage = choice(N_("Triage"), [(ACCEPT, N_("Accept: assign a working group and reviewers")),
                                   (REFUSE, N_("Refuse the request"))])
    working_group_id = integer(N_("Working group"), required=False, minimum=1, maximum=MAX_ID, widget="select")
    reviewers = text(N_("Reviewers"), max_length=1000,
                     help=N_("User names of the reviewers, separated by commas (members of the working group)."))
    reason = text(N_("Reason for refusing"), widget="textarea", max_length=5000,
                  help=N_("Required when the request is refused."))

    @validates_schema(skip_on_field_errors=False)
    def _check(self, data, **kwargs):
        errors = {}
        if data.get("triage") == REFUSE and not data.get("reason"):
            errors["reason"] = [REQUIRED]
        if data.get("triage") == ACCEPT:
            if not data.get("working_group_id"):
                errors["working_group_id"] = [REQUIRED]
            if not data.get("reviewers"):
                errors["reviewers"] = [REQUIRED]
        if errors:
            raise ValidationError(errors)


class AssessmentForm(FormSchema):
    """One `assessment_<id>` (meets / deviates / not_applicable) and `explanation_<id>` per answer."""

    class Meta:
        unknown = INCLUDE


class WorkingGroupReviewForm(FormSchema):
    """One `agree_<id>` (agree / disagree) and `comment_<id>` per answer, and the overall recommendation."""

    class Meta:
        unknown = INCLUDE

    recommendation = choice(N_("Overall recommendation"), RECOMMENDATIONS)
    recommendation_comment = text(N_("Comment on the recommendation"), widget="textarea", max_length=5000)


class BoardDecisionForm(FormSchema):
    """The board's decision. With dispensations, every deviation becomes one with these conditions and expiry
    (per deviation: `conditions_<id>` / `expires_<id>` override them)."""

    class Meta:
        unknown = INCLUDE

    outcome = choice(N_("Decision"), OUTCOMES)
    reason = text(N_("Reason"), required=True, widget="textarea", max_length=5000)
    conditions = text(N_("Conditions of the dispensations"), widget="textarea", max_length=5000)
    expires_on = date_field(N_("Dispensations expire on"), required=False,
                            help=N_("Required when the review is approved with dispensations."))

    @validates_schema(skip_on_field_errors=False)
    def _dispensations_need_expiry(self, data, **kwargs):
        if data.get("outcome") == Outcome.APPROVED_WITH_DISPENSATIONS and not data.get("expires_on"):
            raise ValidationError(REQUIRED, "expires_on")


class ScheduleCouncilForm(FormSchema):
    meeting_id = integer(N_("Council meeting"), minimum=1, maximum=MAX_ID, widget="radio",
                         help=N_("The meetings that still take agenda items."))


class ReReviewForm(FormSchema):
    re_review = choice(N_("The dispensations have lapsed"),
                       [(RE_REVIEW, N_("Review the project again against the current rules")),
                        (CLOSE, N_("Close the review"))])


class BoardForm(FormSchema):
    name = text(N_("Name"), required=True, max_length=200)
    mandate = text(N_("Mandate from the council"), required=True, widget="textarea", max_length=10000)


class BoardMemberForm(FormSchema):
    user_id = integer(N_("User"), minimum=1, maximum=MAX_ID, widget="select")
    term_start = date_field(N_("Term starts"))
    term_end = date_field(N_("Term ends"), required=False)
    organisation = text(N_("Organisation"), max_length=200)
    is_chair = checkbox(N_("Chair of the board"))


def answer_errors(answers, raw: dict, *, adopted: set[int]) -> tuple[dict, dict[str, list[str]]]:
    """The self-assessment's values per answer id, and its errors per field (nothing is written here)."""
    values, errors = {}, {}
    valid = {a for a, _ in ASSESSMENTS}
    for answer in answers:
        key, ekey = f"assessment_{answer.id}", f"explanation_{answer.id}"
        choice_ = str(raw.get(key) or "").strip()
        explanation = str(raw.get(ekey) or "").strip()
        if answer.rule_version_id not in adopted:
            errors[key] = [NOT_ADOPTED]
            continue
        if choice_ not in valid:
            errors[key] = [N_("Choose one of the options.")]
            continue
        if choice_ != Assessment.MEETS and not explanation:
            errors[ekey] = [EXPLAIN]
        elif len(explanation) > 5000:
            errors[ekey] = [N_("At most 5000 characters.")]
        values[answer.id] = (choice_, explanation)
    return values, errors


def review_errors(answers, raw: dict) -> tuple[dict, dict[str, list[str]]]:
    values, errors = {}, {}
    for answer in answers:
        key, ckey = f"agree_{answer.id}", f"comment_{answer.id}"
        verdict = str(raw.get(key) or "").strip()
        comment = str(raw.get(ckey) or "").strip()
        if verdict not in (AGREE, DISAGREE):
            errors[key] = [N_("Choose one of the options.")]
            continue
        if verdict == DISAGREE and not comment:
            errors[ckey] = [DISAGREE_COMMENT]
        values[answer.id] = (verdict == AGREE, comment[:5000])
    return values, errors


def future_date(value, today: date, field: str) -> dict[str, list[str]]:
    return {field: [PAST_EXPIRY]} if value is not None and value <= today else {}
