"""Bad input raises ValueError with the engine's one-line message; nothing panics."""
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
