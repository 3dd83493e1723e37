"""Bad input raises ValueError with the engine's one-line message; nothing panics."""
import json
import re

import numpy as np
import pytest

import littoral


def test_input_shape_and_values():
    lif = littoral.LIF(3)
    with pytest.raises(ValueError, match=r"^input: expected shape"):
        lif(np.ones((2, 5, 4)))
    with pytest.raises(ValueError, match=r"^input: non-finite value inf at flat index 4"):
        lif(np.array([[0, 0, 0], [0, np.inf, 0]]))
    with pytest.raises(ValueError, match="input"):
        lif(np.ones((1, 1, 1, 3)))
    with pytest.raises(ValueError):
        lif("not an array")


def test_construction_errors():
    with pytest.raises(ValueError, match="shape"):
        littoral.LIF((4, 3))  # 4 inputs are not a multiple of 3 neurons
    with pytest.raises(ValueError, match="w_rec"):
        littoral.LIF(3, w_rec=np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"tau_mem: expected shape \(3,\) or \(\), found \(2,\)"):
        littoral.LIF(3, tau_mem=[0.01, 0.02])
    with pytest.raises(ValueError, match="tau_mem: non-finite"):
        littoral.LIF(3, tau_mem=np.nan)
    with pytest.raises(ValueError, match=r"modules\[1\]: The output of submodule 0 \(Linear\) does not match"):
        littoral.Sequential(littoral.Linear((2, 3)), littoral.LIF(4))
    with pytest.raises(ValueError, match="activation_func"):
        littoral.Rate(3, activation_func="softplus")
    with pytest.raises(ValueError, match="expected a littoral module"):
        littoral.Sequential(object())


def test_functional_errors():
    lif = littoral.LIF(3)
    params, state = lif.init(0)
    del params["tau_mem"]
    with pytest.raises(ValueError, match="tau_mem: missing from the tree"):
        littoral.evolve(lif, params, state, np.ones((5, 3)))
    params, state = lif.init(0)
    params["tau_memm"] = 1.0
    with pytest.raises(ValueError, match="tau_memm: unknown path"):
        littoral.evolve(lif, params, state, np.ones((5, 3)))
    with pytest.raises(ValueError, match="expected a littoral module"):
        littoral.evolve(object(), {}, {}, np.ones(3))


def test_a_sparse_initialiser_over_max_memory_is_refused_before_it_draws(tmp_path):
    net = {
        "class": "LIF",
        "shape": [100000],
        "options": {"w_rec": {"init": "fixed_in_degree", "k": 2000, "weight": {"constant": 0.1}}},
    }
    needle = (
        "options.w_rec: drawing up to 200000000 synapses needs 2.3 GiB of memory, "
        "more than the memory budget of 1.0 GiB"
    )
    with pytest.raises(ValueError, match=needle):
        littoral.from_json(net, max_memory="1G")
    path = tmp_path / "sparse.json"
    path.write_text(json.dumps(net))
    with pytest.raises(ValueError, match=f"^{re.escape(str(path))}: {needle}"):
        littoral.load(path, max_memory=1 << 30)
    # A small network fits a small budget; the claims of one file add up.
    small = dict(net, shape=[300], options={"w_rec": dict(net["options"]["w_rec"], k=10)})
    assert littoral.from_json(small, max_memory="1M").size_out == 300
    chain = {"class": "Sequential", "modules": [small, {"class": "Linear", "shape": [300, 300]}, small]}
    littoral.from_json(chain, max_memory="1M")
    with pytest.raises(ValueError, match=r"^modules\[2\]\.options\.w_rec: .* drawn before it"):
        littoral.from_json(chain, max_memory="200K")
    for bad in [0, -1, 1.5, True, 2**63, "lots", "0"]:
        with pytest.raises(ValueError, match="^max_memory: "):
            littoral.from_json(small, max_memory=bad)
