#!/usr/bin/env python3
"""Generate Rockpool golden files for Littoral's port tests.

Regenerate (from the repository root):

    pip install rockpool==3.1.0 numpy scipy && python3 tests/golden/gen.py

Writes one JSON file per case into tests/golden/data/<case>.json. See
tests/golden/README.md for the file format and the list of cases.

Every case:
  1. builds a concrete network *spec* (all values concrete, from a seeded
     np.random.default_rng), builds the Rockpool module from that spec,
  2. reads the parameters / simulation parameters back from the constructed
     module to form the `network` description (so it matches exactly what
     Rockpool holds, e.g. tau_syn reshaped to (N, S)),
  3. rebuilds a *second* module from the written description, checks that its
     parameters and simulation parameters equal the first module's, and that
     evolving it gives bit-identical output / state / record (-0.0 included),
  4. writes the file.
"""

import json
import math
import os
import sys
import warnings

# OpenBLAS picks its kernels by CPU at run time, and their summation orders differ in the
# last bits (3-D `np.dot`, `Rate`'s recurrent `np.dot`). Pin the kernel set the committed
# files were made with, so that every x86-64 machine writes the same bytes.
os.environ["OPENBLAS_CORETYPE"] = "Haswell"
os.environ["OPENBLAS_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402

warnings.filterwarnings("ignore")

import rockpool  # noqa: E402
from rockpool.nn.modules import LIF, Rate, Linear, ExpSyn, Instant  # noqa: E402
from rockpool.nn.modules.native import rate as _rate_mod  # noqa: E402
from rockpool.nn.combinators import Sequential, Residual, FFwdStack  # noqa: E402

ROCKPOOL_VERSION = "3.1.0"
if rockpool.__version__ != ROCKPOOL_VERSION:
    sys.exit(
        f"rockpool {rockpool.__version__} installed; golden files require {ROCKPOOL_VERSION}"
    )

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
MAX_BYTES = 60_000

# ---------------------------------------------------------------------------
# Value conversion
# ---------------------------------------------------------------------------


def jnum(v):
    """Numeric value -> JSON-able (nested lists of Python floats, or a float)."""
    if isinstance(v, (bool, np.bool_)):
        raise TypeError("unexpected bool value")
    a = np.asarray(v, dtype=np.float64)
    return a.tolist() if a.ndim > 0 else float(a)


def is_numeric(v):
    if isinstance(v, (bool, np.bool_)) or callable(v):
        return False
    try:
        a = np.asarray(v)
    except Exception:
        return False
    return a.dtype.kind in "fiu"


def flatten(d, prefix=""):
    """Nested dict -> {"a.b.c": json-able array}. Empty sub-dicts vanish;
    non-numeric leaves are skipped."""
    out = {}
    for k, v in d.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict):
            out.update(flatten(v, key))
        elif is_numeric(v):
            out[key] = jnum(v)
    return out


def canon(obj):
    """Canonical JSON text (used for exact comparisons, -0.0 sensitive)."""
    return json.dumps(obj, allow_nan=False, sort_keys=True)


# ---------------------------------------------------------------------------
# Instant / Rate function tables
# ---------------------------------------------------------------------------


def _identity(x):
    return x


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _relu(x):
    return np.maximum(x, 0)


INSTANT_FNS = {
    "identity": _identity,
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "relu": _relu,
    "exp": np.exp,
    "abs": np.abs,
}
RATE_ACTS = {
    "relu": _rate_mod.H_ReLU,
    "tanh": _rate_mod.H_tanh,
    "sigmoid": _rate_mod.H_sigmoid,
}


def _name_of(fn, table):
    for k, f in table.items():
        if f is fn:
            return k
    raise ValueError(f"unknown function {fn!r}")


# ---------------------------------------------------------------------------
# spec -> Rockpool module
# ---------------------------------------------------------------------------


def _arr(v):
    """Spec value -> module argument: lists become float64 arrays, scalars stay scalars."""
    if v is None:
        return None
    if isinstance(v, (list, tuple, np.ndarray)):
        return np.array(v, dtype=np.float64)
    return float(v)


def build(spec):
    """Build a Rockpool (numpy) module from a network spec/description."""
    cls = spec["class"]
    shape = tuple(spec["shape"]) if "shape" in spec else None
    if shape is not None and len(shape) == 1:
        shape = shape[0]
    opts = spec.get("options", {})
    p = spec.get("parameters", {})
    sp = spec.get("simulation_parameters", {})

    if cls == "LIF":
        kw = {}
        for k in ("tau_mem", "tau_syn", "bias", "threshold"):
            if k in p:
                kw[k] = _arr(p[k])
        has_rec = bool(opts.get("has_rec", False))
        if has_rec:
            kw["w_rec"] = _arr(p["w_rec"])
        for k in ("dt", "noise_std", "max_spikes_per_dt"):
            if k in sp:
                kw[k] = float(sp[k])
        return LIF(shape, has_rec=has_rec, **kw)

    if cls == "Rate":
        kw = {}
        for k in ("tau", "bias", "threshold"):
            if k in p:
                kw[k] = _arr(p[k])
        has_rec = bool(opts.get("has_rec", False))
        if has_rec:
            kw["w_rec"] = _arr(p["w_rec"])
        for k in ("dt", "noise_std"):
            if k in sp:
                kw[k] = float(sp[k])
        act = RATE_ACTS[opts.get("activation_func", "relu")]
        return Rate(shape, has_rec=has_rec, activation_func=act, **kw)

    if cls == "Linear":
        has_bias = bool(opts.get("has_bias", False))
        kw = {"weight": _arr(p["weight"])}
        if has_bias:
            kw["bias"] = _arr(p["bias"])
        return Linear(shape, has_bias=has_bias, **kw)

    if cls == "ExpSyn":
        kw = {}
        if "tau" in p:
            kw["tau"] = _arr(p["tau"])
        for k in ("dt", "noise_std", "max_window_length"):
            if k in sp:
                kw[k] = float(sp[k])
        return ExpSyn(shape, **kw)

    if cls == "Instant":
        return Instant(shape, function=INSTANT_FNS[opts.get("function", "identity")])

    if cls in ("Sequential", "Residual"):
        mods = [build(m) for m in spec["modules"]]
        return (Sequential if cls == "Sequential" else Residual)(*mods)

    if cls == "FFwdStack":
        mods = [build(m) for m in spec["modules"]]
        stack = FFwdStack(*mods, weight_init_func=np.zeros)
        stack.set_attributes({k: _arr(v) for k, v in spec["parameters"].items()})
        return stack

    raise ValueError(cls)


# ---------------------------------------------------------------------------
# Rockpool module -> description (values read back from the module)
# ---------------------------------------------------------------------------

COMBINATORS = {"ModSequential": "Sequential", "ModResidual": "Residual", "ModFFwdStack": "FFwdStack"}


def describe(mod, spec):
    """Description of `mod`, with structure (class/shape/options) from `spec`
    and every numeric value read back from the constructed module."""
    cls = spec["class"]
    pars = mod.parameters()
    sims = mod.simulation_parameters()
    d = {"class": cls}

    if cls in ("Sequential", "Residual", "FFwdStack"):
        assert COMBINATORS[type(mod).__name__] == cls
        subs = list(mod.modules().values())
        assert len(subs) == len(spec["modules"])
        d["modules"] = [describe(m, s) for m, s in zip(subs, spec["modules"])]
        if cls == "FFwdStack":
            d["parameters"] = {
                k: jnum(v) for k, v in pars.items() if not isinstance(v, dict)
            }
        return d

    assert type(mod).__name__ == cls
    d["shape"] = list(spec["shape"])

    if cls == "LIF":
        has_rec = bool(sims["_has_rec"])
        assert has_rec == bool(spec.get("options", {}).get("has_rec", False))
        d["options"] = {"has_rec": has_rec}
        keys = ["tau_mem", "tau_syn", "bias", "threshold"] + (["w_rec"] if has_rec else [])
        assert set(pars) == set(keys), pars.keys()
        d["parameters"] = {k: jnum(pars[k]) for k in keys}
        d["simulation_parameters"] = {
            k: jnum(sims[k]) for k in ("dt", "noise_std", "max_spikes_per_dt")
        }
    elif cls == "Rate":
        has_rec = "w_rec" in pars
        d["options"] = {
            "has_rec": has_rec,
            "activation_func": _name_of(sims["act_fn"], RATE_ACTS),
        }
        keys = ["tau", "bias", "threshold"] + (["w_rec"] if has_rec else [])
        assert set(pars) == set(keys), pars.keys()
        d["parameters"] = {k: jnum(pars[k]) for k in keys}
        d["simulation_parameters"] = {k: jnum(sims[k]) for k in ("dt", "noise_std")}
    elif cls == "Linear":
        has_bias = bool(mod._has_bias)
        d["options"] = {"has_bias": has_bias}
        keys = ["weight"] + (["bias"] if has_bias else [])
        assert set(pars) == set(keys), pars.keys()
        d["parameters"] = {k: jnum(pars[k]) for k in keys}
    elif cls == "ExpSyn":
        assert set(pars) == {"tau"}
        d["parameters"] = {"tau": jnum(pars["tau"])}
        d["simulation_parameters"] = {
            k: jnum(sims[k]) for k in ("dt", "noise_std", "max_window_length")
        }
    elif cls == "Instant":
        d["options"] = {"function": _name_of(sims["function"], INSTANT_FNS)}
    else:
        raise ValueError(cls)
    return d


# ---------------------------------------------------------------------------
# Running a case
# ---------------------------------------------------------------------------


def run(mod, x, record_flag):
    np.random.seed(0)  # Rockpool numpy draws (zero-scaled) noise from the global RNG
    out, state, rec = mod(x, record=record_flag)
    # Convert immediately: new_state aliases the module's own attributes.
    return jnum(out), flatten(state), flatten(rec)


def tie_margin(mod, rec, prefix=""):
    """Smallest distance of pre-reset vmem/threshold to an integer >= 1 over
    all LIF modules in the tree (guards against exact threshold ties)."""
    margins = []

    def walk(m, pfx):
        if type(m).__name__ == "LIF":
            vm = np.array(rec[pfx + "vmem"])
            sp = np.array(rec[pfx + "spikes"])
            thr = np.broadcast_to(np.asarray(m.threshold, float), vm.shape[-1:])
            pre = vm + sp * thr
            q = pre / thr
            pos = q[q > 0.5]
            if pos.size:
                margins.append(float(np.min(np.abs(pos - np.round(pos)))))
        for name, sub in m.modules().items():
            walk(sub, pfx + name + ".")

    walk(mod, prefix)
    return min(margins) if margins else None


def spike_stats(out_dict):
    """Fraction of (b, t, n) entries with >= 1 spike per LIF spikes record."""
    s = {}
    for k, v in out_dict.items():
        if k == "spikes" or k.endswith(".spikes"):
            a = np.array(v)
            s[k] = (round(float(np.mean(a > 0)), 2), float(a.max()))
    return s


WRITTEN = []


def case(name, description, spec, x, record_flag, check_ties=True):
    x = np.asarray(x, dtype=np.float64)
    mod = build(spec)
    network = describe(mod, spec)
    params_before = canon(flatten(mod.parameters()))
    simpar_before = canon(flatten(mod.simulation_parameters()))

    out, state, rec = run(mod, x, record_flag)

    # -- Verify that the written description reproduces the module exactly
    mod2 = build(json.loads(json.dumps(network)))
    assert canon(flatten(mod2.parameters())) == params_before, name
    assert canon(flatten(mod2.simulation_parameters())) == simpar_before, name
    assert canon(flatten(mod2.state())) == canon(
        {k: np.zeros(np.shape(v)).tolist() for k, v in flatten(mod2.state()).items()}
    )
    out2, state2, rec2 = run(mod2, json.loads(json.dumps(x.tolist())), record_flag)
    assert canon(out2) == canon(out), name
    assert canon(state2) == canon(state), name
    assert canon(rec2) == canon(rec), name

    margin = tie_margin(mod, rec) if check_ties else None
    if check_ties and margin is not None:
        assert margin > 1e-6, (name, margin)

    doc = {
        "case": name,
        "description": description,
        "rockpool": ROCKPOOL_VERSION,
        "network": network,
        "input": x.tolist(),
        "record_flag": bool(record_flag),
        "output": out,
        "state": state,
        "record": rec,
    }
    text = json.dumps(doc, indent=None, allow_nan=False)
    assert json.loads(text) == doc
    assert len(text) < MAX_BYTES, (name, len(text))
    with open(os.path.join(DATA, f"{name}.json"), "w") as f:
        f.write(text)
        f.write("\n")
    WRITTEN.append(name)
    print(
        f"{name:28s} {len(text):6d} B  in{list(x.shape)} out{list(np.shape(out))}"
        f"  spikes={spike_stats(rec)}  tie_margin={margin}"
    )


# ---------------------------------------------------------------------------
# Spec helpers
# ---------------------------------------------------------------------------


def L(a):
    return np.asarray(a, dtype=np.float64).tolist()


def w_rec_self_inhib(rng, n_out, n_in, std=0.3):
    """Recurrent weights ~ N(0, std) with each neuron's own-synapse entries
    made negative (self-inhibition). Plain N(0, 0.3) weights make Rockpool's
    count-based recurrence run away to max_spikes_per_dt within 30 steps."""
    w = rng.normal(0, std, (n_out, n_in))
    n_syn = n_in // n_out
    for i in range(n_out):
        for j in range(n_in):
            if j // n_syn == i:
                w[i, j] = -abs(w[i, j])
    return w


def lif(shape, params=None, has_rec=False, dt=1e-3, noise_std=0.0, max_spikes=65536.0):
    s = {
        "class": "LIF",
        "shape": list(shape),
        "options": {"has_rec": has_rec},
        "parameters": params or {},
        "simulation_parameters": {
            "dt": dt,
            "noise_std": noise_std,
            "max_spikes_per_dt": max_spikes,
        },
    }
    return s


def rate(n, params, act="relu", has_rec=False, dt=1e-3, noise_std=0.0):
    return {
        "class": "Rate",
        "shape": [n],
        "options": {"has_rec": has_rec, "activation_func": act},
        "parameters": params,
        "simulation_parameters": {"dt": dt, "noise_std": noise_std},
    }


def linear(nin, nout, weight, bias=None):
    s = {
        "class": "Linear",
        "shape": [nin, nout],
        "options": {"has_bias": bias is not None},
        "parameters": {"weight": L(weight)},
    }
    if bias is not None:
        s["parameters"]["bias"] = L(bias)
    return s


# ---------------------------------------------------------------------------
# Threshold ties
# ---------------------------------------------------------------------------

UNREACHABLE = 1e300  # a threshold no potential reaches: no spikes, no resets


def libm_agrees(dt, tau):
    """Whether numpy's exp(-dt/tau) has the bits of the C library's (math.exp), which
    Littoral uses: then a tie in Rockpool is a tie in Littoral too."""
    t = np.asarray(tau, dtype=np.float64).ravel()
    return all(np.exp(-dt / v) == math.exp(-dt / v) for v in t)


def draw_taus(rng, lo, hi, shape, dt=1e-3):
    """Uniform time constants whose decay factors numpy and libm agree on."""
    while True:
        tau = rng.uniform(lo, hi, shape)
        if libm_agrees(dt, tau):
            return tau


def with_thresholds(spec, threshold):
    s = json.loads(json.dumps(spec))
    s["parameters"]["threshold"] = L(threshold)
    return s


def lif_record(spec, x):
    _, _, rec = run(build(spec), x, True)
    return np.array(rec["vmem"])[0], np.array(rec["spikes"])[0]


def place_ties(spec, x, k_min=2, v_min=0.5, ordered=True):
    """Thresholds set so that every neuron's potential lands exactly on its threshold.

    Neurons are placed one at a time, in order: the current neuron keeps an unreachable
    threshold while Rockpool runs, so its recorded vmem is the pre-reset potential; its
    threshold becomes that potential at the first step k (after the previous neuron's) at
    which it is at least v_min and above every earlier value, so it first spikes at step k with
    v == threshold exactly. Later neurons have not spiked yet at k, so the neurons placed
    before keep their ties (`ordered`; independent neurons, without recurrence, need no
    order). Returns the thresholds and the tie step of each neuron."""
    n = spec["shape"][-1]
    thr = np.full(n, UNREACHABLE)
    steps = []
    k_prev = k_min - 1
    for j in range(n):
        vmem, _ = lif_record(with_thresholds(spec, thr), x)
        v = vmem[:, j]
        k = next(
            (k for k in range(k_prev + 1, len(v)) if v[k] >= v_min and v[k] > np.max(v[:k])),
            None,
        )
        assert k is not None, f"neuron {j} never reaches {v_min} after step {k_prev}"
        thr[j] = v[k]
        steps.append(k)
        k_prev = k if ordered else k_min - 1
    return thr, steps


def assert_ties_decide(spec, x, steps):
    """Each tie is exact and decides a spike: at the threshold the neuron spikes at its
    tie step, one ulp above it does not."""
    n = spec["shape"][-1]
    thr = np.broadcast_to(np.array(spec["parameters"]["threshold"], dtype=np.float64), (n,))
    thr = thr.copy()
    _, spikes = lif_record(spec, x)
    for j, k in enumerate(steps):
        assert spikes[k, j] >= 1, (j, k)
        up = thr.copy()
        up[j] = np.nextafter(up[j], np.inf)
        _, spikes_up = lif_record(with_thresholds(spec, up), x)
        assert spikes_up[k, j] == 0, (j, k)


def tie_case(name, description, spec, x, ordered=True):
    thr, steps = place_ties(spec, x, ordered=ordered)
    spec = with_thresholds(spec, thr)
    assert_ties_decide(spec, x, steps)
    case(name, f"{description}; tie steps {steps}", spec, x, True, check_ties=False)


def tie_cases():
    """LIF cases whose potentials sit exactly on the threshold (issue 16): a one-ulp
    difference in the order of additions flips a spike."""
    # The reproducer of issue 9: one event at t = 0; Rockpool's vmem equals the threshold
    # exactly at step 1 and the neuron spikes there.
    spec = lif([1], {"tau_mem": 0.0186, "tau_syn": 0.0198, "bias": 0.035,
                     "threshold": 1.8730752299724585})
    x = np.array([[1.0], [0.0], [0.0]])
    _, spikes = lif_record(spec, x)
    assert spikes[:, 0].tolist() == [0.0, 1.0, 0.0], spikes
    assert_ties_decide(spec, x, [1])
    case("lif_tie_reproducer",
         "LIF(1, tau_mem=0.0186, tau_syn=0.0198, bias=0.035, threshold=1.8730752299724585), "
         "one event at t=0: vmem reaches the threshold exactly at step 1 and spikes",
         spec, x, True, check_ties=False)

    rng = np.random.default_rng(21)
    N = 4
    p = {
        "tau_mem": L(draw_taus(rng, 0.01, 0.05, N)),
        "tau_syn": L(draw_taus(rng, 0.005, 0.05, (N, 1))),
        "bias": L(rng.uniform(0.01, 0.05, N)),
        "threshold": L(np.ones(N)),
    }
    x = rng.uniform(0, 0.3, (40, N)) * (rng.random((40, N)) < 0.5)
    tie_case("lif_tie_bias",
             "LIF(4), random tau, bias != 0, each threshold placed exactly on the neuron's potential",
             lif([N], p), x)

    rng = np.random.default_rng(22)
    Nin, N = 8, 4
    p = {
        "tau_mem": L(draw_taus(rng, 0.01, 0.05, N)),
        "tau_syn": L(draw_taus(rng, 0.005, 0.05, (N, 2))),
        "bias": L(rng.uniform(-0.05, 0.05, N)),
        "threshold": L(np.ones(N)),
    }
    x = rng.uniform(0, 0.15, (40, Nin)) * (rng.random((40, Nin)) < 0.5)
    tie_case("lif_tie_multisyn",
             "LIF((8,4)), 2 synapses per neuron, bias != 0, thresholds on the potentials",
             lif([Nin, N], p), x)

    rng = np.random.default_rng(23)
    S, N = 10, 2
    p = {
        "tau_mem": L(draw_taus(rng, 0.01, 0.05, N)),
        "tau_syn": L(draw_taus(rng, 0.005, 0.05, (N, S))),
        "bias": L(rng.uniform(-0.05, 0.05, N)),
        "threshold": L(np.ones(N)),
    }
    x = rng.uniform(0, 0.05, (40, N * S)) * (rng.random((40, N * S)) < 0.5)
    tie_case("lif_tie_wide_synapses",
             "LIF((20,2)), 10 synapses per neuron (numpy sums 8 or more pairwise), bias != 0, "
             "thresholds on the potentials",
             lif([N * S, N], p), x)

    rng = np.random.default_rng(25)
    N = 16
    p = {
        "tau_mem": L(draw_taus(rng, 0.005, 0.1, N)),
        "tau_syn": L(draw_taus(rng, 0.003, 0.1, (N, 1))),
        "bias": L(rng.uniform(-0.05, 0.1, N)),
        "threshold": L(np.ones(N)),
    }
    x = rng.uniform(0, 0.4, (30, N)) * (rng.random((30, N)) < 0.6)
    tie_case("lif_tie_many",
             "LIF(16), random tau in [3,100] ms, bias in [-0.05,0.1], each threshold on the "
             "neuron's potential at its first new maximum from step 2",
             lif([N], p), x, ordered=False)

    rng = np.random.default_rng(26)
    S, N = 3, 6
    p = {
        "tau_mem": L(draw_taus(rng, 0.005, 0.1, N)),
        "tau_syn": L(draw_taus(rng, 0.003, 0.1, (N, S))),
        "bias": L(rng.uniform(-0.05, 0.1, N)),
        "threshold": L(np.ones(N)),
    }
    x = rng.uniform(0, 0.2, (30, N * S)) * (rng.random((30, N * S)) < 0.6)
    tie_case("lif_tie_three_synapses",
             "LIF((18,6)), 3 synapses per neuron, bias != 0, thresholds on the potentials",
             lif([N * S, N], p), x, ordered=False)

    rng = np.random.default_rng(24)
    N = 5
    p = {
        "tau_mem": L(draw_taus(rng, 0.01, 0.05, N)),
        "tau_syn": L(draw_taus(rng, 0.005, 0.05, (N, 1))),
        "bias": L(rng.uniform(0.01, 0.05, N)),
        "threshold": L(np.ones(N)),
        # Excitatory coupling (|N(0, 0.1)|) so that every neuron still reaches its
        # threshold, and self-inhibition (-|N(0, 0.3)|) against run-away counts.
        "w_rec": L(np.abs(rng.normal(0, 0.1, (N, N))) * (1 - np.eye(N))
                   - np.diag(np.abs(rng.normal(0, 0.3, N)))),
    }
    x = rng.uniform(0, 0.5, (60, N)) * (rng.random((60, N)) < 0.5)
    tie_case("lif_tie_recurrent",
             "LIF(5, has_rec), bias != 0, thresholds placed in turn on the potentials "
             "(recurrent input from the neurons placed before)",
             lif([N], p, has_rec=True), x)


def contract_cases():
    """The contract's examples G1-G9 (reference contract section 3.10), run by Rockpool:
    tests/tests/contract_golden.rs (G1-G5) and nets/tests/modules.rs (G6-G9) build the same
    modules through Littoral's builders and compare with these files (G10 is
    `sequential_g10`). Their inputs are round numbers, so
    ties are not excluded."""
    case("contract_g1_lif_defaults",
         "G1: LIF(2) defaults, input [[0.5,2],[0,0],[0.5,0],[0,0],[0,3.5]]",
         lif([2]), [[0.5, 2.0], [0.0, 0.0], [0.5, 0.0], [0.0, 0.0], [0.0, 3.5]], True,
         check_ties=False)
    case("contract_g2_lif_recurrent",
         "G2: LIF(2, has_rec, w_rec=[[0,0.5],[0,0]]), input [[2,0],[0,0],[0,0]]",
         lif([2], {"w_rec": [[0.0, 0.5], [0.0, 0.0]]}, has_rec=True),
         [[2.0, 0.0], [0.0, 0.0], [0.0, 0.0]], True, check_ties=False)
    case("contract_g3_lif_custom",
         "G3: LIF(2, tau_mem=[0.01,0.05], tau_syn=[0.005,0.1], bias=[0.1,-0.05], "
         "threshold=[0.8,1.5], dt=2e-3), input [[1,1],[1,1],[0,0],[0,2]]",
         lif([2], {"tau_mem": [0.01, 0.05], "tau_syn": [0.005, 0.1], "bias": [0.1, -0.05],
                   "threshold": [0.8, 1.5]}, dt=2e-3),
         [[1.0, 1.0], [1.0, 1.0], [0.0, 0.0], [0.0, 2.0]], True, check_ties=False)
    case("contract_g4_lif_capped",
         "G4: LIF(1, max_spikes_per_dt=2), input [[10],[0]]",
         lif([1], None, max_spikes=2.0), [[10.0], [0.0]], True, check_ties=False)
    case("contract_g4_lif_uncapped",
         "G4: LIF(1) defaults, input [[10],[0]]",
         lif([1]), [[10.0], [0.0]], True, check_ties=False)
    case("contract_g5_lif_multisyn",
         "G5: LIF((4,2)), tau_syn=[[0.01,0.02],[0.01,0.02]], input [[1,2,3,4]]",
         lif([4, 2], {"tau_syn": [[0.01, 0.02], [0.01, 0.02]]}), [[1.0, 2.0, 3.0, 4.0]], True,
         check_ties=False)
    case("contract_g6_rate_recurrent",
         "G6: Rate(2, has_rec, w_rec=[[0,1],[0,0]], bias=0.1), input [[1,0],[0,0],[0,0]]",
         rate(2, {"w_rec": [[0.0, 1.0], [0.0, 0.0]], "bias": 0.1}, has_rec=True),
         [[1.0, 0.0], [0.0, 0.0], [0.0, 0.0]], True)
    case("contract_g7_rate_tanh",
         "G7: Rate(2, tanh, tau=[0.02,0.005] (clipped to 10 dt), threshold=0.1), input ones((2,2))",
         rate(2, {"tau": [0.02, 0.005], "threshold": 0.1}, act="tanh"), np.ones((2, 2)), True)
    case("contract_g8_rate_relu",
         "G8: Rate(2) defaults, input [[1,-1],[1,-1],[0,0]]: relu gives -0.0",
         rate(2, {}), [[1.0, -1.0], [1.0, -1.0], [0.0, 0.0]], True)
    case("contract_g9_expsyn",
         "G9: ExpSyn(2, tau=[0.01,0.02]), input [[1,0],[0,1],[1,0]]",
         {"class": "ExpSyn", "shape": [2], "parameters": {"tau": [0.01, 0.02]},
          "simulation_parameters": {"dt": 1e-3, "noise_std": 0.0, "max_window_length": 1e6}},
         [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]], True)


# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------


def main():
    os.makedirs(DATA, exist_ok=True)
    for f in os.listdir(DATA):
        if f.endswith(".json"):
            os.remove(os.path.join(DATA, f))

    # 1. LIF defaults, 2-D input
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 0.6, (30, 4))
    case("lif_default_2d",
         "LIF(4) with all defaults (Rockpool default values written out), 2-D (T,N) input, record=True",
         lif([4]), x, True)

    # 2. LIF random per-neuron params, batched
    rng = np.random.default_rng(2)
    N = 5
    p = {
        "tau_mem": L(rng.uniform(0.01, 0.05, N)),
        "tau_syn": L(rng.uniform(0.005, 0.05, (N, 1))),
        "bias": L(rng.uniform(-0.1, 0.1, N)),
        "threshold": L(rng.uniform(0.5, 1.5, N)),
    }
    x = rng.uniform(0, 0.25, (3, 30, N)) * (rng.random((3, 30, N)) < 0.5)
    case("lif_random_batched",
         "LIF(5) random per-neuron tau_mem/tau_syn(N,1)/bias/threshold, dt=1e-3, batched (3,30,5) input",
         lif([N], p), x, True)

    # 3. LIF scalar params, dt = 2e-3, record flag False (LIF records anyway)
    rng = np.random.default_rng(3)
    N = 3
    p = {
        "tau_mem": 0.03,
        "tau_syn": L(rng.uniform(0.01, 0.04, (N, 1))),
        "bias": 0.05,
        "threshold": 1.2,
    }
    x = rng.uniform(0, 0.3, (30, N)) * (rng.random((30, N)) < 0.5)
    case("lif_scalar_params",
         "LIF(3) with scalar tau_mem/bias/threshold, tau_syn (N,1), dt=2e-3, record=False (LIF still returns its record)",
         lif([N], p, dt=2e-3), x, False)

    # 4. LIF recurrent, batched
    rng = np.random.default_rng(4)
    N = 6
    p = {
        "tau_mem": L(rng.uniform(0.01, 0.05, N)),
        "tau_syn": L(rng.uniform(0.005, 0.05, (N, 1))),
        "bias": L(rng.uniform(-0.05, 0.05, N)),
        "threshold": L(rng.uniform(0.6, 1.4, N)),
        "w_rec": L(w_rec_self_inhib(rng, N, N)),
    }
    x = rng.uniform(0, 0.3, (2, 30, N)) * (rng.random((2, 30, N)) < 0.5)
    case("lif_recurrent",
         "LIF(6, has_rec=True) with w_rec ~ N(0,0.3) (diagonal made negative), random params, batched (2,30,6)",
         lif([N], p, has_rec=True), x, True)

    # 5. LIF multi-synapse, batched
    rng = np.random.default_rng(5)
    Nin, N = 8, 4
    p = {
        "tau_mem": L(rng.uniform(0.01, 0.05, N)),
        "tau_syn": L(rng.uniform(0.005, 0.05, (N, 2))),
        "bias": L(rng.uniform(-0.05, 0.05, N)),
        "threshold": L(rng.uniform(0.6, 1.4, N)),
    }
    x = rng.uniform(0, 0.12, (2, 30, Nin)) * (rng.random((2, 30, Nin)) < 0.5)
    case("lif_multisyn",
         "LIF((8,4)): 2 synapses per neuron (input channel i -> neuron i//2, synapse i%2), tau_syn (4,2), batched (2,30,8)",
         lif([Nin, N], p), x, True)

    # 6. LIF multi-synapse recurrent
    rng = np.random.default_rng(6)
    Nin, N = 6, 3
    p = {
        "tau_mem": L(rng.uniform(0.01, 0.05, N)),
        "tau_syn": L(rng.uniform(0.005, 0.05, (N, 2))),
        "bias": L(rng.uniform(-0.05, 0.05, N)),
        "threshold": L(rng.uniform(0.6, 1.4, N)),
        "w_rec": L(w_rec_self_inhib(rng, N, Nin)),
    }
    x = rng.uniform(0, 0.25, (2, 30, Nin)) * (rng.random((2, 30, Nin)) < 0.5)
    case("lif_multisyn_rec",
         "LIF((6,3), has_rec=True), w_rec shape (3,6) (Nout,Nin) ~ N(0,0.3) with own-synapse entries negative: irec = spikes_prev @ w_rec reshaped (3,2); batched (2,30,6)",
         lif([Nin, N], p, has_rec=True), x, True)

    # 7. LIF max_spikes_per_dt cap
    rng = np.random.default_rng(7)
    N = 3
    x = rng.uniform(0, 4.0, (20, N))
    case("lif_max_spikes",
         "LIF(3, max_spikes_per_dt=2) with strong input: multi-spike counts and the cap (vmem grows above threshold)",
         lif([N], None, max_spikes=2.0), x, True)

    # 8. LIF negative input
    rng = np.random.default_rng(8)
    N = 3
    x = rng.uniform(-0.8, 1.0, (40, N))
    case("lif_negative_input",
         "LIF(3) defaults with inputs uniform in [-0.8,1.0): negative vmem gives -0.0 spike counts (numpy spike fn has no lower clip)",
         lif([N]), x, True)

    # 9. Rate with each activation
    for i, act in enumerate(("relu", "tanh", "sigmoid")):
        rng = np.random.default_rng(90 + i)
        N = 5
        tau = rng.uniform(0.005, 0.05, N)
        tau[0] = rng.uniform(0.005, 0.0099)  # below 10*dt -> clipped to 10*dt
        tau[3] = rng.uniform(0.005, 0.0099)
        p = {
            "tau": L(tau),
            "bias": L(rng.uniform(-0.1, 0.1, N)),
            "threshold": L(rng.uniform(-0.2, 0.2, N)),
        }
        x = rng.normal(0.2, 1.0, (2, 30, N))
        case(f"rate_{act}",
             f"Rate(5, activation_func='{act}') random tau in [0.005,0.05] (tau[0], tau[3] < 10*dt -> clipped), bias, threshold, batched (2,30,5), record=True",
             rate(N, p, act=act), x, True)

    # 10. Rate recurrent
    rng = np.random.default_rng(10)
    N = 4
    p = {
        "tau": L(rng.uniform(0.01, 0.05, N)),
        "bias": L(rng.uniform(-0.1, 0.1, N)),
        "threshold": L(rng.uniform(-0.1, 0.1, N)),
        "w_rec": L(rng.normal(0, 0.5, (N, N))),
    }
    x = rng.normal(0.3, 1.0, (30, N))
    case("rate_recurrent",
         "Rate(4, has_rec=True) relu, random w_rec ~ N(0,0.5), 2-D (30,4) input, record=True (rec_input = H(x_prev) @ w_rec)",
         rate(N, p, has_rec=True), x, True)

    # 11. Rate, record=False
    rng = np.random.default_rng(11)
    N = 3
    x = rng.normal(0.0, 1.0, (30, N))
    case("rate_no_record",
         "Rate(3) defaults (tau 0.02, bias 0, threshold 0, relu), 2-D input, record=False -> record is {}",
         rate(N, {}), x, False)

    # 12. Linear
    rng = np.random.default_rng(12)
    W = rng.normal(0, 0.5, (3, 5))
    b = rng.normal(0, 0.5, 5)
    x2 = rng.normal(0, 1, (20, 3))
    x3 = rng.normal(0, 1, (2, 20, 3))
    case("linear_bias",
         "Linear((3,5), has_bias) random weight/bias, 2-D (20,3) input -> 2-D (20,5) output (Linear does not batch)",
         linear(3, 5, W, b), x2, True)
    case("linear_bias_batched",
         "Linear((3,5), has_bias) random weight/bias, 3-D (2,20,3) input",
         linear(3, 5, W, b), x3, True)
    case("linear_nobias",
         "Linear((3,5)) random weight, no bias, 2-D (20,3) input",
         linear(3, 5, W), x2, True)
    case("linear_nobias_batched",
         "Linear((3,5)) random weight, no bias, 3-D (2,20,3) input",
         linear(3, 5, W), x3, True)

    # 13. ExpSyn
    rng = np.random.default_rng(13)
    x = (rng.random((2, 40, 4)) < 0.2).astype(float)
    spec = {
        "class": "ExpSyn",
        "shape": [4],
        "parameters": {"tau": [0.01, 0.02, 0.05, 0.1]},
        "simulation_parameters": {"dt": 1e-3, "noise_std": 0.0, "max_window_length": 1e6},
    }
    case("expsyn",
         "ExpSyn(4, tau=[0.01,0.02,0.05,0.1]) with Bernoulli(0.2) spike input (2,40,4); FFT convolution (differs from the exact recurrence by up to ~1e-14)",
         spec, x, True)
    rng = np.random.default_rng(131)
    x = (rng.random((40, 2)) < 0.3).astype(float)
    spec = {
        "class": "ExpSyn",
        "shape": [2],
        "parameters": {"tau": [0.01, 0.05]},
        "simulation_parameters": {"dt": 1e-3, "noise_std": 0.0, "max_window_length": 8.0},
    }
    case("expsyn_short_window",
         "ExpSyn(2, tau=[0.01,0.05], max_window_length=8): kernel truncated to 8 steps, so memory ends after 8 steps; (40,2) input",
         spec, x, True)

    # 14. Instant
    rng = np.random.default_rng(14)
    x = rng.normal(0, 1.5, (20, 3))
    for fn in ("tanh", "sigmoid", "relu", "exp", "abs", "identity"):
        case(f"instant_{fn}",
             f"Instant(3, function={fn}), 2-D (20,3) input -> (1,20,3) output",
             {"class": "Instant", "shape": [3], "options": {"function": fn}}, x, True)

    # 15. Sequential(Linear, LIF)
    rng = np.random.default_rng(15)
    W = rng.uniform(-0.2, 0.6, (2, 4))
    x = rng.uniform(0, 0.5, (2, 30, 2)) * (rng.random((2, 30, 2)) < 0.5)
    spec = {"class": "Sequential", "modules": [linear(2, 4, W), lif([4])]}
    case("sequential_lin_lif",
         "Sequential(Linear((2,4)) random weight, LIF(4) defaults), batched (2,30,2), record=True",
         spec, x, True)

    # 16. Contract G10
    spec = {
        "class": "Sequential",
        "modules": [linear(2, 3, np.ones((2, 3))), lif([3]), linear(3, 1, np.ones((3, 1)))],
    }
    case("sequential_g10",
         "Contract G10: Sequential(Linear((2,3), ones), LIF(3), Linear((3,1), ones)), input 0.4*ones((4,2)); output [0,6,6,9]",
         spec, 0.4 * np.ones((4, 2)), True, check_ties=False)

    # 17. Deep Sequential
    rng = np.random.default_rng(17)
    W0 = rng.uniform(-0.2, 1.0, (3, 6))
    N = 6
    plif = {
        "tau_mem": L(rng.uniform(0.01, 0.05, N)),
        "tau_syn": L(rng.uniform(0.005, 0.05, (N, 1))),
        "bias": L(rng.uniform(-0.05, 0.05, N)),
        "threshold": L(rng.uniform(0.6, 1.4, N)),
        "w_rec": L(w_rec_self_inhib(rng, N, N)),
    }
    W2 = rng.normal(0, 0.5, (6, 4))
    b2 = rng.normal(0, 0.2, 4)
    prate = {
        "tau": L(rng.uniform(0.005, 0.05, 4)),
        "bias": L(rng.uniform(-0.1, 0.1, 4)),
        "threshold": L(rng.uniform(-0.1, 0.1, 4)),
    }
    x = rng.uniform(0, 0.4, (2, 25, 3)) * (rng.random((2, 25, 3)) < 0.5)
    spec = {
        "class": "Sequential",
        "modules": [
            linear(3, 6, W0),
            lif([N], plif, has_rec=True),
            linear(6, 4, W2, b2),
            rate(4, prate, act="tanh"),
        ],
    }
    case("sequential_deep",
         "Sequential(Linear((3,6)), LIF(6, has_rec), Linear((6,4), has_bias), Rate(4, tanh)), batched (2,25,3), record=True",
         spec, x, True)

    # 18. Residual
    rng = np.random.default_rng(18)
    W0 = rng.uniform(-0.2, 0.6, (4, 6))
    W2 = rng.normal(0, 0.5, (6, 4))
    x = rng.uniform(0, 0.4, (30, 4)) * (rng.random((30, 4)) < 0.5)
    spec = {
        "class": "Residual",
        "modules": [linear(4, 6, W0), lif([6]), linear(6, 4, W2)],
    }
    case("residual",
         "Residual(Linear((4,6)), LIF(6), Linear((6,4))), 2-D (30,4) input; output = seq_out (1,T,4) + input (T,4) -> (1,30,4)",
         spec, x, True)
    x = rng.uniform(0, 0.4, (2, 30, 4)) * (rng.random((2, 30, 4)) < 0.5)
    case("residual_batched",
         "Same network as `residual`, batched (2,30,4) input",
         spec, x, True)

    # 19. FFwdStack
    rng = np.random.default_rng(19)
    W01 = rng.uniform(-0.05, 0.12, (3, 4))
    W12 = rng.uniform(-0.05, 0.12, (4, 2))
    x = rng.uniform(0, 0.2, (30, 3)) * (rng.random((30, 3)) < 0.5)
    spec = {
        "class": "FFwdStack",
        "modules": [lif([3]), lif([4]), lif([2])],
        "parameters": {"0_1_weight": L(W01), "1_2_weight": L(W12)},
    }
    case("ffwdstack",
         "FFwdStack(LIF(3), LIF(4), LIF(2)) with weights 0_1_weight (3,4), 1_2_weight (4,2) set concretely; (30,3) input, record=True",
         spec, x, True)

    # 20. Input last dim 1 (broadcast to size_in)
    rng = np.random.default_rng(20)
    N = 3
    p = {
        "tau_mem": L(rng.uniform(0.01, 0.05, N)),
        "tau_syn": L(rng.uniform(0.005, 0.05, (N, 1))),
        "bias": L(rng.uniform(-0.05, 0.05, N)),
        "threshold": L(rng.uniform(0.6, 1.4, N)),
    }
    x = rng.uniform(0, 0.3, (30, 1)) * (rng.random((30, 1)) < 0.5)
    case("input_last_dim_1",
         "LIF(3) random params with (30,1) input: last dim 1 is broadcast to size_in=3",
         lif([N], p), x, True)

    tie_cases()
    contract_cases()

    print(f"\n{len(WRITTEN)} cases written to {DATA}")


if __name__ == "__main__":
    main()
