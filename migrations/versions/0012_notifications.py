"""notifications: each user's choice of mail per kind, and the notifications held for the daily digest

notification_preference: (user, kind) -> mode ("now", "digest", "off"); no row is "now".
held_notification: a mail of a user who chose the digest, kept out of the outbox until the worker builds
that user's digest at the digest hour (workflows/notifications.py).

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa
import engine.models


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notification_preference',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=50), nullable=False),
        sa.Column('mode', sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE',
                                name=op.f('fk_notification_preference_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preference')),
        sa.UniqueConstraint('user_id', 'kind', name=op.f('uq_notification_preference_user_id_kind')),
    )
    op.create_index(op.f('ix_notification_preference_user_id'), 'notification_preference', ['user_id'])
    op.create_table(
        'held_notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=50), nullable=False),
        sa.Column('to_address', sa.String(length=254), nullable=False),
        sa.Column('to_name', sa.String(length=200), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('created_at', engine.models.TZDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE',
                                name=op.f('fk_held_notification_user_id_user_account')),
        sa.ForeignKeyConstraint(['case_id'], ['case.id'], ondelete='SET NULL',
                                name=op.f('fk_held_notification_case_id_case')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_held_notification')),
    )
    op.create_index(op.f('ix_held_notification_user_id'), 'held_notification', ['user_id'])
    op.create_index(op.f('ix_held_notification_created_at'), 'held_notification', ['created_at'])


def downgrade():
    op.drop_index(op.f('ix_held_notification_created_at'), table_name='held_notification')
    op.drop_index(op.f('ix_held_notification_user_id'), table_name='held_notification')
    op.drop_table('held_notification')
    op.drop_index(op.f('ix_notification_preference_user_id'), table_name='notification_preference')
    op.drop_table('notification_preference')
