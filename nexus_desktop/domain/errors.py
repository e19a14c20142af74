"""One error hierarchy, split by who can do something about it.

- ``RetryableError``: the environment's fault for now (network, rate limit, busy
  database). Trying again later may work.
- ``UserFixableError``: the creator can fix it (bad key, bad feed URL, full disk).
  The message says what happened and what to do.
- Anything else that escapes a stage is a bug: it is logged with its traceback and
  shown with the log file's path.
"""

from __future__ import annotations


class NexusError(Exception):
    """Base of the errors the app expects and explains."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class RetryableError(NexusError):
    """Transient: a timeout, a 429 or 5xx, a locked database."""

    def __init__(self, message: str, *, hint: str = "", retry_after: float | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after


class UserFixableError(NexusError):
    """Needs the creator: a setting, a key, a file, disk space."""


class Cancelled(NexusError):
    """The creator (or shutdown) cancelled the work."""

    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)


class IllegalTransition(Exception):
    """A bug: code asked for a state change the state machine forbids."""


class StoreError(UserFixableError):
    """The database cannot be opened or used as configured."""


class FfmpegError(NexusError):
    """ffmpeg exited with an error that is not the creator's to fix: most likely a
    bug in the arguments or an input it cannot read. ``log`` holds what it printed."""

    def __init__(self, code: int, log: str, lines: list[str] | None = None) -> None:
        lines = lines if lines is not None else [line.strip() for line in log.strip().splitlines()]
        meaningful = [line for line in lines if line and not line.startswith(("frame=", "size=", "Press [q]"))]
        super().__init__(f"ffmpeg failed (exit code {code}): " + (" | ".join(meaningful[-5:]) or "no error message"))
        self.code = code
        self.log = log
