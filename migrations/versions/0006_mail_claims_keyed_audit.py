"""mail claimed outside the SMTP conversation; a keyed audit chain carried over from the unkeyed one

outbox_mail gets a claim (claimed_by, claimed_until): a worker claims a batch and commits before it
speaks SMTP. audit_head gets keyed_from (the first sequence number whose event is HMAC-keyed; the
events before it keep the old unkeyed rule), key_id (which key) and mac (the head, keyed). Every
existing stream's old head becomes the start of its keyed chain: keyed_from = seq + 1.

Revision ID: 0006
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

import engine.models


revision = '0006'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_mail') as batch:
        batch.add_column(sa.Column('claimed_by', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('claimed_until', engine.models.TZDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('audit_head') as batch:
        batch.add_column(sa.Column('keyed_from', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('key_id', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('mac', sa.String(length=64), nullable=True))
    # the old unkeyed head of each stream is where its keyed chain starts
    op.execute("UPDATE audit_head SET keyed_from = seq + 1")


def downgrade():
    with op.batch_alter_table('audit_head') as batch:
        batch.drop_column('mac')
        batch.drop_column('key_id')
        batch.drop_column('keyed_from')
    with op.batch_alter_table('outbox_mail') as batch:
        batch.drop_column('claimed_until')
        batch.drop_column('claimed_by')
