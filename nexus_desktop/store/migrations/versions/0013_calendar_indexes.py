"""posts: indexes for the calendar's bounded reads (issue 13): the posts of a date range,
and the approved drafts a page at a time in job order

Revision ID: 0013
Revises: 0015
Create Date: 2026-12-06 21:40:00.000000
"""
from alembic import op


revision = '0013'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_posts_time', 'posts', ['scheduled_at'])
    op.create_index('ix_posts_status_job', 'posts', ['status', 'job_id'])


def downgrade() -> None:
    op.drop_index('ix_posts_status_job', table_name='posts')
    op.drop_index('ix_posts_time', table_name='posts')
