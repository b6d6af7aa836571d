"""architecture reviews: the architecture board and its members, reviews with their rule-by-rule answers,
decisions (with the publication embargo), dispensations and the public rule-usage aggregate (issue 14)

New tables only (architecture_board, board_member, architecture_review, review_answer, review_decision,
dispensation, rule_usage); answers, dispensations and usage cite catalogue_rule_version (migration 0013).

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa
import engine.models


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('architecture_board',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('mandate', sa.Text(), nullable=False),
    sa.Column('mandate_meeting_id', sa.Integer(), nullable=True),
    sa.Column('created_at', engine.models.TZDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mandate_meeting_id'], ['council_meeting.id'], name=op.f('fk_architecture_board_mandate_meeting_id_council_meeting')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_architecture_board'))
    )
    op.create_table('architecture_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('project', sa.String(length=200), nullable=False),
    sa.Column('project_key', sa.String(length=120), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('phase', sa.String(length=20), nullable=False),
    sa.Column('municipal', sa.Boolean(), nullable=False),
    sa.Column('wished_decision_on', sa.Date(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('refusal_reason', sa.Text(), nullable=True),
    sa.Column('working_group_id', sa.Integer(), nullable=True),
    sa.Column('reviewers', sa.Text(), nullable=False),
    sa.Column('recommendation', sa.String(length=40), nullable=True),
    sa.Column('recommendation_comment', sa.Text(), nullable=True),
    sa.Column('agenda_item_id', sa.Integer(), nullable=True),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('created_at', engine.models.TZDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', engine.models.TZDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'], name=op.f('fk_architecture_review_agenda_item_id_agenda_item')),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_architecture_review_case_id_case')),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_architecture_review_owner_id_user_account')),
    sa.ForeignKeyConstraint(['working_group_id'], ['working_group.id'], name=op.f('fk_architecture_review_working_group_id_working_group')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_architecture_review')),
    sa.UniqueConstraint('case_id', name=op.f('uq_architecture_review_case_id'))
    )
    op.create_index(op.f('ix_architecture_review_owner_id'), 'architecture_review', ['owner_id'], unique=False)
    op.create_index(op.f('ix_architecture_review_project_key'), 'architecture_review', ['project_key'], unique=False)
    op.create_index(op.f('ix_architecture_review_status'), 'architecture_review', ['status'], unique=False)
    op.create_table('board_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('board_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('term_start', sa.Date(), nullable=False),
    sa.Column('term_end', sa.Date(), nullable=True),
    sa.Column('is_chair', sa.Boolean(), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['board_id'], ['architecture_board.id'], name=op.f('fk_board_member_board_id_architecture_board'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_board_member_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_member')),
    sa.UniqueConstraint('user_id', name=op.f('uq_board_member_user_id'))
    )
    op.create_index(op.f('ix_board_member_board_id'), 'board_member', ['board_id'], unique=False)
    op.create_table('review_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('rule_version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('assessment', sa.String(length=20), nullable=True),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('wg_agrees', sa.Boolean(), nullable=True),
    sa.Column('wg_comment', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('flag_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['review_id'], ['architecture_review.id'], name=op.f('fk_review_answer_review_id_architecture_review'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rule_version_id'], ['catalogue_rule_version.id'], name=op.f('fk_review_answer_rule_version_id_catalogue_rule_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_answer')),
    sa.UniqueConstraint('review_id', 'round', 'rule_version_id', name=op.f('uq_review_answer_review_id_round_rule_version_id'))
    )
    op.create_index(op.f('ix_review_answer_review_id'), 'review_answer', ['review_id'], unique=False)
    op.create_index(op.f('ix_review_answer_rule_version_id'), 'review_answer', ['rule_version_id'], unique=False)
    op.create_table('review_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('body', sa.String(length=20), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decided_at', engine.models.TZDateTime(timezone=True), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('public_at', engine.models.TZDateTime(timezone=True), nullable=True),
    sa.Column('lifted_by_meeting_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['lifted_by_meeting_id'], ['council_meeting.id'], name=op.f('fk_review_decision_lifted_by_meeting_id_council_meeting')),
    sa.ForeignKeyConstraint(['meeting_id'], ['council_meeting.id'], name=op.f('fk_review_decision_meeting_id_council_meeting')),
    sa.ForeignKeyConstraint(['review_id'], ['architecture_review.id'], name=op.f('fk_review_decision_review_id_architecture_review'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_decision')),
    sa.UniqueConstraint('review_id', 'round', name=op.f('uq_review_decision_review_id_round'))
    )
    op.create_index(op.f('ix_review_decision_decided_at'), 'review_decision', ['decided_at'], unique=False)
    op.create_index(op.f('ix_review_decision_public_at'), 'review_decision', ['public_at'], unique=False)
    op.create_index(op.f('ix_review_decision_review_id'), 'review_decision', ['review_id'], unique=False)
    op.create_table('rule_usage',
    sa.Column('rule_version_id', sa.Integer(), nullable=False),
    sa.Column('meets', sa.Integer(), nullable=False),
    sa.Column('deviates', sa.Integer(), nullable=False),
    sa.Column('not_applicable', sa.Integer(), nullable=False),
    sa.Column('dispensations', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['rule_version_id'], ['catalogue_rule_version.id'], name=op.f('fk_rule_usage_rule_version_id_catalogue_rule_version')),
    sa.PrimaryKeyConstraint('rule_version_id', name=op.f('pk_rule_usage'))
    )
    op.create_table('dispensation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('rule_version_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reminded_at', engine.models.TZDateTime(timezone=True), nullable=True),
    sa.Column('lapsed_at', engine.models.TZDateTime(timezone=True), nullable=True),
    sa.Column('flagged', sa.Boolean(), nullable=False),
    sa.Column('flag_note', sa.Text(), nullable=True),
    sa.Column('created_at', engine.models.TZDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['review_decision.id'], name=op.f('fk_dispensation_decision_id_review_decision'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_dispensation_owner_id_user_account')),
    sa.ForeignKeyConstraint(['review_id'], ['architecture_review.id'], name=op.f('fk_dispensation_review_id_architecture_review'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rule_version_id'], ['catalogue_rule_version.id'], name=op.f('fk_dispensation_rule_version_id_catalogue_rule_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispensation'))
    )
    op.create_index(op.f('ix_dispensation_decision_id'), 'dispensation', ['decision_id'], unique=False)
    op.create_index(op.f('ix_dispensation_expires_on'), 'dispensation', ['expires_on'], unique=False)
    op.create_index(op.f('ix_dispensation_owner_id'), 'dispensation', ['owner_id'], unique=False)
    op.create_index(op.f('ix_dispensation_review_id'), 'dispensation', ['review_id'], unique=False)
    op.create_index(op.f('ix_dispensation_rule_version_id'), 'dispensation', ['rule_version_id'], unique=False)
    op.create_index(op.f('ix_dispensation_status'), 'dispensation', ['status'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_dispensation_status'), table_name='dispensation')
    op.drop_index(op.f('ix_dispensation_rule_version_id'), table_name='dispensation')
    op.drop_index(op.f('ix_dispensation_review_id'), table_name='dispensation')
    op.drop_index(op.f('ix_dispensation_owner_id'), table_name='dispensation')
    op.drop_index(op.f('ix_dispensation_expires_on'), table_name='dispensation')
    op.drop_index(op.f('ix_dispensation_decision_id'), table_name='dispensation')
    op.drop_table('dispensation')
    op.drop_table('rule_usage')
    op.drop_index(op.f('ix_review_decision_review_id'), table_name='review_decision')
    op.drop_index(op.f('ix_review_decision_public_at'), table_name='review_decision')
    op.drop_index(op.f('ix_review_decision_decided_at'), table_name='review_decision')
    op.drop_table('review_decision')
    op.drop_index(op.f('ix_review_answer_rule_version_id'), table_name='review_answer')
    op.drop_index(op.f('ix_review_answer_review_id'), table_name='review_answer')
    op.drop_table('review_answer')
    op.drop_index(op.f('ix_board_member_board_id'), table_name='board_member')
    op.drop_table('board_member')
    op.drop_index(op.f('ix_architecture_review_status'), table_name='architecture_review')
    op.drop_index(op.f('ix_architecture_review_project_key'), table_name='architecture_review')
    op.drop_index(op.f('ix_architecture_review_owner_id'), table_name='architecture_review')
    op.drop_table('architecture_review')
    op.drop_table('architecture_board')
