"""Keep None, True and False alive under PySide6 6.12 on Python 3.11.

PySide6 6.12's bindings hand back ``None`` from every void method (``setText``,
``QThreadPool.start``, ...) and ``True``/``False`` from ``Signal.emit`` without
taking a reference. From Python 3.12 these objects are immortal and nothing
happens; on 3.11 each such call loses one reference, and after a few thousand
calls the interpreter aborts with "none_dealloc: deallocating None" (or
"bool_dealloc"). Reproduce: ``sys.getrefcount(None)`` drops by one per
``QLabel().setText("x")``.

``pin()`` gives the three a reference count no session can use up. It is
harmless where the bug is absent: they are never freed anyway.
"""

from __future__ import annotations

import ctypes
import sys

_HEADROOM = 1 << 40  # a trillion lost references; a busy session loses millions
_pinned = False


def pin() -> None:
    global _pinned
    if _pinned or sys.version_info >= (3, 12):
        return
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += _HEADROOM
    _pinned = True
