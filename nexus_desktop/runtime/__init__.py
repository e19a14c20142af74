"""The job runner (QThreadPool) and, later, the scheduler. QtCore only: no widgets."""

from .qt_refcounts import pin as _pin_singletons

# Before any Qt call: see qt_refcounts.py (PySide6 6.12 on Python 3.11 loses references).
_pin_singletons()
