"""council documents (issue 15): the agenda pack and the minutes as stored PDF documents

council_meeting_document: one document (with its versions in the document store) per meeting, kind
(agenda / minutes) and variant (internal / public), with the sha256 of what it was generated from.

Revision ID: 0024
Revises: 0022
"""
from alembic import op
import sqlalchemy as sa
import engine.models


revision = '0024'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'council_meeting_document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('variant', sa.String(length=20), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('source_sha256', sa.String(length=64), nullable=False),
        sa.Column('generated_at', engine.models.TZDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['council_meeting.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['document_id'], ['document.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('meeting_id', 'kind', 'variant'),
    )
    op.create_index(op.f('ix_council_meeting_document_meeting_id'), 'council_meeting_document', ['meeting_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_council_meeting_document_meeting_id'), table_name='council_meeting_document')
    op.drop_table('council_meeting_document')
