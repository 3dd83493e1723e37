"""Random Rockpool 3.1.0 (numpy) networks for the parity tests."""
import numpy as np
from rockpool.nn.combinators import FFwdStack, Residual, Sequential
from rockpool.nn.modules import LIF, ExpSyn, Instant, Linear, Rate


def lif(rng, n, synapses=1, has_rec=None):
    """LIF((n·S, n)) with random time constants, biases, thresholds and recurrence."""
    nin = n * synapses
    if has_rec is None:
        has_rec = bool(rng.integers(2))
    kw = dict(
        tau_mem=rng.uniform(0.01, 0.05, n),
        tau_syn=rng.uniform(0.005, 0.05, (n, synapses)),
        bias=rng.normal(0.0, 0.1, n),
        threshold=rng.uniform(0.5, 1.5, n),
    )
    if has_rec:
        kw["w_rec"] = rng.normal(0.0, 0.05, (n, nin))
    return LIF((nin, n), has_rec=has_rec, **kw)


def rate(rng, n):
    act = ["relu", "tanh", "sigmoid"][int(rng.integers(3))]
    has_rec = bool(rng.integers(2))
    kw = dict(tau=rng.uniform(0.01, 0.05, n), bias=rng.normal(0.0, 0.1, n), threshold=rng.normal(0.0, 0.1, n))
    if has_rec:
        kw["w_rec"] = rng.normal(0.0, 0.3, (n, n))
    return Rate(n, has_rec=has_rec, activation_func=act, **kw)


def linear(rng, nin, nout):
    has_bias = bool(rng.integers(2))
    kw = dict(weight=rng.uniform(-1.0, 1.0, (nin, nout)))
    if has_bias:
        kw["bias"] = rng.normal(0.0, 0.2, nout)
    return Linear((nin, nout), has_bias=has_bias, **kw)


def neuron_layer(rng, n):
    """One of the neuron-like layers of width n (size_in == size_out == n)."""
    kind = int(rng.integers(4))
    if kind == 0:
        return lif(rng, n)
    if kind == 1:
        return rate(rng, n)
    if kind == 2:
        return ExpSyn(n, tau=rng.uniform(0.005, 0.05, n))
    return Instant(n, function=np.tanh)


def random_network(seed):
    """A random network and its input width. Cycles through the module kinds so every
    class and combinator appears among a few seeds."""
    rng = np.random.default_rng(seed)
    kind = seed % 6
    if kind == 0:
        n = int(rng.integers(2, 6))
        return lif(rng, n, synapses=int(rng.integers(1, 3))), None
    if kind == 1:
        a, b, c = (int(v) for v in rng.integers(2, 7, 3))
        return Sequential(linear(rng, a, b), neuron_layer(rng, b), linear(rng, b, c), lif(rng, c)), a
    if kind == 2:
        n = int(rng.integers(2, 6))
        return Residual(linear(rng, n, n), lif(rng, n)), n
    if kind == 3:
        a, b = (int(v) for v in rng.integers(2, 6, 2))
        stack = FFwdStack(lif(rng, a), lif(rng, b), weight_init_func=lambda s: rng.normal(0.0, 1.0, s))
        return stack, a
    if kind == 4:
        a, b = (int(v) for v in rng.integers(2, 6, 2))
        return Sequential(linear(rng, a, b), rate(rng, b), Instant(b, function=np.tanh)), a
    a, b = (int(v) for v in rng.integers(2, 6, 2))
    return Sequential(linear(rng, a, b), ExpSyn(b, tau=rng.uniform(0.005, 0.05, b)), lif(rng, b)), a


def random_input(seed, size_in, batch=2, steps=60):
    rng = np.random.default_rng(10_000 + seed)
    return rng.uniform(0.0, 0.5, (batch, steps, size_in))
