"""council as a board portal (issue 15): the item deadline as a moment, the place of a decision

council_meeting.item_deadline_at: the deadline for agenda items as a moment (None: the end of item_deadline).
agenda_item.decided_meeting_id: the meeting at which the council decided the item.
agenda_item.quorum_exception: the exception recorded when the item was decided without a quorum.

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa
import engine.models


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('council_meeting', sa.Column('item_deadline_at', engine.models.TZDateTime(), nullable=True))
    op.add_column('agenda_item', sa.Column('decided_meeting_id', sa.Integer(), nullable=True))
    op.add_column('agenda_item', sa.Column('quorum_exception', sa.Text(), nullable=True))


def downgrade():
    op.drop_column('agenda_item', 'quorum_exception')
    op.drop_column('agenda_item', 'decided_meeting_id')
    op.drop_column('council_meeting', 'item_deadline_at')
