"""Tests of the NIR reference itself (run: /work/venv-ref/bin/python -m pytest tests/nir_ref).

The reference is checked against closed forms written out here from docs/models.md (not
through scipy), the cycle rule on hand-made graphs, and the committed goldens against a
fresh run of the generator (byte for byte).
"""

import filecmp
import os
import subprocess
import sys

import nir
import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import nir_reference as R


def graph(nodes, edges):
    return nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)


def io(n):
    return (nir.Input(input_type={"input": np.array([n])}),
            nir.Output(output_type={"output": np.array([n])}))


def test_lif_closed_form_and_strict_threshold():
    dt, tau, r, vl, th = 1e-3, 5e-3, 1.5, 0.2, 0.3
    i, o = io(1)
    g = graph({"i": i, "lif": nir.LIF(tau=np.array([tau]), r=np.array([r]), v_leak=np.array([vl]),
                                      v_threshold=np.array([th]), v_reset=np.array([-0.1])),
               "o": o}, [("i", "lif"), ("lif", "o")])
    x = np.array([[0.0], [1.0], [2.0], [0.0], [3.0], [0.0]])
    res = R.run_graph(g, x, dt)
    a = np.exp(-dt / tau)
    v, vs, zs = 0.0, [], []
    for xn in x[:, 0]:
        v = a * v + (1 - a) * (vl + r * xn)
        z = v > th
        v = -0.1 if z else v
        vs.append(v)
        zs.append(float(z))
    np.testing.assert_allclose(res.records["lif"]["v"][:, 0], vs, rtol=1e-12, atol=1e-15)
    assert res.outputs["o"][:, 0].tolist() == zs
    assert sum(zs) >= 1


def test_threshold_equality_does_not_spike():
    i, o = io(1)
    g = graph({"i": i, "t": nir.Threshold(threshold=np.array([0.5])), "o": o},
              [("i", "t"), ("t", "o")])
    assert R.run_graph(g, np.array([[0.5], [0.5000001]]), 1e-3).outputs["o"][:, 0].tolist() == [0, 1]


def test_cubalif_closed_form_with_g():
    dt, ts, tm, r, w, vl = 1e-3, 3e-3, 7e-3, 1.3, 0.7, 0.1
    i, o = io(1)
    g = graph({"i": i, "c": nir.CubaLI(tau_syn=np.array([ts]), tau_mem=np.array([tm]),
                                       r=np.array([r]), v_leak=np.array([vl]), w_in=np.array([w])),
               "o": o}, [("i", "c"), ("c", "o")])
    x = np.random.default_rng(0).normal(size=(30, 1))
    res = R.run_graph(g, x, dt)
    a_s, a_m = np.exp(-dt / ts), np.exp(-dt / tm)
    gc = ts * (a_s - a_m) / (ts - tm)
    cur, v, want = 0.0, 0.0, []
    for xn in x[:, 0]:
        cur, v = (a_s * cur + (1 - a_s) * w * xn,
                  a_m * v + (1 - a_m) * vl + r * gc * cur + r * (1 - a_m - gc) * w * xn)
        want.append(v)
    np.testing.assert_allclose(res.outputs["o"][:, 0], want, rtol=1e-10, atol=1e-14)


def test_dirac_scales_neuron_input_by_one_over_dt():
    dt = 1e-3
    i, o = io(1)
    g = graph({"i": i, "n": nir.I(r=np.array([2.0])), "o": o}, [("i", "n"), ("n", "o")])
    x = np.array([[1.0], [0.0], [2.0]])
    assert R.run_graph(g, x, dt, "littoral").outputs["o"][:, 0] == pytest.approx([2e-3, 2e-3, 6e-3])
    assert R.run_graph(g, x, dt, "dirac").outputs["o"][:, 0] == pytest.approx([2.0, 2.0, 6.0])


def test_back_edge_delivers_previous_step():
    # y = x + s * y_prev through a stateless cycle: mix -> sc -> mix
    i, o = io(1)
    g = graph({"i": i, "mix": nir.Linear(weight=np.array([[1.0]])),
               "sc": nir.Scale(scale=np.array([0.5])), "o": o},
              [("i", "mix"), ("mix", "sc"), ("sc", "mix"), ("sc", "o")])
    res = R.run_graph(g, np.array([[1.0], [0.0], [0.0], [4.0]]), 1e-3)
    assert res.back_edges == [("sc", "mix")]
    assert res.outputs["o"][:, 0].tolist() == [0.5, 0.25, 0.125, 2.0625]


def test_cycle_rule_is_independent_of_file_order():
    i, o = io(2)
    nodes = {"i": i, "b": nir.Linear(weight=np.eye(2)), "a": nir.Scale(scale=np.array([0.5, 0.5])),
             "o": o}
    e1 = [("i", "a"), ("a", "b"), ("b", "a"), ("b", "o")]
    r1 = R.run_graph(graph(nodes, e1), np.ones((3, 2)), 1e-3)
    r2 = R.run_graph(graph(dict(reversed(list(nodes.items()))), e1[::-1]), np.ones((3, 2)), 1e-3)
    assert r1.order == r2.order and r1.back_edges == r2.back_edges == [("b", "a")]
    np.testing.assert_array_equal(r1.outputs["o"], r2.outputs["o"])


def test_delay_shifts_by_whole_steps_and_rejects_fractions():
    i, o = io(2)
    g = graph({"i": i, "d": nir.Delay(delay=np.array([0.0, 2e-3])), "o": o},
              [("i", "d"), ("d", "o")])
    x = np.arange(10.0).reshape(5, 2)
    y = R.run_graph(g, x, 1e-3).outputs["o"]
    assert y[:, 0].tolist() == x[:, 0].tolist()
    assert y[:, 1].tolist() == [0, 0, 1, 3, 5]
    with pytest.raises(R.NirReferenceError, match="'d'"):
        R.run_graph(g, x, 0.7e-3)


def test_framework_semantics_refuse_what_the_framework_cannot_import():
    i, o = io(1)
    g = graph({"i": i, "li": nir.LI(tau=np.array([1e-2]), r=np.array([1.0]),
                                    v_leak=np.array([0.0])), "o": o}, [("i", "li"), ("li", "o")])
    for sem in ("snntorch", "norse"):
        with pytest.raises(R.NirReferenceError, match="'li'"):
            R.run_graph(g, np.zeros((2, 1)), 1e-3, sem)


def test_goldens_are_reproducible(tmp_path):
    subprocess.run([sys.executable, os.path.join(HERE, "gen_graph_goldens.py"), "--out",
                    str(tmp_path)], check=True, capture_output=True)
    committed = os.path.join(HERE, "graphs")
    names = sorted(os.listdir(committed))
    assert names == sorted(os.listdir(tmp_path))
    _, mismatch, errors = filecmp.cmpfiles(committed, tmp_path, names, shallow=False)
    assert not mismatch and not errors, (mismatch, errors)
