"""Python API: create or open a project, explore it, list and evaluate minima, export.

The CLI and the GUI drive the same objects, so a notebook sees exactly what the app sees.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .datasets import Dataset, DatasetError, default_lambda, make_dataset, source_name
from .jobs.cluster import Cluster, ClusterExecutor
from .jobs.connect import ConnectJob, ConnectParams, ConnectSummary
from .jobs.control import JobControl
from .jobs.dedupe import DedupeJob, DedupeSummary
from .jobs.events import Progress, ignore
from .jobs.executor import Executor, InlineExecutor, JobHandle, ThreadExecutor
from .jobs.explore import ExploreJob, ExploreParams, ExploreSummary
from .landscape.model import Model, ModelSpec, build_model
from .landscape.network import network_stats
from .landscape.user_model import trust_module
from .store import ProjectError, ProjectFile
from .store.binding import load_dataset_and_model, stored_minima_registry, stored_model_spec
from .store.ends import end_positions

#: where a job's tasks run: a cluster address ("tcp://HOST:PORT", "local:N"), a connected
#: Cluster, or None (threads of this process)
Where = str | Cluster | None


class Project:
    """An open ``.lmapp`` project: its dataset, its model landscape and its stored minima."""

    def __init__(self, pf: ProjectFile) -> None:
        self.file = pf
        self.dataset, self.model = load_dataset_and_model(pf)
        #: what opening this project re-identified (files identified by an older rule)
        self.reidentified: DedupeSummary | None = None

    # -- lifecycle -------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        path: str | Path,
        dataset: Dataset | str | None = "xor",
        model: ModelSpec | dict | None = None,
        *,
        trust_user_model: bool = False,
        **dataset_options: Any,
    ) -> Project:
        """Create a new project file from a dataset (object or built-in name) and model spec.

        ``model`` as a dict (or None) without ``lam`` takes the data set's default λ
        (:mod:`lmapp.datasets.defaults`); a ``ModelSpec`` is used as it is.
        A user model (``ModelSpec(kind="user", reference="pkg.mod:name", ...)``) brings its own
        data: give ``dataset=None``, and ``trust_user_model=True`` to import its module. The
        dataset and model are validated before anything is written.
        """
        if isinstance(dataset, Dataset) and dataset_options:
            raise DatasetError(
                f"dataset options ({', '.join(sorted(dataset_options))}) apply to a "
                "dataset name, not to a Dataset object"
            )
        if isinstance(model, ModelSpec):
            spec = model
        else:
            spec_dict = dict(model or {})
            if (
                spec_dict.get("kind", "mlp") == "mlp"
                and spec_dict.get("lam") is None
                and dataset is not None
            ):
                data0 = dataset if isinstance(dataset, Dataset) else None
                name = source_name(data0.spec) if data0 is not None else str(dataset)
                spec_dict["lam"] = default_lambda(name)
            spec = ModelSpec.from_dict(spec_dict)
        if spec.kind == "user":
            if dataset not in (None, "xor") or dataset_options:
                raise DatasetError("a user model brings its own data; give dataset=None")
            data = Dataset.none()
            if trust_user_model and spec.module:
                trust_module(spec.module)
        elif dataset is None:
            raise DatasetError("a built-in model needs a dataset")
        else:
            data = (
                dataset
                if isinstance(dataset, Dataset)
                else make_dataset(dataset, **dataset_options)
            )
        build_model(spec, data.X_train, data.y_train, data.n_classes)  # validate first
        pf = ProjectFile.create(
            path,
            dataset_spec=_dataset_spec(data),
            dataset_arrays=data.arrays(),
            model_spec=spec.to_dict(),
        )
        return cls(pf)

    @classmethod
    def open(
        cls,
        path: str | Path,
        readonly: bool = False,
        *,
        trust_user_model: bool = False,
        reidentify: bool = True,
    ) -> Project:
        """Open an existing project (read-only opens may run beside a writing process).

        A project whose model is user code imports its module only with
        ``trust_user_model=True`` (else :class:`UntrustedModelError`). A writable open of a
        file identified by an older identity rule re-identifies it first (one transaction;
        what changed is in ``reidentified``), unless ``reidentify=False`` (the app runs it as
        a background job instead).
        """
        pf = ProjectFile.open(path, readonly=readonly)
        try:
            spec = stored_model_spec(pf)
            if trust_user_model and spec.module:
                trust_module(spec.module)
            project = cls(pf)
        except BaseException:
            pf.close()
            raise
        if reidentify and not readonly and pf.needs_reidentification:
            project.reidentified = project.dedupe()
        return project

    def dedupe(self, progress: Progress | None = None) -> DedupeSummary:
        """Re-identify the stored minima and transition states by the current identity rule:
        duplicates are merged into the lowest id (transition states re-pointed), canonical
        forms rewritten, derived data recomputed — in one transaction."""
        return InlineExecutor().submit(self.dedupe_job(), progress or ignore).wait()

    def dedupe_job(self) -> DedupeJob:
        """A re-identification job on this project (see :meth:`dedupe`)."""
        self._writable()
        return DedupeJob(self.path)

    def dedupe_async(
        self, progress: Progress | None = None, control: JobControl | None = None
    ) -> JobHandle:
        """Re-identify in the background (see :meth:`dedupe`)."""
        return ThreadExecutor().submit(self.dedupe_job(), progress or ignore, control)

    def unlock(self, force: bool = False) -> list[int]:
        """Free the project of runs whose process was killed (they become failed); refused
        while the owner lives, and for an owner on another host unless ``force``."""
        self._writable()
        return self.file.unlock(force)

    @property
    def needs_reidentification(self) -> bool:
        """Stored under an older identity rule and not re-identified yet (a read-only open)."""
        return self.file.needs_reidentification

    @property
    def path(self) -> Path:
        return self.file.path

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- exploration -----------------------------------------------------------------------
    def _writable(self) -> None:
        if self.file.readonly:
            raise ProjectError(f"{self.path}: project is open read-only; cannot run jobs on it")

    def explore_job(self, **params: Any) -> ExploreJob:
        """An exploration job on this project (continues earlier walkers if there are any)."""
        self._writable()
        return ExploreJob(self.path, ExploreParams(**params))

    def connect_job(self, **params: Any) -> ConnectJob:
        """A transition-state (connect) job on this project."""
        self._writable()
        return ConnectJob(self.path, ConnectParams(**params))

    def explore(
        self,
        progress: Progress | None = None,
        *,
        cluster: Where = None,
        executor: Executor | None = None,
        **params: Any,
    ) -> ExploreSummary:
        """Run basin-hopping now (``steps`` per walker, ``walkers``, ``seed``, ``temperature``…):
        here, or with its walkers as tasks on a Dask ``cluster`` ("tcp://HOST:PORT",
        "local:N" or a connected :class:`~lmapp.jobs.cluster.Cluster`), or by ``executor``."""
        job = self.explore_job(**params)
        return _executor(executor, cluster, InlineExecutor).submit(job, progress or ignore).wait()

    def connect(
        self,
        progress: Progress | None = None,
        *,
        cluster: Where = None,
        executor: Executor | None = None,
        **params: Any,
    ) -> ConnectSummary:
        """Run transition-state searches now: ``mode`` ('pair' with ``pair=(id1, id2)``, 'all',
        'refine'), ``budget`` attempts, ``workers`` in parallel (here), ``transition``
        settings; ``cluster`` and ``executor`` as for :meth:`explore`."""
        job = self.connect_job(**params)
        return _executor(executor, cluster, InlineExecutor).submit(job, progress or ignore).wait()

    def connect_async(
        self,
        progress: Progress | None = None,
        control: JobControl | None = None,
        *,
        cluster: Where = None,
        executor: Executor | None = None,
        **params: Any,
    ) -> JobHandle:
        """Start transition-state searches in the background (pause/resume/cancel via handle)."""
        return _executor(executor, cluster, ThreadExecutor).submit(
            self.connect_job(**params), progress or ignore, control
        )

    def explore_async(
        self,
        progress: Progress | None = None,
        control: JobControl | None = None,
        *,
        cluster: Where = None,
        executor: Executor | None = None,
        **params: Any,
    ) -> JobHandle:
        """Start basin-hopping in the background; the handle can pause, resume or cancel it."""
        return _executor(executor, cluster, ThreadExecutor).submit(
            self.explore_job(**params), progress or ignore, control
        )

    def add_minima(self, W: np.ndarray, gtol: float = 1e-8) -> list[int]:
        """Store given points (rows of ``W``, e.g. W = 0 or minima from elsewhere) as minima:
        each must verify (RMS gradient < ``gtol``, no negative Hessian eigenvalue); each is
        identified against the stored minima by the identity rule. Returns the id of each row
        (an existing id when it is a known minimum). Nothing is stored if any row fails."""
        self._writable()
        from .landscape.verify import verify_minimum

        W = np.atleast_2d(np.asarray(W, float))
        if W.shape[1] != self.model.n_params:
            raise ValueError(f"points need {self.model.n_params} parameters, got {W.shape[1]}")
        known = stored_minima_registry(self.file, self.model)
        rows: list[dict] = []
        refs: list[int] = []
        for k, w in enumerate(W):
            v = verify_minimum(self.model, w, gtol)
            if not v.is_minimum:
                raise ValueError(f"row {k} is not a minimum: {v.reason}")
            wc, f = self.model.canonical(w), self.model.loss(w)
            hit = known.match(f, wc)
            if hit is None:
                hit = -(len(rows) + 1)
                known.add(hit, f, wc)
                rows.append(
                    {
                        "loss": f,
                        "rms_grad": v.rms_grad,
                        "hessian_index": v.hessian_index,
                        "min_eig": v.min_eig,
                        "lpphe": v.lpphe,
                        "n_zero_modes": v.n_zero_modes,
                        "weights": wc,
                    }
                )
            refs.append(hit)
        if not rows:
            return refs
        run_id = self.file.start_run("add-minima", {"rows": len(W), "gtol": gtol}, None)
        ids = self.file.add_minima(rows, run_id)
        self.file.update_run(run_id, status="finished", stats={"new_minima": len(ids)})
        return [r if r > 0 else ids[-r - 1] for r in refs]

    # -- results ---------------------------------------------------------------------------
    def minima(self, with_weights: bool = True, order: str = "loss") -> dict[str, np.ndarray]:
        """Stored minima as column arrays (id, loss, rms_grad, hessian_index, lpphe, weights…)."""
        return self.file.minima(with_weights=with_weights, order=order)

    def global_minimum(self) -> dict | None:
        """The lowest stored minimum, or None for an unexplored project."""
        m = self.file.minima(with_weights=False, order="loss")
        return self.file.minimum(int(m["id"][0])) if m["id"].size else None

    def weights(self, min_id: int) -> np.ndarray:
        """Canonical weight vector of a stored minimum."""
        return np.asarray(self.file.minimum(min_id)["weights"], float)

    def layers(self, min_id: int) -> list[dict[str, np.ndarray]]:
        """Per-layer arrays ``[{"W": (out, in), "b": (out,)}, ...]`` of a stored minimum."""
        return self.model.layers(self.weights(min_id))

    def evaluate(
        self,
        min_id: int,
        X: np.ndarray | None = None,
        y: np.ndarray | None = None,
        part: str = "test",
    ) -> dict[str, Any]:
        """Evaluate a minimum on data (default: the project's test set, or ``part='train'``).

        Returns predictions and, for classifiers, probabilities, accuracy and mean loss
        (cross-entropy without the λ term) when labels are known.
        """
        if part not in ("test", "train"):
            raise ValueError(f"part must be 'test' or 'train', got {part!r}")
        if X is None:
            X = self.dataset.X_test if part == "test" else self.dataset.X_train
            y = self.dataset.y_test if part == "test" else self.dataset.y_train
        return evaluate(self.model, self.weights(min_id), np.asarray(X, float), y)

    def landscape_arrays(self) -> dict[str, np.ndarray]:
        """Minima and transition states as the plain arrays the landscape algorithms take:
        ``ids`` and ``energies`` of the minima (by id), ``ts_ids``, ``ts_energy`` and the
        0-based positions ``ts_min1``/``ts_min2`` of each transition state's minima."""
        m = self.file.minima(with_weights=False, order="id")
        t = self.file.transition_states()
        a, b = end_positions(self.path, m["id"], t)
        return {
            "ids": m["id"],
            "energies": m["loss"],
            "ts_ids": t["id"],
            "ts_energy": t["loss"],
            "ts_min1": a,
            "ts_min2": b,
        }

    def network(self, paths: bool = True) -> dict[str, Any]:
        """Network-of-minima statistics (SPEC §3.2); ``paths=False`` leaves out the shortest
        paths and diameter (breadth-first searches: seconds at 10⁵ minima)."""
        a = self.landscape_arrays()
        return network_stats(a["ids"].size, a["ts_min1"], a["ts_min2"], paths=paths)

    def connect_outcomes(self) -> dict[str, int]:
        """How every recorded connect attempt ended: outcome → count."""
        outcomes, counts = np.unique(
            self.file.connect_attempts()["outcome"].astype(str), return_counts=True
        )
        return {str(o): int(c) for o, c in zip(outcomes, counts)}

    def info(self) -> dict[str, Any]:
        """Summary of the project: dataset, model, counts, global minimum and runs."""
        d = self.dataset
        gm = self.global_minimum()
        return {
            "path": str(self.path),
            "dataset": {
                "name": d.name,
                "task": d.task,
                "n_train": d.n_train,
                "n_test": d.X_test.shape[0],
                "n_features": d.n_features,
                "n_classes": d.n_classes,
                "spec": d.spec,
            },
            "model": {
                **self.model.spec.to_dict(),
                "n_params": self.model.n_params,
                "sizes": [int(s) for s in self.model.sizes],
            },
            "n_minima": self.file.n_minima(),
            "n_transition_states": self.file.n_transition_states(),
            "network": self.network(),
            "identity": {
                "symmetry": self.model.symmetry.description,
                "fingerprint": self.model.fingerprint is not None,
                "needs_reidentification": self.needs_reidentification,
            },
            "connect_outcomes": self.connect_outcomes(),
            "global_minimum": None
            if gm is None
            else {"id": gm["id"], "loss": gm["loss"], "rms_grad": gm["rms_grad"]},
            "runs": self.file.runs(),
        }


def trust_project_model(path: str | Path) -> str | None:
    """Trust (for this process) the user-model module the project at ``path`` names; returns
    the module, or None for a built-in model. The file is only read."""
    with ProjectFile.open(path, readonly=True) as pf:
        module = stored_model_spec(pf).module
    if module:
        trust_module(module)
    return module


def evaluate(
    model: Model, w: np.ndarray, X: np.ndarray, y: np.ndarray | None = None
) -> dict[str, Any]:
    """Predictions of weights ``w`` on ``X``; with labels also accuracy/loss (or squared error)."""
    if not model.is_network:
        pred = model.predict(w, X)
        out: dict[str, Any] = {"predictions": pred}
        if y is not None:
            out["sse"] = float(np.sum((np.asarray(y, float) - pred) ** 2))
        return out
    probs = model.predict_proba(w, X)
    out = {"probabilities": probs, "predictions": probs.argmax(axis=1)}
    if y is not None and len(y):
        y = np.asarray(y, np.int64)
        out["accuracy"] = float(np.mean(out["predictions"] == y))
        out["loss"] = float(-np.mean(np.log(np.maximum(probs[np.arange(len(y)), y], 1e-300))))
    return out


def _executor(
    executor: Executor | None, cluster: Where, default: Callable[[], Executor]
) -> Executor:
    """What runs a job: the given executor, one for the given cluster, or the default."""
    if executor is not None and cluster is not None:
        raise ValueError("give a cluster or an executor, not both")
    if executor is not None:
        return executor
    return default() if cluster is None else ClusterExecutor(cluster)


def _dataset_spec(data: Dataset) -> dict:
    """The spec stored with a project: what the generator recorded plus what rebuilds the object."""
    return {
        **data.spec,
        "name": data.name,
        "task": data.task,
        "n_classes": data.n_classes,
        "feature_names": list(data.feature_names),
        "class_names": list(data.class_names),
    }


__all__ = ["Project", "ProjectError", "evaluate", "trust_project_model"]
