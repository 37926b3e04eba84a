"""What runs on Dask workers: a walker's chunk of quenches and a connect attempt, on the
project's model rebuilt from what the client sends (the model spec and the training arrays,
never the project file) and cached per worker process by a hash of its content; a stop flag
lets a pause or cancel on the client interrupt a running task the way the local abort flag
does."""

from __future__ import annotations

import ctypes
import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from ..landscape.model import Model, ModelSpec, build_model
from ..landscape.transition import TransitionParams
from .connect import AttemptResult, _Attempt, run_attempt
from .explore import ExploreParams, Walker, WalkerChunk, hop_walker

#: Landscapes kept per worker process (a worker serves one or a few projects at a time).
CACHED_MODELS = 4
#: Seconds a task's watcher waits on the scheduler's stop event per poll (it returns at once
#: when the event is set; the interval only bounds how long a watcher outlives its task).
STOP_POLL = 0.5

#: glibc mallopt parameters, and the thresholds workers use (see _tune_malloc)
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MALLOC_THRESHOLD = 64 << 20

_models: OrderedDict[str, Model] = OrderedDict()
_models_lock = threading.Lock()


def _tune_malloc() -> None:
    """Undo Dask's worker setting MALLOC_TRIM_THRESHOLD_=65536 for this process: with it, glibc
    hands memory back to the system on almost every free, and the kernels (which allocate
    per-data-point arrays in every gradient) ran 3-4x slower on workers than in this app."""
    if os.environ.get("MALLOC_TRIM_THRESHOLD_") is None:
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(M_TRIM_THRESHOLD, MALLOC_THRESHOLD)
        libc.mallopt(M_MMAP_THRESHOLD, MALLOC_THRESHOLD)
    except (OSError, AttributeError):
        pass  # not glibc: the setting did not apply there either


@dataclass(frozen=True, eq=False)
class ModelRecipe:
    """What a worker needs to rebuild a project's model: spec, training data, class count."""

    spec: dict
    X: np.ndarray
    y: np.ndarray
    n_classes: int
    digest: str  #: content hash: the worker's cache key

    @classmethod
    def of(cls, model: Model, X: np.ndarray, y: np.ndarray, n_classes: int) -> ModelRecipe:
        """The recipe of ``model`` built from training data X, y (of ``n_classes``)."""
        spec = model.spec.to_dict()
        h = hashlib.sha256(repr(sorted(spec.items())).encode())
        for given in (X, y):
            a = np.ascontiguousarray(given)
            h.update(f"{a.dtype.str}{a.shape}".encode())
            h.update(a.tobytes())
        h.update(str(n_classes).encode())
        return cls(spec, np.ascontiguousarray(X), np.ascontiguousarray(y), n_classes, h.hexdigest())

    def model(self) -> Model:
        """The landscape, built once per worker process. A user model's module is trusted here:
        the client runs a user-model project only after its user trusted the module."""
        with _models_lock:
            model = _models.get(self.digest)
            if model is not None:
                _models.move_to_end(self.digest)
                return model
        _tune_malloc()
        threadpool_limits(1)  # BLAS on one thread in this process, as jobs are here
        spec = ModelSpec.from_dict(self.spec)
        if spec.module:
            from ..landscape.user_model import trust_module

            trust_module(spec.module)
        model = build_model(spec, self.X, self.y, self.n_classes)
        with _models_lock:
            _models[self.digest] = model
            while len(_models) > CACHED_MODELS:
                _models.popitem(last=False)
        return model


@contextmanager
def stop_flag(event_name: str | None) -> Iterator[np.ndarray]:
    """An abort flag (uint8[1]) for the kernels of one task, raised when the client sets the
    Dask event ``event_name`` (its pause or cancel); None: a flag nothing raises."""
    abort = np.zeros(1, np.uint8)
    if event_name is None:
        yield abort
        return
    from distributed import Event, get_client

    event = Event(event_name, client=get_client())
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            try:
                stopped = event.wait(timeout=STOP_POLL)
            except Exception:  # noqa: BLE001 - scheduler gone: this task's result is lost anyway
                return
            if stopped:
                abort[0] = 1
                return

    threading.Thread(target=watch, name="lmapp-stop-watch", daemon=True).start()
    try:
        yield abort
    finally:
        done.set()


def hop_task(
    recipe: ModelRecipe, walker: Walker, n: int, params: ExploreParams, stop: str
) -> WalkerChunk:
    """A walker's chunk of ``n`` quenches, unscreened (the client verifies new minima)."""
    with stop_flag(stop) as abort:
        return hop_walker(recipe.model(), walker, n, params, abort)


def attempt_task(
    recipe: ModelRecipe,
    tp: TransitionParams,
    work: _Attempt,
    xa: np.ndarray,
    xb: np.ndarray,
    x_origin: np.ndarray | None,
    stop: str,
) -> AttemptResult:
    """One connect attempt (its push-off minima verified here, as on local threads)."""
    with stop_flag(stop) as abort:
        return run_attempt(recipe.model(), tp, work, xa, xb, x_origin, abort)
