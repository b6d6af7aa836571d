"""Tables owned by the case engine, on a plain SQLAlchemy 2 declarative base.

The web layer hands `Base` to Flask-SQLAlchemy; the worker and the CLI use
these models without Flask. Domain tables (in ``workflows``) use the same base.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class TZDateTime(TypeDecorator):
    """Stores aware datetimes as UTC; always returns aware UTC datetimes."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    registry = registry(metadata=MetaData(naming_convention=NAMING), type_annotation_map={datetime: TZDateTime})


class ProcessVersion(Base):
    """One deployed version of a process: its serialized spec, stored once."""

    __tablename__ = "process_version"
    __table_args__ = (UniqueConstraint("process_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(300), default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    # Large and immutable: loaded only when the spec cache misses.
    spec_json: Mapped[str] = mapped_column(Text, deferred=True)
    source: Mapped[dict] = mapped_column(JSON, deferred=True)  # {file name: XML text}
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)
    deployed_by: Mapped[str | None] = mapped_column(String(200))
    # New cases start on the most recently activated version; deploying an
    # earlier file again re-activates its version.
    activated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


# The current version of a process is the one activated last (a redeployed earlier file becomes current again).
VERSION_NEWEST_FIRST = (ProcessVersion.activated_at.desc(), ProcessVersion.id.desc())


class Case(Base):
    """One process instance: its serialized state (without spec) and its status."""

    __tablename__ = "case"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200), index=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"), index=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    scope: Mapped[str | None] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(20), default="running", index=True)
    state: Mapped[str] = mapped_column(Text, default="", deferred=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    created_by: Mapped[str | None] = mapped_column(String(200))
    # An incident (status "incident"): what failed, where and when. The failing task stays in the
    # saved workflow in ERROR state until an operator retries it.
    error: Mapped[str | None] = mapped_column(Text)
    incident_element: Mapped[str | None] = mapped_column(String(200))  # BPMN id of the failing element
    incident_element_name: Mapped[str | None] = mapped_column(String(300))
    incident_task_id: Mapped[str | None] = mapped_column(String(36))  # spiff task uuid
    incident_at: Mapped[datetime | None] = mapped_column(index=True)
    # How many projection rows of each kind the case has, so a save that had and has none skips the delete.
    timer_count: Mapped[int] = mapped_column(Integer, default=0)
    subscription_count: Mapped[int] = mapped_column(Integer, default=0)
    # The request that last changed the case (engine/logcontext.py): the worker's log lines for it carry it.
    request_id: Mapped[str | None] = mapped_column(String(64))
    # The last case control (suspend / resume / terminate, engine/controls.py): why, by whom and when.
    control_reason: Mapped[str | None] = mapped_column(Text)
    control_by: Mapped[str | None] = mapped_column(String(200))
    control_at: Mapped[datetime | None] = mapped_column()

    process_version: Mapped[ProcessVersion] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class ReadyTask(Base):
    """Projection: a human task that is ready, with its lane and due date."""

    __tablename__ = "ready_task"
    __table_args__ = (
        # The inbox's order (CaseEngine.tasks_for) within a lane and scope, and within a lane of any
        # scope: the first page is read off an index instead of sorting every ready task of the lane.
        Index("ix_ready_task_lane_scope_due", "lane", "scope", text("(due_at IS NULL)"), "due_at", "ready_since",
              "id"),
        Index("ix_ready_task_lane_due", "lane", text("(due_at IS NULL)"), "due_at", "ready_since", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # spiff task uuid
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    spec_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500), default="")
    lane: Mapped[str | None] = mapped_column(String(200))
    scope: Mapped[str | None] = mapped_column(String(100))
    form_key: Mapped[str | None] = mapped_column(String(200))
    assignee: Mapped[str | None] = mapped_column(String(100), index=True)  # only this user may take it
    case_title: Mapped[str] = mapped_column(String(500), default="")
    process_id: Mapped[str] = mapped_column(String(200))
    ready_since: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(index=True)


class CompletedTask(Base):
    """Projection: a human task that was completed, by whom and when."""

    __tablename__ = "completed_task"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    spec_name: Mapped[str] = mapped_column(String(200))
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_by: Mapped[str | None] = mapped_column(String(200))
    # When the task became ready (engine.analytics: a case's time per element against the median).
    ready_since: Mapped[datetime | None] = mapped_column()


class WaitingTimer(Base):
    """Projection: a timer a case waits on, with its due time (UTC)."""

    __tablename__ = "waiting_timer"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # spiff task uuid
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    spec_name: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(index=True)


class MessageSubscription(Base):
    """Projection: a message a case waits for, with the correlation values it knows."""

    __tablename__ = "message_subscription"
    __table_args__ = (Index("ix_message_subscription_name_corr", "message_name", "correlation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    message_name: Mapped[str] = mapped_column(String(200))
    correlation: Mapped[str] = mapped_column(String(500))  # canonical JSON of {key: value}


class OutboxMessage(Base):
    """A message thrown by a case, written in the thrower's transaction, delivered by the router."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="SET NULL"))
    message_name: Mapped[str] = mapped_column(String(200), index=True)
    correlation: Mapped[str] = mapped_column(String(500))
    payload: Mapped[str] = mapped_column(Text)  # serialized BpmnEvent
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(index=True)
    target_case_id: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class AuditEvent(Base):
    """Append-only log, one hash chain per stream (a case, or 'system')."""

    __tablename__ = "audit_event"
    # (case_id, seq): a case page reads a page of its timeline off the index (bench P8)
    __table_args__ = (UniqueConstraint("stream", "seq"), Index("ix_audit_event_case_id_seq", "case_id", "seq"))

    id: Mapped[int] = mapped_column(primary_key=True)
    stream: Mapped[str] = mapped_column(String(50))
    seq: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(50))
    summary: Mapped[str] = mapped_column(String(500), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    data_digest: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The last event of each audit stream, so that cutting a chain short is detected too."""

    __tablename__ = "audit_head"

    stream: Mapped[str] = mapped_column(String(50), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    # The first sequence number whose event is keyed (HMAC); the events before it follow the old unkeyed
    # rule. None: a stream written only without a key so far.
    keyed_from: Mapped[int | None] = mapped_column(Integer)
    key_id: Mapped[str | None] = mapped_column(String(16))  # which key keyed it (engine.audit.key_id)
    mac: Mapped[str | None] = mapped_column(String(64))  # HMAC of (stream, keyed_from, seq, hash)


class Blob(Base):
    """Content-addressed file content."""

    __tablename__ = "blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Document(Base):
    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(200))

    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.number", cascade="all, delete-orphan"
    )

    @property
    def current(self) -> DocumentVersion | None:
        return self.versions[-1] if self.versions else None


class DocumentVersion(Base):
    __tablename__ = "document_version"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(ForeignKey("blob.sha256"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by: Mapped[str | None] = mapped_column(String(200))

    document: Mapped[Document] = relationship(back_populates="versions")


class AuditPseudonym(Base):
    """Who a pseudonymous reference in the audit log stands for. Deleting the row (erasure, retention)
    leaves the events and their chains unchanged but no longer tied to the person."""

    __tablename__ = "audit_pseudonym"

    ref: Mapped[str] = mapped_column(String(40), primary_key=True)
    subject: Mapped[str] = mapped_column(String(254), unique=True)
    salt: Mapped[str] = mapped_column(String(64))  # keys the digests of data that concern the person
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditRechain(Base):
    """Evidence of a re-chained stream (pseudonymisation of events written before it): the old head."""

    __tablename__ = "audit_rechain"

    id: Mapped[int] = mapped_column(primary_key=True)
    stream: Mapped[str] = mapped_column(String(50), index=True)
    old_seq: Mapped[int] = mapped_column(Integer)
    old_hash: Mapped[str] = mapped_column(String(64))
    new_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)
