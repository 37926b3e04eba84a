"""`lmapp bench` runs end to end and reports every section (tiny cases; speed is not asserted)."""
import json
from dataclasses import replace

from lmapp.bench import basinhopping, run_benchmarks, transition


def test_bench_json_has_every_section(monkeypatch, capsys):
    monkeypatch.setattr(basinhopping, "CASES", (replace(basinhopping.CASES[0], lmapp_steps=40, scipy_steps=4),))
    monkeypatch.setattr(transition, "CASES", (("xor-h3", "xor", {}, 3, 1e-2, 2),))
    assert run_benchmarks(as_json=True, quick=True) == 0
    out = json.loads(capsys.readouterr().out)
    bh = out["basin_hopping"][0]
    assert bh["case"] == "xor-h3" and bh["lmapp_1_walker"]["quenches"] == 10
    assert bh["scipy"]["quenches"] == 2 and bh["ratio_vs_scipy"] > 0 and bh["speedup_2_walkers"] > 0
    assert out["transition_states"][0]["searches"] == 2
    assert out["dgraph_layout"][0]["minima"] == 10_000 and out["dgraph_layout"][0]["seconds"] > 0
