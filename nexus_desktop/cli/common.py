"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import datetime

from ..bootstrap import open_workspace
from ..pipeline.flow import Workspace


def workspace(args: argparse.Namespace) -> Workspace:
    ws = open_workspace(args.data_dir, verbose=args.verbose)
    from .. import secrets
    from .vault import opener

    secrets.open_vault_when_needed(opener(ws.paths))  # no keyring: ask for the vault's passphrase when a secret is needed
    return ws


def when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else "never"


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)


def stop_on_signals(message: str) -> threading.Event:
    """Ctrl+C or SIGTERM sets the returned event (finish the work under way);
    a second one stops at once."""
    stop = threading.Event()

    def on_signal(signum, frame):
        if stop.is_set():
            raise KeyboardInterrupt
        print(f"nexus: {message} (again to stop now)", file=sys.stderr, flush=True)
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    return stop
