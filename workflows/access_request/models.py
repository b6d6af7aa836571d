"""Access-to-documents requests (aktindsigt): the request, each document's assessment, the decisions.

A request is received on a working day's date; its deadline is 7 working days later (offentlighedsloven
§ 36, stk. 2), and the delay letter is due on the 5th working day if nothing has been decided. Each
document named for the request is assessed: released in full, in part (with the redactions and the
reason) or refused (with a legal basis from `EXEMPTIONS`). A decision releases the documents assessed
so far (a partial decision) or all of them (the final one), with a personal download link.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.models import Base, Document, utcnow

from ..errors import DomainError

DEADLINE_WORKING_DAYS = 7  # offentlighedsloven § 36, stk. 2
DELAY_LETTER_WORKING_DAY = 5  # the delay letter goes out if nothing is decided by this working day
LINK_DAYS = 30  # a decision's download link expires after this many days


class RequestStatus(StrEnum):
    RECEIVED = "received"
    DELAYED = "delayed"
    DECIDED = "decided"


class Assessment(StrEnum):
    FULL = "full"  # released in full
    PARTIAL = "partial"  # released in part: redactions and their reason
    REFUSED = "refused"  # refused: a legal basis


@dataclass(frozen=True)
class Exemption:
    code: str
    section: str
    text: str


# The exemption sections of offentlighedsloven (lov nr. 606 af 12.6.2013, lovbekendtgørelse nr. 145 af
# 24.2.2020) that a refusal or a redaction may rest on; kept as data (one place to correct).
EXEMPTIONS: tuple[Exemption, ...] = (
    Exemption("19", "§ 19", "Sager om kriminalitet og disciplinærsager"),
    Exemption("20", "§ 20", "Sager om ansættelse, lønforhold og personale"),
    Exemption("21", "§ 21", "Lovgivningsprocessen"),
    Exemption("22", "§ 22", "Statsrådsprotokoller og mødesager"),
    Exemption("23", "§ 23", "Interne dokumenter (interne arbejdsdokumenter)"),
    Exemption("24", "§ 24", "Ministerbetjening"),
    Exemption("25", "§ 25", "Ministerbetjening hos kommuner og regioner"),
    Exemption("26", "§ 26", "Dokumenter udvekslet med sagkyndige og mellem myndigheder i kommuner og regioner"),
    Exemption("27", "§ 27", "Visse dokumenter, herunder brevveksling med sagkyndige til brug for retssager"),
    Exemption("28", "§ 28", "Oplysninger om faktiske omstændigheder (begrænsning i undtagelserne)"),
    Exemption("29", "§ 29", "Oplysninger om eksterne faglige vurderinger"),
    Exemption("30", "§ 30", "Oplysninger om private forhold og drifts- og forretningsforhold"),
    Exemption("31", "§ 31", "Statens sikkerhed og rigets forsvar"),
    Exemption("32", "§ 32", "Rigets udenrigspolitiske eller udenrigsøkonomiske interesser"),
    Exemption("33", "§ 33", "Forebyggelse af lovovertrædelser, det offentliges økonomiske interesser m.v."),
    Exemption("34", "§ 34", "Oplysninger om tekniske indretninger, edb-systemer m.v."),
    Exemption("35", "§ 35", "Tavshedspligt fastsat i anden lovgivning"),
)
EXEMPTION_CODES = frozenset(e.code for e in EXEMPTIONS)


def exemption(code: str | None) -> Exemption | None:
    return next((e for e in EXEMPTIONS if e.code == code), None)


class AccessRequestError(DomainError):
    """A request or assessment that cannot be accepted (the message says why)."""

    key = "access_request"


class AccessRequest(Base):
    __tablename__ = "access_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # "AI-2026-0001"
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="SET NULL"))
    about_case_id: Mapped[int | None] = mapped_column(Integer)  # the case the requester named, if any
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    asked: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.RECEIVED, index=True)
    received_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date, index=True)
    delay_due: Mapped[date] = mapped_column(Date)
    delay_reason: Mapped[str | None] = mapped_column(Text)
    delayed_at: Mapped[datetime | None]
    release_listing: Mapped[bool] = mapped_column(Boolean, default=False)  # the journal listing (§ 7, stk. 2)
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    anonymised_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}

    documents: Mapped[list["AccessDocument"]] = relationship(back_populates="request", order_by="AccessDocument.id",
                                                             cascade="all, delete-orphan")
    decisions: Mapped[list["AccessDecision"]] = relationship(back_populates="request", order_by="AccessDecision.id",
                                                             cascade="all, delete-orphan")

    @property
    def open(self) -> bool:
        return self.status != RequestStatus.DECIDED


class AccessDocument(Base):
    __tablename__ = "access_document"
    __table_args__ = (UniqueConstraint("request_id", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("access_request.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"))
    assessment: Mapped[str | None] = mapped_column(String(20))  # Assessment; None: not yet assessed
    redactions: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str | None] = mapped_column(String(20))  # an Exemption code
    decision_id: Mapped[int | None] = mapped_column(Integer)  # the decision that covered it
    redacted_document_id: Mapped[int | None] = mapped_column(Integer)  # the redacted copy released instead

    request: Mapped[AccessRequest] = relationship(back_populates="documents")
    document: Mapped[Document] = relationship()


class AccessDecision(Base):
    __tablename__ = "access_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("access_request.id", ondelete="CASCADE"), index=True)
    final: Mapped[bool] = mapped_column(Boolean, default=False)
    letter_document_id: Mapped[int | None] = mapped_column(Integer)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    downloads: Mapped[int] = mapped_column(Integer, default=0)

    request: Mapped[AccessRequest] = relationship(back_populates="decisions")
