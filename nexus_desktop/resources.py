"""Files the app ships: sample feeds, fonts, icons, style sheets."""

from __future__ import annotations

import sys
from pathlib import Path


def _root() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)  # inside a PyInstaller bundle
    return Path(frozen) if frozen else Path(__file__).resolve().parent.parent


def resource_dir() -> Path:
    return _root() / "resources"


def ui_dir() -> Path:
    return _root() / "ui"


def sample_feeds() -> list[Path]:
    return sorted(p for p in (resource_dir() / "samples").iterdir() if p.suffix == ".xml")
