"""Qt's own messages go to the app's log, so a person finds them with the rest.

Qt Multimedia probes optional libraries (VA-API, PipeWire) and says so as
warnings on every machine without them; those probes are logged at debug level.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QLoggingCategory, QtMsgType, qInstallMessageHandler

log = logging.getLogger("qt")

_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}
# Optional hardware decoders and audio servers are looked for at start; their
# absence is normal and Qt falls back by itself.
_QUIET_RULES = "qt.multimedia.symbolsresolver.warning=false"


def quiet_probes() -> None:
    QLoggingCategory.setFilterRules(_QUIET_RULES)


def _on_message(kind: QtMsgType, context, message: str) -> None:
    category = context.category or "default"
    log.log(_LEVELS.get(kind, logging.WARNING), "%s: %s", category, message)


def route_to_logging() -> None:
    quiet_probes()
    qInstallMessageHandler(_on_message)
