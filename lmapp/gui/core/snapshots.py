"""Snapshots the GUI draws from: the project's minima and transition states read off the GUI
thread (``Snapshot``), the poller that refreshes them when the counts change, and the
lock-protected mailbox through which worker threads hand over their latest progress."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from ...datasets import Dataset
from ...landscape.minimum_metrics import ZERO_WEIGHT
from ...landscape.model import Model
from ...landscape.msb import monotonic_sequence_basins
from ...store import ProjectFile
from ...store.ends import end_positions
from ...store.metrics_cache import minimum_metrics
from .background import Background

#: Per-minimum values a view can show or colour by: key → human label.
VALUE_LABELS: dict[str, str] = {
    "id": "id",
    "loss": "loss",
    "rms_grad": "RMS gradient",
    "hessian_index": "Hessian index",
    "min_eig": "smallest eigenvalue",
    "lpphe": "LPPHE",
    "n_zero_modes": "zero modes",
    "sparsity": "zero weights",
    "train_accuracy": "train accuracy",
    "test_accuracy": "test accuracy",
    "train_auc": "train AUC",
    "test_auc": "test AUC",
    "msb": "monotonic sequence basin",
    "run_id": "run",
    "walker": "walker",
    "step": "step",
}
_DB_COLUMNS = (
    "id",
    "loss",
    "rms_grad",
    "hessian_index",
    "min_eig",
    "lpphe",
    "n_zero_modes",
    "run_id",
    "walker",
    "step",
)


@dataclass(frozen=True, eq=False)
class Snapshot:
    """Everything stored about the minima, as column arrays in id order (row = index), plus
    the transition states as (loss, row of min1, row of min2)."""

    columns: dict[str, np.ndarray]
    weights: np.ndarray  #: (n, P) canonical weights
    ts_loss: np.ndarray
    ts_a: np.ndarray
    ts_b: np.ndarray
    is_network: bool = True
    feature_names: tuple[str, ...] = ()
    class_names: tuple[str, ...] = ()
    _row: dict[int, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._row.update({int(i): r for r, i in enumerate(self.columns["id"].tolist())})

    @property
    def ids(self) -> np.ndarray:
        return self.columns["id"]

    @property
    def n_minima(self) -> int:
        return int(self.ids.size)

    @property
    def n_ts(self) -> int:
        return int(self.ts_loss.size)

    def values(self, key: str) -> np.ndarray:
        """One per-minimum value column (see VALUE_LABELS) as float."""
        return np.asarray(self.columns[key], float)

    def row_of(self, min_id: int) -> int | None:
        return self._row.get(int(min_id))

    def rows_of(self, ids: list[int] | np.ndarray) -> np.ndarray:
        """Rows of the given ids that exist in this snapshot."""
        rows = [self._row.get(int(i)) for i in ids]
        return np.array([r for r in rows if r is not None], np.int64)

    def record(self, row: int) -> dict[str, Any]:
        """One minimum's values as plain Python numbers."""
        return {k: v[row].item() for k, v in self.columns.items()}


def describe_minimum(land: Snapshot, row: int, position: int | None = None) -> str:
    """A few cheap facts about one minimum, for tooltips."""
    r = land.record(row)
    lines = [
        f"minimum {r['id']}" + ("" if position is None else f"  (leaf {position})"),
        f"loss {r['loss']:.8g}",
    ]
    if np.isfinite(r["train_accuracy"]):
        lines.append(f"accuracy: train {r['train_accuracy']:.1%}, test {r['test_accuracy']:.1%}")
    lines.append(f"Hessian index {r['hessian_index']}, LPPHE {r['lpphe']:.4g}")
    lines.append(f"zero weights {r['sparsity']}, run {r['run_id']}, walker {r['walker']}")
    return "\n".join(lines)


def empty_snapshot() -> Snapshot:
    """The snapshot of a project without minima."""
    cols = {k: np.empty(0) for k in VALUE_LABELS}
    cols["id"] = np.empty(0, np.int64)
    return Snapshot(
        cols, np.zeros((0, 0)), np.empty(0), np.empty(0, np.int64), np.empty(0, np.int64)
    )


def read_snapshot(
    pf: ProjectFile, model: Model, dataset: Dataset, memo: dict | None = None
) -> Snapshot:
    """Read minima and TSs from ``pf`` and add the derived columns: sparsity and train/test
    accuracy and AUC from the project's metrics cache (the numbers the CLI and the API give;
    ``memo`` keeps them between reads of a read-only file), and the monotonic sequence basin,
    as the index of its bottom minimum."""
    m = pf.minima(with_weights=True, order="id")
    ts = pf.transition_states()
    cols = {k: m[k] for k in _DB_COLUMNS}
    W = m["weights"]
    n = len(m["id"])
    if model.is_network and n:
        met = minimum_metrics(pf, model, dataset, memo=memo)
        cols["sparsity"] = met["sparsity"]
        for name, key in (
            ("train_accuracy", "train_acc"),
            ("test_accuracy", "test_acc"),
            ("train_auc", "train_auc"),
            ("test_auc", "test_auc"),
        ):
            cols[name] = met[key]
    else:
        cols["sparsity"] = (
            (np.abs(W) < ZERO_WEIGHT).sum(axis=1).astype(np.int64)
            if W.size
            else np.zeros(n, np.int64)
        )
        for name in ("train_accuracy", "test_accuracy", "train_auc", "test_auc"):
            cols[name] = np.full(n, np.nan)
    a, b = end_positions(pf.path, m["id"], ts)
    cols["msb"] = (
        monotonic_sequence_basins(m["loss"], a, b).astype(float) if len(m["id"]) else np.empty(0)
    )
    return Snapshot(
        cols,
        W,
        ts["loss"],
        a,
        b,
        model.is_network,
        tuple(dataset.feature_names),
        tuple(dataset.class_names),
    )


class SnapshotPoller(QObject):
    """Re-reads the project off the GUI thread about once a second, and emits a new
    ``Snapshot`` only when the numbers of minima or transition states changed (so a job in
    this process, or another process exploring the same file, shows up live)."""

    changed = Signal(object)  #: Snapshot
    failed = Signal(object)  #: the exception a read raised

    def __init__(
        self,
        path: str | Path,
        model: Model,
        dataset: Dataset,
        interval_ms: int = 1000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self._model, self._dataset = model, dataset
        self._counts: tuple[int, int] | None = None
        self._memo: dict = {}  # metrics of a read-only file between reads (one task at a time)
        self._bg = Background(self)
        self._bg.finished.connect(self._on_result)
        self._bg.failed.connect(lambda _tag, exc: self.failed.emit(exc))
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(lambda: self.refresh(force=False))

    def start(self) -> None:
        """Load now and keep polling."""
        self.refresh(force=True)
        self._timer.start()

    def stop(self) -> None:
        """Stop polling; a read still running is dropped."""
        self._timer.stop()
        self._bg.cancel()

    def refresh(self, force: bool = True) -> None:
        """Read the project now (if ``force``) or only if its counts changed."""
        if self._bg.busy and not force:
            return
        known = None if force else self._counts
        self._bg.submit(lambda _state: self._read(known))

    def wait_idle(self, timeout: float = 10.0) -> bool:
        return self._bg.wait_idle(timeout)

    def _read(self, known: tuple[int, int] | None) -> tuple[tuple[int, int], Snapshot] | None:
        with ProjectFile.open(self.path, readonly=True) as pf:
            counts = (pf.n_minima(), pf.n_transition_states())
            if counts == known:
                return None
            return counts, read_snapshot(pf, self._model, self._dataset, self._memo)

    def _on_result(self, _tag: object, result: tuple[tuple[int, int], Snapshot] | None) -> None:
        if result is None:
            return
        self._counts, snapshot = result
        self.changed.emit(snapshot)


class Mailbox:
    """The latest value a worker thread posted, taken by the GUI thread on its timer (the
    worker never touches widgets; older values are simply overwritten)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: Any = None

    def put(self, value: Any) -> None:
        with self._lock:
            self._value = value

    def take(self) -> Any:
        """The latest value, or None if nothing new was posted since the last take."""
        with self._lock:
            value, self._value = self._value, None
        return value
