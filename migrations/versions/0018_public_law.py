"""public law: pseudonymous audit references, access-to-documents requests, retention runs

audit_pseudonym: who a reference `person:<hex>` in the audit log stands for (deletable).
audit_rechain: the old heads of streams re-chained when their events were pseudonymised.
access_request, access_document, access_download: access-to-documents requests (workflows/access_request).
retention_run: what each retention or erasure run did (workflows/retention).

Existing audit events naming people are moved to the pseudonymous form and their streams re-chained
(engine/audit_rechain.py). A keyed stream needs the key (BYPLAN_AUDIT_KEY); without it the stream is
left for `byplan init-db`, which runs the same step with the application's key.

Revision ID: 0018
Revises: 0017
"""
import logging
import os

from alembic import op
import sqlalchemy as sa
import engine.models


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade():
    op.create_table(
        'audit_pseudonym',
        sa.Column('ref', sa.String(length=40), nullable=False),
        sa.Column('subject', sa.String(length=254), nullable=False),
        sa.Column('salt', sa.String(length=64), nullable=False),
        sa.Column('created_at', engine.models.TZDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('ref', name=op.f('pk_audit_pseudonym')),
        sa.UniqueConstraint('subject', name=op.f('uq_audit_pseudonym_subject')),
    )
    op.create_table(
        'audit_rechain',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('stream', sa.String(length=50), nullable=False),
        sa.Column('old_seq', sa.Integer(), nullable=False),
        sa.Column('old_hash', sa.String(length=64), nullable=False),
        sa.Column('new_hash', sa.String(length=64), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.Column('at', engine.models.TZDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_rechain')),
    )
    op.create_index(op.f('ix_audit_rechain_stream'), 'audit_rechain', ['stream'])
    _access_tables()
    op.create_table(
        'retention_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('actor', sa.String(length=40), nullable=True),
        sa.Column('subject_ref', sa.String(length=40), nullable=True),
        sa.Column('report', sa.JSON(), nullable=False),
        sa.Column('at', engine.models.TZDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_run')),
    )
    _pseudonymise()


def _access_tables():
    op.create_table(
        'access_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('about_case_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('asked', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('received_on', sa.Date(), nullable=False),
        sa.Column('deadline', sa.Date(), nullable=False),
        sa.Column('delay_due', sa.Date(), nullable=False),
        sa.Column('delay_reason', sa.Text(), nullable=True),
        sa.Column('delayed_at', engine.models.TZDateTime(), nullable=True),
        sa.Column('release_listing', sa.Boolean(), nullable=False),
        sa.Column('decided_at', engine.models.TZDateTime(), nullable=True),
        sa.Column('created_at', engine.models.TZDateTime(), nullable=False),
        sa.Column('anonymised_at', engine.models.TZDateTime(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], ondelete='SET NULL',
                                name=op.f('fk_access_request_case_id_case')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_access_request')),
        sa.UniqueConstraint('number', name=op.f('uq_access_request_number')),
    )
    op.create_index(op.f('ix_access_request_status'), 'access_request', ['status'])
    op.create_index(op.f('ix_access_request_deadline'), 'access_request', ['deadline'])
    op.create_table(
        'access_document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('assessment', sa.String(length=20), nullable=True),
        sa.Column('redactions', sa.Text(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('legal_basis', sa.String(length=20), nullable=True),
        sa.Column('decision_id', sa.Integer(), nullable=True),
        sa.Column('redacted_document_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['request_id'], ['access_request.id'], ondelete='CASCADE',
                                name=op.f('fk_access_document_request_id_access_request')),
        sa.ForeignKeyConstraint(['document_id'], ['document.id'],
                                name=op.f('fk_access_document_document_id_document')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_access_document')),
        sa.UniqueConstraint('request_id', 'document_id', name=op.f('uq_access_document_request_id_document_id')),
    )
    op.create_index(op.f('ix_access_document_request_id'), 'access_document', ['request_id'])
    op.create_table(
        'access_decision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('final', sa.Boolean(), nullable=False),
        sa.Column('letter_document_id', sa.Integer(), nullable=True),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('expires_at', engine.models.TZDateTime(), nullable=False),
        sa.Column('created_at', engine.models.TZDateTime(), nullable=False),
        sa.Column('downloads', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['request_id'], ['access_request.id'], ondelete='CASCADE',
                                name=op.f('fk_access_decision_request_id_access_request')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_access_decision')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_access_decision_token_hash')),
    )
    op.create_index(op.f('ix_access_decision_request_id'), 'access_decision', ['request_id'])


def _pseudonymise():
    from sqlalchemy.orm import Session

    from engine.audit import AuditLog
    from engine.audit_rechain import pseudonymise_existing

    with Session(bind=op.get_bind()) as session:
        result = pseudonymise_existing(session, AuditLog(key=os.environ.get("BYPLAN_AUDIT_KEY") or None))
        session.commit()  # inside Alembic's transaction: flushes, the migration commits
    for stream, (old, new) in result.streams.items():
        log.warning("audit stream %s re-chained after pseudonymisation: old head %s kept in audit_rechain, "
                    "new head %s", stream, old, new)
    if result.skipped:
        log.warning("audit streams %s are keyed: pseudonymised by `byplan init-db` with the key",
                    ", ".join(result.skipped))


def downgrade():
    op.drop_table('retention_run')
    op.drop_index(op.f('ix_access_decision_request_id'), table_name='access_decision')
    op.drop_table('access_decision')
    op.drop_index(op.f('ix_access_document_request_id'), table_name='access_document')
    op.drop_table('access_document')
    op.drop_index(op.f('ix_access_request_deadline'), table_name='access_request')
    op.drop_index(op.f('ix_access_request_status'), table_name='access_request')
    op.drop_table('access_request')
    op.drop_index(op.f('ix_audit_rechain_stream'), table_name='audit_rechain')
    op.drop_table('audit_rechain')
    op.drop_table('audit_pseudonym')
