"""Add connector state

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import plugin.models.base


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('connector_state',
    sa.Column('installation_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('updated_at', plugin.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['installation_id'], ['installations.id'], name=op.f('fk_connector_state_installation_id_installations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('installation_id', 'key', name=op.f('pk_connector_state'))
    )


def downgrade() -> None:
    op.drop_table('connector_state')
