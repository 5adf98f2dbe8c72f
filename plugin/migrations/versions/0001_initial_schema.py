"""Create the initial schema

Revision ID: 0001
Revises: 
"""
from alembic import op
import sqlalchemy as sa
import plugin.models.base


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('installations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('connector', sa.String(length=40), nullable=False),
    sa.Column('base_url', sa.String(length=500), nullable=True),
    sa.Column('host_api_token', sa.Text(), nullable=True),
    sa.Column('webhook_secret', sa.String(length=200), nullable=False),
    sa.Column('api_token_hash', sa.String(length=64), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('fiscal_year_start_month', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Integer(), nullable=False),
    sa.Column('grace_minutes', sa.Integer(), nullable=False),
    sa.Column('created_at', plugin.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_installations')),
    sa.UniqueConstraint('api_token_hash', name=op.f('uq_installations_api_token_hash'))
    )
    op.create_table('goals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('template', sa.String(length=40), nullable=False),
    sa.Column('frequency', sa.String(length=20), nullable=False),
    sa.Column('span_kind', sa.String(length=20), nullable=False),
    sa.Column('span_year', sa.Integer(), nullable=True),
    sa.Column('span_start', sa.Date(), nullable=True),
    sa.Column('span_end', sa.Date(), nullable=True),
    sa.Column('time_zone', sa.String(length=64), nullable=True),
    sa.Column('contributor_kind', sa.String(length=10), nullable=False),
    sa.Column('include_extra_members', sa.Boolean(), nullable=False),
    sa.Column('team_basis', sa.String(length=20), nullable=False),
    sa.Column('team_attribution', sa.String(length=20), nullable=False),
    sa.Column('response_credit', sa.String(length=20), nullable=False),
    sa.Column('include_agent_opened', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=True),
    sa.Column('created_at', plugin.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_goals_installation_id_installations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goals')),
    sa.UniqueConstraint('installation_id', 'name', name=op.f('uq_goals_installation_id_name'))
    )
    with op.batch_alter_table('goals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goals_installation_id'), ['installation_id'], unique=False)

    op.create_table('inbox_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('connector', sa.String(length=40), nullable=False),
    sa.Column('delivery_id', sa.String(length=200), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('received_at', plugin.models.base.UTCDateTime(), nullable=False),
    sa.Column('processed_at', plugin.models.base.UTCDateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_inbox_events_installation_id_installations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_events')),
    sa.UniqueConstraint('installation_id', 'connector', 'delivery_id', name=op.f('uq_inbox_events_installation_id_connector_delivery_id'))
    )
    with op.batch_alter_table('inbox_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbox_events_installation_id'), ['installation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbox_events_processed_at'), ['processed_at'], unique=False)

    op.create_table('pipelines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('host_ref', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_pipelines_installation_id_installations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pipelines')),
    sa.UniqueConstraint('installation_id', 'host_ref', name=op.f('uq_pipelines_installation_id_host_ref'))
    )
    with op.batch_alter_table('pipelines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pipelines_installation_id'), ['installation_id'], unique=False)

    op.create_table('teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('host_ref', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_teams_installation_id_installations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
    sa.UniqueConstraint('installation_id', 'host_ref', name=op.f('uq_teams_installation_id_host_ref'))
    )
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_teams_installation_id'), ['installation_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('host_ref', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=True),
    sa.Column('deactivated_at', plugin.models.base.UTCDateTime(), nullable=True),
    sa.Column('updated_at', plugin.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_users_installation_id_installations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('installation_id', 'host_ref', name=op.f('uq_users_installation_id_host_ref'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_installation_id'), ['installation_id'], unique=False)

    op.create_table('goal_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('at', plugin.models.base.UTCDateTime(), nullable=False),
    sa.Column('field', sa.String(length=200), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['goal_id'], ['goals.id'], name=op.f('fk_goal_audit_goal_id_goals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_goal_audit_installation_id_installations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goal_audit'))
    )
    with op.batch_alter_table('goal_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goal_audit_goal_id'), ['goal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_goal_audit_installation_id'), ['installation_id'], unique=False)

    op.create_table('goal_contributors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('team_contributor_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['goal_id'], ['goals.id'], name=op.f('fk_goal_contributors_goal_id_goals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_contributor_id'], ['goal_contributors.id'], name=op.f('fk_goal_contributors_team_contributor_id_goal_contributors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_goal_contributors_team_id_teams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_goal_contributors_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goal_contributors'))
    )
    with op.batch_alter_table('goal_contributors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goal_contributors_goal_id'), ['goal_id'], unique=False)

    op.create_table('goal_pipelines',
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('pipeline_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['goal_id'], ['goals.id'], name=op.f('fk_goal_pipelines_goal_id_goals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pipeline_id'], ['pipelines.id'], name=op.f('fk_goal_pipelines_pipeline_id_pipelines'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('goal_id', 'pipeline_id', name=op.f('pk_goal_pipelines'))
    )
    op.create_table('memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('valid_from', plugin.models.base.UTCDateTime(), nullable=False),
    sa.Column('valid_to', plugin.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_memberships_installation_id_installations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_memberships_team_id_teams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_memberships_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships'))
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_memberships_installation_id'), ['installation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_team_id'), ['team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_user_id'), ['user_id'], unique=False)

    op.create_table('milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=False),
    sa.Column('starts_at', plugin.models.base.UTCDateTime(), nullable=False),
    sa.Column('ends_at', plugin.models.base.UTCDateTime(), nullable=False),
    sa.Column('frozen_at', plugin.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['goal_id'], ['goals.id'], name=op.f('fk_milestones_goal_id_goals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestones')),
    sa.UniqueConstraint('goal_id', 'position', name=op.f('uq_milestones_goal_id_position'))
    )
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestones_goal_id'), ['goal_id'], unique=False)

    op.create_table('tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('host_ref', sa.String(length=200), nullable=False),
    sa.Column('created_at', plugin.models.base.UTCDateTime(), nullable=True),
    sa.Column('created_by_role', sa.String(length=20), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=40), nullable=True),
    sa.Column('priority', sa.String(length=60), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=True),
    sa.Column('state', sa.String(length=100), nullable=True),
    sa.Column('state_class', sa.String(length=20), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('pipeline_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('removed_reason', sa.String(length=20), nullable=True),
    sa.Column('removed_at', plugin.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_tickets_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_tickets_installation_id_installations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_tickets_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pipeline_id'], ['pipelines.id'], name=op.f('fk_tickets_pipeline_id_pipelines'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_tickets_team_id_teams'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    sa.UniqueConstraint('installation_id', 'host_ref', name=op.f('uq_tickets_installation_id_host_ref'))
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tickets_installation_id'), ['installation_id'], unique=False)

    op.create_table('pending_recomputes',
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('marked_at', plugin.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_pending_recomputes_installation_id_installations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestones.id'], name=op.f('fk_pending_recomputes_milestone_id_milestones'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('milestone_id', name=op.f('pk_pending_recomputes'))
    )
    with op.batch_alter_table('pending_recomputes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_recomputes_installation_id'), ['installation_id'], unique=False)

    op.create_table('results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('contributor_id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('sample_count', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('computed_at', plugin.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contributor_id'], ['goal_contributors.id'], name=op.f('fk_results_contributor_id_goal_contributors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['goal_id'], ['goals.id'], name=op.f('fk_results_goal_id_goals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestones.id'], name=op.f('fk_results_milestone_id_milestones'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_results')),
    sa.UniqueConstraint('contributor_id', 'milestone_id', name=op.f('uq_results_contributor_id_milestone_id'))
    )
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_results_goal_id'), ['goal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_results_milestone_id'), ['milestone_id'], unique=False)

    op.create_table('targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('contributor_id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['contributor_id'], ['goal_contributors.id'], name=op.f('fk_targets_contributor_id_goal_contributors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['goal_id'], ['goals.id'], name=op.f('fk_targets_goal_id_goals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestones.id'], name=op.f('fk_targets_milestone_id_milestones'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_targets')),
    sa.UniqueConstraint('contributor_id', 'milestone_id', name=op.f('uq_targets_contributor_id_milestone_id'))
    )
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_targets_goal_id'), ['goal_id'], unique=False)

    op.create_table('ticket_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('occurred_at', plugin.models.base.UTCDateTime(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=100), nullable=True),
    sa.Column('state_class', sa.String(length=20), nullable=True),
    sa.Column('from_state', sa.String(length=100), nullable=True),
    sa.Column('from_class', sa.String(length=20), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('owner_set', sa.Boolean(), nullable=False),
    sa.Column('pipeline_id', sa.Integer(), nullable=True),
    sa.Column('pipeline_set', sa.Boolean(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('team_set', sa.Boolean(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_role', sa.String(length=20), nullable=True),
    sa.Column('public', sa.Boolean(), nullable=True),
    sa.Column('auto_reply', sa.Boolean(), nullable=True),
    sa.Column('message_ref', sa.String(length=200), nullable=True),
    sa.Column('removed_reason', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_ticket_events_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_ticket_events_installation_id_installations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_ticket_events_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pipeline_id'], ['pipelines.id'], name=op.f('fk_ticket_events_pipeline_id_pipelines'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_ticket_events_team_id_teams'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_events_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_events')),
    sa.UniqueConstraint('installation_id', 'event_id', name=op.f('uq_ticket_events_installation_id_event_id'))
    )
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_events_installation_id'), ['installation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_events_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_events_ticket_id'), ['ticket_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_events_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_events_occurred_at'))
        batch_op.drop_index(batch_op.f('ix_ticket_events_installation_id'))

    op.drop_table('ticket_events')
    with op.batch_alter_table('targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_targets_goal_id'))

    op.drop_table('targets')
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_results_milestone_id'))
        batch_op.drop_index(batch_op.f('ix_results_goal_id'))

    op.drop_table('results')
    with op.batch_alter_table('pending_recomputes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_recomputes_installation_id'))

    op.drop_table('pending_recomputes')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_installation_id'))

    op.drop_table('tickets')
    with op.batch_alter_table('milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestones_goal_id'))

    op.drop_table('milestones')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memberships_user_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_team_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_installation_id'))

    op.drop_table('memberships')
    op.drop_table('goal_pipelines')
    with op.batch_alter_table('goal_contributors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goal_contributors_goal_id'))

    op.drop_table('goal_contributors')
    with op.batch_alter_table('goal_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goal_audit_installation_id'))
        batch_op.drop_index(batch_op.f('ix_goal_audit_goal_id'))

    op.drop_table('goal_audit')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_installation_id'))

    op.drop_table('users')
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_teams_installation_id'))

    op.drop_table('teams')
    with op.batch_alter_table('pipelines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pipelines_installation_id'))

    op.drop_table('pipelines')
    with op.batch_alter_table('inbox_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbox_events_processed_at'))
        batch_op.drop_index(batch_op.f('ix_inbox_events_installation_id'))

    op.drop_table('inbox_events')
    with op.batch_alter_table('goals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goals_installation_id'))

    op.drop_table('goals')
    op.drop_table('installations')
