"""What the command line prints: text from feeds without terminal control sequences,
a closed pipe (``nexus jobs | head``) ends quietly, and files made private.

Feed titles and errors come from strangers; printed raw, an escape sequence in a
title can retitle the terminal, hide text or worse. Only newlines and tabs pass.
"""

from __future__ import annotations

import io
import os
import re
import sys

# CSI/OSC/other ESC sequences, then any remaining C0 (but \t \n) and C1 control characters.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    return _ESCAPES.sub("", text)


class _Sanitizing(io.TextIOBase):
    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(printable(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:
        return self._stream.encoding


def sanitize_standard_streams() -> None:
    """Strip control sequences from everything printed to stdout and stderr."""
    if not isinstance(sys.stdout, _Sanitizing):
        sys.stdout = _Sanitizing(sys.stdout)
    if not isinstance(sys.stderr, _Sanitizing):
        sys.stderr = _Sanitizing(sys.stderr)


def private_files() -> None:
    """Files and folders this process creates are readable by this user only (0600/0700)."""
    os.umask(0o077)


def quiet_broken_pipe() -> None:
    """The reader went away (``| head``): stop without a traceback, as cat and grep do."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno())  # so the flush at exit does not fail again
    except (OSError, AttributeError, ValueError):
        pass
