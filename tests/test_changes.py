"""One "changed" signal: every jobs, feeds or posts change reaches views as a frozen change set."""

from __future__ import annotations

import dataclasses

import pytest

from nexus_desktop.runtime.events import Changed
from nexus_desktop.runtime.runner import Runner


def test_the_runner_announces_every_change_as_one_change_set(qtbot, ws, qapp):  # noqa: F811
    runner = Runner(ws)
    seen: list[Changed] = []
    runner.changed.connect(seen.append)
    runner.announce(Changed(jobs=frozenset({3, 4})))
    runner.announce(Changed(removed=frozenset({5})))
    runner.announce(Changed())  # nothing changed: nothing is announced
    runner.announce(Changed(feeds=True) | Changed(posts=frozenset({9}), targets=True))
    assert seen == [Changed(jobs=frozenset({3, 4})), Changed(removed=frozenset({5})),
                    Changed(posts=frozenset({9}), feeds=True, targets=True)]
    with pytest.raises(dataclasses.FrozenInstanceError):
        seen[0].jobs = frozenset()  # type: ignore[misc]
    runner.shutdown(timeout=5)



def test_an_operation_works_in_the_runner_and_announces_one_change_set(qtbot, ws, add_jobs, qapp, monkeypatch):  # noqa: F811
    import threading

    from nexus_desktop.gui.app_context import AppContext
    from nexus_desktop.gui.operations import Operations, Outcome
    from nexus_desktop.gui.operations import jobs as job_ops

    runner = Runner(ws)
    ctx = AppContext(ws, runner, Operations(ws, runner))
    ids = add_jobs(2)  # queued: neither can be reopened (only a rejected job can)
    seen: list[Changed] = []
    runner.changed.connect(seen.append)
    on_gui_thread: list[bool] = []
    real = ws.store.jobs.transition_many
    monkeypatch.setattr(ws.store.jobs, "transition_many",
                        lambda *a: on_gui_thread.append(threading.current_thread() is threading.main_thread()) or real(*a))
    with qtbot.waitSignal(ctx.ops.problem, timeout=10_000) as problem:
        job_ops.reopen(ctx, ids)
    assert problem.args[0] == "2 jobs could not be reopened" and problem.args[1]  # refused, and why
    assert seen == [Changed(jobs=frozenset(ids))]  # one change set for the one action
    assert on_gui_thread == [False]  # the work ran in a pool thread
    with pytest.raises(dataclasses.FrozenInstanceError):
        Outcome().told = "changed"  # type: ignore[misc]
    runner.shutdown(timeout=5)
