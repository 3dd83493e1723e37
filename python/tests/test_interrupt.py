"""Ctrl-C interrupts a long evolve: KeyboardInterrupt between time chunks, promptly."""
import signal
import subprocess
import sys
import time

import pytest

# Chunk even if the machine is fast.
FORCED = "_littoral._set_chunking(0.0, 0.05)"
# The default chunking, after a short run of the same batch size: its pace (seconds per
# step, `python/src/pace.rs`) must not let the long run skip its probe.
PACED = "net(np.ones((2_000, 1)))"

SCRIPT = r"""
import signal, sys, numpy as np, littoral
from littoral import _littoral
# Python installs its Ctrl-C handler only when SIGINT is not ignored at start-up, and a
# runner started in the background of a non-interactive shell passes SIGINT ignored: the
# test needs what an interactive session has.
signal.signal(signal.SIGINT, signal.default_int_handler)
net = littoral.Sequential(
    littoral.Linear((1, 512), weight=np.full((1, 512), 50.0)),
    littoral.LIF(512, has_rec=True, w_rec=np.full((512, 512), 1e-3)),
    littoral.Linear((512, 1)),
)
SETUP
x = np.ones((2_000_000, 1))
print("start", flush=True)
try:
    net(x)
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(3)
print("finished", flush=True)
"""


@pytest.mark.parametrize("setup", [FORCED, PACED], ids=["forced", "after-a-paced-run"])
def test_ctrl_c_interrupts_a_long_evolve(setup):
    script = SCRIPT.replace("SETUP", setup)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "start"
    time.sleep(1.0)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("the evolve did not stop within 30 s of SIGINT")
    waited = time.monotonic() - sent
    assert "interrupted" in out, (out, err)
    assert proc.returncode == 3
    assert waited < 10, f"stopped {waited:.1f} s after SIGINT"
