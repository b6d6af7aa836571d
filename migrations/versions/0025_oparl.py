"""OParl (issue 15): created/modified moments of the council's public records

council_meeting.modified_at, agenda_item.created_at / modified_at, council_member.created_at / modified_at,
working_group.created_at / modified_at: the open-data API (OParl 1.1) gives every object `created` and
`modified`, and a client updates its copy by `modified_since`. Existing rows get the best moment the record
knows (a meeting's last publication, an item's meeting, a member's user account; a working group the
moment of this migration).

Revision ID: 0025
Revises: 0024
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa
import engine.models


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

COLUMNS = (('council_meeting', 'modified_at'), ('agenda_item', 'created_at'), ('agenda_item', 'modified_at'),
           ('council_member', 'created_at'), ('council_member', 'modified_at'),
           ('working_group', 'created_at'), ('working_group', 'modified_at'))


def upgrade():
    for table, column in COLUMNS:
        op.add_column(table, sa.Column(column, engine.models.TZDateTime(), nullable=True))
    op.execute("UPDATE council_meeting SET modified_at = COALESCE(minutes_published_at, agenda_published_at, "
               "created_at)")
    op.execute("UPDATE agenda_item SET created_at = (SELECT m.created_at FROM council_meeting m "
               "WHERE m.id = agenda_item.meeting_id)")
    op.execute("UPDATE agenda_item SET modified_at = COALESCE(opened_at, decided_at, created_at)")
    op.execute("UPDATE council_member SET created_at = (SELECT u.created_at FROM user_account u "
               "WHERE u.id = council_member.user_id), modified_at = (SELECT u.created_at FROM user_account u "
               "WHERE u.id = council_member.user_id)")
    group = sa.table('working_group', sa.column('created_at', engine.models.TZDateTime()),
                     sa.column('modified_at', engine.models.TZDateTime()))
    now = datetime.now(timezone.utc)
    op.execute(group.update().values(created_at=now, modified_at=now))


def downgrade():
    for table, column in reversed(COLUMNS):
        op.drop_column(table, column)
