"""Network files and snapshots: Python and the `littoral` command line read each other's."""
import json
import subprocess

import numpy as np
import pytest

import littoral


def noisy_net(rng):
    return littoral.Sequential(
        littoral.Linear((3, 4), weight=rng.normal(0.0, 1.0, (3, 4))),
        littoral.LIF(4, has_rec=True, noise_std=0.05),
        littoral.Linear((4, 2)),
        littoral.LIF(2),
    )


def test_snapshot_round_trip_in_python(tmp_path, rng):
    net = noisy_net(rng)
    x1, x2 = rng.uniform(0.0, 1.0, (2, 2, 30, 3))
    net(x1)
    net.save_state(tmp_path / "a.snap")
    back = littoral.restore(tmp_path / "a.snap")
    assert repr(back) == repr(net)
    a = net(x2, record=True)
    b = back(x2, record=True)
    assert np.array_equal(a[0], b[0])
    assert np.array_equal(a[1]["1_LIF"]["rng_key"], b[1]["1_LIF"]["rng_key"])


def test_python_snapshot_resumed_by_the_cli(tmp_path, rng, cli):
    net = noisy_net(rng)
    x1, x2 = rng.uniform(0.0, 1.0, (2, 2, 30, 3))
    net(x1)
    net.save_state(tmp_path / "py.snap")
    np.save(tmp_path / "x2.npy", x2)
    subprocess.run(
        [cli, "simulate", "--resume", str(tmp_path / "py.snap"), "-i", str(tmp_path / "x2.npy"),
         "-o", str(tmp_path / "y2.npy"), "--quiet"],
        check=True,
    )
    out, _, _ = net(x2)
    assert np.array_equal(np.load(tmp_path / "y2.npy"), out)


def test_cli_snapshot_restored_in_python(tmp_path, rng, cli):
    net = noisy_net(rng)
    net.save(tmp_path / "net.json")
    x1, x2 = rng.uniform(0.0, 1.0, (2, 2, 30, 3))
    np.save(tmp_path / "x1.npy", x1)
    subprocess.run(
        [cli, "simulate", str(tmp_path / "net.json"), "-i", str(tmp_path / "x1.npy"), "-o",
         str(tmp_path / "y1.npy"), "--save-state", str(tmp_path / "cli.snap"), "--seed", "3", "--quiet"],
        check=True,
    )
    same = littoral.load(tmp_path / "net.json", seed=3)
    y1, _, _ = same(x1)
    assert np.array_equal(np.load(tmp_path / "y1.npy"), y1)
    resumed = littoral.restore(tmp_path / "cli.snap")
    a, _, _ = resumed(x2)
    b, _, _ = same(x2)
    assert np.array_equal(a, b)


def test_network_file_round_trip(tmp_path, rng):
    net = noisy_net(rng)
    net.save(tmp_path / "net.json")
    again = littoral.load(tmp_path / "net.json")
    for k, v in net.parameters().items():
        for n, a in v.items():
            assert np.array_equal(again.parameters()[k][n], a)
    assert json.loads(net.to_json())["class"] == "Sequential"


def test_file_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.json: cannot read: no such file or directory"):
        littoral.load(tmp_path / "nope.json")
    with pytest.raises(OSError, match="is a folder, not a file"):
        littoral.restore(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text('{"class": "LIFF", "shape": [3]}')
    with pytest.raises(ValueError, match=r"bad\.json: class: unknown class 'LIFF'"):
        littoral.load(bad)
    junk = tmp_path / "junk.snap"
    junk.write_bytes(b"LITTORAL" + b"\x00" * 5)
    with pytest.raises(ValueError, match=r"junk\.snap: "):
        littoral.restore(junk)
    with pytest.raises(ValueError, match="this is a snapshot, not a network file"):
        littoral.load(junk)
    lif = littoral.LIF(2)
    with pytest.raises(OSError, match="cannot"):
        lif.save_state(tmp_path / "no" / "such" / "dir" / "a.snap")


def test_from_json_builds_any_described_network():
    net = littoral.from_json({"class": "Sequential", "modules": [
        {"class": "Linear", "shape": [2, 3], "parameters": {"weight": [[1, 0, 0], [0, 1, 0]]}},
        {"name": "lif", "class": "LIF", "shape": [3], "parameters": {"tau_mem": 0.03}}]})
    assert list(net.modules()) == ["0_Linear", "lif"]
    assert net.parameters()["lif"]["tau_mem"] == 0.03
    again = littoral.from_json(net.to_json())
    assert repr(again) == repr(net)
    with pytest.raises(ValueError, match="modules\\[1\\].shape"):
        littoral.from_json({"class": "Sequential", "modules": [{"class": "LIF", "shape": [2]}, {"class": "LIF"}]})
