"""The nexus command line, as a person or a script would use it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

from nexus_desktop.cli import main
from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.domain.stages import Stage
from nexus_desktop.store import Store
from nexus_desktop.store.database import sqlite_url
from tests.article_support import SAMPLES


def nexus(capsys, data_dir, *args) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data_dir), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_samples_added_and_harvested_twice_list_ten_jobs(capsys, tmp_path):
    feeds = [str(p) for p in sorted(SAMPLES.glob("*.xml"))]
    code, out, _ = nexus(capsys, tmp_path, "add-feed", *feeds)
    assert code == 0 and out.count("added:") == 3
    assert nexus(capsys, tmp_path, "harvest")[1].strip().endswith("10 new job(s); 0 feed(s) failed")
    assert "0 new job(s)" in nexus(capsys, tmp_path, "harvest")[1]
    code, out, _ = nexus(capsys, tmp_path, "jobs", "--json")
    jobs = json.loads(out)
    assert code == 0 and len(jobs) == 10 and {j["status"] for j in jobs} == {"queued"}
    code, out, _ = nexus(capsys, tmp_path, "jobs")
    assert "10 job(s)" in out and "Crème brûlée without a torch" in out


def test_feeds_shows_each_feeds_error(capsys, tmp_path):
    doomed = tmp_path / "gone.xml"
    doomed.write_bytes((SAMPLES / "kitchen-lab.rss.xml").read_bytes())
    nexus(capsys, tmp_path, "add-feed", str(SAMPLES / "tech-digest.rss.xml"), str(doomed))
    doomed.unlink()
    code, _, err = nexus(capsys, tmp_path, "add-feed", str(tmp_path / "never.xml"))
    assert code == 2 and "file not found" in err
    nexus(capsys, tmp_path, "harvest")
    code, out, _ = nexus(capsys, tmp_path, "feeds", "--json")
    errors = {f["url"].rsplit("/", 1)[-1]: f["last_error"] for f in json.loads(out)}
    assert errors["tech-digest.rss.xml"] is None
    assert errors["gone.xml"].startswith("file not found")
    assert "file not found" in nexus(capsys, tmp_path, "feeds")[1]


def test_add_feed_with_a_malformed_opml_says_which_line(capsys, tmp_path):
    bad = tmp_path / "bad.opml"
    bad.write_text("<opml version='2.0'><body>\n<outline xmlUrl='http://a'>\n</opml>")
    code, _, err = nexus(capsys, tmp_path, "add-feed", str(bad))
    assert code == 2 and "malformed OPML at line 3" in err


def test_retry_refuses_a_job_that_has_not_failed(capsys, tmp_path):
    nexus(capsys, tmp_path, "add-feed", str(SAMPLES / "tech-digest.rss.xml"))
    nexus(capsys, tmp_path, "harvest")
    code, _, err = nexus(capsys, tmp_path, "retry", "1")
    assert code == 2 and "only a failed or cancelled job can be retried" in err


def test_a_bad_setting_is_named(capsys, tmp_path):
    (tmp_path / "config").mkdir(parents=True)
    (tmp_path / "config" / "settings.json").write_text('{"store": {"database_url": "mysql://x"}}')
    code, _, err = nexus(capsys, tmp_path, "feeds")
    assert code == 2 and "store.database_url" in err


SLOW_RUN = textwrap.dedent(
    """
    import sys, time
    from nexus_desktop.pipeline import flow
    from nexus_desktop.pipeline.context import StageOutput

    def slow_stage(ctx):
        for _ in range(600):
            ctx.check_cancelled()
            time.sleep(0.05)
        return StageOutput({})

    flow.stage_function = lambda stage: slow_stage
    from nexus_desktop.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


def test_a_killed_run_resumes_at_the_unfinished_stage(capsys, tmp_path):
    nexus(capsys, tmp_path, "add-feed", str(SAMPLES / "tech-digest.rss.xml"))
    nexus(capsys, tmp_path, "harvest")
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    proc = subprocess.Popen([sys.executable, "-c", SLOW_RUN, "--data-dir", str(tmp_path), "run"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = Store.open(sqlite_url(tmp_path / "nexus.sqlite3"))
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(j.status is JobStatus.RUNNING for j in store.jobs.list()):
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        running = [j for j in store.jobs.list() if j.status is JobStatus.RUNNING]
        assert len(running) == 1 and running[0].stage is Stage.ANALYZE
        # The next run starts by taking back what the dead process held.
        assert store.jobs.recover_interrupted() == [running[0].id]
        assert all(j.status is JobStatus.QUEUED and j.stage is Stage.ANALYZE for j in store.jobs.list())
    finally:
        if proc.poll() is None:
            proc.kill()
        store.close()
