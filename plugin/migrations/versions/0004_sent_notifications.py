"""Add sent notifications

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa
import plugin.models.base


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sent_notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('contributor_id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('host_ref', sa.String(length=200), nullable=True),
    sa.Column('sent_at', plugin.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contributor_id'], ['goal_contributors.id'], name=op.f('fk_sent_notifications_contributor_id_goal_contributors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['goal_id'], ['goals.id'], name=op.f('fk_sent_notifications_goal_id_goals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_sent_notifications_installation_id_installations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestones.id'], name=op.f('fk_sent_notifications_milestone_id_milestones'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sent_notifications')),
    sa.UniqueConstraint('contributor_id', 'milestone_id', 'kind', 'channel', name=op.f('uq_sent_notifications_contributor_id_milestone_id_kind_channel'))
    )
    op.create_index(op.f('ix_sent_notifications_goal_id'), 'sent_notifications', ['goal_id'], unique=False)
    op.create_index(op.f('ix_sent_notifications_installation_id'), 'sent_notifications', ['installation_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_sent_notifications_installation_id'), table_name='sent_notifications')
    op.drop_index(op.f('ix_sent_notifications_goal_id'), table_name='sent_notifications')
    op.drop_table('sent_notifications')
