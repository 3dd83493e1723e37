#!/usr/bin/env python3
"""An independent numpy reference of CUBA as Littoral will express it (docs/models.md §7:
one Rockpool-order LIF, two synapse types, reset to value, Brian2-style refractory,
charge-matched sparse weights), checked against Brian2's committed statistics
(benches/compare/brian2_cuba_stats.json): mean rate within 10 %, mean CV of ISIs within
0.1. This validates the *mapping* before the Littoral module exists; Littoral's own test
will compare its `cuba` example with the same statistics.

    /work/venv-ref/bin/python benches/compare/cuba_reference.py [--neurons 4000] [--seeds 1 2 3]

Prints one line per seed and the comparison; exits non-zero when the mapping misses.
"""
import argparse
import json
import os
import sys

import numpy as np
import scipy.sparse as sp

HERE = os.path.dirname(os.path.abspath(__file__))


def cv_isi_mean(spike_steps_per_neuron, dt):
    cvs = []
    for steps in spike_steps_per_neuron:
        if len(steps) >= 3:
            isi = np.diff(np.asarray(steps, dtype=np.float64) * dt)
            cvs.append(np.std(isi) / np.mean(isi))
    return float(np.mean(cvs)) if cvs else float("nan")


def run(n, duration, seed, dt=1e-4):
    rng = np.random.default_rng(seed)
    n_exc = int(round(0.8 * n))
    tau_m, tau_e, tau_i = 20e-3, 5e-3, 10e-3
    v_t, v_r, e_l = -50.0, -60.0, -49.0  # mV
    w_e, w_i = 1.62, -9.0  # mV
    alpha = np.exp(-dt / tau_m)
    beta_e, beta_i = np.exp(-dt / tau_e), np.exp(-dt / tau_i)
    bias = (e_l - v_r) * -np.expm1(-dt / tau_m)
    threshold = v_t - v_r
    # Charge-matched weights: sum_k w beta^k = w beta / (1 - beta) equals w_brian tau_syn / tau_m.
    w_exc = w_e * (tau_e / tau_m) * np.expm1(dt / tau_e)
    w_inh = w_i * (tau_i / tau_m) * np.expm1(dt / tau_i)
    refractory_steps = int(np.array((5e-3 + 1e-3 * dt) / dt, dtype=np.int64))

    # p = 0.02 without autapses: every ordered pair i != j independently (per row, a
    # binomial count of distinct targets among the n - 1 others), as (pre, post) CSR.
    rows, cols = [], []
    for i in range(n):
        k = rng.binomial(n - 1, 0.02)
        targets = rng.choice(n - 1, size=k, replace=False)
        targets[targets >= i] += 1
        rows.append(np.full(k, i))
        cols.append(np.sort(targets))
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    weights = np.where(rows < n_exc, w_exc, w_inh)
    matrix = sp.csr_matrix((weights, (rows, cols)), shape=(n, n))
    w_exc_rows = matrix[:n_exc]
    w_inh_rows = matrix[n_exc:]
    synapses = matrix.nnz

    v = rng.uniform(0.0, threshold, n)
    isyn_e = np.zeros(n)
    isyn_i = np.zeros(n)
    counter = np.zeros(n, dtype=np.int64)
    spikes = np.zeros(n, dtype=bool)
    steps = int(round(duration / dt))
    spike_steps = [[] for _ in range(n)]
    total = 0
    for t in range(steps):
        exc = np.nonzero(spikes[:n_exc])[0]
        inh = np.nonzero(spikes[n_exc:])[0]
        irec_e = np.asarray(w_exc_rows[exc].sum(axis=0)).ravel() if exc.size else 0.0
        irec_i = np.asarray(w_inh_rows[inh].sum(axis=0)).ravel() if inh.size else 0.0
        isyn_e = (isyn_e + irec_e) * beta_e
        isyn_i = (isyn_i + irec_i) * beta_i
        counter = np.maximum(counter - 1, 0)
        refractory = counter > 0
        v = np.where(refractory, v, v * alpha + ((isyn_e + isyn_i) + bias))
        spikes = (v >= threshold) & ~refractory
        v = np.where(spikes, 0.0, v)
        counter = np.where(spikes, refractory_steps, counter)
        for j in np.nonzero(spikes)[0]:
            spike_steps[j].append(t)
        total += int(spikes.sum())
    return {"neurons": n, "synapses": int(synapses), "seed": seed, "spikes": total,
            "mean_rate_hz": total / (n * duration), "cv_isi_mean": cv_isi_mean(spike_steps, dt)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--neurons", type=int, default=4000)
    ap.add_argument("--duration", type=float, default=1.0)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--stats", default=os.path.join(HERE, "brian2_cuba_stats.json"))
    args = ap.parse_args()
    with open(args.stats) as f:
        brian = json.load(f)["summary"][str(args.neurons)]
    runs = [run(args.neurons, args.duration, s) for s in args.seeds]
    for r in runs:
        print(json.dumps(r))
    rate = float(np.mean([r["mean_rate_hz"] for r in runs]))
    cv = float(np.mean([r["cv_isi_mean"] for r in runs]))
    rate_ok = abs(rate - brian["mean_rate_hz"]) <= 0.1 * brian["mean_rate_hz"]
    cv_ok = abs(cv - brian["cv_isi_mean"]) <= 0.1
    print(f"N={args.neurons}: rate {rate:.3f} Hz vs Brian2 {brian['mean_rate_hz']:.3f} Hz "
          f"({'ok' if rate_ok else 'MISS'}, 10 %); CV {cv:.3f} vs {brian['cv_isi_mean']:.3f} "
          f"({'ok' if cv_ok else 'MISS'}, 0.1)")
    return 0 if rate_ok and cv_ok else 1


if __name__ == "__main__":
    sys.exit(main())
