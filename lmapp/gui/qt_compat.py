"""Work-around for PySide6 6.12 on Python < 3.12: its bindings return ``None`` from void
methods and ``True`` from ``Signal.emit`` without taking a reference (harmless where these
singletons are immortal, as from Python 3.12), so each call lowers their reference counts
and the interpreter aborts ("deallocating None") once they reach zero. Giving the singletons
a huge reference count makes them as good as immortal, as they are on newer Pythons."""
from __future__ import annotations

import ctypes
import sys

#: References added to each singleton: more than any session can lose.
RESERVE = 1 << 40
_reserved = False


def immortalize_singletons() -> None:
    """Make None, True and False practically immortal (CPython before 3.12 only; once)."""
    global _reserved
    if _reserved or sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return
    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += RESERVE  # ob_refcnt is the first field
    _reserved = True
