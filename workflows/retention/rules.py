"""The retention rules and the record of processing: one table of the kinds of personal data Byplan keeps.

Each rule names a kind of personal data, why it is kept, who sees it, how long it is kept (a setting in
web/config.py, `RETENTION_<KEY>_DAYS`, with a safe default) and the reason for that period. The retention
run (workflows/retention/run.py) applies them; the admin page "Record of processing" lists them; the
settings table is built from them. Change a period here (the default) or in the setting (a deployment).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_


@dataclass(frozen=True)
class Rule:
    key: str  # the rule's name; its setting is RETENTION_<KEY>_DAYS
    category: str  # the kind of personal data (message id)
    data: str  # which data (message id)
    purpose: str  # why it is processed (message id)
    who: str  # who sees it (message id)
    days: int  # the default period, in days
    after: str  # from when the period runs (message id)
    action: str  # "anonymise" or "delete"
    reason: str  # why this period (message id)

    @property
    def setting(self) -> str:
        return f"RETENTION_{self.key.upper()}_DAYS"


RULES: tuple[Rule, ...] = (
    Rule("network_registrations", N_("Network meeting participants"),
         N_("Name, e-mail, job title of registered colleagues; evaluation comments"),
         N_("Running the meeting: seats, waiting list, practical information, the evaluation"),
         N_("The secretariat; the municipality's contact sees its own colleagues"),
         365, N_("the meeting day"), "anonymise",
         N_("A year covers the evaluation, the follow-up and the planning of the next round; the number of "
            "seats used is kept without names.")),
    Rule("hearing_contacts", N_("Hearing parties' contact persons"),
         N_("The e-mail address a hearing party was invited at, and its answer link"),
         N_("Inviting the party, reminding it and receiving its answer"),
         N_("The secretariat"),
         90, N_("the hearing note is published"), "anonymise",
         N_("The contact is needed only while the hearing runs and for questions about the note; the responses "
            "themselves are documents received in the case and are kept.")),
    Rule("inactive_accounts", N_("User accounts"),
         N_("User name, name, e-mail address of deactivated local accounts"),
         N_("Signing in and acting in the processes; naming who did what"),
         N_("Administrators; colleagues see the name on tasks and timelines"),
         730, N_("the account's last activity, once it is deactivated"), "anonymise",
         N_("Two years lets a person be identified in questions about recent decisions; after that the audit "
            "log keeps only a pseudonymous reference.")),
    Rule("mail_bodies", N_("Sent e-mails"),
         N_("The body, the recipient's name and the calendar attachment of sent mail"),
         N_("Delivering notices, invitations and letters; resending them on request"),
         N_("Administrators (the outbox)"),
         30, N_("the mail was delivered"), "anonymise",
         N_("A month is enough to answer 'did the mail arrive' and to resend; the content of letters that "
            "matter is kept as case documents.")),
    Rule("login_sessions", N_("Sign-in sessions"),
         N_("Session records: when a user signed in and was last seen, a hash of the browser"),
         N_("Keeping a user signed in; letting users end their other sessions"),
         N_("The user; administrators"),
         30, N_("the session was last used"), "delete",
         N_("A session ends after at most a day; a month covers the investigation of a suspicious sign-in.")),
    Rule("access_requesters", N_("Requesters of access to documents"),
         N_("Name and e-mail address of the person who asked for access"),
         N_("Handling the request and sending the decision and the documents"),
         N_("The secretariat"),
         365, N_("the final decision"), "anonymise",
         N_("A year covers a complaint to the Ombudsman and a repeated request; the request and its decision "
            "stay in the journal without the requester's name.")),
)

RULES_BY_KEY = {r.key: r for r in RULES}


def periods(config) -> dict[str, int]:
    """Each rule's period in days, from the settings (`config` maps RETENTION_<KEY>_DAYS) or the default."""
    out = {}
    for rule in RULES:
        value = config.get(rule.setting) if config is not None else None
        out[rule.key] = int(value) if value not in (None, "") else rule.days
    return out
