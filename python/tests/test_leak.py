"""No leak across the boundary: 10,000 calls keep reference counts and memory flat."""
import resource
import sys

import numpy as np

import littoral


def rss_kib():
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() // 1024


def test_ten_thousand_calls_do_not_leak():
    net = littoral.Sequential(littoral.Linear((4, 16)), littoral.LIF(16, has_rec=True))
    x = np.random.default_rng(0).uniform(0.0, 1.0, (1, 5, 4))
    params, state = net.init(0)
    for _ in range(500):  # warm up allocator pools
        net(x, record=True)
        littoral.evolve(net, params, state, x)
    tau = params["1_LIF"]["tau_mem"]
    refs_x, refs_p = sys.getrefcount(x), sys.getrefcount(tau)
    before = rss_kib()
    for _ in range(10_000):
        out, new_state, rec = net(x, record=True)
        littoral.evolve(net, params, state, x)
        net.parameters()
    del out, new_state, rec
    growth = rss_kib() - before
    after_x, after_p = sys.getrefcount(x), sys.getrefcount(tau)
    assert (after_x, after_p) == (refs_x, refs_p)
    # 10,000 calls each return ~10 arrays: a leak of one would be > 4 MiB.
    assert growth < 2048, f"RSS grew by {growth} KiB over 10,000 calls"
