""""Goes public at" in the creator's zone (issue 13): the calendar's list and a chip's tooltip
say when an uploaded-ahead post becomes public in local time, the zone named."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from nexus_desktop.domain.posts import PostStatus
from nexus_desktop.gui.calendar_chips import PostChip
from nexus_desktop.gui.calendar_models import STATUS, UpcomingModel
from nexus_desktop.store.post_records import PostView

BERLIN = ZoneInfo("Europe/Berlin")


def uploaded_ahead(public_at: datetime) -> PostView:
    now = datetime.now(timezone.utc)
    return PostView(id=1, job_id=1, job_title="Cells", target_id=1, platform="youtube", style="youtube",
                    target_name="My channel", account_id=1, status=PostStatus.PUBLISHED, scheduled_at=public_at,
                    text={"title": "Cells"}, attempts=1, next_attempt_at=None, attempt_id=None, remote_id="v1",
                    url=None, error=None, published_at=now, updated_at=now, public_at=public_at)


@pytest.fixture
def post() -> PostView:
    # Next year's 24 December, 09:00 UTC: 10:00 in Berlin (winter time).
    return uploaded_ahead(datetime(datetime.now().year + 1, 12, 24, 9, 0, tzinfo=timezone.utc))


def test_the_list_and_a_chip_say_when_it_goes_public_in_local_time(qtbot, post, tmp_path):
    year = post.public_at.year
    model = UpcomingModel()
    model.set_posts([post], BERLIN)
    assert model.index(0, STATUS).data(Qt.ItemDataRole.DisplayRole) == f"Uploaded, goes public at {year}-12-24 10:00 CET"
    chip = PostChip(post, "10:00", zone=BERLIN)
    qtbot.addWidget(chip)
    assert f"goes public at {year}-12-24 10:00 CET" in chip.toolTip()
    assert post.status_text == f"Uploaded, goes public at {year}-12-24 09:00 UTC"  # no zone given: UTC, named


def test_summer_time_is_named_too(post):
    summer = uploaded_ahead(post.public_at - timedelta(days=180))  # late June: CEST
    assert summer.status_in(BERLIN).endswith(f"{summer.public_at.astimezone(BERLIN):%H:%M} CEST")
