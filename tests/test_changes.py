"""One "changed" signal: every jobs, feeds or posts change reaches views as a frozen change set."""

from __future__ import annotations

import dataclasses

import pytest

from nexus_desktop.runtime.events import Changed, JobsChanged
from nexus_desktop.runtime.runner import Runner


def test_the_runner_announces_every_change_as_one_change_set(qtbot, ws, qapp):  # noqa: F811
    runner = Runner(ws)
    seen: list[Changed] = []
    runner.changed.connect(seen.append)
    runner.notify_jobs_changed(JobsChanged((3, 4)))
    runner.notify_jobs_changed(JobsChanged(removed=(5,)))
    runner.notify_sources_changed()
    runner.notify_posts_changed([9])
    assert seen == [Changed(jobs=frozenset({3, 4})), Changed(removed=frozenset({5})), Changed(feeds=True),
                    Changed(posts=frozenset({9}))]
    with pytest.raises(dataclasses.FrozenInstanceError):
        seen[0].jobs = frozenset()  # type: ignore[misc]
    runner.shutdown(timeout=5)
