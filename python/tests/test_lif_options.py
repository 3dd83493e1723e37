"""LIF's and ALIF's network-file options (reset to a value, refractory period, sparse
``w_rec``) as keyword arguments: the same module, to the bit, as the network file gives."""
import numpy as np
import pytest

import littoral

SPARSE = {"indptr": [0, 2, 2, 3], "indices": [0, 2, 1], "data": [0.5, -1.0, 2.0]}


def drive(n, steps=200, seed=3):
    return np.random.default_rng(seed).uniform(0.0, 0.6, (2, steps, n))


def assert_same_bits(a, b, x):
    out_a, state_a, rec_a = a(x, record=True)
    out_b, state_b, rec_b = b(x, record=True)
    assert np.array_equal(out_a, out_b)
    for tree_a, tree_b in ((state_a, state_b), (rec_a, rec_b)):
        assert tree_a.keys() == tree_b.keys()
        for k in tree_a:
            assert np.array_equal(tree_a[k], tree_b[k]), k
    return out_a


@pytest.mark.parametrize("cls", ["LIF", "ALIF"])
def test_keywords_give_the_network_file_module(cls):
    tau_mem = [0.01, 0.02, 0.03]
    built = getattr(littoral, cls)(
        3, tau_mem=tau_mem, threshold=0.8, reset="to_value", v_reset=-0.2, refractory=0.003, dt=0.001
    )
    loaded = littoral.from_json({
        "class": cls, "shape": [3], "options": {"reset": "to_value"},
        "parameters": {"tau_mem": tau_mem, "threshold": 0.8, "v_reset": -0.2},
        "simulation_parameters": {"dt": 0.001, "refractory": 0.003},
    })
    assert built.to_json() == loaded.to_json()
    out = assert_same_bits(built, loaded, drive(3))
    assert out.sum() > 0, "the case should spike"
    assert out.max() == 1.0, "reset to value: at most one spike a step"


def test_sparse_w_rec_keyword_gives_the_network_file_module():
    built = littoral.LIF(3, w_rec=SPARSE, tau_mem=0.01)
    loaded = littoral.from_json({"class": "LIF", "shape": [3], "options": {"w_rec": SPARSE},
                                 "parameters": {"tau_mem": 0.01}})
    assert built.to_json() == loaded.to_json()
    assert np.array_equal(built.parameters()["w_rec"], SPARSE["data"])
    assert assert_same_bits(built, loaded, drive(3)).sum() > 0


def test_default_options_keep_the_plain_lif_bits():
    """reset="subtract" and refractory=0 (listed, so the per-neuron path) are neutral."""
    plain = littoral.LIF(3, tau_mem=0.01, threshold=0.5)
    x = drive(3)
    ref, ref_state, ref_rec = plain(x, record=True)
    assert ref.max() > 1.0, "the case should spike several times a step"
    for kw in (dict(reset="subtract"), dict(refractory=0.0)):
        out, state, rec = littoral.LIF(3, tau_mem=0.01, threshold=0.5, **kw)(x, record=True)
        assert np.array_equal(out, ref), kw
        for k in ("vmem", "isyn", "spikes"):
            assert np.array_equal(state[k], ref_state[k]) and np.array_equal(rec[k], ref_rec[k]), (kw, k)
    assert "refractory" not in plain.simulation_parameters()
    assert "reset" not in plain._description().get("options", {})


def test_refractory_changes_the_spikes():
    x = drive(3)
    plain = littoral.LIF(3, reset="to_value", threshold=0.3)(x)[0]
    refractory = littoral.LIF(3, reset="to_value", threshold=0.3, refractory=0.005)(x)[0]
    assert not np.array_equal(plain, refractory)
    assert 0 < refractory.sum() < plain.sum()
    for b in range(refractory.shape[0]):
        for j in range(3):
            times = np.flatnonzero(refractory[b, :, j])
            assert np.all(np.diff(times) >= 5), "inter-spike intervals of at least R = 5 steps"
    assert np.any(np.diff(np.flatnonzero(plain[0, :, 0])) < 5), "without it, closer spikes"


@pytest.mark.parametrize(
    "kw, message",
    [
        (dict(v_reset=0.1), "v_reset"),
        (dict(reset="bogus"), "reset"),
        (dict(reset=3), "reset"),
        (dict(refractory=-1.0), "refractory"),
        (dict(refractory=float("nan")), "refractory"),
        (dict(w_rec=SPARSE, has_rec=True), "w_rec"),
        (dict(w_rec=np.zeros((3, 3))), "w_rec: given without has_rec=True"),
    ],
)
def test_bad_options_raise_naming_them(kw, message):
    with pytest.raises(ValueError, match=message):
        littoral.LIF(3, **kw)


def test_alif_unknown_keyword_still_raises():
    with pytest.raises(ValueError, match="foo: ALIF has no such option or attribute"):
        littoral.ALIF(3, foo=1.0)
    with pytest.raises(ValueError, match="refractory"):
        littoral.ALIF(3, refractory=-1.0)
