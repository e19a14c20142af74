"""The jobs table's model with 100,000 jobs: one page at a time, and rows refreshed, not reloaded."""

from __future__ import annotations

import time

import pytest
from PySide6.QtWidgets import QTableView

from nexus_desktop.domain import jobs as job_states
from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.gui.jobs_model import STATUS, JobsModel, JobsProxy
from nexus_desktop.runtime.events import Changed
from nexus_desktop.store.jobs import JobFilter
from tests.gui_support import bulk_insert_jobs

MANY = 100_000


@pytest.fixture(scope="module")
def many_jobs_store(tmp_path_factory):
    """One store of 100,000 jobs for the module's read-only tests (it takes a few seconds to fill)."""
    from nexus_desktop.store import Store
    from nexus_desktop.store.database import sqlite_url

    store = Store.open(sqlite_url(tmp_path_factory.mktemp("many") / "nexus.sqlite3"))
    bulk_insert_jobs(store, MANY)
    yield store
    store.close()


def ids(model: JobsModel) -> list[int]:
    return [model.job_at(row).id for row in range(model.rowCount())]


def test_a_hundred_thousand_jobs_open_one_page_at_a_time(qtbot, many_jobs_store):
    model = JobsModel(many_jobs_store, page_size=500)
    model.reload()
    assert model.rowCount() == 500  # how fast it opens is measured in bench/startup.py
    assert ids(model)[:3] == [MANY, MANY - 1, MANY - 2]  # newest first
    assert model.canFetchMore()
    model.fetchMore()
    assert ids(model) == list(range(MANY, MANY - 1000, -1))


def test_scrolling_to_the_end_of_the_table_fetches_pages_as_needed(qtbot, many_jobs_store):
    model = JobsModel(many_jobs_store, page_size=500)
    model.reload()
    proxy = JobsProxy()
    proxy.setSourceModel(model)
    table = QTableView()
    qtbot.addWidget(table)
    table.setModel(proxy)
    table.resize(800, 600)
    table.show()
    for _ in range(10):
        before = model.rowCount()

        def next_page_arrived() -> bool:
            table.scrollToBottom()  # again once the view has laid out the rows that came
            return model.rowCount() > before

        qtbot.waitUntil(next_page_arrived, timeout=10_000)
    assert 500 < model.rowCount() <= 500 * 11  # pages arrive as needed, not all at once


def test_filters_are_applied_by_the_database(qtbot, many_jobs_store):
    model = JobsModel(many_jobs_store, page_size=500)
    model.set_filter(JobFilter(statuses=(JobStatus.FAILED.value,)))
    assert model.rowCount() == 500
    assert {model.job_at(r).status for r in range(model.rowCount())} == {JobStatus.FAILED}
    text = model.index(0, STATUS).data()
    assert text == "Failed: the voice model is missing — reinstall the app"
    model.set_filter(JobFilter(search="Story number 99999"))
    assert ids(model) == [99999]


def test_the_model_keeps_its_contract(qtmodeltester, ws, bulk_jobs):  # noqa: F811
    bulk_jobs(1200)
    model = JobsModel(ws.store, page_size=500)
    model.reload()
    qtmodeltester.check(model, force_py=True)


def test_rows_are_refreshed_from_what_changed_not_reloaded(qtbot, ws, bulk_jobs, add_jobs):  # noqa: F811
    bulk_jobs(2000)
    model = JobsModel(ws.store, page_size=500)
    model.reload()
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    queued = next(model.job_at(r) for r in range(model.rowCount()) if model.job_at(r).status is JobStatus.QUEUED)
    ws.store.jobs.transition(queued.id, job_states.cancel)
    with qtbot.waitSignal(model.dataChanged):
        model.on_changed(Changed(jobs=frozenset({queued.id})))
    assert model.index(model.row_of(queued.id), STATUS).data() == "Cancelled"

    (new,) = add_jobs(1, ["A job from the next harvest"])
    with qtbot.waitSignal(model.rowsInserted):
        model.on_changed(Changed(added=True))
    assert model.job_at(0).id == new

    gone = model.job_at(3).id
    ws.store.jobs.delete([gone])
    with qtbot.waitSignal(model.rowsRemoved):
        model.on_changed(Changed(removed=frozenset({gone})))
    assert model.row_of(gone) is None and model.rowCount() == 500
    assert resets == []


def test_a_row_taken_away_stays_away_when_a_read_begun_before_lands_after(qtbot, ws, add_jobs):  # noqa: F811
    held: list = []

    def submit(work, done, failed):  # the runner's read lane, run when the test says
        held.append(lambda: done(work()))

    def run_held() -> None:
        while held:
            held.pop(0)()

    first, second = add_jobs(2)
    model = JobsModel(ws.store, submit=submit)
    model.reload()
    run_held()
    assert sorted(ids(model)) == [first, second]
    model.on_changed(Changed(jobs=frozenset({first})))  # e.g. its stage just ended: a read starts
    model.on_changed(Changed(removed=frozenset({first})))  # deleted, waiting out its Undo
    run_held()  # the earlier read lands, the job still in the database
    assert ids(model) == [second]
    model.on_changed(Changed(added=True))  # newer rows are read: it does not come back that way either
    run_held()
    assert ids(model) == [second]
    model.on_changed(Changed(jobs=frozenset({first})))  # Undo
    run_held()
    assert sorted(ids(model)) == [first, second]
