"""The per-call shortcuts (issue 14) change no bit and no error: inputs in any memory
layout, parameters re-used or changed between pure evolves, dict keys made here or by
the caller."""
import numpy as np
import pytest

import littoral


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("steps", [5, 400])  # copied (small) and lent (large) inputs
def test_any_memory_layout_gives_the_bits_of_c_order(rng, steps):
    x = rng.uniform(0.0, 3.0, (steps, 16))
    layouts = {
        "fortran": np.asfortranarray(x),
        "strided": np.repeat(x, 2, axis=1)[:, ::2],
        "batched fortran": np.asfortranarray(x[None]),
    }
    want = littoral.LIF(16)(x)[0]
    assert want.sum() > 0, "it spikes"
    for name, arr in layouts.items():
        assert np.array_equal(arr, x.reshape(arr.shape)), name
        assert same_bits(littoral.LIF(16)(arr)[0], want), name


def test_parameters_in_fortran_order_give_the_bits_of_c_order(rng):
    lif = littoral.LIF(4, has_rec=True)
    params, state = lif.init(0)
    params["w_rec"] = rng.normal(0.0, 0.5, params["w_rec"].shape)
    x = rng.uniform(0.0, 2.0, (6, 4))
    want = littoral.evolve(lif, params, state, x)
    params_f = {**params, "w_rec": np.asfortranarray(params["w_rec"])}
    got = littoral.evolve(lif, params_f, state, x)
    assert same_bits(got[0], want[0])
    assert same_bits(got[1]["vmem"], want[1]["vmem"])


def test_repeated_pure_evolves_still_check_changed_parameters(rng):
    lif = littoral.LIF(3)
    params, state = lif.init(0)
    x = rng.uniform(0.0, 2.0, (5, 3))
    first = littoral.evolve(lif, params, state, x)
    assert same_bits(littoral.evolve(lif, params, state, x)[0], first[0])
    # The same dict, a value changed in place: checked again, and used.
    params["tau_mem"][1] = np.nan
    with pytest.raises(ValueError, match="tau_mem: non-finite"):
        littoral.evolve(lif, params, state, x)
    params["tau_mem"][1] = 0.05
    with pytest.raises(ValueError, match=r"tau_mem: expected shape \(3,\) or \(\), found \(2,\)"):
        littoral.evolve(lif, {**params, "tau_mem": np.full(2, 0.02)}, state, x)
    changed = littoral.evolve(lif, params, state, x)
    fresh = littoral.LIF(3)
    fresh_params, _ = fresh.init(0)
    fresh_params["tau_mem"][1] = 0.05
    assert same_bits(changed[0], littoral.evolve(fresh, fresh_params, state, x)[0])
    # -0.0 and 0.0 are different bits: a changed bias is checked and used.
    params["bias"] = np.full(3, -0.0)
    again = littoral.evolve(lif, params, state, x)
    assert same_bits(again[0], changed[0])


def test_dicts_with_the_callers_own_keys_read_as_ours(rng):
    lif = littoral.LIF(3, noise_std=0.1)
    params, state = lif.init(0)
    x = rng.uniform(0.0, 2.0, (2, 5, 3))
    want = littoral.evolve(lif, params, state, x)
    # Keys made by the caller (not the strings the engine hands out), in another order.
    own = lambda d: {"".join(list(k)): v for k, v in reversed(list(d.items()))}  # noqa: E731
    got = littoral.evolve(lif, own(params), own(state), x)
    for a, b in zip(got[1].values(), want[1].values()):
        assert same_bits(a, b)
    assert same_bits(got[0], want[0])
    assert list(got[1]) == list(want[1])
    with pytest.raises(ValueError, match="tau_memm: unknown path"):
        littoral.evolve(lif, {**params, "tau_memm": params["tau_mem"]}, state, x)
    with pytest.raises(ValueError, match="dict keys must be strings"):
        littoral.evolve(lif, {**params, 3: params["tau_mem"]}, state, x)


def test_the_benchmarks_rust_side_times_the_same_evolution(rng):
    """`python_overhead.py`'s Rust side (`Engine.time_rust_evolve`) evolves the module from
    its held values: one time per run, and the module's own state is left as it was; a bad
    input is the same ValueError as a call's."""
    lif = littoral.LIF(8)
    x = rng.uniform(0.0, 2.0, (2, 50, 8))
    before = lif.state()["vmem"].copy()
    times = lif._engine.time_rust_evolve(x, 3)
    assert len(times) == 3 and all(t > 0 for t in times)
    assert same_bits(lif.state()["vmem"], before)
    with pytest.raises(ValueError, match="input"):
        lif._engine.time_rust_evolve(rng.uniform(0.0, 1.0, (50, 7)), 1)
