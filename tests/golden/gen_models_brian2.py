#!/usr/bin/env python3
"""Cross-check of the LIF options (reset to value, refractory period) against Brian2.

Brian2 implements refractoriness and reset itself (`refractory=`, `(unless refractory)`,
`reset=`); this script gives it the Rockpool-order LIF step of docs/models.md §3 as a
`run_regularly` operation right after Brian2's own state updater (which computes
`not_refractory` from `lastspike`), lets Brian2's thresholder (`v >= threshold and
not_refractory`), synapses and resetter do the rest, and checks that the spikes equal
gen_models.py's golden files exactly and the membrane and synaptic currents within 1e-12
(currents read before Brian2's synapses deliver the step's spikes: Rockpool adds them one
step later through `irec`, the same dynamics).
It then writes what Brian2 produced to tests/golden/models_brian2/<case>.json (spikes,
vmem and isyn per step) so the Rust tests can hold both references to each other.

Run with the Brian2 environment of docs/models.md §7 (numpy runtime target, no compiler):

    /work/venv-brian2/bin/python tests/golden/gen_models_brian2.py
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "models")
OUT = os.path.join(HERE, "models_brian2")
CASES = ["lif_reset_to_value", "lif_refractory_reset_to_value", "lif_cuba_like"]


def run_brian2(doc):
    import brian2 as b2

    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    dt = doc["dt"]
    b2.defaultclock.dt = dt * b2.second
    p = doc["parameters"]
    o = doc["options"]
    n = doc["neurons"]
    s_count = o["n_synapses"]
    x = np.asarray(doc["input"], dtype=np.float64)  # (T, N*S)
    steps = x.shape[0]
    tau_syn = np.asarray(p["tau_syn"], dtype=np.float64)

    syn_names = [f"isyn{s}" for s in range(s_count)]
    eqs = "dv/dt = 0/second : 1 (unless refractory)\n"
    eqs += "".join(f"{name} : 1\nbeta{s} : 1 (constant)\n" for s, name in enumerate(syn_names))
    eqs += "alpha : 1 (constant)\nbias : 1 (constant)\nthr : 1 (constant)\nv_reset_value : 1 (constant)\n"
    refractory = o["refractory"] * b2.second if o["refractory"] > 0 else False
    group = b2.NeuronGroup(n, eqs, threshold="v >= thr", reset="v = v_reset_value",
                           refractory=refractory, method="euler")
    group.alpha = np.exp(-dt / np.asarray(p["tau_mem"]))
    group.bias = p["bias"]
    group.thr = p["threshold"]
    group.v_reset_value = p["v_reset"]
    namespace = {}
    for s in range(s_count):
        setattr(group, f"beta{s}", np.exp(-dt / tau_syn[:, s]))
        namespace[f"x{s}"] = b2.TimedArray(x[:, s::s_count], dt=dt * b2.second)
    # Rockpool's order: isyn = (isyn + x) * beta; v = v * alpha + (sum(isyn) + bias), held while refractory.
    code = "".join(f"isyn{s} = (isyn{s} + x{s}(t, i)) * beta{s}\n" for s in range(s_count))
    total = " + ".join(syn_names)
    if refractory is False:
        code += f"v = v * alpha + (({total}) + bias)\n"
    else:
        code += f"v = int(not_refractory) * (v * alpha + (({total}) + bias)) + int(not not_refractory) * v\n"
    group.run_regularly(code, when="groups", order=1)
    group.namespace.update(namespace)

    synapses = []
    if o["has_rec"]:
        w = np.asarray(p["w_rec"], dtype=np.float64)  # (N, N*S): row = presynaptic neuron
        for s in range(s_count):
            block = w[:, s::s_count]
            pre, post = np.nonzero(block)
            syn = b2.Synapses(group, group, "w : 1", on_pre=f"isyn{s}_post += w")
            syn.connect(i=pre, j=post)
            syn.w = block[pre, post]
            synapses.append(syn)

    spikes = b2.SpikeMonitor(group)
    # v after the reset; isyn before the synapses deliver this step's spikes (Rockpool
    # adds them at the next step, through `irec`, which is the same dynamics).
    states = b2.StateMonitor(group, ["v"], record=True, when="end")
    currents = b2.StateMonitor(group, syn_names, record=True, when="thresholds", order=-1)
    net = b2.Network(group, spikes, states, currents, *synapses)
    net.run(steps * dt * b2.second, namespace=namespace)

    raster = np.zeros((steps, n))
    step_of = np.round(np.asarray(spikes.t / b2.second) / dt).astype(np.int64)
    raster[step_of, np.asarray(spikes.i)] = 1.0
    vmem = np.asarray(states.v).T
    isyn = np.stack([np.asarray(getattr(currents, name)).T for name in syn_names], axis=2)
    return raster, vmem, isyn


def main():
    import brian2

    os.makedirs(OUT, exist_ok=True)
    for case in CASES:
        with open(os.path.join(GOLDEN, f"{case}.json")) as f:
            doc = json.load(f)
        raster, vmem, isyn = run_brian2(doc)
        want_spikes = np.asarray(doc["output"])
        want_v = np.asarray(doc["states"]["vmem"])
        want_isyn = np.asarray(doc["states"]["isyn"])
        assert np.array_equal(raster, want_spikes), f"{case}: spikes differ from Brian2"
        v_err = float(np.max(np.abs(vmem - want_v)))
        i_err = float(np.max(np.abs(isyn - want_isyn)))
        assert v_err <= 1e-12 and i_err <= 1e-12, (case, v_err, i_err)
        out = {"case": case, "generator": "tests/golden/gen_models_brian2.py", "simulator": f"brian2 {brian2.__version__}",
               "spikes": raster.tolist(), "vmem": vmem.tolist(), "isyn": isyn.tolist(),
               "max_abs_diff_vmem": v_err, "max_abs_diff_isyn": i_err}
        with open(os.path.join(OUT, f"{case}.json"), "w") as f:
            json.dump(out, f, separators=(",", ":"))
            f.write("\n")
        print(f"{case:32s} Brian2 = reference: {int(raster.sum())} spikes identical, "
              f"max |dv| {v_err:.1e}, max |disyn| {i_err:.1e}")


if __name__ == "__main__":
    sys.exit(main())
