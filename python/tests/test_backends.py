"""Rockpool's Jax and Torch modules convert with ``from_rockpool`` into the same network:
the converted values equal Rockpool's, and an evolution gives Rockpool's output, record
and state at 1e-9 (spikes exactly), as the numpy parity tests (``test_parity.py``).

Rockpool's Jax and Torch modules run in float32 unless told otherwise; the comparisons
run them in float64 (``jax.enable_x64``, ``torch.set_default_dtype``). Rockpool's Jax
modules also round every module's *input* to float32 (``JaxModule._auto_batch``), so
the inputs here are float32 numbers, and a module follows another only where the signal
between them is spikes (exact in float32)."""
import contextlib

import numpy as np
import pytest

import littoral
from test_parity import _leaves as leaves, compare_tree

STEPS = 60


def f32_input(seed, size_in, batch=1):
    """Uniform input whose values are float32 numbers (Rockpool's Jax rounding is exact)."""
    rng = np.random.default_rng(20_000 + seed)
    return rng.uniform(0.0, 0.5, (batch, STEPS, size_in)).astype(np.float32).astype(np.float64)


def without_rng(tree):
    """Rockpool's tree without its random keys (Rockpool's streams are not converted)."""
    return {k: without_rng(v) if isinstance(v, dict) else v for k, v in tree.items() if k != "rng_key"}


def assert_parity(rp, lit, x, spiking):
    """Evolve both from their current state; outputs, records and new states agree."""
    np.random.seed(0)
    ref_out, ref_state, ref_rec = rp(x, record=True)
    out, state, rec = lit(x, record=True)
    ref_out = np.asarray(ref_out, dtype=np.float64)
    assert out.shape == ref_out.shape
    if spiking:
        assert np.array_equal(out, ref_out), "spikes differ"
        assert out.sum() > 0, "the case should spike"
    else:
        np.testing.assert_allclose(out, ref_out, rtol=1e-9, atol=1e-9)
    compare_tree(rec, ref_rec, "record")
    ref_state = without_rng(ref_state)
    compared = compare_tree(state, ref_state, "state", batch0=True)
    assert compared == sum(1 for _ in leaves(ref_state)), "every Rockpool state leaf has a Littoral counterpart"


def assert_same_values(rp, lit):
    for kind in ("parameters", "state"):
        theirs = without_rng(getattr(rp, kind)())
        count = compare_tree(getattr(lit, kind)(), theirs, kind, batch0=True)
        assert count == sum(1 for _ in leaves(theirs)), kind


# -- Jax ---------------------------------------------------------------------------------


@contextlib.contextmanager
def jax_x64():
    jax = pytest.importorskip("jax")
    enable = getattr(jax, "enable_x64", None)
    if not callable(enable):  # older jax
        from jax.experimental import enable_x64 as enable
    with enable(True):
        yield jax


def jax_modules(rng):
    """(name, Rockpool Jax module, input width, spiking output) for every Jax class
    from_rockpool converts."""
    import jax.numpy as jnp
    from rockpool.nn.combinators import Sequential
    from rockpool.nn.modules import ExpSynJax, InstantJax, LIFJax, LinearJax, RateJax

    lif = dict(
        tau_mem=rng.uniform(0.01, 0.05, 3), tau_syn=rng.uniform(0.005, 0.05, (3, 2)),
        bias=rng.normal(0.0, 0.1, 3), threshold=rng.uniform(0.2, 0.6, 3),
    )
    return [
        ("LIFJax", LIFJax((6, 3), has_rec=True, w_rec=rng.normal(0.0, 0.05, (3, 6)), **lif), 6, True),
        ("LIFJax_plain", LIFJax((6, 3), **lif), 6, True),
        ("LinearJax", LinearJax((4, 3), weight=rng.uniform(-1, 1, (4, 3)), has_bias=True,
                                bias=rng.normal(0.0, 0.2, 3)), 4, False),
        ("RateJax", RateJax(3, has_rec=True, w_rec=rng.normal(0.0, 0.3, (3, 3)), tau=rng.uniform(0.01, 0.05, 3),
                            bias=rng.normal(0.0, 0.1, 3), activation_func="tanh"), 3, False),
        ("ExpSynJax", ExpSynJax(3, tau=rng.uniform(0.005, 0.05, 3)), 3, False),
        ("InstantJax", InstantJax(3, function=lambda v: jnp.maximum(v, 0.0)), 3, False),
        ("Sequential(LIFJax, LinearJax)", Sequential(
            LIFJax((6, 3), **lif), LinearJax((3, 2), weight=rng.uniform(-1, 1, (3, 2)))), 6, False),
    ]


def test_jax_modules_evolve_as_rockpool():
    with jax_x64():
        cases = jax_modules(np.random.default_rng(7))
        for i, (name, rp, size_in, spiking) in enumerate(cases):
            lit = littoral.from_rockpool(rp)
            assert_same_values(rp, lit)
            try:
                assert_parity(rp, lit, f32_input(i, size_in), spiking)
            except AssertionError as e:
                raise AssertionError(f"{name}: {e}") from None


def test_jax_state_carries_over_in_conversion():
    """Convert after Rockpool evolved (non-zero state), then continue both."""
    with jax_x64():
        for i, (name, rp, size_in, spiking) in enumerate(jax_modules(np.random.default_rng(8))):
            _, new_state, _ = rp(f32_input(100 + i, size_in))
            rp = rp.set_attributes(new_state)
            lit = littoral.from_rockpool(rp)
            assert_same_values(rp, lit)
            try:
                assert_parity(rp, lit, f32_input(200 + i, size_in), spiking)
            except AssertionError as e:
                raise AssertionError(f"{name}: {e}") from None


# -- Torch (not installable on the project's build machines; runs where torch is) ---------


def torch_modules(rng):
    import torch
    from rockpool.nn.combinators import Sequential
    from rockpool.nn.modules import LIFTorch, LinearTorch

    def t(a):
        return torch.as_tensor(a, dtype=torch.float64)

    lif = dict(
        tau_mem=t(rng.uniform(0.01, 0.05, 3)), tau_syn=t(rng.uniform(0.005, 0.05, (3, 2))),
        bias=t(rng.normal(0.0, 0.1, 3)), threshold=t(rng.uniform(0.2, 0.6, 3)),
    )
    return [
        ("LIFTorch", LIFTorch((6, 3), has_rec=True, w_rec=t(rng.normal(0.0, 0.05, (3, 6))), **lif), 6, True),
        ("LinearTorch", LinearTorch((4, 3), weight=t(rng.uniform(-1, 1, (4, 3))), has_bias=True,
                                    bias=t(rng.normal(0.0, 0.2, 3))), 4, False),
        ("Sequential(LIFTorch, LinearTorch)", Sequential(
            LIFTorch((6, 3), **lif), LinearTorch((3, 2), weight=t(rng.uniform(-1, 1, (3, 2))))), 6, False),
    ]


def test_torch_modules_evolve_as_rockpool():
    torch = pytest.importorskip("torch")
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        for i, (name, rp, size_in, spiking) in enumerate(torch_modules(np.random.default_rng(9))):
            lit = littoral.from_rockpool(rp)
            assert_same_values(rp, lit)
            x = f32_input(i, size_in)
            with torch.no_grad():
                try:
                    assert_parity(_NumpyCalls(rp, torch), lit, x, spiking)
                except AssertionError as e:
                    raise AssertionError(f"{name}: {e}") from None
    finally:
        torch.set_default_dtype(default)


class _NumpyCalls:
    """A Torch module called with NumPy input, returning NumPy trees."""

    def __init__(self, module, torch):
        self.module, self.torch = module, torch

    def __call__(self, x, record=False):
        out, state, rec = self.module(self.torch.as_tensor(x), record=record)
        return _to_numpy(out), _to_numpy(state), _to_numpy(rec)


def _to_numpy(v):
    if isinstance(v, dict):
        return {k: _to_numpy(w) for k, w in v.items()}
    if hasattr(v, "detach"):
        return v.detach().cpu().numpy()
    return v
