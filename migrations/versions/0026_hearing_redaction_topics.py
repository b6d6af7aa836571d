"""hearings (issue 16, finished): redactions of section comments; subscriptions per topic (a principle)

Revision ID: 0026
Revises: 0021
"""
from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('hearing_redaction', sa.Column('section_comment_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_hearing_redaction_section_comment_id'), 'hearing_redaction', ['section_comment_id'])
    op.add_column('hearing_subscription', sa.Column('principle_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_hearing_subscription_principle_id'), 'hearing_subscription', ['principle_id'])


def downgrade():
    op.drop_index(op.f('ix_hearing_subscription_principle_id'), 'hearing_subscription')
    op.drop_column('hearing_subscription', 'principle_id')
    op.drop_index(op.f('ix_hearing_redaction_section_comment_id'), 'hearing_redaction')
    op.drop_column('hearing_redaction', 'section_comment_id')
