"""`lmapp bench` runs end to end and reports every section (tiny cases; speed is not asserted)."""

import json
from dataclasses import replace

import numpy as np

from lmapp.bench import (
    analysis,
    basinhopping,
    cluster,
    run_benchmarks,
    scale,
    transition,
    verification,
)


def test_bench_json_has_every_section(monkeypatch, capsys):
    monkeypatch.setattr(
        basinhopping, "CASES", (replace(basinhopping.CASES[0], lmapp_steps=40, scipy_steps=4),)
    )
    monkeypatch.setattr(transition, "CASES", (("xor-h3", "xor", {}, 3, 1e-2, 2),))
    monkeypatch.setattr(analysis, "CV_SIZES", {"quick": (500, 40)})
    monkeypatch.setattr(analysis, "MISCLASS_SIZES", {"quick": (60, 50)})
    monkeypatch.setattr(analysis, "NETWORK_SIZES", {"quick": (80, 200)})
    monkeypatch.setattr(verification, "SIZES", {"quick": (1.0, 60)})
    monkeypatch.setattr(scale, "SIZES", {"quick": 300})
    monkeypatch.setattr(scale, "LAYOUT_SIZES", {"quick": (60, 200)})
    monkeypatch.setattr(scale, "DISTANCE_SIZES", {"quick": 100})
    monkeypatch.setattr(cluster, "CASE", ("xor-h3", "xor", {}, 3, 1e-2))
    monkeypatch.setattr(cluster, "STEPS", {"quick": 20})
    monkeypatch.setattr(cluster, "ROUND_TRIPS", 5)
    monkeypatch.setattr(cluster, "REPEATS", 1)
    assert run_benchmarks(as_json=True, quick=True) == 0
    out = json.loads(capsys.readouterr().out)
    info, thermo, metrics, dgraph, connect, network, distances, layout, memory = out["scale"]
    assert info["case"] == "lmapp info 300 minima, 900 TS" and info["rc"] == 0
    assert all(
        r["rc"] == 0 and r["seconds"] > 0 and r["peak_gb"] > 0
        for r in (info, thermo, metrics, dgraph, network, distances)
    )
    assert connect["first_attempt_s"] > 0 and connect["cancel_s"] > 0 and connect["rc"] == 0
    assert layout["ratio"] > 0 and layout["large_minima"] == 200
    assert memory["r_diff"] < 1e-9 and memory["lmapp_gb"] > 0
    bh = out["basin_hopping"][0]
    assert bh["case"] == "xor-h3" and bh["lmapp_1_walker"]["quenches"] == 10
    assert bh["scipy"]["quenches"] == 2 and bh["ratio_vs_scipy"] > 0 and bh["speedup_2_walkers"] > 0
    ident = out["basin_hopping"][-1]
    assert ident["case"] == "identity-xor-h5" and ident["identified"] == ident["minima"] > 0
    assert ident["fraction_of_quench"] > 0 and ident["seconds_per_query"] > 0
    assert out["transition_states"][0]["searches"] == 2
    joined = out["transition_states"][-1]
    assert joined["attempts"] > 0 and joined["rate"] > 0 and joined["minima"] > 1
    ver = out["verification"][0]
    assert ver["params"] == 64 * 10 + 10 + 10 * 10 + 10 and ver["eigvalsh_s"] > 0
    assert ver["is_minimum"] and ver["index_agrees"] and ver["lpphe_rel_diff"] < 1e-10
    assert out["dgraph_layout"][0]["minima"] == 10_000 and out["dgraph_layout"][0]["seconds"] > 0
    versus, costs = out["cluster"]
    assert versus["case"] == "xor-h3-threads-vs-cluster" and versus["ratio"] > 0
    assert versus["cluster"]["quenches"] == versus["threads"]["quenches"] == 40
    assert versus["cluster"]["minima"] == versus["threads"]["minima"]
    assert costs["round_trip_s"] > 0 and costs["arguments"] > 0
    assert costs["model_once_per_worker"] > 0
    assert costs["writer"]["stored"] == costs["writer"]["candidates"] == versus["threads"]["minima"]
    cv, mis, net = out["analysis"]
    assert net["case"] == "network stats 80 minima" and net["max_abs_diff"] < 1e-9
    assert net["large_minima"] == 200 and net["large_s"] > 0
    assert cv["case"] == "C_V 500 minima x 40 T" and cv["max_rel_diff"] < 1e-10
    assert mis["case"] == "misclassification 60 minima x 50 items" and mis["max_abs_diff"] < 1e-6
    assert cv["lmapp_s"] > 0 and cv["numpy_s"] > 0 and mis["scipy_s"] > 0


def test_numpy_heat_capacity_reference_is_a_plain_loop():
    """The benchmark's reference itself agrees with a per-temperature loop (so the bench's
    agreement check means something)."""
    L, lpphe, _ = analysis.random_minima(50, seed=3)
    T = np.logspace(-3, 0, 70)  # more than one block
    want = []
    for t in T:
        a = -L / t - 0.5 * lpphe
        p = np.exp(a - a.max())
        p /= p.sum()
        want.append(5 + (p * (L - p @ L) ** 2).sum() / t**2)
    np.testing.assert_allclose(analysis.numpy_heat_capacity(L, lpphe, T, 10), want, rtol=1e-10)


def test_a_fresh_process_reports_its_own_peak_memory_not_the_bench_process_size(tmp_path):
    """The scale rows' peak is the child's own high-water mark: a bench process holding
    768 MiB when it starts the command does not show up in it (Linux's ru_maxrss would)."""
    held = np.ones(96 * 2**20)  # 768 MiB, touched
    r = scale._command(["info", str(tmp_path / "missing.lmapp")])
    assert held[-1] == 1.0 and r["rc"] != 0  # a command that fails still reports
    assert 0 < r["peak_gb"] < 0.5
