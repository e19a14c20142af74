"""The window: views, Qt item models, dialogs. Everything here runs on the main thread."""

from ..runtime.qt_refcounts import pin as _pin_singletons
from .qt_messages import quiet_probes as _quiet_probes

# Before any Qt call: see runtime/qt_refcounts.py (PySide6 6.12 on Python 3.11 loses references).
_pin_singletons()
# Before Qt Multimedia loads: it reports each optional library it does not find as a warning.
_quiet_probes()
