"""Re-identification of a project (``lmapp dedupe``; automatic for files identified by an older
rule): canonical forms rewritten, duplicate minima merged into the lowest id with their
transition states re-pointed, duplicate transition states dropped — all in one transaction, so
a killed process leaves the file as it was."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from ..landscape.dedupe import duplicates
from ..landscape.identity import IdentityRule
from ..store import ProjectFile
from ..store.binding import load_dataset_and_model
from ..store.merge import Merge
from .control import JobControl
from .events import DedupeProgress, Progress
from .lifecycle import job_run


@dataclass(frozen=True)
class DedupeSummary:
    """What a re-identification changed."""

    run_id: int
    minima_before: int
    merged_minima: int
    ts_before: int
    merged_ts: int
    rewritten: int  # stored points whose canonical form changed
    degenerate_ts: int  # transition states whose two minima are one (kept)
    elapsed: float

    @property
    def minima_after(self) -> int:
        return self.minima_before - self.merged_minima

    @property
    def ts_after(self) -> int:
        return self.ts_before - self.merged_ts

    def describe(self) -> str:
        return (
            f"{self.minima_before} → {self.minima_after} minima ({self.merged_minima} "
            f"duplicates merged), {self.ts_before} → {self.ts_after} transition states "
            f"({self.merged_ts} duplicates dropped, {self.degenerate_ts} degenerate kept), "
            f"{self.rewritten} canonical forms rewritten"
        )


def plan_merge(pf: ProjectFile, rule: IdentityRule = IdentityRule()) -> tuple[Merge, int]:
    """The merge that re-identifies ``pf`` (and the number of degenerate TS after it)."""
    _, model = load_dataset_and_model(pf)
    merge = Merge()
    m = pf.minima(with_weights=True, order="id")
    W = m["weights"].reshape(len(m["id"]), model.n_params)
    Wc = model.canonical_rows(W) if len(W) else W
    for i, old, new in zip(m["id"], W, Wc):
        if not np.array_equal(old, new):
            merge.weights[int(i)] = new
    merge.minima = duplicates(model, m["id"], m["loss"], Wc, rule)
    t = pf.transition_states(with_weights=True)
    T = t["weights"].reshape(len(t["id"]), model.n_params)
    Tc = model.canonical_rows(T) if len(T) else T
    for i, old, new in zip(t["id"], T, Tc):
        if not np.array_equal(old, new):
            merge.ts_weights[int(i)] = new
    ends = [
        tuple(sorted((merge.minima.get(int(a), int(a)), merge.minima.get(int(b), int(b)))))
        for a, b in zip(t["min1"], t["min2"])
    ]
    merge.transition_states = duplicates(model, t["id"], t["loss"], Tc, rule, groups=ends)
    degenerate = sum(
        1 for i, e in zip(t["id"], ends) if int(i) not in merge.transition_states and e[0] == e[1]
    )
    return merge, degenerate


class DedupeJob:
    """Re-identify a project: pure inputs (path, rule) → DedupeSummary."""

    def __init__(self, project: str | Path, rule: IdentityRule = IdentityRule()) -> None:
        self.project = Path(project)
        self.rule = rule

    def run(self, control: JobControl, progress: Progress) -> DedupeSummary:
        with ProjectFile.open(self.project) as pf, threadpool_limits(1):
            rule = {
                "ediff": self.rule.ediff,
                "geomdiff": self.rule.geomdiff,
                "output_tol": self.rule.output_tol,
            }
            with job_run(pf, "dedupe", rule) as run:  # claimed before reading what to merge
                n_min, n_ts = pf.n_minima(), pf.n_transition_states()
                merge, degenerate = plan_merge(pf, self.rule)
                control.checkpoint()
                summary = DedupeSummary(
                    run.run_id,
                    n_min,
                    len(merge.minima),
                    n_ts,
                    len(merge.transition_states),
                    len(merge.weights) + len(merge.ts_weights),
                    degenerate,
                    run.elapsed,
                )
                run.stats = {
                    "minima_before": n_min,
                    "merged_minima": summary.merged_minima,
                    "ts_before": n_ts,
                    "merged_ts": summary.merged_ts,
                    "rewritten": summary.rewritten,
                    "degenerate_ts": degenerate,
                }
                pf.apply_merge(merge, run.run_id, run.stats)
        progress(DedupeProgress(summary.run_id, summary.describe()))
        return summary
