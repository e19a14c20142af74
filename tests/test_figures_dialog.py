"""Typing a published post's figures in from the calendar's post menu (the window's nexus metrics-add)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from nexus_desktop.domain.posts import PostStatus
from nexus_desktop.gui.app_context import AppContext
from nexus_desktop.gui.calendar_view import CalendarView
from nexus_desktop.gui.figures_dialog import parse
from nexus_desktop.gui.operations import Operations
from nexus_desktop.pipeline import schedule
from nexus_desktop.pipeline.measure import metrics
from nexus_desktop.runtime.runner import Runner
from nexus_desktop.runtime.scheduler import PostScheduler
from tests.gui_support import screenshot
from tests.publish_support import FakeClock, rendered_jobs, workspace

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def published(qtbot, sqlite_store, tmp_path, media):
    clock = FakeClock()
    ws = workspace(sqlite_store, tmp_path, default_targets=["export:youtube"])
    runner = Runner(ws)
    ctx = AppContext(ws, runner, Operations(ws, runner))
    rendered_jobs(sqlite_store, ws.paths, media, 1)
    (post_id,) = schedule.approve_jobs(ws, [1], now=clock.now, place=True).posts
    went_out, posts = clock.now - timedelta(hours=30), schedule.posts(ws)  # uploaded by hand from the export folder
    posts.schedule(post_id, went_out)
    claimed = posts.claim(now=went_out, worker="test", lease=60, post_id=post_id)
    posts.published(post_id, claimed.attempt_id, remote_id="yt-1", url="https://youtu.be/yt-1", now=went_out)
    view = CalendarView(ctx, scheduler=PostScheduler(ws, clock=clock), clock=clock)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.refreshed, timeout=5000):
        view.show()
    yield view, schedule.posts(ws).get(post_id)
    runner.shutdown()


def menu_texts(view, post) -> list[str]:
    menu = view.actions.menu_for(post)
    texts = [a.text() for a in menu.actions()]
    menu.deleteLater()
    return texts


def test_a_published_posts_figures_are_typed_in_and_recorded(qtbot, published, tmp_path):
    view, post = published
    assert "Type in its figures…" in menu_texts(view, post)
    dialog = view.actions.type_figures(post)
    dialog.fields["views"].setText("1,234")
    dialog.fields["likes"].setText("87")
    dialog.fields["watch_minutes"].setText("310.5")
    read_at = view.clock() - timedelta(hours=6)
    dialog.read_at.setDateTime(read_at.astimezone())
    screenshot(dialog, tmp_path, "figures-dialog")
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save_button.click()
    reading = metrics(view.ws).latest(post.id)
    assert reading.source == "typed" and reading.recorded_at == read_at.replace(second=0, microsecond=0)
    assert (reading.figures.views, reading.figures.likes, reading.figures.watch_minutes) == (1234, 87, 310.5)
    assert reading.figures.comments is None


def test_bad_figures_are_refused_beside_their_field_and_nothing_is_saved(qtbot, published, tmp_path):
    view, post = published
    dialog = view.actions.type_figures(post)
    dialog.fields["views"].setText("lots")
    dialog.fields["likes"].setText("-3")
    dialog.fields["comments"].setText("2.5")
    dialog.save_button.click()
    assert dialog.isVisible() and dialog.status.text() == "Not saved: some fields are not numbers."
    assert dialog.errors["views"].text() == "Views: not a number" and not dialog.errors["views"].isHidden()
    assert dialog.errors["likes"].text() == "Likes: cannot be negative"
    assert dialog.errors["comments"].text() == "Comments: a whole number"
    assert dialog.fields["views"].text() == "lots"  # what was typed stays
    screenshot(dialog, tmp_path, "figures-dialog-refused")
    for name in ("views", "likes", "comments"):
        dialog.fields[name].clear()
    dialog.save_button.click()
    assert dialog.status.text() == "Not saved: type at least one figure."
    dialog.fields["views"].setText("10")
    dialog.read_at.setDateTime((post.published_at - timedelta(hours=1)).astimezone())
    dialog.save_button.click()
    assert dialog.status.text() == "Not saved: figures cannot be read before the post went out."
    assert metrics(view.ws).latest(post.id) is None


def test_only_published_posts_offer_typing_figures(published):
    view, post = published
    assert "Type in its figures…" not in menu_texts(view, replace(post, status=PostStatus.SCHEDULED))
    assert "Type in its figures…" not in menu_texts(view, replace(post, status=PostStatus.FAILED))


def test_parse_reads_what_people_type():
    assert parse("views", " 12 345 ") == 12345 and parse("views", "1_000") == 1000 and parse("views", "") is None
    assert parse("avg_view_seconds", "7.25") == 7.25
    for text in ("nan", "inf", "1e400"):
        with pytest.raises(ValueError):
            parse("watch_minutes", text)
