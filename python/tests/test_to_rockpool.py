"""``to_rockpool`` refuses what Rockpool's numpy modules cannot run, naming the class and
the option, instead of converting into a different model."""
import numpy as np
import pytest

import littoral

pytest.importorskip("rockpool")

SPARSE = {"indptr": [0, 2, 2, 3], "indices": [0, 2, 1], "data": [0.5, -1.0, 2.0]}
NO_COUNTERPART = "has no Rockpool counterpart"


def registered(name):
    if name == "SparseLinear":
        return littoral.SparseLinear((3, 3), weight=SPARSE)
    return littoral.REGISTERED[name](3)


@pytest.mark.parametrize("name", sorted(littoral.REGISTERED))
def test_registered_classes_raise_with_the_class_name(name):
    with pytest.raises(ValueError, match=f"Littoral class '{name}' {NO_COUNTERPART}"):
        registered(name).to_rockpool()


def test_nested_class_is_named_with_its_path():
    net = littoral.Sequential(littoral.Linear((2, 3)), littoral.ALIF(3))
    with pytest.raises(ValueError, match=f"Littoral class 'ALIF' \\(at '1_ALIF'\\) {NO_COUNTERPART}"):
        net.to_rockpool()


@pytest.mark.parametrize(
    "kw, option",
    [
        (dict(reset="to_value"), "reset='to_value'"),
        (dict(reset="to_value", v_reset=-0.5), "reset='to_value'"),
        (dict(refractory=0.002), "refractory=0.002"),
        (dict(w_rec=SPARSE), "w_rec \\(a sparse recurrent matrix\\)"),
    ],
)
def test_lif_options_rockpool_cannot_express_raise(kw, option):
    with pytest.raises(ValueError, match=f"LIF option {option} {NO_COUNTERPART}"):
        littoral.LIF(3, **kw).to_rockpool()


def test_lif_options_from_a_network_file_raise_too():
    lif = littoral.from_json({"class": "Sequential", "modules": [
        {"class": "LIF", "shape": [3], "name": "hidden", "simulation_parameters": {"refractory": 0.004}}]})
    with pytest.raises(ValueError, match=f"LIF option refractory=0.004 \\(at 'hidden'\\) {NO_COUNTERPART}"):
        lif.to_rockpool()


def test_neutral_options_still_convert_with_the_same_results():
    """refractory=0 (off) converts, and the Rockpool module gives Littoral's spikes."""
    lif = littoral.LIF(3, tau_mem=0.01, threshold=0.5, refractory=0.0)
    rp = lif.to_rockpool()
    x = np.random.default_rng(5).uniform(0.0, 0.6, (1, 100, 3))
    np.random.seed(0)
    ref = np.asarray(rp(x)[0])
    out = lif(x)[0]
    assert out.sum() > 0 and np.array_equal(out, ref)
