"""Add KPIs, business calendars and pace

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
import plugin.models.base


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# The KPI each built-in template stood for before goals stored it.
TEMPLATE_KPIS = {
    'tickets_closed': ('tickets_closed', 'count'),
    'avg_first_response_time': ('first_response_time', 'mean'),
    'avg_resolution_time': ('resolution_time', 'mean'),
}


def upgrade() -> None:
    op.create_table('business_calendars',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('weekly_hours', sa.JSON(), nullable=False),
    sa.Column('country', sa.String(length=8), nullable=True),
    sa.Column('subdivision', sa.String(length=16), nullable=True),
    sa.Column('custom_holidays', sa.JSON(), nullable=False),
    sa.Column('created_at', plugin.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', plugin.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_business_calendars_installation_id_installations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_business_calendars_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_business_calendars')),
    sa.UniqueConstraint('installation_id', 'team_id', name=op.f('uq_business_calendars_installation_id_team_id'))
    )
    with op.batch_alter_table('business_calendars', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_business_calendars_installation_id'), ['installation_id'], unique=False)

    # Existing goals get their template's KPI through the server defaults and the updates below.
    with op.batch_alter_table('goals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('metric', sa.String(length=40), nullable=False, server_default='tickets_closed'))
        batch_op.add_column(sa.Column('aggregation', sa.String(length=20), nullable=False, server_default='count'))
        batch_op.add_column(sa.Column('threshold_seconds', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('filter_priorities', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('filter_channels', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('filter_tags', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('business_hours', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('exclude_paused', sa.Boolean(), nullable=False, server_default=sa.false()))
    goals = sa.table('goals', sa.column('template', sa.String), sa.column('metric', sa.String),
                     sa.column('aggregation', sa.String))
    for template, (metric, aggregation) in TEMPLATE_KPIS.items():
        op.execute(goals.update().where(goals.c.template == template)
                   .values(metric=metric, aggregation=aggregation))

    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recent_value', sa.Float(), nullable=True))

    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fields', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.drop_column('fields')

    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.drop_column('recent_value')

    with op.batch_alter_table('goals', schema=None) as batch_op:
        batch_op.drop_column('exclude_paused')
        batch_op.drop_column('business_hours')
        batch_op.drop_column('filter_tags')
        batch_op.drop_column('filter_channels')
        batch_op.drop_column('filter_priorities')
        batch_op.drop_column('threshold_seconds')
        batch_op.drop_column('aggregation')
        batch_op.drop_column('metric')

    with op.batch_alter_table('business_calendars', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_business_calendars_installation_id'))

    op.drop_table('business_calendars')
