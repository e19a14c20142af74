"""What starting the app loads: the heavy modules wait until a stage or a view needs them
(bench/startup.py measures the time; this keeps the list from growing back)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# numpy is not listed: the preview's frame scaler (gui/frame_scaler.py) needs it.
LATER = ("yake", "alembic", "trafilatura", "py3langid", "onnxruntime", "piper", "celery", "kombu", "boto3",
         "googleapiclient", "openai", "elevenlabs", "atproto", "mastodon", "lxml")


def run(code: str, tmp_path: Path) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen",
                               "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_second_start_opens_the_window_without_alembic_and_the_modules_only_stages_and_views_use(tmp_path):
    data = str(tmp_path / "data")
    first = run("import sys\n"
                "from nexus_desktop.bootstrap import open_workspace\n"
                f"ws = open_workspace({data!r}, console=False)\n"
                "print('alembic' in sys.modules); ws.store.close()\n", tmp_path)
    assert first == "True"  # a new data folder: its schema is made by the migrations
    loaded = run(
        "import sys\n"
        "from nexus_desktop.bootstrap import open_workspace\n"
        "from nexus_desktop.gui.main import application, open_window\n"
        f"app = application(); ws = open_workspace({data!r}, console=False)\n"
        "window = open_window(ws); window.show(); app.processEvents()\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({LATER!r})))\n"
        "window.close(); window.ctx.runner.shutdown(timeout=5)\n",
        tmp_path,
    )
    # An up-to-date schema is recognised without Alembic; article pages, the voice, Celery and the clients wait
    assert loaded == "[]"
