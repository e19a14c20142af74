"""The Analytics and Health views against the stand-ins: a published job's curves across its
platforms, totals, the title test's verdict on the job, CSV export, and Health with its clean-up."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtCharts import QValueAxis
from PySide6.QtCore import Qt

from nexus_desktop.domain.metrics import SCHEDULE
from nexus_desktop.gui import analytics_charts
from nexus_desktop.gui.analytics_view import AnalyticsView
from nexus_desktop.gui.app_context import AppContext
from nexus_desktop.gui.health_view import HealthView
from nexus_desktop.gui.main_window import VIEWS
from nexus_desktop.gui.operations import Operations
from nexus_desktop.pipeline import title_tests
from nexus_desktop.pipeline.measure import measure_due
from nexus_desktop.runtime.runner import Runner
from tests.fakes.accounts_env import memory_keyring, oauth_fake  # noqa: F401 (fixtures)
from tests.fakes.metrics_env import PLATFORMS, metrics_world, publish, published_job_with_scratch  # noqa: F401 (fixtures)

SHOTS = Path("/tmp/nexus-m17")
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _context(world):
    runner = Runner(world.ws)
    return AppContext(world.ws, runner, Operations(world.ws, runner)), runner


def test_the_window_has_analytics_and_health():
    assert [(v.name, v.icon) for v in VIEWS if v.name in ("Analytics", "Health")] == [("Analytics", "analytics"), ("Health", "health")]


def test_analytics_shows_a_jobs_curves_totals_and_its_title_test(qtbot, metrics_world, tmp_path):
    world = metrics_world
    for platform in PLATFORMS:
        world.connect(platform)
    first = publish(world, world.job())
    publish(world, world.job(title="Heat pumps outsell gas boilers", feed="Energy Weekly"), ("youtube", "x"))
    start = world.clock()
    title_tests.start(world.ws, first["youtube"], now=world.clock())
    for offset in SCHEDULE[:5]:
        world.clock.now = start + offset + timedelta(minutes=2)
        measure_due(world.ws, clock=world.clock)

    ctx, runner = _context(world)
    try:
        view = AnalyticsView(ctx, clock=world.clock)
        qtbot.addWidget(view)
        view.resize(1400, 820)
        view.show()
        qtbot.waitUntil(lambda: view.model.rowCount() == 6, timeout=10_000)
        view.select_post(first["instagram"])
        qtbot.waitUntil(lambda: len(view.curve_chart.chart().series()) == 4, timeout=10_000)
        assert {view.model.post(r).platform for r in range(6)} == set(PLATFORMS)
        series = view.curve_chart.chart().series()
        assert sorted(s.name().split(" ")[0] for s in series) == ["Instagram", "LinkedIn", "X", "YouTube"]
        assert all(s.count() == 5 for s in series)  # five readings each: 1 h to 3 d
        assert "Title test on post" in view.test_note.text() and "testing" in view.test_note.text()
        assert {view.totals_model.index(r, 0).data() for r in range(view.totals_model.rowCount())} == {
            "YouTube", "Instagram", "X", "LinkedIn"}
        best = max((view.model.post(r) for r in range(6)), key=lambda p: p.views or -1)
        assert view.model.index(0, 0).data() == str(best.post_id)  # the top post of the period comes first
        view.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)  # by platform, as a click on its header does
        assert [view.model.index(r, 1).data() for r in range(6)] == sorted(view.model.index(r, 1).data() for r in range(6))
        SHOTS.mkdir(exist_ok=True)
        view.grab().save(str(SHOTS / "analytics.png"))

        view.group.setCurrentIndex(1)  # totals by feed
        qtbot.waitUntil(lambda: {t.key for t in view.totals} == {"Tech Digest", "Energy Weekly"}, timeout=10_000)
        target = tmp_path / "figures.csv"
        view.export_csv(str(target))
        qtbot.waitUntil(target.exists, timeout=10_000)
        read = lambda: list(csv.DictReader(target.read_text(encoding="utf-8").splitlines()))  # noqa: E731
        qtbot.waitUntil(lambda: len(read()) == 6, timeout=10_000)
        rows = read()
        assert {r["platform"] for r in rows} == set(PLATFORMS) and all(int(r["readings"]) == 5 for r in rows)
    finally:
        runner.shutdown()


def test_analytics_on_a_fresh_data_folder_says_how_figures_arrive(qtbot, metrics_world):
    ctx, runner = _context(metrics_world)
    try:
        view = AnalyticsView(ctx, clock=metrics_world.clock)
        qtbot.addWidget(view)
        with qtbot.waitSignal(view.refreshed, timeout=10_000):
            pass
        view.resize(1200, 760)
        view.show()
        assert view.model.rowCount() == 0 and view.empty.isVisibleTo(view) and "export folder" in view.empty.text()
        assert not view.splitter.isVisibleTo(view)  # one sentence, not an empty table and two empty charts
        assert not view.export_button.isEnabled()
        SHOTS.mkdir(exist_ok=True)
        view.grab().save(str(SHOTS / "analytics-empty.png"))
    finally:
        runner.shutdown()


@pytest.mark.parametrize(("top", "highest", "step"), [(0, 1, 1), (1, 1, 1), (1.5, 2, 1), (7, 8, 2), (23, 25, 5),
                                                     (1234, 1500, 500)])
def test_count_axes_tick_whole_round_numbers(qtbot, top, highest, step):
    """The charts' count axes: a range of 0-1.1 labelled "%.0f" used to read 0, 0, 1, 1, 1."""
    axis = QValueAxis()
    analytics_charts._count_axis(axis, top)
    assert (axis.min(), axis.max(), axis.tickInterval()) == (0, highest, step)
    assert axis.max() / axis.tickInterval() <= 5


def test_analytics_does_not_redraw_the_same_figures_when_a_job_changes(qtbot, metrics_world, monkeypatch):
    """Every job change reads the figures again (a stage's end, while a job is made); what is
    on screen already is not drawn again, so the window does not pause for it."""
    from nexus_desktop.runtime.events import Changed

    world = metrics_world
    world.connect("youtube")
    publish(world, world.job(), ("youtube",))
    world.clock.now = world.clock() + SCHEDULE[0] + timedelta(minutes=2)
    measure_due(world.ws, clock=world.clock)
    ctx, runner = _context(world)
    try:
        view = AnalyticsView(ctx, clock=world.clock)
        qtbot.addWidget(view)
        qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10_000)
        drawn = []
        real = analytics_charts.bars
        monkeypatch.setattr(analytics_charts, "bars", lambda *args: drawn.append(args) or real(*args))
        with qtbot.waitSignal(view.refreshed, timeout=10_000):
            runner.announce(Changed(jobs=frozenset({12345})))
        assert drawn == [] and view.model.rowCount() == 1
        with qtbot.waitSignal(view.refreshed, timeout=10_000):
            view.group.setCurrentIndex(1)  # by feed: other totals, drawn
        assert len(drawn) == 1
    finally:
        runner.shutdown()


def test_health_shows_accounts_quotas_rates_and_cleans_up_after_asking(qtbot, metrics_world):
    world = metrics_world
    folder = published_job_with_scratch(world)
    asked = []
    answer = [False]

    def confirm(parent, title, text, action):
        asked.append(text)
        return answer[0]

    ctx, runner = _context(world)
    try:
        two_days_on = lambda: datetime.now(timezone.utc) + timedelta(days=2)  # noqa: E731 (the job is two days old)
        view = HealthView(ctx, confirm=confirm, clock=two_days_on)
        qtbot.addWidget(view)
        view.resize(1400, 900)
        view.show()
        qtbot.waitUntil(lambda: view.report is not None, timeout=10_000)
        cells = {row[0][0]: row[0] for row in view.accounts.rows}
        assert cells["YouTube"][1:3] == ["Nexus Test Channel", "ok"] and cells["X"][1:3] == ["@nexus_test", "ok"]
        assert "of 10,000 units today" in cells["YouTube"][4] and "reads today" in cells["X"][4]
        rates = {row[0][0]: row[0][3] for row in view.rates.rows}
        assert rates["YouTube"] == "100%" and rates["X"] == "100%"
        assert "can go" in view.disk.text() and view.clean_button.isEnabled()
        SHOTS.mkdir(exist_ok=True)
        view.grab().save(str(SHOTS / "health.png"))

        view.clean_up()
        assert len(asked) == 1 and "final videos" in asked[0] and (folder / "narration.wav").exists()  # said no
        answer[0] = True
        ctx.ops.undoable.connect(lambda text, undo, then: then())  # no Undo: the toast's time passes at once
        with qtbot.waitSignal(view.cleaned, timeout=10_000) as freed:
            view.clean_up()
        assert freed.args[1] >= 40_000 and not (folder / "narration.wav").exists() and (folder / "video.mp4").exists()
    finally:
        runner.shutdown()


def test_the_window_reads_figures_when_they_fall_due(qtbot, metrics_world):
    from nexus_desktop.runtime.measuring import Measurer

    world = metrics_world
    world.connect("x")
    post_id = publish(world, world.job(), ("x",))["x"]
    ctx, runner = _context(world)
    try:
        measurer = Measurer(world.ws, runner, clock=world.clock)
        world.clock.advance(hours=1, minutes=1)
        with qtbot.waitSignal(measurer.measured, timeout=10_000) as got:
            measurer.start()
        assert [(o.post_id, o.result.value) for o in got.args[0]] == [(post_id, "recorded")]
    finally:
        runner.shutdown()


def test_health_announces_a_token_about_to_expire_once(qtbot, metrics_world):
    world = metrics_world
    account_id = world.connect("linkedin")
    world.ws.store.accounts.update_details(account_id, refreshable=False)  # LinkedIn gives most apps no refresh token
    world.ws.store.accounts.set_token_expiry(account_id, datetime.now(timezone.utc) + timedelta(days=2))
    ctx, runner = _context(world)
    try:
        view = HealthView(ctx)
        qtbot.addWidget(view)
        with qtbot.waitSignal(view.alerts_found, timeout=10_000) as found:
            pass
        assert found.args[0] == ["LinkedIn (Mara Lindqvist): token expires soon"]
        assert view.accounts.rows[0][0][2] == "expires soon" and not view.alerts.isHidden()
        with qtbot.assertNotEmitted(view.alerts_found, wait=200):
            with qtbot.waitSignal(view.refreshed, timeout=10_000):
                view.refresh()
    finally:
        runner.shutdown()
