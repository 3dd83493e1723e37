"""Check that the reference `nir` package (1.0.8) reads Littoral's NIR exports with the
same numbers as the originals. Run by hand (not in CI), from the repository root:

    LITTORAL_NIR_EXPORT_DIR=/tmp/nir-exports \
        cargo test --release -p littoral-nets --test nir_roundtrip
    /work/venv-ref/bin/python nets/tests/nir/check_exports.py /tmp/nir-exports

For every fixture and paper file, `nir.read` of Littoral's export must give the same
nodes, edges, metadata and parameter arrays (values, shapes and dtypes identical) as
`nir.read` of the original. Type checking is off for the files nir 1.0.8 itself refuses
(lif_rockpool.nir) or mistypes (grouped convolutions); it is on for the others.
"""

import pathlib
import sys

import nir
import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
NO_TYPE_CHECK = {"lif_rockpool.nir", "conv2d_pool.nir", "conv1d_same.nir"}


def same(a, b, where):
    if isinstance(a, dict):
        assert isinstance(b, dict) and sorted(a) == sorted(b), f"{where}: keys {sorted(a)} vs {sorted(b)}"
        for k in a:
            same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), f"{where}: length"
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape or a.size == b.size == 1, f"{where}: shape {a.shape} vs {b.shape}"
        if a.dtype.kind == "f" or b.dtype.kind == "f":
            assert a.dtype == b.dtype, f"{where}: dtype {a.dtype} vs {b.dtype}"
        assert np.array_equal(a.ravel(), b.ravel()), f"{where}: values differ"
    elif isinstance(a, bytes) or isinstance(b, bytes):
        dec = lambda s: s.decode() if isinstance(s, bytes) else s
        assert dec(a) == dec(b), f"{where}: {a!r} vs {b!r}"
    else:
        assert a == b or np.array_equal(np.asarray(a), np.asarray(b)), f"{where}: {a!r} vs {b!r}"


def main(export_dir):
    export_dir = pathlib.Path(export_dir)
    originals = sorted((HERE / "fixtures").glob("*.nir")) + sorted((HERE / "paper").glob("*.nir"))
    for original in originals:
        check = original.name not in NO_TYPE_CHECK
        exported = export_dir / original.name
        a = nir.read(original, type_check=False).to_dict()
        b = nir.read(exported, type_check=check).to_dict()
        same(a, b, original.name)
        print(f"ok  {original.name}  (type check {'on' if check else 'off'})")
    print(f"nir {nir.version} reads all {len(originals)} Littoral exports with identical arrays")


if __name__ == "__main__":
    main(sys.argv[1])
