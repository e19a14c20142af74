"""post claims: who is publishing a post, until when, and whether an attempt's outcome is unknown

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 02:20:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('claim_expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('uncertain', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('uncertain')
        batch_op.drop_column('claim_expires_at')
        batch_op.drop_column('claimed_by')
