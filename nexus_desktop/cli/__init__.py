"""``nexus``: the app's work without a window.

Each area registers its commands in its own module (feeds, jobs, ...); this
module builds the parser, opens the workspace and turns the errors the app
expects into one readable line and a non-zero exit.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..domain.errors import NexusError

log = logging.getLogger(__name__)

COMMAND_MODULES = ("feeds", "jobs", "posts", "sync", "metrics", "learn", "daemon", "farm", "vault", "shots")


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    handler: Callable[[argparse.Namespace], int | None]
    arguments: tuple[tuple[tuple[str, ...], dict[str, Any]], ...]


_COMMANDS: dict[str, Command] = {}


def command(name: str, help: str, *arguments: tuple[tuple[str, ...], dict[str, Any]]):
    """Register ``handler(args)`` as ``nexus NAME``; arguments are (flags, kwargs) pairs."""

    def register(handler):
        _COMMANDS[name] = Command(name, help, handler, arguments)
        return handler

    return register


def arg(*flags: str, **kwargs: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    return flags, kwargs


JSON_FLAG = arg("--json", action="store_true", help="print JSON for scripts")


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def _load_commands() -> None:
    for name in COMMAND_MODULES:
        try:
            importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise


def build_parser() -> argparse.ArgumentParser:
    _load_commands()
    parser = argparse.ArgumentParser(prog="nexus", description="Nexus Desktop without a window.")
    parser.add_argument("--data-dir", help="keep data, settings and logs in this folder")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for cmd in _COMMANDS.values():
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        for flags, kwargs in cmd.arguments:
            p.add_argument(*flags, **kwargs)
        p.set_defaults(handler=cmd.handler)
    return parser


def main(argv: list[str] | None = None) -> int:
    from ..terminal import private_files, quiet_broken_pipe, sanitize_standard_streams

    if argv is None:  # a real run, not a call from a test or another command
        private_files()
        sanitize_standard_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = int(args.handler(args) or 0)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        quiet_broken_pipe()
        return 0
    except NexusError as exc:
        print(f"nexus: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nexus: interrupted; the next run resumes where this one stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
