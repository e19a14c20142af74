"""The background service: a systemd user unit that runs ``nexus daemon`` at login. No Qt.

Written by the Settings switch ("Run in the background") and by
packaging/linux/install.sh (which writes the same unit, not enabled). On macOS
and Windows the README shows the launchd agent and the Task Scheduler task.
The unit restarts the daemon if it dies; the daemon takes the data folder's
scheduler lock, so the window then shows "Publishing: nexus daemon" instead of
publishing itself.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..domain.errors import UserFixableError
from ..paths import AppPaths
from ..pipeline.audio import atomic_path

UNIT_NAME = "nexus-desktop-daemon.service"


@dataclass(frozen=True)
class ServiceState:
    installed: bool
    enabled: bool
    message: str


def unit_path() -> Path:
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config / "systemd" / "user" / UNIT_NAME


def daemon_command(paths: AppPaths) -> list[str]:
    """How to start the daemon from this installation (the bundle, or this Python)."""
    custom = paths.config == paths.data / "config"  # started with --data-dir: the daemon must be too
    data_args = ["--data-dir", str(paths.data)] if custom else []
    if getattr(sys, "frozen", False):
        return [sys.executable, "--daemon", *data_args]
    return [sys.executable, "-m", "nexus_desktop.cli", *data_args, "daemon"]


def unit_text(command: list[str]) -> str:
    return (
        "[Unit]\n"
        "Description=Nexus Desktop: check feeds, make videos and publish due posts\n"
        "After=network-online.target\n"
        "Wants=network-online.target\n\n"
        "[Service]\n"
        "Type=simple\n"
        f"ExecStart={shlex.join(command)}\n"
        # The daemon finishes the work under way on SIGTERM; give an upload time.
        "TimeoutStopSec=90\n"
        "Restart=on-failure\n"
        "RestartSec=30\n"
        "Nice=10\n\n"
        "[Install]\n"
        "WantedBy=default.target\n"
    )


def _systemctl(*args: str) -> subprocess.CompletedProcess | None:
    tool = shutil.which("systemctl")
    if tool is None:
        return None
    return subprocess.run([tool, "--user", *args], capture_output=True, text=True, timeout=30)


def install(paths: AppPaths) -> ServiceState:
    """Write the unit and start it now and at every login (where systemd runs)."""
    if not sys.platform.startswith("linux"):
        raise UserFixableError("the background service switch is for Linux",
                               hint="see the README for launchd (macOS) and Task Scheduler (Windows)")
    path = unit_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as partial:  # systemd, or anyone reading it, never sees half a unit
        partial.write_text(unit_text(daemon_command(paths)), encoding="utf-8")
    reload = _systemctl("daemon-reload")
    if reload is None:
        return ServiceState(True, False, f"Wrote {path}; systemd was not found, so start `nexus daemon` another way")
    started = _systemctl("enable", "--now", UNIT_NAME)
    if started is None or started.returncode != 0:
        why = (started.stderr.strip() if started else "") or "systemctl failed"
        return ServiceState(True, False, f"Wrote {path}, but it could not be started: {why}")
    return ServiceState(True, True, "nexus daemon now runs in the background and starts at every login")


def uninstall() -> ServiceState:
    path = unit_path()
    if not path.exists():
        return ServiceState(False, False, "The background service was not installed")
    _systemctl("disable", "--now", UNIT_NAME)
    path.unlink()
    _systemctl("daemon-reload")
    return ServiceState(False, False, "The background service is stopped and removed; the window publishes again")


def is_installed() -> bool:
    return unit_path().exists()
