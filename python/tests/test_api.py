"""The object and functional APIs: Rockpool's names and behaviour, purity, views."""
import copy

import numpy as np
import pytest

import littoral


def small_net(rng, noise=0.0):
    return littoral.Sequential(
        littoral.Linear((3, 5), weight=rng.normal(0.0, 1.0, (3, 5))),
        littoral.LIF(5, has_rec=True, noise_std=noise, tau_mem=rng.uniform(0.01, 0.05, 5)),
        littoral.Linear((5, 2), has_bias=True),
        littoral.Rate(2, activation_func="tanh"),
    )


def test_call_keeps_state_and_matches_one_long_call(rng):
    net = small_net(rng, noise=0.1)
    x = rng.uniform(0.0, 1.0, (2, 40, 3))
    whole = small_net(rng, noise=0.1)
    whole.set_attributes(net.parameters())
    out_all, state_all, _ = whole(x)
    a, _, _ = net(x[:, :15])
    b, state, _ = net(x[:, 15:])
    assert np.array_equal(np.concatenate([a, b], axis=1), out_all)
    for name in ("spikes", "vmem", "isyn", "rng_key"):
        assert np.array_equal(state["1_LIF"][name], state_all["1_LIF"][name])
    assert np.array_equal(net.state()["1_LIF"]["vmem"], state["1_LIF"]["vmem"])


def test_functional_evolve_is_pure(rng):
    net = small_net(rng, noise=0.2)
    params, state = net.init(7)
    x = rng.uniform(0.0, 1.0, (3, 30, 3))
    before = {k: {n: np.copy(v) for n, v in s.items()} for k, s in state.items()}
    x_copy = x.copy()
    one = littoral.evolve(net, params, state, x, record=True)
    two = littoral.evolve(net, params, state, x, record=True)
    assert np.array_equal(one[0], two[0])
    assert np.array_equal(x, x_copy)
    for k, s in before.items():
        for n, v in s.items():
            assert np.array_equal(state[k][n], v)
    # the module itself is untouched by the functional call
    assert np.all(net.state()["1_LIF"]["vmem"] == 0)
    assert set(one[2]) >= {"0_Linear", "0_Linear_output", "1_LIF", "1_LIF_output"}


def test_a_spike_record_holds_the_spike_trains_of_the_full_record(rng):
    net = small_net(rng, noise=0.2)
    params, state = net.init(5)
    x = rng.uniform(0.0, 2.0, (3, 30, 3))
    full = littoral.evolve(net, params, state, x, record=True)
    spikes = littoral.evolve(net, params, state, x, record="spikes", threads=2)
    # The object call, from a copy's held values.
    twin = copy.deepcopy(net)
    pairs = [(full, spikes), (net(x, record=True), twin(x, record="spikes"))]
    for full, spikes in pairs:
        assert np.array_equal(spikes[0], full[0])
        # The LIF is the one spiking population: its output, nothing else.
        assert set(spikes[2]) == {"1_LIF_output"}
        assert np.array_equal(spikes[2]["1_LIF_output"], full[2]["1_LIF_output"])
        assert full[2]["1_LIF_output"].any()
    with pytest.raises(ValueError, match="record: expected True, False, 'spikes' or 'spike_counts', found 'vmem'"):
        net(x, record="vmem")


def test_spike_counts_are_the_spike_trains_summed_over_time(rng):
    """``record="spike_counts"``: each spiking population's spikes summed over time,
    ``(B, N)`` under ``"{name}_spike_count"``, in one call or in time chunks (forced)."""
    from littoral import _littoral

    net = small_net(rng, noise=0.2)
    params, state = net.init(5)
    x = rng.uniform(0.0, 2.0, (3, 600, 3))
    spikes = littoral.evolve(net, params, state, x, record="spikes")
    counts = littoral.evolve(net, params, state, x, record="spike_counts", threads=2)
    assert np.array_equal(counts[0], spikes[0])
    assert set(counts[2]) == {"1_LIF_spike_count"}
    summed = spikes[2]["1_LIF_output"].sum(axis=1)
    assert summed.shape == (3, 5) and summed.any()
    assert np.array_equal(counts[2]["1_LIF_spike_count"], summed)
    try:
        _littoral._set_chunking(0.0, 1e-5)
        chunked = littoral.evolve(net, params, state, x, record="spike_counts")
    finally:
        _littoral._set_chunking(1.0, 0.2)
    assert np.array_equal(chunked[0], counts[0])
    assert np.array_equal(chunked[2]["1_LIF_spike_count"], summed)
    # A sweep's summaries from counts: a spiking population's as from its trains, but for
    # the maximum, which counts do not give.
    vary = {"1_LIF.threshold": [1.0, 2.0]}
    by_trains = littoral.sweep(net, x, vary, record="spikes")
    by_counts = littoral.sweep(net, x, vary, record="spike_counts")
    for t, c in zip(by_trains, by_counts):
        st, sc = t["signals"]["1_LIF"], c["signals"]["1_LIF"]
        assert st["sum"] > 0 and st["max"] >= 1
        for k in ("elements", "sum", "mean", "rate_hz"):
            assert sc[k] == st[k], k
        assert np.isnan(sc["max"])


def test_threads_give_the_same_bits(rng):
    net = small_net(rng, noise=0.3)
    params, state = net.init(3)
    x = rng.uniform(0.0, 1.0, (8, 25, 3))
    seq = littoral.evolve(net, params, state, x, record=True)
    par = littoral.evolve(net, params, state, x, record=True, threads=2)
    assert np.array_equal(seq[0], par[0])
    assert np.array_equal(seq[1]["1_LIF"]["vmem"], par[1]["1_LIF"]["vmem"])
    assert np.array_equal(seq[2]["1_LIF"]["vmem"], par[2]["1_LIF"]["vmem"])


def test_long_evolve_in_time_chunks_is_bit_identical(rng):
    """A run split into interruptible time chunks (forced here) gives the bits of one call."""
    from littoral import _littoral

    lif = littoral.LIF(4, has_rec=True, noise_std=0.1)
    params, state = lif.init(5)
    lif.set_attributes(params).set_attributes(state)
    x = rng.uniform(0.0, 2.0, (2, 20_000, 4))
    whole = littoral.evolve(lif, params, state, x, record=True)
    try:
        _littoral._set_chunking(0.0, 1e-4)
        chunked = littoral.evolve(lif, params, state, x, record=True)
        lif(x, record=True)
    finally:
        _littoral._set_chunking(1.0, 0.2)
    assert np.array_equal(whole[0], chunked[0])
    for k in ("vmem", "isyn", "spikes", "irec"):
        assert np.array_equal(whole[2][k], chunked[2][k]), k
    for k in ("vmem", "isyn", "rng_key"):
        assert np.array_equal(whole[1][k], chunked[1][k]), k
        assert np.array_equal(lif.state()[k], whole[1][k]), k


def test_paced_calls_are_bit_identical(rng):
    """A long run after one of the same batch size skips the probe (its pace is known,
    `python/src/pace.rs`); it gives the bits of a first call, and a change of parameters
    or batch size probes again with the same results."""
    lif = littoral.LIF(8, has_rec=True, noise_std=0.1)
    params, state = lif.init(0)  # the module's own seed: `reset_state` gives this state
    x = rng.uniform(0.0, 2.0, (3, 1_000, 8))
    first = littoral.evolve(lif, params, state, x, record=True)
    for _ in range(3):
        again = littoral.evolve(lif, params, state, x, record=True)
        assert np.array_equal(first[0], again[0])
        assert np.array_equal(first[2]["vmem"], again[2]["vmem"])
        lif.reset_state()
        called = lif(x)
        assert np.array_equal(first[0], called[0])
        assert np.array_equal(first[1]["vmem"], called[1]["vmem"])
    # Another batch size, then changed parameters: measured again, the same bits as pure.
    one = littoral.evolve(lif, params, state, x[:1])
    lif.reset_state()
    assert np.array_equal(one[0], lif(x[:1])[0])
    params["threshold"] = params["threshold"] * 0.5
    lif.set_attributes({"threshold": params["threshold"]})
    lower = littoral.evolve(lif, params, state, x)
    lif.reset_state()
    assert np.array_equal(lower[0], lif(x)[0])
    assert lower[0].sum() > first[0].sum()


def test_inspection_by_kind_and_family(rng):
    net = small_net(rng)
    p = net.parameters()
    assert list(p) == ["0_Linear", "1_LIF", "2_Linear", "3_Rate"]
    assert set(p["1_LIF"]) == {"w_rec", "tau_mem", "tau_syn", "bias", "threshold"}
    assert set(net.parameters("weights")) == {"0_Linear", "1_LIF", "2_Linear", "3_Rate"} - {"3_Rate"}
    assert set(net.parameters(("taus",))["1_LIF"]) == {"tau_mem", "tau_syn"}
    assert net.simulation_parameters()["1_LIF"]["dt"] == 1e-3
    assert set(net.state()["1_LIF"]) >= {"spikes", "vmem", "isyn"}
    assert net.parameters()["1_LIF"]["w_rec"].dtype == np.float64


def test_set_attributes_is_checked_and_atomic(rng):
    net = small_net(rng)
    before = net.parameters()
    with pytest.raises(ValueError, match=r"1_LIF\.tau_memm: unknown path"):
        net.set_attributes({"1_LIF": {"tau_mem": np.full(5, 0.03), "tau_memm": 1.0}})
    assert np.array_equal(net.parameters()["1_LIF"]["tau_mem"], before["1_LIF"]["tau_mem"])
    with pytest.raises(ValueError, match=r"1_LIF\.tau_mem: expected shape \(5,\) or \(\), found \(4,\)"):
        net.set_attributes({"1_LIF": {"tau_mem": np.ones(4)}})
    with pytest.raises(ValueError, match=r"1_LIF\.bias: non-finite value NaN at flat index 2"):
        net.set_attributes({"1_LIF": {"bias": np.array([0, 0, np.nan, 0, 0])}})
    net.set_attributes({"1_LIF": {"tau_mem": np.full(5, 0.03)}})
    assert np.all(net.parameters()["1_LIF"]["tau_mem"] == 0.03)
    # set_attributes(parameters()) is the identity
    p = net.parameters()
    net.set_attributes(p)
    for k, v in net.parameters()["0_Linear"].items():
        assert np.array_equal(v, p["0_Linear"][k])


def test_attribute_access_like_rockpool(rng):
    net = small_net(rng)
    lif = net.modules()["1_LIF"]
    assert isinstance(lif, littoral.LIF)
    lif.threshold = np.full(5, 2.0)
    assert np.all(net.parameters()["1_LIF"]["threshold"] == 2.0)
    assert np.all(getattr(net, "1_LIF").threshold == 2.0)
    with pytest.raises(AttributeError):
        net.no_such_attribute  # noqa: B018


def test_submodule_view_evolves_its_part(rng):
    net = small_net(rng)
    lif = net.modules()["1_LIF"]
    x = rng.uniform(0.0, 1.0, (1, 20, 5))
    alone = littoral.from_rockpool(lif.to_rockpool())
    out, state, _ = lif(x)
    ref, ref_state, _ = alone(x)
    assert np.array_equal(out, ref)
    assert np.array_equal(net.state()["1_LIF"]["vmem"], state["vmem"])
    assert lif.shape == (5, 5) and lif.size_in == 5 and lif.size_out == 5
    assert lif.name == "1_LIF"


def test_reset_state_and_parameters(rng):
    net = small_net(rng)
    net(rng.uniform(0.0, 1.0, (1, 20, 3)))
    assert np.any(net.state()["1_LIF"]["vmem"] != 0)
    net.reset_state()
    assert np.all(net.state()["1_LIF"]["vmem"] == 0)
    given = np.copy(net.parameters()["0_Linear"]["weight"])
    drawn = np.copy(net.parameters()["2_Linear"]["weight"])
    net.set_attributes({"0_Linear": {"weight": np.zeros((3, 5))}, "2_Linear": {"weight": np.zeros((5, 2))}})
    net.reset_parameters()
    assert np.array_equal(net.parameters()["0_Linear"]["weight"], given)
    assert np.array_equal(net.parameters()["2_Linear"]["weight"], drawn)


def test_shapes_and_repr(rng):
    net = small_net(rng)
    assert net.shape == (3, 2) and net.size_in == 3 and net.size_out == 2
    assert repr(net) == (
        "Sequential  with shape (3, 2) {\n"
        "    Linear '0_Linear' with shape (3, 5)\n"
        "    LIF '1_LIF' with shape (5, 5)\n"
        "    Linear '2_Linear' with shape (5, 2)\n"
        "    Rate '3_Rate' with shape (2,)\n"
        "}"
    )
    assert repr(littoral.LIF(3)) == "LIF  with shape (3, 3)"
    assert list(net.modules()) == ["0_Linear", "1_LIF", "2_Linear", "3_Rate"]


def test_combinators_take_children_values(rng):
    lif = littoral.LIF(4, tau_mem=0.03)
    lif(rng.uniform(0.0, 2.0, (1, 10, 4)))
    stack = littoral.FFwdStack(lif, littoral.LIF(2), weights=[np.ones((4, 2))])
    assert np.array_equal(stack.parameters()["0_1_weight"], np.ones((4, 2)))
    assert np.array_equal(stack.state()["0_LIF"]["vmem"], lif.state()["vmem"])
    res = littoral.Residual(littoral.Linear((4, 4)), littoral.LIF(4))
    assert res.size_in == 4
    named = littoral.Sequential({"inp": littoral.Linear((2, 4)), "lif": lif})
    assert list(named.modules()) == ["inp", "lif"]


def test_instant_and_expsyn(rng):
    inst = littoral.Instant(3, function=np.tanh)
    x = rng.normal(size=(1, 5, 3))
    assert np.allclose(inst(x)[0], np.tanh(x), rtol=1e-15, atol=0)
    syn = littoral.ExpSyn(3, tau=0.01)
    assert syn(np.ones((4, 3)))[0].shape == (1, 4, 3)
    with pytest.raises(ValueError, match="none of the supported functions"):
        littoral.Instant(3, function=np.sin)


def test_constant_is_a_simulation_parameter():
    lif = littoral.LIF(3, tau_mem=littoral.Constant(0.05))
    assert "tau_mem" not in lif.parameters()
    assert lif.simulation_parameters()["tau_mem"] == 0.05


def test_indexing_like_rockpool_sequential(rng):
    net = small_net(rng)
    assert len(net) == 4
    assert net[1].class_name == "LIF" and net[1].name == "1_LIF"
    assert net[-1].class_name == "Rate"
    assert net["0_Linear"].shape == (3, 5)
    with pytest.raises(IndexError):
        net[4]
    with pytest.raises(KeyError):
        net["nope"]


def test_single_sample_state_serves_any_batch(rng):
    """As Rockpool: after a one-sample call, a batched call starts every sample from it."""
    lif = littoral.LIF(3)
    lif(rng.uniform(0.0, 2.0, (10, 3)))
    held = {k: v[0] for k, v in lif.state().items() if k != "rng_key"}
    out, state, _ = lif(np.ones((4, 5, 3)))
    assert state["vmem"].shape == (4, 3)
    one = littoral.LIF(3).set_attributes(held)
    ref, _, _ = one(np.ones((5, 3)))
    for b in range(4):  # every sample started from the held state
        assert np.array_equal(out[b], ref[0])
    with pytest.raises(ValueError, match="state batch does not match the input batch"):
        lif(np.ones((2, 5, 3)))


def test_pickle_and_copy_keep_values_and_state(rng):
    import copy
    import pickle

    net = small_net(rng, noise=0.1)
    net(rng.uniform(0.0, 1.0, (1, 10, 3)))
    for other in (pickle.loads(pickle.dumps(net)), copy.deepcopy(net)):
        assert repr(other) == repr(net)
        x = rng.uniform(0.0, 1.0, (1, 10, 3))
        a, _, _ = copy.deepcopy(net)(x)
        b, _, _ = other(x)
        assert np.array_equal(a, b)


def test_view_resets_only_its_part(rng):
    net = littoral.Sequential(littoral.LIF(3), littoral.Linear((3, 3)), littoral.LIF(3))
    net(rng.uniform(0.0, 3.0, (1, 20, 3)))
    before = net.state()["2_LIF"]["isyn"].copy()
    net[0].reset_state()
    assert np.all(net.state()["0_LIF"]["vmem"] == 0)
    assert np.array_equal(net.state()["2_LIF"]["isyn"], before)


def test_object_call_with_threads(rng):
    a = small_net(rng, noise=0.2)
    b = copy_of(a)
    x = rng.uniform(0.0, 1.0, (6, 15, 3))
    assert np.array_equal(a(x)[0], b(x, threads=2)[0])
    assert np.array_equal(a.state()["1_LIF"]["rng_key"], b.state()["1_LIF"]["rng_key"])


def copy_of(m):
    import copy

    return copy.deepcopy(m)


def test_every_registered_class_is_a_python_class(rng):
    """Classes of the engine's registry without a hand-written class are generated from
    the registry, with their options; values given by name land where a network file puts
    them."""
    from littoral import _littoral

    for name in _littoral.CLASSES:
        cls = getattr(littoral, name)
        assert issubclass(cls, littoral.Module) and name in littoral.__all__
    assert {"CubaLI", "CubaLIF", "LI", "Integrator", "IF", "NirLIF"} <= set(littoral.REGISTERED)
    # Classes whose entry needs more than a one-number shape, built as their network-file
    # entries say (docs/network-format.md).
    needs_more = {
        "SparseLinear": lambda cls: cls(
            (3, 4), weight={"init": "fixed_probability", "p": 0.5, "weight": {"constant": 0.1}, "seed": 1}
        ),
    }
    for name, cls in littoral.REGISTERED.items():
        assert needs_more.get(name, lambda c: c(3))(cls).class_name == name
    m = littoral.CubaLIF(4, tau_mem=0.03, dt=littoral.Constant(2e-3), precision="f64")
    same = littoral.from_json(
        {"class": "CubaLIF", "shape": [4], "options": {"precision": "f64"},
         "parameters": {"tau_mem": 0.03}, "simulation_parameters": {"dt": 2e-3}}
    )
    assert float(m.parameters()["tau_mem"]) == 0.03
    assert float(m.simulation_parameters()["dt"]) == 2e-3
    x = rng.uniform(0.0, 2.0, (2, 20, 4))
    assert np.array_equal(m(x)[0], same(x)[0])
    with pytest.raises(ValueError, match="foo: CubaLIF has no such option or attribute"):
        littoral.CubaLIF(4, foo=1.0)
    with pytest.raises(ValueError, match="precision"):
        littoral.LI(4, precision="f16")


def test_repeated_calls_follow_the_pure_evolve_through_batch_changes_and_settings(rng):
    """The object call keeps the returned (batched) state and skips re-checking unchanged
    parameters: every call must still equal the pure evolve from the same values, when the
    batch size changes, after set_attributes, reset_state and state views."""
    net = small_net(rng, noise=0.1)
    ref_params = {k: v for k, v in net.parameters().items()}
    sims = net.simulation_parameters()
    params = {k: {**ref_params.get(k, {}), **sims.get(k, {})} for k in set(ref_params) | set(sims)}
    state = net.state()

    def step(x):
        nonlocal state
        out, new_state, _ = net(x)
        # As Rockpool, a state of one sample serves any batch (per sample, replicated).
        given = {k: {n: v[0] if v.shape[:1] == (1,) and x.shape[0] > 1 else v for n, v in s.items()}
                 for k, s in state.items()}
        want, want_state, _ = littoral.evolve(net, params, given, x)
        assert np.array_equal(out, want)
        state = want_state
        for k, s in want_state.items():
            for n, v in s.items():
                assert np.array_equal(net.state()[k][n], v), (k, n)

    step(rng.uniform(0.0, 1.0, (1, 7, 3)))   # a single sample
    step(rng.uniform(0.0, 1.0, (4, 5, 3)))   # replicated over a batch of 4
    step(rng.uniform(0.0, 1.0, (4, 6, 3)))   # continues the batch of 4
    tau = rng.uniform(0.02, 0.04, 5)
    net.set_attributes({"1_LIF": {"tau_mem": tau}})
    params["1_LIF"]["tau_mem"] = tau
    step(rng.uniform(0.0, 1.0, (4, 3, 3)))   # uses the new tau
    with pytest.raises(ValueError, match="input: expected shape"):
        net(rng.uniform(0.0, 1.0, (4, 3, 2)))
    step(rng.uniform(0.0, 1.0, (4, 2, 3)))   # a failed call changes nothing
    net.reset_state()
    state = net.state()
    step(rng.uniform(0.0, 1.0, (2, 4, 3)))


def test_large_and_broadcast_inputs_report_the_first_non_finite_value():
    lif = littoral.LIF(4)
    x = np.zeros((2, 40_000, 4))                     # copied by several threads
    x[1, 123, 2] = np.nan
    x[1, 30_000, 0] = np.inf
    with pytest.raises(ValueError, match=f"^input: non-finite value NaN at flat index {160_000 + 123 * 4 + 2}"):
        lif(x)
    with pytest.raises(ValueError, match=r"^input: non-finite value inf at flat index 12"):
        lif(np.array([0.0, 0.0, 0.0, np.inf]))       # (T,): broadcast to every channel
    out, _, _ = lif(np.asfortranarray(np.ones((30, 4))))  # non-contiguous input is read too
    assert out.shape == (1, 30, 4)
    assert np.array_equal(lif(np.ones((30, 4), dtype=np.float32).tolist())[0].shape, (1, 30, 4))
