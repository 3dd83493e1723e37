"""Time series and timed modules against Rockpool 3.1.0's own (the reference, run here)."""
import numpy as np
import pytest

import littoral
from conftest import assert_close


def rockpool_ts():
    from rockpool.timeseries import TSContinuous, TSEvent

    return TSContinuous, TSEvent


@pytest.mark.parametrize("interp_kind", ["previous", "linear"])
def test_continuous_sampling_matches_rockpool(interp_kind, rng):
    RC, _ = rockpool_ts()
    times = np.sort(rng.uniform(0.0, 1.0, 20))
    samples = rng.normal(size=(20, 3))
    ref = RC(times, samples, t_start=0.0, t_stop=1.0, interp_kind=interp_kind)
    ours = littoral.from_rockpool(ref)
    assert isinstance(ours, littoral.TSContinuous)
    at = np.sort(rng.uniform(times[0], times[-1], 50))
    assert_close(ours(at.tolist()), ref(at), "samples")
    assert (ours.t_start, ours.t_stop, ours.num_channels, ours.interp_kind) == (0.0, 1.0, 3, interp_kind)
    back = ours.to_rockpool()
    assert np.array_equal(back.times, ref.times) and np.array_equal(back.samples, ref.samples)


@pytest.mark.parametrize("add_events", [False, True])
def test_event_raster_matches_rockpool(add_events, rng):
    _, RE = rockpool_ts()
    times = np.sort(rng.uniform(0.0, 0.1, 200))
    channels = rng.integers(0, 4, 200)
    ref = RE(times, channels, t_start=0.0, t_stop=0.1, num_channels=5)
    ours = littoral.from_rockpool(ref)
    assert ours.num_channels == 5 and len(ours) == 200
    a = ours.raster(1e-3, add_events=add_events)
    b = ref.raster(1e-3, add_events=add_events)
    assert a.shape == b.shape
    assert np.array_equal(a, b)
    back = ours.to_rockpool()
    assert np.array_equal(back.times, ref.times) and np.array_equal(back.channels, ref.channels)


def test_from_clocked_and_from_raster():
    ts = littoral.TSContinuous.from_clocked(np.arange(6.0).reshape(3, 2), dt=0.1, t_start=1.0)
    assert ts.t_start == 1.0 and abs(ts.t_stop - 1.3) < 1e-12 and ts.num_channels == 2
    ev = littoral.TSEvent.from_raster(np.array([[1, 0], [0, 2], [0, 0]]), dt=0.01)
    assert ev.num_channels == 2 and len(ev) == 3
    assert np.array_equal(ev.raster(0.01, add_events=True), [[1, 0], [0, 2], [0, 0]])
    with pytest.raises(ValueError, match="t_stop"):
        littoral.TSEvent([0.1, 0.2], [0, 1])


@pytest.mark.parametrize("cls", ["LIF", "Rate"])
def test_timed_module_matches_rockpool(cls, rng):
    RC, _ = rockpool_ts()
    from rockpool.nn import modules

    rp = modules.LIF(3, threshold=0.5) if cls == "LIF" else modules.Rate(3, activation_func="tanh")
    lit = littoral.from_rockpool(rp).timed()
    x = RC.from_clocked(rng.uniform(0.0, 3.0, (60, 3)), dt=1e-3)
    ref_out, _, ref_rec = rp.timed()(x, record=True)
    out, state, rec = lit(littoral.from_rockpool(x), record=True)
    assert abs(lit.t - 0.06) < 1e-12
    if cls == "LIF":
        assert isinstance(out, littoral.TSEvent) and len(out) > 0
        assert np.array_equal(out.channels, ref_out.channels)
        assert_close(out.times, ref_out.times, "times")
        assert_close(rec["vmem"].samples, ref_rec["vmem"].samples, "vmem")
    else:
        assert isinstance(out, littoral.TSContinuous)
        assert_close(out.samples, ref_out.samples, "samples")
        assert_close(out.times, ref_out.times, "times")


def test_timed_input_errors():
    lit = littoral.LIF(2).timed()
    with pytest.raises(ValueError, match="ts_input"):
        lit(np.ones((10, 2)))
    with pytest.raises(ValueError, match="duration"):
        lit()
    out, _, _ = lit(duration=0.01)
    assert isinstance(out, littoral.TSEvent) and lit.t == pytest.approx(0.01)
