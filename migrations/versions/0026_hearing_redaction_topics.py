"""hearings (issue 16, finished): redactions of section comments; subscriptions per topic (a principle)

Revision ID: 0026
Revises: 0025
"""
from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('hearing_redaction', sa.Column('section_comment_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_hearing_redaction_section_comment_id'), 'hearing_redaction', ['section_comment_id'])
    # a topic (an architecture principle) per subscription; one row per address, group and topic. No foreign
    # key points at hearing_subscription, so SQLite may rebuild it for the new unique constraint.
    with op.batch_alter_table('hearing_subscription') as batch:
        batch.add_column(sa.Column('principle_id', sa.Integer(), nullable=True))
        batch.drop_constraint('uq_hearing_subscription_email_working_group_id', type_='unique')
        batch.create_unique_constraint(op.f('uq_hearing_subscription_email_working_group_id_principle_id'),
                                       ['email', 'working_group_id', 'principle_id'])
    op.create_index(op.f('ix_hearing_subscription_principle_id'), 'hearing_subscription', ['principle_id'])


def downgrade():
    op.drop_index(op.f('ix_hearing_subscription_principle_id'), 'hearing_subscription')
    with op.batch_alter_table('hearing_subscription') as batch:
        batch.drop_constraint('uq_hearing_subscription_email_working_group_id_principle_id', type_='unique')
        batch.create_unique_constraint(op.f('uq_hearing_subscription_email_working_group_id'),
                                       ['email', 'working_group_id'])
        batch.drop_column('principle_id')
    op.drop_index(op.f('ix_hearing_redaction_section_comment_id'), 'hearing_redaction')
    op.drop_column('hearing_redaction', 'section_comment_id')
