"""Where the app keeps its data, settings and logs.

platformdirs follows XDG on Linux, so ``XDG_DATA_HOME``/``XDG_CONFIG_HOME`` give a
run its own folders; ``--data-dir`` puts everything under one folder instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "nexus-desktop"


@dataclass(frozen=True)
class AppPaths:
    data: Path
    config: Path
    logs: Path

    @classmethod
    def resolve(cls, data_dir: str | Path | None = None) -> "AppPaths":
        if data_dir:
            root = Path(data_dir).expanduser().resolve()
            paths = cls(root, root / "config", root / "logs")
        else:
            paths = cls(
                Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
                Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
                Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
            )
        for folder in (paths.data, paths.config, paths.logs):
            folder.mkdir(parents=True, exist_ok=True)
        return paths

    @property
    def database(self) -> Path:
        return self.data / "nexus.sqlite3"

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.json"

    @property
    def log_file(self) -> Path:
        return self.logs / "nexus.log"

    @property
    def jobs(self) -> Path:
        return self.data / "jobs"

    def job_dir(self, job_id: int) -> Path:
        folder = self.jobs / f"{job_id:06d}"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    @property
    def exports(self) -> Path:
        return self.data / "exports"
