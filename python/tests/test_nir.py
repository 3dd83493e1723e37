"""`littoral.load` on a `.nir` file: the graph's description, or with `dt` a runnable module
equal, bit for bit, to `littoral simulate GRAPH.nir --dt DT --semantics S`.

The fixtures are the workspace's NIR test files, written by the `nir` package; their node
names and edges below are what `nir.read` reports for them. The paper's files are the
NIR paper's (`nets/tests/nir/paper/`, the command line's NIR tests use the same).
"""
import copy
import os
import pickle
import shutil
import subprocess

import numpy as np
import pytest

import littoral
from conftest import ROOT

FIXTURES = os.path.join(ROOT, "nets", "tests", "nir", "fixtures")
PAPER = os.path.join(ROOT, "nets", "tests", "nir", "paper")
CHAIN = os.path.join(FIXTURES, "chain_affine_lif.nir")
LIF_NORSE = os.path.join(PAPER, "lif_norse.nir")
BRAILLE = os.path.join(PAPER, "braille_noDelay_bias_zero.nir")


def lif_input():
    """Column 0 of the paper's `lif_exact.csv`, as a `(T, 1)` input (the CLI test's)."""
    return np.loadtxt(os.path.join(PAPER, "lif_exact.csv"), delimiter=",")[:, :1].copy()


def flat(tree, prefix=""):
    """A nested dict of arrays as `{dotted path: array}`."""
    out = {}
    for k, v in tree.items():
        path = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict):
            out.update(flat(v, path))
        else:
            out[path] = v
    return out


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def simulate(cli, tmp_path, graph, x, *extra, name="y"):
    """`littoral simulate` on `x` (saved as npy): its output and record (npz as a dict)."""
    xin = tmp_path / f"{name}_in.npy"
    np.save(xin, x)
    out, rec = tmp_path / f"{name}.npy", tmp_path / f"{name}.npz"
    subprocess.run(
        [cli, "simulate", graph, "-i", str(xin), "-o", str(out), "--record", str(rec), "-q", *extra],
        check=True,
    )
    with np.load(rec) as z:
        record = {k: z[k] for k in z.files}
    return np.load(out), record


def test_load_nir_describes_the_graph():
    g = littoral.load(CHAIN)
    assert isinstance(g, littoral.NirGraph)
    assert not isinstance(g, littoral.Module)
    assert g.nodes == ["affine", "input", "lif", "output"]
    assert g.text.startswith(f"NIR file, written by nir {g.version or 'unknown'}")
    for edge in ("input -> affine", "affine -> lif", "lif -> output"):
        assert edge in g.text, edge
    assert str(g) == g.text
    assert repr(g) == f"NirGraph('{CHAIN}', 4 nodes)"


def test_load_nir_cross_checked_with_the_nir_package():
    nir = pytest.importorskip("nir")
    for name in sorted(os.listdir(FIXTURES)):
        if not name.endswith(".nir"):
            continue
        path = os.path.join(FIXTURES, name)
        ref = nir.read(path, type_check=False)  # the reference only lists nodes and edges
        g = littoral.load(path)
        assert g.nodes == sorted(ref.nodes), name
        for src, dst in ref.edges:
            assert f"{src} -> {dst}" in g.text, (name, src, dst)


def test_load_nir_errors_name_the_file(tmp_path):
    for dt in (None, 1e-3):
        with pytest.raises(FileNotFoundError, match=r"nope\.nir: cannot read: no such file or directory"):
            littoral.load(tmp_path / "nope.nir", dt=dt)
        junk = tmp_path / "junk.nir"
        junk.write_bytes(b"not an HDF5 file at all")
        with pytest.raises(ValueError, match=r"junk\.nir: "):
            littoral.load(junk, dt=dt)
        folder = tmp_path / "dir.nir"
        folder.mkdir(exist_ok=True)
        with pytest.raises(IsADirectoryError, match="is a folder, not a file"):
            littoral.load(folder, dt=dt)


def test_bad_nodes_are_named_with_the_file(tmp_path):
    h5py = pytest.importorskip("h5py")
    bad = tmp_path / "bad.nir"
    shutil.copy(CHAIN, bad)
    with h5py.File(bad, "r+") as f:
        del f["node/nodes/lif/tau"]
        f["node/nodes/lif/tau"] = b"fast"
    with pytest.raises(ValueError, match=r"bad\.nir: lif\.tau: expected a float array, found vlen_string"):
        littoral.load(bad, dt=1e-3)
    with pytest.raises(ValueError, match=r"bad\.nir: lif\.tau: expected a float array"):
        littoral.load(bad)
    # A node that the file holds correctly but the semantics cannot run.
    pool = os.path.join(FIXTURES, "conv2d_pool.nir")
    with pytest.raises(ValueError, match=r"conv2d_pool\.nir: avg: the norse semantics cannot run AvgPool2d"):
        littoral.load(pool, dt=1e-3, semantics="norse")


def test_reader_warnings_become_python_warnings():
    path = os.path.join(PAPER, "lif_rockpool.nir")
    with pytest.warns(UserWarning, match=r"lif_rockpool\.nir: output: declared shape \(1, 1, 1\)"):
        m = littoral.load(path, dt=1e-4, semantics="rockpool")
    assert len(m.graph.warnings) == 1


def test_option_errors():
    with pytest.raises(ValueError, match=r"chain_affine_lif\.nir: dt: must be positive and finite, found 0"):
        littoral.load(CHAIN, dt=0.0)
    with pytest.raises(ValueError, match=r"dt: expected a time step in seconds \(a number\), found 'fast'"):
        littoral.load(CHAIN, dt="fast")
    with pytest.raises(ValueError, match=r'unknown semantics "brian", expected one of littoral, dirac'):
        littoral.load(CHAIN, dt=1e-3, semantics="brian")
    with pytest.raises(ValueError, match="a NIR graph has no time step: give dt"):
        littoral.load(CHAIN, semantics="norse")
    with pytest.raises(ValueError, match=r"dt and semantics apply to NIR graphs \(\.nir\)"):
        littoral.load(os.path.join(ROOT, "nope.json"), dt=1e-3)


def test_a_loaded_graph_has_the_module_api(rng):
    m = littoral.load(CHAIN, dt=1e-3)
    assert isinstance(m, littoral.NirModule) and isinstance(m, littoral.Module)
    assert (m.class_name, m.size_in, m.size_out, m.dt, m.semantics) == ("NIRGraph", 3, 4, 1e-3, "littoral")
    assert m.path == CHAIN and m.graph.nodes == ["affine", "input", "lif", "output"]
    assert repr(m).startswith("NIRGraph")
    assert list(m.modules()) == ["affine", "input", "lif", "output"]
    assert m.lif.class_name == "NirLIF" and not isinstance(m.lif, littoral.NirModule)
    params = m.parameters()
    assert set(params["lif"]) >= {"tau", "r", "v_leak", "v_threshold", "v_reset"}
    assert params["affine"]["weight"].shape == (4, 3)
    assert m.simulation_parameters()["lif"]["dt"] == 1e-3
    x = rng.uniform(0.0, 3.0, (2, 40, 3))
    y1, s1, rec = m(x, record=True)
    assert y1.shape == (2, 40, 4) and y1.sum() > 0  # the LIF spikes
    assert set(flat(rec)) >= {"lif.v", "lif_output", "affine_output"}
    assert same_bits(flat(m.state())["lif.v"], s1["lif"]["v"])
    y2, _, _ = m(x)
    m.reset_state()
    again, _, _ = m(x)
    assert same_bits(again, y1) and not same_bits(y2, y1)
    # Pure evolution from init values, and a copy that goes its own way.
    params, state = m.init()
    pure, _, _ = littoral.evolve(m, params, state, x)
    assert same_bits(pure, y1)
    c = copy.copy(m)
    assert isinstance(c, littoral.NirModule) and c.graph.nodes == m.graph.nodes
    assert same_bits(c(x)[0], m(x)[0])
    # set_attributes is checked as for any module; the threads give the same bits.
    m.set_attributes({"lif": {"v_threshold": np.full(4, 0.5)}})
    m.reset_state()
    assert not same_bits(m(x)[0], y1)
    m.reset_parameters()
    m.reset_state()
    assert same_bits(m(x, threads=2)[0], y1)


def test_nested_graphs_are_plain_views():
    m = littoral.load(os.path.join(FIXTURES, "nested.nir"), dt=1e-3)
    sub = m["sub"]
    assert sub.class_name == "NIRGraph" and not isinstance(sub, littoral.NirModule)
    assert list(sub.modules()) == ["input", "li", "output"]
    out, _, _ = m(np.ones((5, 2)))
    assert out.shape == (1, 5, 2)


def test_no_network_file_description(tmp_path):
    m = littoral.load(CHAIN, dt=1e-3)
    no_json = r"chain_affine_lif\.nir: a NIR graph has no network-file \(JSON\) description"
    with pytest.raises(ValueError, match=no_json):
        m.to_json()
    with pytest.raises(ValueError, match=no_json):
        m.save(tmp_path / "net.json")
    with pytest.raises(ValueError, match=no_json):
        pickle.dumps(m)
    with pytest.raises(ValueError, match=no_json):
        littoral.Sequential(m, littoral.LIF(4))
    with pytest.raises(ValueError, match=no_json):
        m.lif.init()  # a submodule cannot be taken out of the graph


@pytest.mark.parametrize(
    "graph,dt,semantics",
    [(LIF_NORSE, "1e-4", "littoral"), (LIF_NORSE, "1e-4", "norse"), (BRAILLE, "1e-4", "littoral"), (BRAILLE, "1e-4", "rockpool")],
)
def test_evolution_equals_the_cli_bit_for_bit(tmp_path, cli, graph, dt, semantics):
    if graph == LIF_NORSE:
        x = lif_input()
        expected_spikes = [460, 510, 710, 760] if semantics == "littoral" else None
    else:
        x = (np.random.default_rng(7).uniform(size=(2, 120, 12)) < 0.2).astype(np.float64)
        expected_spikes = None
    y_cli, rec_cli = simulate(cli, tmp_path, graph, x, "--dt", dt, "--semantics", semantics, "--threads", "1")
    m = littoral.load(graph, dt=float(dt), semantics=semantics)
    y, _, rec = m(x, record=True)
    assert same_bits(y, y_cli)
    if expected_spikes is not None:
        assert list(np.flatnonzero(y[0, :, 0] > 0)) == expected_spikes
    rec = flat(rec)
    assert sorted(rec) == sorted(rec_cli)
    for k in rec:
        assert same_bits(rec[k], rec_cli[k]), k
    if graph == BRAILLE:
        assert y.sum() > 0 and any(k.endswith("w_rec_output") for k in rec)


def test_snapshots_go_both_ways_with_the_cli(tmp_path, cli):
    x = lif_input()
    a, b = x[:400], x[400:]
    whole, _, _ = littoral.load(LIF_NORSE, dt=1e-4)(x)
    # Python's snapshot resumed by `littoral simulate GRAPH.nir --dt DT --resume SNAP`.
    m = littoral.load(LIF_NORSE, dt=1e-4)
    m(a)
    m.save_state(tmp_path / "py.snap")
    np.save(tmp_path / "b.npy", b)
    subprocess.run(
        [cli, "simulate", LIF_NORSE, "--dt", "1e-4", "--resume", str(tmp_path / "py.snap"),
         "-i", str(tmp_path / "b.npy"), "-o", str(tmp_path / "yb.npy"), "-q"],
        check=True,
    )
    assert same_bits(np.load(tmp_path / "yb.npy"), whole[:, 400:])
    # The command line's snapshot restored into the graph read again.
    np.save(tmp_path / "a.npy", a)
    subprocess.run(
        [cli, "simulate", LIF_NORSE, "--dt", "1e-4", "-i", str(tmp_path / "a.npy"),
         "-o", str(tmp_path / "ya.npy"), "--save-state", str(tmp_path / "cli.snap"), "-q"],
        check=True,
    )
    for snap in ("py.snap", "cli.snap"):
        resumed = littoral.restore(tmp_path / snap, module=littoral.load(LIF_NORSE, dt=1e-4))
        assert isinstance(resumed, littoral.NirModule) and resumed.dt == 1e-4
        assert same_bits(resumed(b)[0], whole[:, 400:]), snap
    # A snapshot cannot rebuild the graph alone, nor go into another graph or options.
    with pytest.raises(ValueError, match=r"cli\.snap: this snapshot holds a NIR graph, which a snapshot cannot rebuild"):
        littoral.restore(tmp_path / "cli.snap")
    with pytest.raises(ValueError, match=r"cli\.snap: does not match the module given: .*classes, names, options"):
        littoral.restore(tmp_path / "cli.snap", module=littoral.load(LIF_NORSE, dt=1e-3))
    with pytest.raises(ValueError, match=r"cli\.snap: does not match the module given: \d+ mismatching path"):
        littoral.restore(tmp_path / "cli.snap", module=littoral.load(CHAIN, dt=1e-4))


def test_restore_into_a_network_file_module(tmp_path, rng):
    net = littoral.Sequential(littoral.Linear((2, 3), weight=rng.normal(size=(2, 3))), littoral.LIF(3))
    x1, x2 = rng.uniform(0.0, 2.0, (2, 30, 2))
    net(x1)
    net.save_state(tmp_path / "n.snap")
    fresh = littoral.from_json(net.to_json())
    resumed = littoral.restore(tmp_path / "n.snap", module=fresh)
    assert same_bits(resumed(x2)[0], net(x2)[0])
    with pytest.raises(ValueError, match=r"n\.snap: does not match the module given"):
        littoral.restore(tmp_path / "n.snap", module=littoral.LIF(3))


def test_sweep_and_timed_run_a_graph(rng):
    m = littoral.load(CHAIN, dt=1e-3)
    x = rng.uniform(0.0, 3.0, (50, 3))
    points = littoral.sweep(m, x, {"lif.v_threshold": [0.5, 1.0]}, outputs=True)
    for p, th in zip(points, (0.5, 1.0)):
        one = littoral.load(CHAIN, dt=1e-3)
        one.set_attributes({"lif": {"v_threshold": np.full(4, th)}})
        assert same_bits(p["output"], one(x)[0]), th
    assert points[0]["signals"]["output"]["sum"] > points[1]["signals"]["output"]["sum"]
    tmod = m.timed()  # dt from the neurons' simulation parameters
    assert tmod.dt == 1e-3
    ts_out, _, _ = tmod(littoral.TSContinuous.from_clocked(x, dt=1e-3))
    assert same_bits(ts_out.raster(1e-3), m(x)[0][0])
