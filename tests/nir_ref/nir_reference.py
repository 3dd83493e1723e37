"""Independent numpy/scipy executor of NIR graphs (the reference for Littoral's Graph module).

Written from the documented semantics (docs/models.md §2, docs/nir-semantics.md), not from
Littoral's code. Run it with /work/venv-ref/bin/python (numpy, scipy, nir 1.0.8).

    from nir_reference import run_graph, load_graph
    out = run_graph(load_graph("g.nir"), {"input": x}, dt=1e-4, semantics="littoral")
    out.outputs["output"]        # (T, *shape) per Output node
    out.records["lif1.lif"]      # every node's output and state per step

Semantics options (exact definitions in docs/nir-semantics.md):
  littoral  exact zero-order hold per node (scipy.signal.cont2discrete, method="zoh"),
            input value held over the step as it is, spike when v > v_threshold after the
            step, then v = v_reset.
  dirac     as littoral, but the input of every neuron node is x/dt (a spike count c is a
            Dirac train of integral c, spread over the step).
  rockpool  what Rockpool 3.1.0's `from_nir` builds (LIFNeuronTorch / LIFTorch /
            ExpSynTorch with dt = min(tau/(1+r))), stepped as Rockpool steps them.
  snntorch  what snnTorch 1.0.0's `import_from_nir` builds (Leaky / Synaptic with a
            hard-coded dt = 1e-4, forward Euler, jump input, reset to zero).
  norse     what Norse 1.1.0's `from_nir(graph, dt=dt)` builds (LIFBoxCell / LIBoxCell /
            IAFCell: forward Euler with the run's dt, r of LIF and IF ignored, reset to 0).

Cycle rule: flatten nested graphs, then a depth-first search from the Input nodes in name
order (successors in name order); an edge that reaches a node still on the DFS stack is a
back edge and delivers its source's output of the previous step (zeros at step 0). The other
edges form a DAG, evaluated in the reverse post-order of the same DFS.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.signal

SEMANTICS = ("littoral", "dirac", "rockpool", "snntorch", "norse")
SNNTORCH_DT = 1e-4  # snnTorch 1.0.0 import_nir.py hard-codes dt = 1e-4 for LIF/CubaLIF
NEURONS = ("LI", "I", "IF", "LIF", "CubaLI", "CubaLIF")


class NirReferenceError(ValueError):
    """A graph the reference cannot run, naming the node."""


# ---------------------------------------------------------------------------- graph loading


def load_graph(path):
    """Read a .nir file with the `nir` package."""
    import nir

    return nir.read(path)


@dataclass
class FlatGraph:
    """Nested NIRGraph nodes replaced by their contents, names joined with '.'."""

    nodes: dict  # full name -> nir node (no NIRGraph)
    edges: list  # (src, dst) full names
    inputs: list  # top-level Input node names
    outputs: list  # top-level Output node names


def _kind(node):
    return type(node).__name__


def flatten_graph(graph, prefix="") -> FlatGraph:
    """Flatten a NIRGraph. An edge to a subgraph `s` goes to its (single) Input node, an edge
    from `s` comes from its (single) Output node; `s.x` names node `x` of `s` directly."""
    nodes, edges = {}, []
    sub_io = {}  # subgraph full name -> (input names, output names)
    for name, node in graph.nodes.items():
        full = prefix + name
        if _kind(node) == "NIRGraph":
            sub = flatten_graph(node, full + ".")
            nodes.update(sub.nodes)
            edges.extend(sub.edges)
            sub_io[full] = (sub.inputs, sub.outputs)
        else:
            nodes[full] = node

    def resolve(name, side):
        full = prefix + name
        if full in nodes:
            return full
        if full in sub_io:
            names = sub_io[full][0 if side == "dst" else 1]
            if len(names) != 1:
                raise NirReferenceError(
                    f"edge names subgraph '{full}' which has {len(names)} "
                    f"{'Input' if side == 'dst' else 'Output'} nodes; name one"
                )
            return names[0]
        raise NirReferenceError(f"edge refers to missing node '{full}'")

    for src, dst in graph.edges:
        edges.append((resolve(src, "src"), resolve(dst, "dst")))
    inputs = sorted(n for n in nodes if n.startswith(prefix) and "." not in n[len(prefix):]
                    and _kind(nodes[n]) == "Input")
    outputs = sorted(n for n in nodes if n.startswith(prefix) and "." not in n[len(prefix):]
                     and _kind(nodes[n]) == "Output")
    return FlatGraph(nodes, edges, inputs, outputs)


def schedule(flat: FlatGraph):
    """The cycle rule. Returns (order, back_edges): `order` is a topological order of the
    graph without its back edges; `back_edges` the set of edges that close a cycle.

    DFS from each Input node in sorted name order, then from every still unvisited node in
    sorted name order; successors of a node are visited in sorted name order (duplicate
    edges count once for the order, every copy is summed). An edge (u, v) examined while v
    is on the DFS stack is a back edge. `order` is the reverse post-order."""
    succ = {n: sorted({d for s, d in flat.edges if s == n}) for n in flat.nodes}
    state = {n: 0 for n in flat.nodes}  # 0 new, 1 on stack, 2 done
    post, back = [], set()
    roots = flat.inputs + sorted(flat.nodes)
    for root in roots:
        if state[root]:
            continue
        state[root] = 1
        stack = [(root, iter(succ[root]))]
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                post.append(node)
                stack.pop()
            elif state[nxt] == 1:
                back.add((node, nxt))
            elif state[nxt] == 0:
                state[nxt] = 1
                stack.append((nxt, iter(succ[nxt])))
    return post[::-1], back


# ---------------------------------------------------------------------------- stateless ops


def _pair(v, n=2):
    a = np.atleast_1d(np.asarray(v)).astype(int).ravel()
    return tuple(int(a[0]) for _ in range(n)) if a.size == 1 else tuple(int(x) for x in a)


def _conv_padding(padding, kernel, dilation):
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * len(kernel)
        if padding == "same":
            tot = [d * (k - 1) for k, d in zip(kernel, dilation)]
            return [(t // 2, t - t // 2) for t in tot]
        raise NirReferenceError(f"unknown padding '{padding}'")
    p = _pair(padding, len(kernel))
    return [(q, q) for q in p]


def conv_nd(x, weight, bias, stride, padding, dilation, groups):
    """Cross-correlation as torch.nn.ConvNd: x (C, *spatial), weight (O, C/groups, *k)."""
    nd = weight.ndim - 2
    kernel = weight.shape[2:]
    stride, dilation = _pair(stride, nd), _pair(dilation, nd)
    pads = _conv_padding(padding, kernel, dilation)
    xp = np.pad(x, [(0, 0)] + pads)
    out_sp = [
        (xp.shape[1 + i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1 for i in range(nd)
    ]
    c_in, c_out = x.shape[0], weight.shape[0]
    cg, og = c_in // groups, c_out // groups
    y = np.zeros((c_out, *out_sp))
    for g in range(groups):
        xg = xp[g * cg:(g + 1) * cg]
        wg = weight[g * og:(g + 1) * og]
        for kidx in np.ndindex(*kernel):
            sl = tuple(
                slice(kidx[i] * dilation[i], kidx[i] * dilation[i] + stride[i] * (out_sp[i] - 1) + 1,
                      stride[i])
                for i in range(nd)
            )
            patch = xg[(slice(None),) + sl]  # (cg, *out_sp)
            y[g * og:(g + 1) * og] += np.tensordot(wg[(slice(None), slice(None)) + kidx], patch,
                                                   axes=([1], [0]))
    if bias is not None:
        y += np.asarray(bias, float).reshape((c_out,) + (1,) * nd)
    return y


def pool2d(x, kernel, stride, padding, average):
    """SumPool2d / AvgPool2d (torch's count_include_pad=True) on x (C, H, W)."""
    k, s, p = _pair(kernel), _pair(stride), _pair(padding)
    xp = np.pad(x, [(0, 0), (p[0], p[0]), (p[1], p[1])])
    ho = (xp.shape[1] - k[0]) // s[0] + 1
    wo = (xp.shape[2] - k[1]) // s[1] + 1
    y = np.zeros((x.shape[0], ho, wo))
    for i in range(k[0]):
        for j in range(k[1]):
            y += xp[:, i:i + s[0] * (ho - 1) + 1:s[0], j:j + s[1] * (wo - 1) + 1:s[1]]
    return y / (k[0] * k[1]) if average else y


def flatten_shape(shape, start_dim, end_dim):
    """nir's calc_flatten_output on the unbatched shape."""
    shape = list(shape)
    n = len(shape)
    s = int(start_dim) % n if n else 0
    e = int(end_dim) % n if n else 0
    return tuple(shape[:s] + [int(np.prod(shape[s:e + 1]))] + shape[e + 1:])


# ---------------------------------------------------------------------------- neurons


def zoh(a_mat, b_mat, dt):
    """Exact zero-order hold of s' = A s + B u over dt (scipy)."""
    n = a_mat.shape[0]
    ad, bd, *_ = scipy.signal.cont2discrete(
        (a_mat, b_mat, np.eye(n), np.zeros((n, b_mat.shape[1]))), dt, method="zoh"
    )
    return ad, bd


def _arr(node, name, shape, default=None):
    v = getattr(node, name, None)
    if v is None:
        if default is None:
            raise NirReferenceError(f"missing parameter {name}")
        v = default
    return np.broadcast_to(np.asarray(v, dtype=float), shape).copy()


class Neuron:
    """A NIR neuron under one semantics option. `step(u)` returns (output, state dict)."""

    def __init__(self, name, node, shape, dt, semantics):
        self.name, self.kind, self.dt, self.sem = name, _kind(node), dt, semantics
        self.shape = shape
        p = {}
        if self.kind in ("LI", "LIF"):
            p["tau"] = _arr(node, "tau", shape)
        if self.kind in ("CubaLI", "CubaLIF"):
            p["tau_syn"] = _arr(node, "tau_syn", shape)
            p["tau_mem"] = _arr(node, "tau_mem", shape)
            p["w_in"] = _arr(node, "w_in", shape, 1.0)
        p["r"] = _arr(node, "r", shape, 1.0)
        if self.kind in ("LI", "LIF", "CubaLI", "CubaLIF"):
            p["v_leak"] = _arr(node, "v_leak", shape, 0.0)
        self.spiking = self.kind in ("IF", "LIF", "CubaLIF")
        if self.spiking:
            p["v_threshold"] = _arr(node, "v_threshold", shape)
            p["v_reset"] = _arr(node, "v_reset", shape, 0.0)
        self.p = p
        self.two_state = self.kind in ("CubaLI", "CubaLIF")
        self.v = np.zeros(shape)
        self.i = np.zeros(shape)
        getattr(self, "_init_" + semantics)()

    # -- littoral / dirac: exact ZOH per neuron -------------------------------------------
    def _init_littoral(self):
        p, dt, n = self.p, self.dt, int(np.prod(self.shape))
        flat = {k: v.ravel() for k, v in p.items()}
        if self.two_state:
            self.ad = np.zeros((n, 2, 2))
            self.bd = np.zeros((n, 2, 2))
        else:
            self.ad = np.zeros((n, 1, 1))
            self.bd = np.zeros((n, 1, 2))
        for k in range(n):
            if self.kind in ("LI", "LIF"):
                tau, r = flat["tau"][k], flat["r"][k]
                a_mat = np.array([[-1.0 / tau]])
                b_mat = np.array([[r / tau, 1.0 / tau]])  # inputs (x, v_leak)
            elif self.kind in ("I", "IF"):
                a_mat = np.array([[0.0]])
                b_mat = np.array([[flat["r"][k], 0.0]])
            else:
                ts, tm, r, w = (flat[q][k] for q in ("tau_syn", "tau_mem", "r", "w_in"))
                a_mat = np.array([[-1.0 / ts, 0.0], [r / tm, -1.0 / tm]])  # state (i, v)
                b_mat = np.array([[w / ts, 0.0], [0.0, 1.0 / tm]])
            self.ad[k], self.bd[k] = zoh(a_mat, b_mat, dt)

    _init_dirac = _init_littoral

    def _step_zoh(self, x):
        if self.sem == "dirac":
            x = x / self.dt
        xs = x.ravel()
        leak = self.p.get("v_leak", np.zeros(self.shape)).ravel()
        u = np.stack([xs, leak], axis=1)  # (n, 2)
        if self.two_state:
            s = np.stack([self.i.ravel(), self.v.ravel()], axis=1)
            s = np.einsum("nij,nj->ni", self.ad, s) + np.einsum("nij,nj->ni", self.bd, u)
            self.i = s[:, 0].reshape(self.shape)
            v = s[:, 1].reshape(self.shape)
        else:
            v = self.ad[:, 0, 0] * self.v.ravel() + np.einsum("nj,nj->n", self.bd[:, 0, :], u)
            v = v.reshape(self.shape)
        if not self.spiking:
            self.v = v
            return v
        z = v > self.p["v_threshold"]
        self.v = np.where(z, self.p["v_reset"], v)
        return z.astype(float)

    # -- rockpool 3.1.0 from_nir ------------------------------------------------------------
    def _init_rockpool(self):
        p = self.p
        if self.kind not in ("LI", "LIF", "CubaLIF"):
            raise NirReferenceError(
                f"node '{self.name}': Rockpool 3.1.0 from_nir cannot import {self.kind}")
        tau = p["tau"] if self.kind in ("LI", "LIF") else p["tau_mem"]
        # rockpool/nn/modules/torch/nir.py: dt = min(tau / (1 + r)) over the node
        self.rp_dt = float(np.min(tau / (1.0 + p["r"])))
        if self.kind == "LI":
            # ExpSynTorch(tau=tau.int(), ...): tau is truncated to whole seconds
            tau_int = np.trunc(tau)
            with np.errstate(divide="ignore"):
                self.beta = np.exp(-self.rp_dt / tau_int)
        elif self.kind == "LIF":
            self.alpha = np.exp(-self.rp_dt / tau)  # LIFNeuronTorch
        else:
            self.alpha = np.exp(-self.rp_dt / p["tau_mem"])  # LIFTorch
            self.beta = np.exp(-self.rp_dt / p["tau_syn"])

    def _step_rockpool(self, x):
        p = self.p
        if self.kind == "LI":  # ExpSynTorch: isyn += x; isyn *= beta
            self.v = (self.v + x) * self.beta
            return self.v
        if self.kind == "LIF":  # LIFNeuronTorch: v *= alpha; v += x; v += bias(=v_leak)
            v = self.v * self.alpha + x + p["v_leak"]
        else:  # LIFTorch: isyn += x; v *= alpha; isyn *= beta; v += isyn + bias
            self.i = (self.i + x) * self.beta
            v = self.v * self.alpha + self.i + p["v_leak"]
        th = p["v_threshold"]
        spikes = np.where(v >= th, np.floor(v / th), 0.0)  # multi-spike, >=, max 2**16
        spikes = np.minimum(spikes, 2.0**16)
        self.v = v - spikes * th  # subtractive reset; v_reset is ignored
        return spikes

    # -- snnTorch 1.0.0 import_from_nir -----------------------------------------------------
    def _init_snntorch(self):
        p, dt = self.p, SNNTORCH_DT
        if self.kind == "IF":
            # snn.Leaky(beta=0.9, threshold=v_threshold*r), asserts r == 1, unique v_th
            self._snn_require(np.all(p["r"] == 1.0), "r = 1")
            self.beta = 0.9
            self.thr = float(self._snn_unique(p["v_threshold"]))
        elif self.kind == "LIF":
            if not np.allclose(p["v_leak"], 0.0):
                raise NirReferenceError(f"node '{self.name}': snnTorch needs v_leak = 0")
            self.beta = 1.0 - dt / p["tau"]
            w_scale = p["r"] * dt / p["tau"]
            self.thr = float(self._snn_unique(p["v_threshold"] / np.unique(w_scale)[0]))
        elif self.kind == "CubaLIF":
            if not np.allclose(p["v_leak"], 0.0):
                raise NirReferenceError(f"node '{self.name}': snnTorch needs v_leak = 0")
            if not np.allclose(p["r"], p["tau_mem"] / dt):
                raise NirReferenceError(f"node '{self.name}': snnTorch needs r = tau_mem/1e-4")
            self.alpha = 1.0 - dt / p["tau_syn"]
            self.beta = 1.0 - dt / p["tau_mem"]
            w_scale = p["w_in"] * dt / p["tau_syn"]
            self.thr = float(self._snn_unique(p["v_threshold"] / w_scale))
        else:
            raise NirReferenceError(
                f"node '{self.name}': snnTorch 1.0.0 import_from_nir cannot import {self.kind}")

    def _snn_require(self, ok, what):
        if not ok:
            raise NirReferenceError(f"node '{self.name}': snnTorch's import needs {what}")

    def _snn_unique(self, values):
        """snnTorch asserts one threshold for the whole layer."""
        uniq = np.unique(values)
        self._snn_require(uniq.size == 1, "one v_threshold (after scaling) for all neurons")
        return uniq[0]

    def _step_snntorch(self, x):
        # Leaky/Synaptic with reset_mechanism="zero", reset_delay=False: the membrane is
        # snnTorch's own (scaled) variable; spike when mem > thr; mem = 0 on a spike.
        if self.kind == "CubaLIF":
            self.i = self.alpha * self.i + x
            v = self.beta * self.v + self.i
        else:
            v = self.beta * self.v + x
        z = v > self.thr
        self.v = np.where(z, 0.0, v)
        return z.astype(float)

    # -- Norse 1.1.0 from_nir -----------------------------------------------------------------
    def _init_norse(self):
        if self.kind not in ("IF", "LIF", "CubaLIF"):
            raise NirReferenceError(
                f"node '{self.name}': Norse 1.1.0 from_nir cannot import {self.kind}")
        # Norse's initial states: LIFBoxCell and LIBoxCell start at v_leak, IAFCell at 0
        if self.kind in ("LIF", "CubaLIF"):
            self.v = self.p["v_leak"].copy()
        if self.kind == "CubaLIF":
            self.i = self.p["v_leak"].copy()

    def _step_norse(self, x):
        # norse/torch/utils/import_nir.py with its LIFBoxParameters/LIBoxParameters defaults:
        # v_reset = 0 (NIR's v_reset is not passed), heaviside(v - v_th) is strict.
        p, dt = self.p, self.dt
        if self.kind == "IF":  # IAFCell: v += x (r, dt unused)
            v = self.v + x
        elif self.kind == "LIF":  # LIFBoxCell: v += dt/tau (x + v_leak - v) (r unused)
            v = self.v + dt / p["tau"] * (x + p["v_leak"] - self.v)
        else:  # w_in -> LIBoxCell(tau_syn, v_leak) -> r -> LIFBoxCell(tau_mem, v_leak)
            self.i = self.i + dt / p["tau_syn"] * ((p["v_leak"] - self.i) + p["w_in"] * x)
            v = self.v + dt / p["tau_mem"] * (p["r"] * self.i + p["v_leak"] - self.v)
        z = v > p["v_threshold"]
        self.v = np.where(z, 0.0, v)
        return z.astype(float)

    def step(self, x):
        x = np.broadcast_to(np.asarray(x, float), self.shape)
        if self.sem in ("littoral", "dirac"):
            out = self._step_zoh(x)
        else:
            out = getattr(self, "_step_" + self.sem)(x)
        state = {"v": self.v.copy()}
        if self.two_state:
            state["i"] = self.i.copy()
        return out, state


# ---------------------------------------------------------------------------- executor


@dataclass
class RunResult:
    outputs: dict  # Output node name -> (T, *shape)
    records: dict  # node name -> {"output": (T, ...), "v": ..., "i": ..., "buffer": ...}
    order: list
    back_edges: list


@dataclass
class _NodeRt:
    name: str
    node: object
    kind: str
    neuron: Neuron | None = None
    delay: np.ndarray | None = None
    buffer: list = field(default_factory=list)


def _out_shape_of(node):
    t = getattr(node, "output_type", None) or {}
    s = t.get("output") if isinstance(t, dict) else None
    return None if s is None else tuple(int(v) for v in np.atleast_1d(s))


def _in_shape_of(node):
    t = getattr(node, "input_type", None) or {}
    s = t.get("input") if isinstance(t, dict) else None
    return None if s is None else tuple(int(v) for v in np.atleast_1d(s))


def _neuron_shape(node):
    for attr in ("v_threshold", "tau", "tau_mem", "r"):
        v = getattr(node, attr, None)
        if v is not None and np.ndim(v) > 0:
            return tuple(np.shape(v))
    s = _in_shape_of(node)
    return s if s is not None else ()


def _delay_steps(name, delay, dt):
    d = np.asarray(delay, float) / dt
    k = np.round(d)
    if np.any(np.abs(d - k) > 1e-9 * np.maximum(1.0, k)) or np.any(k < 0):
        raise NirReferenceError(f"node '{name}': delay {delay} is not a whole number of steps")
    return k.astype(int)


def _stateless(rt: _NodeRt, x, sem):
    n, k = rt.node, rt.kind
    if k in ("Input", "Output"):
        return x
    if k == "Affine":
        return x @ np.asarray(n.weight, float).T + np.asarray(n.bias, float)
    if k == "Linear":
        return x @ np.asarray(n.weight, float).T
    if k == "Scale":
        return np.asarray(n.scale, float) * x
    if k == "Threshold":
        return (x > np.asarray(n.threshold, float)).astype(float)
    if k == "Flatten":
        return x.reshape(flatten_shape(x.shape, n.start_dim, n.end_dim))
    if k in ("Conv1d", "Conv2d"):
        return conv_nd(x, np.asarray(n.weight, float), n.bias, n.stride, n.padding,
                       n.dilation, int(n.groups))
    if k in ("SumPool2d", "AvgPool2d"):
        if sem == "norse":
            if k == "AvgPool2d":
                raise NirReferenceError(f"node '{rt.name}': Norse 1.1.0 cannot import AvgPool2d")
            return pool2d(x, n.kernel_size, n.stride, 0, False)  # LPPool2d: padding ignored
        return pool2d(x, n.kernel_size, n.stride, n.padding, k == "AvgPool2d")
    raise NirReferenceError(f"node '{rt.name}': unsupported primitive {k}")


def run_graph(graph, inputs, dt, semantics="littoral"):
    """Run `graph` (a nir.NIRGraph) on `inputs` ({Input name: (T, *shape)} or one array for a
    single Input node) with step `dt`. Returns a RunResult with every node's record."""
    if semantics not in SEMANTICS:
        raise NirReferenceError(f"unknown semantics '{semantics}', expected one of {SEMANTICS}")
    flat = flatten_graph(graph)
    order, back = schedule(flat)
    if not isinstance(inputs, dict):
        if len(flat.inputs) != 1:
            raise NirReferenceError(f"graph has Input nodes {flat.inputs}; pass a dict")
        inputs = {flat.inputs[0]: inputs}
    inputs = {k: np.asarray(v, float) for k, v in inputs.items()}
    steps = {len(v) for v in inputs.values()}
    if len(steps) != 1:
        raise NirReferenceError("inputs have different numbers of steps")
    (n_steps,) = steps
    rts = {}
    for name in order:
        node = flat.nodes[name]
        rt = _NodeRt(name, node, _kind(node))
        if rt.kind in NEURONS:
            rt.neuron = Neuron(name, node, _neuron_shape(node), dt, semantics)
        elif rt.kind == "Delay":
            rt.delay = _delay_steps(name, node.delay, dt)
        rts[name] = rt
    preds = {n: [] for n in flat.nodes}
    for s, d in flat.edges:
        preds[d].append((s, (s, d) in back))
    prev = {}  # previous step's outputs (for back edges)
    records = {n: {"output": []} for n in order}
    for t in range(n_steps):
        cur = {}
        for name in order:
            rt = rts[name]
            if rt.kind == "Input" and name in flat.inputs:
                if name not in inputs:
                    raise NirReferenceError(f"no input given for Input node '{name}'")
                x = inputs[name][t]
            else:
                terms = []
                for s, is_back in preds[name]:
                    if is_back:
                        terms.append(prev.get(s))
                    else:
                        terms.append(cur[s])
                x = None
                for term in terms:
                    if term is None:
                        continue
                    x = term.copy() if x is None else x + term
                if x is None:  # only back edges at step 0
                    x = np.zeros(_zero_shape(rt, preds, flat))
            state = {}
            if rt.neuron is not None:
                y, state = rt.neuron.step(x)
            elif rt.kind == "Delay":
                y = _delay_step(rt, x)
                state = {"buffer": np.array(rt.buffer)}
            else:
                y = _stateless(rt, x, semantics)
            cur[name] = np.asarray(y, float)
            records[name]["output"].append(cur[name])
            for k, v in state.items():
                records[name].setdefault(k, []).append(v)
        prev = cur
    records = {n: {k: np.array(v) for k, v in r.items()} for n, r in records.items()}
    outputs = {n: records[n]["output"] for n in flat.outputs}
    return RunResult(outputs, records, order, sorted(back))


def _zero_shape(rt, preds, flat):
    """Shape of a node's input when all its inputs are back edges at step 0: its declared
    input type, else the declared output type of a source."""
    s = _in_shape_of(rt.node)
    if s is not None:
        return s
    for src, _ in preds[rt.name]:
        so = _out_shape_of(flat.nodes[src])
        if so is not None:
            return so
    raise NirReferenceError(f"node '{rt.name}': cannot infer its input shape at step 0")


def _delay_step(rt, x):
    """y_n = x_{n-d} per channel; buffer holds the last max(d) inputs, newest last."""
    d = np.broadcast_to(rt.delay, x.shape)
    dmax = int(d.max()) if d.size else 0
    if not rt.buffer:
        rt.buffer = [np.zeros(x.shape) for _ in range(dmax)]
    hist = rt.buffer + [x]  # hist[-1 - k] = x_{n-k}
    y = np.zeros(x.shape)
    for idx in np.ndindex(*x.shape) if x.shape else [()]:
        y[idx] = hist[-1 - int(d[idx])][idx]
    rt.buffer = hist[1:] if dmax else []
    return y


__all__ = [
    "SEMANTICS",
    "NirReferenceError",
    "RunResult",
    "conv_nd",
    "flatten_graph",
    "load_graph",
    "pool2d",
    "run_graph",
    "schedule",
    "zoh",
]
