#!/usr/bin/env python3
"""Golden files for the neuron models of docs/models.md (issue 12), from an independent
numpy/scipy reference of the documented equations.

Regenerate (from the repository root; Rockpool is used only for the cross-check of the
option-free LIF):

    /work/venv-ref/bin/python tests/golden/gen_models.py     # numpy 2.x, scipy 1.x, rockpool 3.1.0

Writes tests/golden/models/<case>.json (deleting the old ones first). Deterministic: every
case draws from its own np.random.default_rng(seed); two runs give byte-identical files.

Independence from docs/models.md's closed forms: the NIR nodes' per-step coefficients
come from scipy.signal.cont2discrete(method="zoh") of each neuron's continuous linear
system (matrix exponential), never from the closed-form expressions written in the doc.
Each file stores those coefficients (`zoh.ad`, `zoh.bd`) so that the Rust test
tests/tests/models_reference.rs can check the doc's closed forms against them.

File format (all arrays as nested lists, float64 written with repr, i.e. exactly):
  case, model, family ("nir" or "rockpool"), generator, dt, neurons, steps
  parameters:     {name: per-neuron values (NIR names, or Rockpool's attribute names)}
  options:        {name: value} (reset mode, refractory, delays ...)
  initial_state:  {name: values}
  input:          (steps, inputs) the value of every input channel at each step
  output:         (steps, neurons) the node's output at each step
  states:         {name: (steps, ...)} every state after each step (after the reset)
  zoh:            {"ad": (neurons, k, k), "bd": (neurons, k, m)} for the NIR LTI nodes;
                  inputs are (x, v_leak) for LI/LIF and (x, v_leak) for CubaLI/CubaLIF
                  with states (i, v); (x,) for I/IF
  ties:           [[step, neuron], ...] where the membrane equals the threshold exactly
  notes:          what the case exercises
"""

import glob
import json
import os
import sys

import numpy as np
from scipy.signal import cont2discrete

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "models")
GENERATOR = "tests/golden/gen_models.py"


# --------------------------------------------------------------------------------------
# Zero-order hold of a continuous linear system, via scipy (the reference coefficients).
# --------------------------------------------------------------------------------------

def zoh(a, b, dt):
    """(Ad, Bd) of x' = A x + B u with u held constant over dt (scipy, matrix exponential)."""
    a = np.atleast_2d(np.asarray(a, dtype=np.float64))
    b = np.atleast_2d(np.asarray(b, dtype=np.float64))
    n, m = b.shape
    ad, bd, _, _, _ = cont2discrete((a, b, np.eye(n), np.zeros((n, m))), dt, method="zoh")
    return ad, bd


def li_system(tau, r):
    """tau v' = (v_leak - v) + r x: state (v,), inputs (x, v_leak)."""
    return [[-1.0 / tau]], [[r / tau, 1.0 / tau]]


def integrator_system(r):
    """v' = r x: state (v,), input (x,)."""
    return [[0.0]], [[r]]


def cuba_system(tau_syn, tau_mem, r, w_in):
    """tau_syn i' = -i + w_in x, tau_mem v' = (v_leak - v) + r i: states (i, v), inputs (x, v_leak)."""
    a = [[-1.0 / tau_syn, 0.0], [r / tau_mem, -1.0 / tau_mem]]
    b = [[w_in / tau_syn, 0.0], [0.0, 1.0 / tau_mem]]
    return a, b


# --------------------------------------------------------------------------------------
# NIR nodes: exact ZOH step, then threshold (v > v_threshold, strict) and reset.
# --------------------------------------------------------------------------------------

def run_lti(systems, dt, x, x0, extra_inputs, spiking=None):
    """Evolve one LTI system per neuron. systems: [(A, B)]; x: (T, N) input; x0: (N, k)
    initial states; extra_inputs: (N, m-1) constant inputs after x (v_leak); spiking:
    None or (v_threshold, v_reset, state index of v). Returns output, states (T, N, k),
    coefficient arrays."""
    steps, n = x.shape
    k = len(x0[0])
    coeffs = [zoh(a, b, dt) for a, b in systems]
    ad = np.array([c[0] for c in coeffs])
    bd = np.array([c[1] for c in coeffs])
    s = np.array(x0, dtype=np.float64).reshape(n, k)
    states = np.zeros((steps, n, k))
    out = np.zeros((steps, n))
    for t in range(steps):
        for j in range(n):
            u = np.concatenate([[x[t, j]], extra_inputs[j]])
            s[j] = ad[j] @ s[j] + bd[j] @ u
        if spiking is not None:
            thr, reset, vi = spiking
            z = s[:, vi] > thr
            s[:, vi] = np.where(z, reset, s[:, vi])
            out[t] = z.astype(np.float64)
        else:
            out[t] = s[:, -1]
        states[t] = s
    return out, states, ad, bd


def nir_case(rng, model, n, steps, dt, spike_input=False, degenerate=None, tie=None):
    """One NIR neuron case with random parameters."""
    params = {}
    if spike_input:
        x = rng.poisson(0.6, size=(steps, n)).astype(np.float64)
    else:
        x = rng.normal(0.8, 1.5, size=(steps, n))
    if model in ("LI", "LIF"):
        tau = rng.uniform(2e-3, 50e-3, n)
        r = rng.uniform(0.5, 3.0, n)
        v_leak = rng.uniform(-0.3, 0.3, n)
        params.update(tau=tau, r=r, v_leak=v_leak)
        systems = [li_system(tau[j], r[j]) for j in range(n)]
        extra = v_leak[:, None]
        x0 = rng.uniform(-0.5, 0.5, (n, 1))
        state_names = ["v"]
        vi = 0
    elif model in ("I", "IF"):
        r = rng.uniform(0.5, 3.0, n) * 100.0  # dt r x must move v visibly at dt = 1 ms
        params.update(r=r)
        systems = [integrator_system(r[j]) for j in range(n)]
        extra = np.zeros((n, 0))
        x0 = rng.uniform(-0.5, 0.5, (n, 1))
        state_names = ["v"]
        vi = 0
    else:  # CubaLI, CubaLIF
        tau_syn = rng.uniform(2e-3, 30e-3, n)
        tau_mem = rng.uniform(5e-3, 50e-3, n)
        if degenerate is not None:
            # neuron 0: tau_syn == tau_mem exactly; neuron 1: relative difference 1e-7;
            # neuron 2: 1e-3; the others random.
            tau_syn[0] = tau_mem[0]
            tau_syn[1] = tau_mem[1] * (1.0 + 1e-7)
            tau_syn[2] = tau_mem[2] * (1.0 - 1e-3)
        r = rng.uniform(0.5, 3.0, n)
        v_leak = rng.uniform(-0.3, 0.3, n)
        w_in = rng.uniform(0.5, 2.0, n)
        params.update(tau_syn=tau_syn, tau_mem=tau_mem, r=r, v_leak=v_leak, w_in=w_in)
        systems = [cuba_system(tau_syn[j], tau_mem[j], r[j], w_in[j]) for j in range(n)]
        extra = v_leak[:, None]
        x0 = np.stack([rng.uniform(-0.5, 0.5, n), rng.uniform(-0.5, 0.5, n)], axis=1)
        state_names = ["i", "v"]
        vi = 1
    spiking = None
    if model in ("IF", "LIF", "CubaLIF"):
        v_threshold = rng.uniform(0.3, 1.0, n)
        v_reset = rng.uniform(-0.3, 0.1, n)
        params.update(v_threshold=v_threshold, v_reset=v_reset)
        spiking = (v_threshold, v_reset, vi)
    ties = []
    if tie is not None:
        # IF with dyadic numbers: every step is exact, so v reaches v_threshold exactly.
        dt = 0.5
        params["r"] = np.ones(n)
        systems = [integrator_system(1.0) for _ in range(n)]
        x = np.full((steps, n), 0.25)
        x0 = np.zeros((n, 1))
        params["v_threshold"] = np.full(n, 0.5)
        params["v_reset"] = np.zeros(n)
        spiking = (params["v_threshold"], params["v_reset"], 0)
    out, states, ad, bd = run_lti(systems, dt, x, x0, extra, spiking)
    if tie is not None:
        # v = 0.125 k after k steps; 0.5 is reached at k = 4 (no spike: 0.5 > 0.5 is false),
        # the spike comes at k = 5, then the reset restarts the count.
        pre_reset_v = None
        v = 0.0
        for t in range(steps):
            pre_reset_v = v + 0.125
            if pre_reset_v == 0.5:
                ties.extend([[t, j] for j in range(n)])
            v = 0.0 if pre_reset_v > 0.5 else pre_reset_v
        assert ties and all(out[t, 0] == 0.0 for t, _ in ties)
    doc = {
        "model": model,
        "family": "nir",
        "dt": dt,
        "neurons": n,
        "steps": steps,
        "parameters": params,
        "options": {},
        "initial_state": {name: x0[:, i] for i, name in enumerate(state_names)},
        "input": x,
        "output": out,
        "states": {name: states[:, :, i] for i, name in enumerate(state_names)},
        "zoh": {"ad": ad, "bd": bd},
        "ties": ties,
    }
    return doc


def threshold_case(rng, n, steps, tie):
    threshold = rng.uniform(-0.5, 0.5, n)
    x = rng.normal(0.0, 0.6, (steps, n))
    ties = []
    if tie:
        for t in range(0, steps, 3):
            x[t] = threshold
            ties.extend([[t, j] for j in range(n)])
    out = (x > threshold).astype(np.float64)
    return {"model": "Threshold", "family": "nir", "dt": 1e-3, "neurons": n, "steps": steps,
            "parameters": {"threshold": threshold}, "options": {}, "initial_state": {},
            "input": x, "output": out, "states": {}, "ties": ties}


def scale_case(rng, n, steps):
    scale = rng.normal(0.0, 2.0, n)
    x = rng.normal(0.0, 1.0, (steps, n))
    return {"model": "Scale", "family": "nir", "dt": 1e-3, "neurons": n, "steps": steps,
            "parameters": {"scale": scale}, "options": {}, "initial_state": {},
            "input": x, "output": x * scale, "states": {}, "ties": []}


def delay_case(rng, n, steps, dt):
    steps_delay = rng.integers(0, 6, n)
    steps_delay[0] = 0
    x = rng.normal(0.0, 1.0, (steps, n))
    out = np.zeros((steps, n))
    for j in range(n):
        d = int(steps_delay[j])
        out[d:, j] = x[: steps - d, j]
    return {"model": "Delay", "family": "nir", "dt": dt, "neurons": n, "steps": steps,
            "parameters": {"delay": steps_delay * dt},
            "options": {"delay_steps": steps_delay},
            "initial_state": {}, "input": x, "output": out, "states": {}, "ties": []}


# --------------------------------------------------------------------------------------
# Rockpool-family LIF and ALIF: Rockpool 3.1.0's step order, plus the options.
# --------------------------------------------------------------------------------------

def brian2_refractory_steps(refractory, dt):
    """Brian2's timestep(): floor(t / dt + 1e-3)."""
    return int(np.array((refractory + 1e-3 * dt) / dt, dtype=np.int64))


def run_rockpool_lif(p, x, dt, reset, refractory, max_spikes, alif=None, v0=None):
    """Rockpool's LIF step (numpy operation order) with the options of docs/models.md.
    p: tau_mem (N,), tau_syn (N,S), bias (N,), threshold (N,), w_rec (N, N*S) or None,
    v_reset (N,); alif: None or (tau_adapt (N,), beta (N,))."""
    n = p["tau_mem"].size
    s_count = p["tau_syn"].shape[1]
    steps = x.shape[0]
    alpha = np.exp(-dt / p["tau_mem"])
    beta = np.exp(-dt / p["tau_syn"])
    rho = np.exp(-dt / alif[0]) if alif is not None else None
    r_steps = brian2_refractory_steps(refractory, dt) if refractory > 0 else 0
    spikes = np.zeros(n)
    isyn = np.zeros((n, s_count))
    vmem = np.zeros(n) if v0 is None else v0.copy()
    adapt = np.zeros(n)
    counter = np.zeros(n, dtype=np.int64)
    rec = {"spikes": [], "vmem": [], "isyn": [], "irec": [], "refractory_steps": []}
    if alif is not None:
        rec["a"] = []
        rec["threshold_eff"] = []
    ties = []
    for t in range(steps):
        w_rec = p.get("w_rec")
        irec = (np.dot(spikes, w_rec).reshape(n, s_count) if w_rec is not None
                else np.zeros((n, s_count)))
        isyn += x[t].reshape(n, s_count) + irec
        counter = np.maximum(counter - 1, 0)
        refractory_now = counter > 0
        v_decayed = vmem * alpha
        isyn *= beta
        v_new = v_decayed + (isyn.sum(1) + 0.0 + p["bias"])  # Rockpool adds the (zero) noise first
        vmem = np.where(refractory_now, vmem, v_new)
        if alif is not None:
            adapt = adapt * rho
            thr = p["threshold"] + alif[1] * adapt
        else:
            thr = p["threshold"]
        for j in np.nonzero((vmem == thr) & ~refractory_now)[0]:
            ties.append([t, int(j)])
        if reset == "subtract":
            spikes = np.minimum(max_spikes, (vmem >= thr) * np.floor(vmem / thr))
            spikes = np.where(refractory_now, 0.0, spikes)
            vmem = vmem - spikes * thr
        else:
            spikes = ((vmem >= thr) & ~refractory_now).astype(np.float64)
            vmem = np.where(spikes > 0, p["v_reset"], vmem)
        if alif is not None:
            adapt = adapt + spikes
            rec["a"].append(adapt.copy())
            rec["threshold_eff"].append(np.broadcast_to(thr, (n,)).copy())
        if r_steps > 0:
            counter = np.where(spikes > 0, r_steps, counter)
        rec["spikes"].append(spikes.copy())
        rec["vmem"].append(vmem.copy())
        rec["isyn"].append(isyn.copy())
        rec["irec"].append(irec.copy())
        rec["refractory_steps"].append(counter.astype(np.float64))
    return {k: np.array(v) for k, v in rec.items()}, ties, r_steps


def rockpool_case(rng, model, n, s_count, steps, dt, reset="subtract", refractory=0.0, rec=False,
                  tie=False, crosscheck=False, drive=1.0):
    tau_mem = rng.uniform(5e-3, 40e-3, n)
    tau_syn = rng.uniform(2e-3, 20e-3, (n, s_count))
    bias = rng.uniform(-0.02, 0.05, n)
    threshold = rng.uniform(0.5, 1.5, n)
    v_reset = rng.uniform(-0.3, 0.2, n)
    p = {"tau_mem": tau_mem, "tau_syn": tau_syn, "bias": bias, "threshold": threshold}
    if reset == "to_value":
        p["v_reset"] = v_reset
    if rec:
        w = rng.normal(0.0, 0.05, (n, n * s_count))
        w[rng.uniform(size=w.shape) > 0.3] = 0.0  # sparse-looking recurrent weights
        p["w_rec"] = w
    x = 0.04 * drive * rng.poisson(0.4, (steps, n * s_count)).astype(np.float64)
    if s_count == 2:
        x[:, 1::2] *= -0.5  # a second, inhibitory synapse type
    alif = None
    if model == "ALIF":
        alif = (rng.uniform(20e-3, 200e-3, n), rng.uniform(0.05, 0.5, n))
        p["tau_adapt"] = alif[0]
        p["beta"] = alif[1]
    max_spikes = 65536.0
    if tie:
        # Set neuron 0's threshold to the exact value its membrane reaches at step 3
        # (computed in Rockpool's operation order), so the >= test sees a tie.
        probe, _, _ = run_rockpool_lif({**p, "threshold": np.full(n, 1e9)}, x, dt, reset, refractory, max_spikes,
                                       alif=None if alif is None else (alif[0], np.zeros(n)))
        p["threshold"] = threshold.copy()
        p["threshold"][0] = probe["vmem"][3, 0]
        assert p["threshold"][0] > 0.0, "tie case needs a positive membrane value at step 3"
    out, ties, r_steps = run_rockpool_lif(p, x, dt, reset, refractory, max_spikes, alif=alif)
    if tie:
        assert [3, 0] in ties and out["spikes"][3, 0] >= 1.0, ties
    if refractory > 0:
        fired = out["spikes"].sum(axis=0) > 0
        assert fired.any(), "refractory case without spikes"
    if crosscheck:
        rockpool_crosscheck(p, x, dt, out)
    options = {"reset": reset, "refractory": refractory, "refractory_steps": r_steps,
               "max_spikes_per_dt": max_spikes, "has_rec": rec, "n_synapses": s_count}
    states = {"vmem": out["vmem"], "isyn": out["isyn"], "irec": out["irec"], "spikes": out["spikes"],
              "refractory_steps": out["refractory_steps"]}
    if alif is not None:
        states["a"] = out["a"]
        states["threshold_eff"] = out["threshold_eff"]
    return {"model": model, "family": "rockpool", "dt": dt, "neurons": n, "steps": steps,
            "parameters": p, "options": options,
            "initial_state": {"vmem": np.zeros(n), "isyn": np.zeros((n, s_count)), "spikes": np.zeros(n),
                              "refractory_steps": np.zeros(n), **({"a": np.zeros(n)} if alif else {})},
            "input": x, "output": out["spikes"], "states": states, "ties": ties}


def rockpool_crosscheck(p, x, dt, out):
    """The option-free reference must equal Rockpool 3.1.0's numpy LIF bit for bit."""
    import rockpool
    from rockpool.nn.modules import LIF

    assert rockpool.__version__ == "3.1.0", rockpool.__version__
    n, s_count = p["tau_syn"].shape
    kwargs = dict(tau_mem=p["tau_mem"], tau_syn=p["tau_syn"], bias=p["bias"], threshold=p["threshold"], dt=dt)
    if "w_rec" in p:
        kwargs.update(has_rec=True, w_rec=p["w_rec"])
    mod = LIF((n * s_count, n), **kwargs)
    np.random.seed(0)
    spikes, _, record = mod(x[None, :, :], record=True)
    assert np.array_equal(spikes[0], out["spikes"]), "spikes differ from Rockpool"
    assert np.array_equal(record["vmem"][0], out["vmem"]), "vmem differs from Rockpool"
    assert np.array_equal(record["isyn"][0], out["isyn"]), "isyn differs from Rockpool"


def check_rockpool_to_cubalif_mapping():
    """docs/models.md §5: with tau as they are, w_in = b/(1-b), r = b/g, v_leak = bias/(1-a),
    the ZOH CubaLIF's current equals Rockpool's isyn at every step, and its membrane differs
    from Rockpool's only by the same-step input term (b - r (1 - a - g) w_in) x_n, decayed by a.
    Checked here (no golden file), with g taken from the scipy coefficients."""
    rng = np.random.default_rng(40)
    n, steps, dt = 4, 50, 1e-3
    p = {"tau_mem": rng.uniform(5e-3, 40e-3, n), "tau_syn": rng.uniform(2e-3, 20e-3, (n, 1)),
         "bias": rng.uniform(-0.02, 0.05, n), "threshold": np.full(n, 1e9)}
    x = rng.normal(0.0, 1.0, (steps, n))
    ref, _, _ = run_rockpool_lif(p, x, dt, "subtract", 0.0, 65536.0)
    for j in range(n):
        a = np.exp(-dt / p["tau_mem"][j])
        b = np.exp(-dt / p["tau_syn"][j, 0])
        unit_r = zoh(*cuba_system(p["tau_syn"][j, 0], p["tau_mem"][j], 1.0, 1.0), dt)
        g = unit_r[0][1, 0]  # r g with r = 1
        w_in, r, v_leak = b / (1 - b), b / g, p["bias"][j] / (1 - a)
        ad, bd = zoh(*cuba_system(p["tau_syn"][j, 0], p["tau_mem"][j], r, w_in), dt)
        s = np.zeros(2)
        lag = 0.0
        for t in range(steps):
            s = ad @ s + bd @ np.array([x[t, j], v_leak])
            lag = a * lag + (b - r * (1 - a - g) * w_in) * x[t, j]
            assert abs(s[0] - ref["isyn"][t, j, 0]) <= 1e-9 * (1 + abs(s[0])), (t, j)
            assert abs((ref["vmem"][t, j] - s[1]) - lag) <= 1e-9 * (1 + abs(s[1])), (t, j)
    print("Rockpool LIF -> CubaLIF mapping of docs/models.md section 5: checked")


# --------------------------------------------------------------------------------------
# Layers (Threshold, Scale, Delay): further cases, kept in one block (h-alif).
# --------------------------------------------------------------------------------------

def delay_fine_dt_case(rng, n, steps):
    """Delay at dt = 0.1 ms: delay/dt is a whole number only up to rounding (3e-4 / 1e-4 is
    2.9999999999999996), which docs/models.md accepts within 1e-9 relative."""
    dt = 1e-4
    steps_delay = np.array([3, 1, 7, 0, 5][:n])
    delay = np.array([0.0003, 0.0001, 0.0007, 0.0, 0.0005][:n])
    assert np.all(np.abs(delay / dt - steps_delay) <= 1e-9 * np.maximum(1, steps_delay))
    x = rng.poisson(0.7, (steps, n)).astype(np.float64)
    out = np.zeros((steps, n))
    for j in range(n):
        d = int(steps_delay[j])
        out[d:, j] = x[: steps - d, j]
    return {"model": "Delay", "family": "nir", "dt": dt, "neurons": n, "steps": steps,
            "parameters": {"delay": delay}, "options": {"delay_steps": steps_delay},
            "initial_state": {}, "input": x, "output": out, "states": {}, "ties": []}


def delay_beyond_run_case(rng, n, steps, dt):
    """Delays of steps - 1, steps and steps + 3 steps: the last two output only zeros."""
    steps_delay = np.array([steps - 1, steps, steps + 3, 2][:n])
    x = rng.normal(0.0, 1.0, (steps, n))
    out = np.zeros((steps, n))
    for j in range(n):
        d = int(steps_delay[j])
        if d < steps:
            out[d:, j] = x[: steps - d, j]
    return {"model": "Delay", "family": "nir", "dt": dt, "neurons": n, "steps": steps,
            "parameters": {"delay": steps_delay * dt}, "options": {"delay_steps": steps_delay},
            "initial_state": {}, "input": x, "output": out, "states": {}, "ties": []}


def write_layer_cases(dt):
    write("delay_fine_dt", delay_fine_dt_case(np.random.default_rng(50), 5, 40),
          "NIR Delay at dt = 0.1 ms, delays whole numbers of steps only up to floating-point rounding")
    write("delay_beyond_run", delay_beyond_run_case(np.random.default_rng(51), 4, 12, dt),
          "NIR Delay with delays as long as or longer than the run: zeros throughout")

# --------------------------------------------------------------------------------------
# (end of the layers block)
# --------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------

def tolist(v):
    if isinstance(v, dict):
        return {k: tolist(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [tolist(x) for x in v]
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, (np.floating, np.integer, np.bool_)):
        return v.item()
    return v


def write(name, doc, notes):
    doc = {"case": name, "generator": GENERATOR, **doc, "notes": notes}
    path = os.path.join(OUT, f"{name}.json")
    with open(path, "w") as f:
        json.dump(tolist(doc), f, separators=(",", ":"))
        f.write("\n")
    spikes = ""
    if doc["model"] in ("IF", "LIF", "CubaLIF", "ALIF", "Threshold"):
        spikes = f" spikes={int(np.sum(doc['output']))}"
    print(f"{name:34s} {doc['model']:9s} N={doc['neurons']} T={doc['steps']}{spikes} ties={len(doc['ties'])} "
          f"{os.path.getsize(path)} bytes")


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in glob.glob(os.path.join(OUT, "*.json")):
        os.remove(old)
    dt = 1e-3
    check_rockpool_to_cubalif_mapping()
    write("li_random", nir_case(np.random.default_rng(1), "LI", 4, 40, dt), "NIR LI, random parameters and input")
    write("integrator_random", nir_case(np.random.default_rng(2), "I", 4, 40, dt), "NIR I (Integrator)")
    write("if_random", nir_case(np.random.default_rng(3), "IF", 4, 60, dt), "NIR IF, reset to v_reset")
    write("if_tie", nir_case(np.random.default_rng(4), "IF", 2, 16, dt, tie=True),
          "NIR IF with dyadic values (dt = 0.5, r = 1, x = 0.25, v_threshold = 0.5): v reaches "
          "v_threshold exactly, which must NOT spike (strict >); the spike comes one step later")
    write("lif_nir_random", nir_case(np.random.default_rng(5), "LIF", 5, 60, dt), "NIR LIF, reset to v_reset")
    write("lif_nir_spike_input", nir_case(np.random.default_rng(6), "LIF", 5, 60, dt, spike_input=True),
          "NIR LIF driven by integer spike counts, entering the ODE as held values (no 1/dt)")
    write("cubali_random", nir_case(np.random.default_rng(7), "CubaLI", 5, 50, dt), "NIR CubaLI")
    write("cubali_degenerate", nir_case(np.random.default_rng(8), "CubaLI", 5, 50, dt, degenerate=True),
          "NIR CubaLI with tau_syn == tau_mem (neuron 0), relative difference 1e-7 (neuron 1) and "
          "1e-3 (neuron 2)")
    write("cubalif_random", nir_case(np.random.default_rng(9), "CubaLIF", 6, 80, dt), "NIR CubaLIF")
    write("cubalif_spike_input", nir_case(np.random.default_rng(10), "CubaLIF", 6, 80, dt, spike_input=True),
          "NIR CubaLIF driven by integer spike counts")
    write("cubalif_degenerate", nir_case(np.random.default_rng(11), "CubaLIF", 5, 80, dt, degenerate=True,
                                         spike_input=True),
          "NIR CubaLIF with tau_syn == tau_mem (neuron 0), relative difference 1e-7 (neuron 1) and "
          "1e-3 (neuron 2)")
    write("threshold_random", threshold_case(np.random.default_rng(12), 5, 30, tie=False), "NIR Threshold")
    write("threshold_tie", threshold_case(np.random.default_rng(13), 5, 30, tie=True),
          "NIR Threshold with inputs exactly equal to the threshold every third step: no spike there")
    write("scale_random", scale_case(np.random.default_rng(14), 5, 20), "NIR Scale")
    write("delay_random", delay_case(np.random.default_rng(15), 6, 30, dt),
          "NIR Delay: delay = delay_steps * dt seconds; zeros before the first delayed value; "
          "neuron 0 has delay 0 (identity)")
    write_layer_cases(dt)
    write("lif_rockpool_default", rockpool_case(np.random.default_rng(20), "LIF", 5, 1, 60, dt, crosscheck=True),
          "Rockpool-order LIF without options (subtractive multi-spike reset); checked bit for bit against "
          "Rockpool 3.1.0's numpy LIF by the generator")
    write("lif_rockpool_rec_two_synapses", rockpool_case(np.random.default_rng(21), "LIF", 4, 2, 60, dt, rec=True,
                                                         crosscheck=True),
          "Rockpool-order LIF, 2 synapses per neuron, recurrent weights; checked bit for bit against Rockpool")
    write("lif_reset_to_value", rockpool_case(np.random.default_rng(22), "LIF", 5, 1, 60, dt, reset="to_value",
                                              drive=2.0),
          "LIF option: reset to v_reset (one spike per step at most)")
    write("lif_refractory_subtract", rockpool_case(np.random.default_rng(23), "LIF", 5, 1, 80, dt,
                                                   refractory=3e-3, drive=3.0),
          "LIF option: refractory 3 ms = 3 steps (Brian2: 2 held steps after the spike step); subtractive reset")
    write("lif_refractory_reset_to_value", rockpool_case(np.random.default_rng(24), "LIF", 5, 1, 80, dt,
                                                         reset="to_value", refractory=4.5e-3, drive=3.0),
          "LIF options: reset to v_reset and refractory 4.5 ms (floor -> 4 steps), periods ending mid-run")
    write("lif_cuba_like", rockpool_case(np.random.default_rng(25), "LIF", 6, 2, 100, 1e-4, reset="to_value",
                                         refractory=5e-4, rec=True, drive=4.0),
          "LIF as in CUBA: 2 synapse types, recurrent weights, reset to value, refractory 5 steps, dt = 0.1 ms")
    write("lif_tie", rockpool_case(np.random.default_rng(26), "LIF", 3, 1, 20, dt, reset="to_value", tie=True,
                                   drive=2.0),
          "Rockpool-order LIF whose neuron-0 threshold equals its membrane at step 3 bit for bit: "
          "Rockpool's rule v >= threshold spikes (the operation order must be Rockpool's exactly)")
    write("alif_subtract", rockpool_case(np.random.default_rng(30), "ALIF", 5, 1, 80, dt, drive=3.0),
          "ALIF: threshold + beta * a, a decays with tau_adapt and jumps by 1 per spike; subtractive reset")
    write("alif_reset_to_value_refractory", rockpool_case(np.random.default_rng(31), "ALIF", 5, 2, 100, dt,
                                                          reset="to_value", refractory=2e-3, rec=True, drive=3.0),
          "ALIF with reset to value, refractory 2 steps, 2 synapses, recurrent weights")


if __name__ == "__main__":
    sys.exit(main())
