"""council positions recorded by a substitute (issue 15)

council_position.acting_by: the substitute (stedfortræder) who recorded the position for the absent member
at the meeting ("Y for X" in the minutes); NULL: the member recorded it.

Revision ID: 0022
Revises: 0021
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('council_position', sa.Column('acting_by', sa.String(length=100), nullable=True))


def downgrade():
    op.drop_column('council_position', 'acting_by')
