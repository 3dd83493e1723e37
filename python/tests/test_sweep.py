"""Sweeps from Python: grids, zips, per-point reproducibility, summaries."""
import numpy as np
import pytest

import littoral


def net():
    return littoral.Sequential(
        littoral.Linear((2, 3), weight=np.array([[1.0, 0.5, 0.2], [0.3, 1.0, 0.8]])),
        littoral.LIF(3, noise_std=0.1),
    )


def test_grid_sweep_points_match_single_runs():
    m = net()
    x = np.random.default_rng(0).uniform(0.0, 2.0, (2, 50, 2))
    taus = [0.01, 0.02, 0.04]
    thr = [0.5, 1.0]
    points = littoral.sweep(m, x, {"1_LIF.tau_mem": taus, "1_LIF.threshold": thr}, seed=5, threads=2, outputs=True)
    assert len(points) == 6
    assert [p["index"] for p in points] == list(range(6))
    p4 = points[4]  # grid, last axis fastest: tau 0.04, threshold 0.5
    assert np.all(p4["overrides"]["1_LIF.tau_mem"] == 0.04)
    assert np.all(p4["overrides"]["1_LIF.threshold"] == 0.5)
    out = p4["output"]
    assert p4["signals"]["output"]["sum"] == out.sum()
    assert p4["signals"]["output"]["spiking"] is True
    # the same sweep on one thread gives the same bits
    again = littoral.sweep(m, x, {"1_LIF.tau_mem": taus, "1_LIF.threshold": thr}, seed=5, threads=1, outputs=True)
    assert all(np.array_equal(a["output"], b["output"]) for a, b in zip(points, again))
    # more spikes with a lower threshold
    assert points[0]["signals"]["output"]["sum"] > points[1]["signals"]["output"]["sum"]
    assert "output" not in littoral.sweep(m, x, {"1_LIF.tau_mem": taus})[0]


def test_zip_sweep_and_record():
    m = net()
    x = np.ones((1, 20, 2))
    points = littoral.sweep(m, x, {"1_LIF.tau_mem": [0.01, 0.02], "1_LIF.bias": [0.0, 0.1]}, zip=True, record=True)
    assert len(points) == 2
    assert "1_LIF" in points[0]["signals"] or "0_Linear" in points[0]["signals"]


def test_a_sweep_with_a_spike_record_summarises_the_spiking_populations_alone():
    rng = np.random.default_rng(1)
    m = littoral.Sequential(
        littoral.Linear((3, 5), weight=rng.normal(0.0, 1.0, (3, 5))),
        littoral.LIF(5),
        littoral.Linear((5, 2)),
        littoral.Rate(2),
    )
    x = rng.uniform(0.0, 2.0, (2, 30, 3))
    vary = {"1_LIF.tau_mem": [0.01, 0.02]}
    full = littoral.sweep(m, x, vary, record=True)
    spikes = littoral.sweep(m, x, vary, record="spikes")
    for f, s in zip(full, spikes):
        assert sorted(s["signals"]) == ["1_LIF", "output"]
        assert s["signals"]["1_LIF"] == f["signals"]["1_LIF"]
        assert s["signals"]["1_LIF"]["sum"] > 0
    assert sorted(full[0]["signals"]) == ["0_Linear", "1_LIF", "2_Linear", "3_Rate", "output"]


def test_sweep_errors():
    m = net()
    x = np.ones((1, 5, 2))
    with pytest.raises(ValueError, match="1_LIF.tau_memm"):
        littoral.sweep(m, x, {"1_LIF.tau_memm": [0.01]})
    with pytest.raises(ValueError, match="sweep: "):
        littoral.sweep(m, x, {"1_LIF.tau_mem": [0.01, 0.02], "1_LIF.bias": [0.0]}, zip=True)
    with pytest.raises(ValueError, match="1_LIF.vmem"):
        littoral.sweep(m, x, {"1_LIF.vmem": [0.0]})
