"""Demo catalogue (issue 14): principles with their rules, written for Byplan.

Three earlier council meetings (held, minutes published) decided the rules; the demo's proposal
"Data genbruges på tværs" (approved through the proposal process today) becomes version 2 of principle 1. One rule is
municipal-only (FK), one was retired, and AR 2.1 was changed: version 1 superseded by version 2, with a
difference to show.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..council.models import AgendaItem, ItemKind, Meeting, MeetingStatus
from ..dates import COPENHAGEN
from ..directory import WorkingGroup
from .models import Principle, PrincipleVersion, Rule, RuleContact, RuleStatus, RuleVersion, Scope, rule_key

MEETINGS = [date(2024, 3, 12), date(2024, 11, 26), date(2025, 6, 17)]

#: (principle title, statement, rationale, [rule: (title, text, implications, background, guidance, attention,
#: scope, meeting index)]); a principle title already in the catalogue gets only the rules
PRINCIPLES = [
    ("Data genbruges på tværs", "Kommunale data registreres én gang og genbruges, hvor de skal bruges.",
     "Dobbeltregistrering koster tid og giver fejl.", [
        ("Data registreres ét sted",
         "Kommunale data registreres i den løsning, der er autoritativ kilde, og hentes derfra af andre løsninger.",
         "løsningen henter data fra kilden i stedet for at kopiere dem\nkopier, der er nødvendige, opdateres "
         "automatisk fra kilden\nløsningens dokumentation angiver kilden for hvert dataområde",
         "Dobbeltregistrering giver fejl og merarbejde for medarbejdere og borgere.",
         "Brug de fælleskommunale og fællesoffentlige grunddataregistre, hvor de findes.",
         "Lokale kopier til analyse er tilladt, når de ikke bruges som grundlag for afgørelser.",
         Scope.COMMON, 1),
        ("Data udstilles via dokumenterede snitflader",
         "Løsninger udstiller deres data via dokumenterede og versionerede snitflader.",
         "snitfladen er beskrevet, før løsningen tages i brug\nændringer varsles over for de løsninger, der "
         "bruger snitfladen", "Genbrug forudsætter, at andre løsninger kan finde og forstå data.",
         "Beskriv snitflader efter de fællesoffentlige standarder for dokumentation.", "", Scope.COMMON, 2),
    ]),
    ("Løsninger bygges af genbrugelige byggeblokke",
     "Kommunerne genbruger fælles infrastruktur og byggeblokke, før de anskaffer eller udvikler nyt.",
     "Fælles byggeblokke giver sammenhæng, lavere omkostninger og hurtigere implementering.", [
        ("Fælles infrastruktur bruges før egen udvikling",  # changed: see RULE_CHANGE below
         "Nye løsninger anvender den fælleskommunale infrastruktur, når den dækker behovet.",
         "behovet afklares over for infrastrukturen, før der anskaffes\nafvigelser begrundes over for "
         "arkitekturboardet", "Infrastrukturen er betalt i fællesskab og sikrer sammenhæng.",
         "Se støttesystemernes dokumentation hos KOMBIT.", "", Scope.MUNICIPAL, 0),
        ("Kommunale løsninger anvender rammearkitekturens begreber",
         "Kommunale løsninger beskriver deres data og processer med den fælleskommunale rammearkitekturs "
         "begrebsmodeller.", "løsningens datamodel kan afbildes på de fælles begreber\nnye begreber meldes "
         "ind til arkitekturarbejdet", "Fælles begreber gør det muligt at dele data uden tolkning.", "",
         "Gælder kun kommunale løsninger; fællesoffentlige løsninger følger FDA's begreber.", Scope.MUNICIPAL, 1),
    ]),
    ("Sikker og sammenhængende brugerstyring",
     "Adgang til kommunale løsninger gives på baggrund af fælles brugerstyring og lokale roller.",
     "Medarbejdere skal have én identitet på tværs af løsninger, og kommunen skal kunne dokumentere adgang.", [
        ("Adgang gives via fælles brugerstyring",
         "Løsninger giver adgang på baggrund af identitetstokens fra den fælles brugerstyring.",
         "løsningen kan modtage identitetstokens\nløsningen har ingen egen brugerdatabase til login",
         "Én brugerstyring mindsker administration og øger sikkerheden.",
         "Brug Context Handler som identitetsbroker.", "Nødadgang dokumenteres og logges.", Scope.COMMON, 0),
        ("Roller tildeles lokalt i kommunen",
         "Kommunen tildeler medarbejdernes roller i sit eget system og sender dem med identiteten.",
         "løsningen læser roller fra identitetstokenet\nroller oprettes ikke manuelt i hver løsning",
         "Kommunen kender sine medarbejdere og deres opgaver bedst.", "", "", Scope.MUNICIPAL, 2),
        ("Brugere oprettes i hver løsning",  # retired at meeting 2
         "Hver løsning har sin egen brugeradministration, som kommunen vedligeholder.",
         "kommunen opretter og nedlægger brugere i hver løsning", "Fra før den fælles brugerstyring.", "", "",
         Scope.MUNICIPAL, 0),
    ]),
]

RULE_CHANGE = ("Fælles infrastruktur bruges før egen udvikling",
               "Nye og ændrede løsninger anvender den fælleskommunale infrastruktur og de fællesoffentlige "
               "byggeblokke, når de dækker behovet.",
               "behovet afklares over for infrastrukturen og byggeblokkene, før der anskaffes\nafvigelser "
               "begrundes over for arkitekturboardet\nløsningen dokumenterer, hvilke byggeblokke den bruger",
               Scope.COMMON, 2)
RETIRED = ("Brugere oprettes i hver løsning", 2)


def _at(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 10, 0, tzinfo=COPENHAGEN)


def _meetings(session: Session, actor: str) -> list[Meeting]:
    rows = []
    for d in MEETINGS:
        m = Meeting(title="Rådsmøde", starts_at=_at(d), place="KL, Weidekampsgade 10, København S",
                    item_deadline=d - timedelta(days=14), status=MeetingStatus.CONCLUDED.value,
                    agenda_published_at=_at(d - timedelta(days=7)), minutes_published_at=_at(d + timedelta(days=8)),
                    minutes_summary="Rådet behandlede regler i den fælleskommunale rammearkitektur.", created_by=actor,
                    created_at=_at(d - timedelta(days=30)))
        session.add(m)
        rows.append(m)
    session.flush()
    renumber_meetings(session)
    return rows


def renumber_meetings(session: Session) -> None:
    """The meetings' running numbers in the order they are held (demo: older meetings added later)."""
    meetings = list(session.scalars(select(Meeting).order_by(Meeting.starts_at, Meeting.id)))
    for m in meetings:
        m.number = None
    session.flush()
    for n, m in enumerate(meetings, start=1):
        m.number = n
    session.flush()


def _item(session: Session, meeting: Meeting, title: str, group: WorkingGroup | None, position: int) -> AgendaItem:
    item = AgendaItem(meeting_id=meeting.id, position=position, kind=ItemKind.DECISION.value, title=title,
                      description="Arbejdsgruppens indstilling til en regel i rammearkitekturen.",
                      working_group_id=group.id if group else None, outcome="approved", decided_by="formand",
                      decided_at=meeting.starts_at, minutes="Rådet godkendte indstillingen.")
    session.add(item)
    session.flush()
    return item


def load_catalogue_demo(session: Session, search=None) -> None:
    """The demo catalogue; call after the demo's working group exists and before its council meetings (the
    earlier meetings come first in the running numbers). `search`: the search service, which then finds
    the rules."""
    if session.scalar(select(func.count()).select_from(Rule)):
        return
    group = session.scalar(select(WorkingGroup).order_by(WorkingGroup.id))
    meetings = _meetings(session, "sekretariat")
    positions = dict.fromkeys(range(len(meetings)), 0)
    rules_by_title: dict[str, Rule] = {}

    def decided(meeting_index: int, title: str) -> dict:
        meeting = meetings[meeting_index]
        positions[meeting_index] += 1
        item = _item(session, meeting, title, group, positions[meeting_index])
        return dict(meeting_id=meeting.id, agenda_item_id=item.id, decision="approved",
                    decided_at=meeting.starts_at, created_at=meeting.starts_at)

    for title, statement, rationale, rules in PRINCIPLES:
        principle = session.scalars(select(Principle).join(PrincipleVersion)
                                    .where(PrincipleVersion.title == title)).first()
        if principle is None:
            number = (session.scalar(select(func.max(Principle.number))) or 0) + 1
            principle = Principle(key=_slug(title), number=number, working_group_id=group.id if group else None,
                                  created_at=meetings[0].starts_at)
            session.add(principle)
            session.flush()
            session.add(PrincipleVersion(principle_id=principle.id, version=1, title=title, statement=statement,
                                         rationale=rationale, implications="", status=RuleStatus.ADOPTED.value,
                                         working_group_id=group.id if group else None,
                                         **decided(0, f"Princip: {title}")))
        for n, (r_title, text, implications, background, guidance, attention, scope, m) in enumerate(rules, 1):
            rule = Rule(principle_id=principle.id, number=n, key=rule_key(principle.number, n),
                        created_at=meetings[m].starts_at)
            session.add(rule)
            session.flush()
            version = RuleVersion(rule_id=rule.id, version=1, title=r_title, text=text, implications=implications,
                                  background=background, guidance=guidance, attention=attention, scope=scope.value,
                                  status=RuleStatus.ADOPTED.value, working_group_id=group.id if group else None,
                                  **decided(m, f"Regel: {r_title}"))
            version.contacts = [RuleContact(position=0, name="Mette Lund", organisation="KL",
                                            email="mette.lund@kl.example")]
            session.add(version)
            rules_by_title[r_title] = rule
    session.flush()
    _change(session, rules_by_title[RULE_CHANGE[0]], decided, group)
    _retire(session, rules_by_title[RETIRED[0]], decided)
    session.flush()
    if search is not None:
        from .search import reindex_catalogue

        session.expire_all()
        reindex_catalogue(search, session)


def _change(session: Session, rule: Rule, decided, group) -> None:
    title, text, implications, scope, m = RULE_CHANGE
    session.refresh(rule)
    old = rule.versions[0]
    new = RuleVersion(rule_id=rule.id, version=2, title=title, text=text, implications=implications,
                      background=old.background, guidance=old.guidance, attention=old.attention, scope=scope.value,
                      status=RuleStatus.ADOPTED.value, working_group_id=group.id if group else None,
                      decision_changes="Udvidet til også at gælde ændrede løsninger og fællesoffentlige byggeblokke.",
                      **decided(m, f"Ændring af regel: {title}"))
    new.contacts = [RuleContact(position=0, name="Mette Lund", organisation="KL", email="mette.lund@kl.example"),
                    RuleContact(position=1, name="Jonas Holm", organisation="KOMBIT", email="jonas.holm@kombit.example")]
    session.add(new)
    session.flush()
    old.status, old.superseded_by_id = RuleStatus.SUPERSEDED.value, new.id


def _retire(session: Session, rule: Rule, decided) -> None:
    session.refresh(rule)
    current = rule.versions[0]
    provenance = decided(RETIRED[1], f"Udfasning af regel: {current.title}")
    current.status = RuleStatus.RETIRED.value
    current.retired_meeting_id = provenance["meeting_id"]
    current.retired_agenda_item_id = provenance["agenda_item_id"]
    current.retired_at = provenance["decided_at"]


def _slug(title: str) -> str:
    from ..proposal.models import slugify

    return slugify(title)
