"""The standard workloads W1–W4 in Rockpool 3.1.0 (numpy backend and jitted Jax on the
CPU), copied from the project's reference script `bench/rockpool_baseline.py` with sizes
as parameters and the median of the repeats instead of the best.

Each function returns the median seconds of the evolution alone (construction, input
generation and JIT compilation excluded).
"""
import statistics
import time
import warnings

warnings.filterwarnings("ignore")
import numpy as np  # noqa: E402


def median_of(fn, repeats):
    times = []
    for _ in range(max(1, repeats)):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def w1(n, backend, repeats, b=10, t=1000):
    """Rockpool's own LIF benchmark: LIF(N) alone, B=10, T=1000, input uniform [0, 1)."""
    from rockpool.nn.modules import LIF, LIFJax

    x = np.random.default_rng(0).random((b, t, n))
    if backend == "numpy":
        mod = LIF(n)
        return median_of(lambda: mod(x), repeats)
    import jax

    mod = jax.jit(LIFJax(n), backend="cpu")
    jax.block_until_ready(mod(x))
    return median_of(lambda: jax.block_until_ready(mod(x)), repeats)


def w2_net(backend):
    from rockpool.nn.combinators import Sequential
    from rockpool.nn.modules import LIF, LIFJax, Linear, LinearJax

    rng = np.random.default_rng(2)
    w = rng.uniform(-np.sqrt(6 / 512), np.sqrt(6 / 512), (512, 512))
    if backend == "numpy":
        return Sequential(Linear((512, 512), weight=w), LIF(512))
    return Sequential(LinearJax((512, 512), weight=w), LIFJax(512))


def w2(backend, repeats, b=32, t=1000):
    """Feed-forward: Linear(512->512) + LIF(512), B=32, T=1000, Bernoulli(0.05) input."""
    x = (np.random.default_rng(3).random((b, t, 512)) < 0.05).astype(float)
    net = w2_net(backend)
    if backend == "numpy":
        return median_of(lambda: net(x), repeats)
    import jax

    f = jax.jit(lambda m, x: m(x))
    jax.block_until_ready(f(net, x))
    return median_of(lambda: jax.block_until_ready(f(net, x)), repeats)


def w3(backend, repeats, t=10000):
    """Recurrent: LIF(2048, has_rec) w_rec ~ N(0, 0.02/sqrt(N)), B=1, Bernoulli(0.02)*0.12 input."""
    from rockpool.nn.modules import LIF, LIFJax

    n = 2048
    rng = np.random.default_rng(4)
    w = rng.normal(0, 0.02 / np.sqrt(n), (n, n))
    x = (rng.random((1, t, n)) < 0.02).astype(float) * 0.12
    if backend == "numpy":
        mod = LIF(n, has_rec=True, w_rec=w)
        return median_of(lambda: mod(x), repeats)
    import jax

    mod = jax.jit(LIFJax(n, has_rec=True, w_rec=w), backend="cpu")
    jax.block_until_ready(mod(x))
    return median_of(lambda: jax.block_until_ready(mod(x)), repeats)


def w4(backend, repeats, b=4, t=500):
    """Sweep: 64 points (8 tau_mem x 8 threshold) of the W2 network; numpy one point after
    another, Jax vmapped over both axes and jitted (XLA computes the Linear stage once)."""
    x = (np.random.default_rng(5).random((b, t, 512)) < 0.05).astype(float)
    taus = np.linspace(0.01, 0.08, 8)
    thrs = np.linspace(0.5, 2.0, 8)
    net = w2_net(backend)
    if backend == "numpy":

        def run():
            for tau in taus:
                for thr in thrs:
                    net[1].tau_mem = np.full(512, tau)
                    net[1].threshold = np.full(512, thr)
                    net[1].reset_state()
                    net(x)

        return median_of(run, repeats)
    import jax
    import jax.numpy as jnp

    params = net.parameters()

    def one(tau, thr):
        p = dict(params)
        p["1_LIFJax"] = dict(p["1_LIFJax"], tau_mem=tau * jnp.ones(512), threshold=thr * jnp.ones(512))
        out, _, _ = net.set_attributes(p)(x)
        return out

    f = jax.jit(jax.vmap(jax.vmap(one, (None, 0)), (0, None)))
    jax.block_until_ready(f(jnp.array(taus), jnp.array(thrs)))
    return median_of(lambda: jax.block_until_ready(f(jnp.array(taus), jnp.array(thrs))), repeats)
