"""Shared helpers of the Python package's tests.

Rockpool 3.1.0 (numpy backend) is the reference: the parity tests build random Rockpool
networks, run them, convert them with ``littoral.from_rockpool`` and compare.
"""
import os
import shutil
import warnings

import numpy as np
import pytest

warnings.filterwarnings("ignore")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def littoral_bin():
    """The `littoral` command line: $LITTORAL_BIN, target/release/littoral, or PATH."""
    env = os.environ.get("LITTORAL_BIN")
    if env:
        return env
    built = os.path.join(ROOT, "target", "release", "littoral")
    if os.path.exists(built):
        return built
    return shutil.which("littoral")


@pytest.fixture
def cli():
    path = littoral_bin()
    if not path:
        pytest.skip("the littoral command line is not built (cargo build --release)")
    return path


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def assert_close(ours, ref, path="output"):
    """Littoral against the reference at 1e-9 (relative and absolute)."""
    ours = np.asarray(ours)
    ref = np.asarray(ref)
    assert ours.shape == ref.shape, f"{path}: shape {ours.shape} != {ref.shape}"
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-9, err_msg=path)
