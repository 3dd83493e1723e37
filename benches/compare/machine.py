"""The machine around a timed run, for the comparison scripts (standard library only).

`warm_cores` keeps every core busy for a moment before each timed run of either side of
a comparison, so that both start in the same state. On the development VMs a Littoral
process started after a pause used to run slowly for its first ~0.1 s (CUBA at N = 4,000:
18–25 ms back to back, 44–81 ms after a 1 s pause). The cause was not the cores but
mimalloc's huge pages, carved out of memory the VM had given back to its host; the
binary now allocates 4 KB pages (`docs/performance.md`, "Cold and warm cores"), and
the warm-up no longer changes the medians. It is kept: it costs half a second per run
and puts both sides in the same state.

`core_scaling` measures what the machine gives two busy cores against one, with a loop
that touches no memory: on these VMs two busy vCPUs sometimes share one physical core
(a pure arithmetic loop then runs 0.53 s on each of two cores at once against 0.30–0.39 s
alone). A thread-scaling target (1 → 2 threads ≥ 1.7×) cannot be met in a run where this
bound is below it, so the scripts print it beside every such ratio.

`copy_rates` is one bound of a workload that streams memory (W1 reads its input once and
writes its output once): glibc's `memcpy` of buffers larger than the last-level cache on
one core alone and on every core at once, in bytes read and written per second. It is
not the tightest: on the development VMs a pass that reads and writes one buffer in
place (W1's own pattern; the `stream_scaling` example, which `compare.py` runs beside
it) moves about twice as many bytes per second on one core (`docs/performance-record.md`,
"Thirtieth round").
"""
import multiprocessing as mp
import os
import time


def _cpus():
    return sorted(os.sched_getaffinity(0))


def _spin(seconds, cpu, counts=None, slot=0):
    """Busy arithmetic for `seconds` on `cpu`; the iteration count goes to counts[slot]."""
    os.sched_setaffinity(0, {cpu})
    end = time.perf_counter() + seconds
    n = 0
    x = 1
    while True:
        for _ in range(2000):
            x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        n += 2000
        if time.perf_counter() >= end:
            break
    if counts is not None:
        counts[slot] = n


def _copy(seconds, cpu, counts=None, slot=0, ready=None, mib=64):
    """Copy one `mib` MiB buffer into another (glibc's `memcpy`) for `seconds` on `cpu`,
    after one untimed copy that maps both and after every process of the measurement has
    made its buffers (`ready`); bytes read and written per second go to counts[slot]."""
    os.sched_setaffinity(0, {cpu})
    src = bytearray(os.urandom(1 << 20)) * mib
    dst = bytearray(len(src))
    view = memoryview(dst)
    view[:] = src
    if ready is not None:
        ready.wait()
    start = time.perf_counter()
    end = start + seconds
    moved = 0
    while True:
        view[:] = src
        moved += 2 * len(src)
        now = time.perf_counter()
        if now >= end:
            break
    if counts is not None:
        counts[slot] = int(moved / (now - start))


def _on_every_cpu(seconds, cpus, counts=None, work=_spin, together=False):
    """`work(seconds, cpu, counts, slot)` in a process pinned to each of `cpus`; with
    `together`, also a barrier that `work` waits on before it starts its clock."""
    ctx = mp.get_context("fork")
    ready = (ctx.Barrier(len(cpus)),) if together else ()
    procs = [ctx.Process(target=work, args=(seconds, c, counts, i) + ready) for i, c in enumerate(cpus)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()


def warm_cores(seconds=0.5):
    """Keep every core of this process's affinity busy for `seconds`, then return."""
    if seconds > 0:
        _on_every_cpu(seconds, _cpus())


def _alone_then_every(seconds, work=_spin, together=False):
    """`work`'s count on one core alone, then the sum of its counts on every core at once,
    `seconds` each (see `_on_every_cpu`)."""
    cpus = _cpus()
    ctx = mp.get_context("fork")
    one = ctx.Array("q", 1)
    _on_every_cpu(seconds, cpus[:1], one, work, together)
    every = ctx.Array("q", len(cpus))
    _on_every_cpu(seconds, cpus, every, work, together)
    return one[0], sum(every[:])


def core_scaling(seconds=0.1, rounds=3):
    """Throughput of the arithmetic loop on every core at once over one core alone (2.0 on
    two cores that do not share anything), measured now: `rounds` alternations of one core
    alone and every core, `seconds` each, the ratio of the sums."""
    alone = every = 0
    for _ in range(rounds):
        one, all_ = _alone_then_every(seconds)
        alone += one
        every += all_
    return every / alone if alone else float("nan")


def copy_rates(seconds=0.1):
    """(GB/s on one core alone, GB/s on every core at once), bytes read and written, of
    `seconds` of copying each, measured now."""
    one, every = _alone_then_every(seconds, work=_copy, together=True)
    return one / 1e9, every / 1e9


if __name__ == "__main__":
    for _ in range(3):
        one, every = copy_rates()
        print(f"core scaling {core_scaling():.2f}; copy {one:.1f} GB/s on one core, {every:.1f} on "
              f"{len(_cpus())} ({every / one:.2f}×)")
