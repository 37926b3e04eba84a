"""PyInstaller runtime hook of the bundle, run before lmapp (and numba) is imported.

The bundle folder may be read-only (installed by root, on a read-only medium), so numba's
compiled kernels and Python's bytecode of lmapp go to the user's cache folder instead of beside
the sources: ``$XDG_CACHE_HOME/lmapp`` (default ``~/.cache/lmapp``). Kernels are kept per build
(``lmapp-build-id``, a hash of the bundled lmapp sources), because numba's cache notices a change
of a jitted function but not of the functions it calls.
"""

import os
import sys

_cache = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "lmapp")
with open(os.path.join(sys._MEIPASS, "lmapp-build-id"), encoding="ascii") as _f:
    _build = _f.read().strip()
os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(_cache, "numba", _build))
# lmapp's modules are .py files in the bundle (for numba's cache); their bytecode is kept too
sys.pycache_prefix = os.path.join(_cache, "pycache")
sys.dont_write_bytecode = False
