"""`littoral.load` on a `.nir` file gives the graph's description (not a runnable module).

The fixtures are the workspace's NIR test files, written by the `nir` package; their node
names and edges below are what `nir.read` reports for them.
"""
import os

import pytest

import littoral
from conftest import ROOT

FIXTURES = os.path.join(ROOT, "nets", "tests", "nir", "fixtures")


def test_load_nir_describes_the_graph():
    g = littoral.load(os.path.join(FIXTURES, "chain_affine_lif.nir"))
    assert isinstance(g, littoral.NirGraph)
    assert not isinstance(g, littoral.Module)
    assert g.nodes == ["affine", "input", "lif", "output"]
    assert g.text.startswith(f"NIR file, written by nir {g.version or 'unknown'}")
    for edge in ("input -> affine", "affine -> lif", "lif -> output"):
        assert edge in g.text, edge
    assert str(g) == g.text
    assert "not executable" in repr(g)


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
    with pytest.raises(FileNotFoundError, match=r"nope\.nir: cannot read: no such file or directory"):
        littoral.load(tmp_path / "nope.nir")
    junk = tmp_path / "junk.nir"
    junk.write_bytes(b"not an HDF5 file at all")
    with pytest.raises(ValueError, match=r"junk\.nir: "):
        littoral.load(junk)
    folder = tmp_path / "dir.nir"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match="is a folder, not a file"):
        littoral.load(folder)
