"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
from datetime import datetime

from ..bootstrap import open_workspace
from ..pipeline.flow import Workspace


def workspace(args: argparse.Namespace) -> Workspace:
    return open_workspace(args.data_dir, verbose=args.verbose)


def when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else "never"


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)
