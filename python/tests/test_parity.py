"""Parity with Rockpool 3.1.0 (numpy backend), the reference, run inside the test: random
networks converted with ``littoral.from_rockpool`` give the same outputs, records and
states at 1e-9, and the same spikes exactly."""
import copy

import numpy as np
import pytest

import littoral
from conftest import assert_close
from rockpool_nets import random_input, random_network

SEEDS = range(24)


def compare_tree(ours, ref, path, batch0=False):
    """Every leaf Rockpool has and Littoral has too, compared at 1e-9; returns the count."""
    count = 0
    for k, v in ref.items():
        if k not in ours:
            continue
        if isinstance(v, dict):
            count += compare_tree(ours[k], v, f"{path}.{k}", batch0)
        else:
            o = np.asarray(ours[k])
            r = np.asarray(v, dtype=np.float64)
            if batch0 and o.ndim == r.ndim + 1:
                o = o[0]
            assert_close(o, r, f"{path}.{k}")
            count += 1
    return count


def rockpool_call(module, x, record):
    np.random.seed(0)  # Rockpool draws (zero-scaled) noise from the global generator
    return module(x, record=record)


@pytest.mark.parametrize("seed", SEEDS)
def test_random_network_matches_rockpool(seed):
    net, size_in = random_network(seed)
    lit = littoral.from_rockpool(net)
    x = random_input(seed, size_in or net.size_in)

    ref_out, ref_state, ref_rec = rockpool_call(net, x, record=True)
    out, state, rec = lit(x, record=True)

    assert out.shape == np.shape(ref_out)
    if lit.spiking_output:
        assert np.array_equal(out, np.asarray(ref_out)), "spikes differ"
        assert np.sum(out) > 0, "the case should spike"
    else:
        assert_close(out, ref_out)
    assert compare_tree(rec, ref_rec, "record") > 0, "every case records a LIF or Rate"
    assert compare_tree(state, ref_state, "state", batch0=True) == sum(
        1 for _ in _leaves(ref_state)
    ), "every Rockpool state leaf has a Littoral counterpart"


@pytest.mark.parametrize("seed", SEEDS)
def test_state_carries_over_in_conversion(seed):
    """Convert a Rockpool module after it has evolved (non-zero state), then continue both."""
    net, size_in = random_network(seed)
    x = random_input(seed, size_in or net.size_in, batch=1, steps=40)
    rockpool_call(net, x, record=False)
    lit = littoral.from_rockpool(net)
    compare_tree(lit.state(), net.state(), "state")

    x2 = random_input(seed + 1000, net.size_in, batch=1, steps=40)
    ref_out, ref_state, _ = rockpool_call(net, x2, record=False)
    out, state, _ = lit(x2)
    if lit.spiking_output:
        assert np.array_equal(out, np.asarray(ref_out))
    else:
        assert_close(out, ref_out)
    compare_tree(state, ref_state, "state", batch0=True)


@pytest.mark.parametrize("seed", SEEDS[:12])
def test_to_rockpool_round_trip(seed):
    """from_rockpool ∘ to_rockpool keeps every parameter and simulation parameter, and the
    Rockpool module it gives evolves as the original."""
    net, size_in = random_network(seed)
    original = copy.deepcopy(net)
    back = littoral.from_rockpool(net).to_rockpool()
    assert type(back).__name__ == type(net).__name__
    assert compare_tree(back.parameters(), net.parameters(), "parameters") == sum(1 for _ in _leaves(net.parameters()))
    compare_tree(_numeric(back.simulation_parameters()), _numeric(net.simulation_parameters()), "simulation_parameters")

    x = random_input(seed, size_in or net.size_in, batch=1, steps=30)
    a = rockpool_call(original, x, record=False)[0]
    b = rockpool_call(back, x, record=False)[0]
    assert_close(b, a)


def test_littoral_round_trip_through_rockpool(rng):
    """to_rockpool ∘ from_rockpool on a Littoral network gives back the same values."""
    net = littoral.Sequential(
        littoral.Linear((3, 4), weight=rng.normal(size=(3, 4)), bias=rng.normal(size=4)),
        littoral.LIF(4, has_rec=True, tau_mem=rng.uniform(0.01, 0.05, 4)),
        littoral.Linear((4, 2)),
        littoral.Rate(2, activation_func="tanh", tau=0.03),
    )
    net(rng.uniform(0, 2, (1, 20, 3)))  # non-zero state
    again = littoral.from_rockpool(net.to_rockpool())
    for kind in ("parameters", "simulation_parameters"):
        _assert_same(getattr(again, kind)(), getattr(net, kind)(), kind)
    # Rockpool keeps one sample's state: the batch axis is dropped on the way.
    per_sample = {k: {n: v[0] for n, v in s.items() if n != "rng_key"} for k, s in net.state().items()}
    assert compare_tree(again.state(), per_sample, "state") == 4  # spikes, isyn, vmem, x


def _assert_same(a, b, path):
    assert a.keys() == b.keys(), path
    for k in a:
        if isinstance(a[k], dict):
            _assert_same(a[k], b[k], f"{path}.{k}")
        else:
            assert np.array_equal(np.asarray(a[k]), np.broadcast_to(b[k], np.shape(a[k]))), f"{path}.{k}"


def _leaves(tree):
    for v in tree.values():
        if isinstance(v, dict):
            yield from _leaves(v)
        else:
            yield v


def _numeric(tree):
    out = {}
    for k, v in tree.items():
        if isinstance(v, dict):
            out[k] = _numeric(v)
        elif not k.startswith("_") and not callable(v):
            try:
                out[k] = np.asarray(v, dtype=np.float64)
            except (TypeError, ValueError):
                pass
    return out


def test_unsupported_rockpool_module_names_the_class():
    from rockpool.nn.modules import ButterFilter

    with pytest.raises(ValueError, match="unsupported Rockpool class 'ButterFilter'"):
        littoral.from_rockpool(ButterFilter(frequency=[100.0, 200.0], bandwidth=10.0, fs=10000.0))


def test_unsupported_rockpool_class_raises():
    class Custom:
        pass

    with pytest.raises(ValueError, match="unsupported Rockpool class 'Custom'"):
        littoral.from_rockpool(Custom())


def test_rockpool_constant_stays_a_simulation_parameter():
    from rockpool.nn.modules import LIF
    from rockpool.parameters import Constant

    rp = LIF(3, tau_mem=Constant(np.array([0.01, 0.02, 0.03])), threshold=0.5)
    lit = littoral.from_rockpool(rp)
    assert "tau_mem" not in lit.parameters()
    assert np.array_equal(lit.simulation_parameters()["tau_mem"], [0.01, 0.02, 0.03])
    x = random_input(99, 3, batch=1, steps=50)
    ref = rockpool_call(rp, x, record=False)[0]
    out = lit(x)[0]
    assert np.array_equal(out, ref) and out.sum() > 0
