"""Write small time-series files with Rockpool itself, for littoral-functional's tests.

Run from this directory with Rockpool 3.1.0 installed:

    python3 gen_ts.py

It writes `rockpool_*.npz` next to itself with `TSContinuous.save` / `TSEvent.save`
(numpy's `savez`: field names `times`, `samples`, `channels`, `t_start`, `t_stop`,
`periodic`, `num_channels`, and empty marker arrays `name_<name>`, `type_<class>`,
`interp_kind_<kind>`), and `rockpool_behaviours.json`: what Rockpool's `TSEvent` and
`TSContinuous` return for the calls `functional/tests/timeseries.rs` makes (raster, sample,
clip, merge, append), which the tests compare with Littoral's. CI only reads the outputs.
Deterministic: two runs write the same bytes.
"""

import json
import warnings
from pathlib import Path

import numpy as np
import rockpool
from rockpool.timeseries import TSContinuous, TSEvent

HERE = Path(__file__).resolve().parent
assert rockpool.__version__ == "3.1.0", rockpool.__version__

# - A clocked two-channel signal, sample-and-hold (Rockpool's default)
TSContinuous.from_clocked(
    np.array([[1.0, 2.0], [3.0, 4.0], [5.0, -6.5]]), dt=0.1, t_start=0.5, name="clocked"
).save(str(HERE / "rockpool_continuous.npz"))

# - A periodic, linearly interpolated one-channel signal with explicit bounds
TSContinuous(
    [0.0, 0.25, 0.5],
    [0.0, 1.0, -1.0],
    periodic=True,
    t_start=0.0,
    t_stop=1.0,
    interp_kind="linear",
    name="wave",
).save(str(HERE / "rockpool_linear_periodic.npz"))

# - The raster example of the contract (events in ms), and a third, silent channel
TSEvent(
    [0.5e-3, 1.2e-3, 1.3e-3, 3.1e-3],
    [0, 1, 1, 0],
    t_start=0.0,
    t_stop=5e-3,
    num_channels=3,
    name="spikes",
).save(str(HERE / "rockpool_events.npz"))

# - An event series without events
TSEvent([], [], t_start=1.0, t_stop=2.0, num_channels=2, name="silence").save(
    str(HERE / "rockpool_events_empty.npz")
)


# - Behaviours: Rockpool's answers to the calls the Rust tests make
warnings.filterwarnings("ignore")  # raster's "multiple events per time step"


def floats(a):
    return np.asarray(a, dtype=np.float64).tolist()


B = {}
ev = TSEvent([0.5e-3, 1.2e-3, 1.3e-3, 3.1e-3], [0, 1, 1, 0], t_start=0.0, t_stop=5e-3)
B["raster_bool"] = floats(ev.raster(1e-3))
B["raster_counts"] = floats(ev.raster(1e-3, add_events=True))
B["raster_from_1ms_to_3ms"] = floats(ev.raster(1e-3, t_start=1e-3, t_stop=3e-3))
B["raster_shape_31_steps"] = list(
    TSEvent([0.0, 30.0], [0, 0], t_start=0.0, t_stop=31.0, num_channels=4).raster(1.0).shape
)
two = TSEvent([0.0, 1.0], [0, 0], t_start=0.0, t_stop=2.0)
B["raster_shape_dt_0.9"] = list(two.raster(0.9).shape)
B["raster_shape_dt_1.1"] = list(two.raster(1.1).shape)
B["raster_shape_empty"] = list(TSEvent([], [], t_start=0.0, t_stop=0.0).raster(1.0).shape)
B["raster_shape_1.1_over_0.1"] = list(TSEvent([], [], t_start=0.0, t_stop=1.1).raster(0.1).shape)
edge = TSEvent([0.3], [0], t_start=0.0, t_stop=1.0).raster(0.1)
B["raster_event_at_0.3_dt_0.1"] = floats(edge[:, 0])
periodic = TSEvent([0.5], [0], t_start=0.0, t_stop=2.0, periodic=True)
B["raster_periodic_6_steps"] = floats(periodic.raster(1.0, num_timesteps=6)[:, 0])

raster = np.array([[0.0, 1.0], [2.0, 0.0], [0.0, 0.0]])
mid = TSEvent.from_raster(raster, dt=1e-3)
B["from_raster"] = {"times": floats(mid.times), "channels": mid.channels.tolist(),
                    "t_stop": float(mid.t_stop), "num_channels": int(mid.num_channels)}
B["from_raster_at_bin_start"] = floats(
    TSEvent.from_raster(raster, dt=1e-3, spikes_at_bin_start=True).times
)

a = TSEvent([0.1, 0.5], [0, 1], t_start=0.0, t_stop=1.0)
b = TSEvent([0.2], [0], t_start=0.0, t_stop=0.5)
m = a.merge(b)
B["event_merge"] = {"times": floats(m.times), "channels": m.channels.tolist()}
c = a.append_c(b)
B["event_append_c"] = {"channels": c.channels.tolist(), "num_channels": int(c.num_channels)}
t = a.append_t(b, offset=0.0)
B["event_append_t"] = {"times": floats(t.times), "t_stop": float(t.t_stop)}
cl = a.clip(0.2, 0.6)
B["event_clip"] = {"times": floats(cl.times), "t_start": float(cl.t_start),
                   "t_stop": float(cl.t_stop)}

clocked = TSContinuous.from_clocked(np.array([[1.0, 2.0], [3.0, 4.0]]), dt=0.1, t_start=0.0)
B["clocked"] = {"times": floats(clocked.times), "t_stop": float(clocked.t_stop),
                "sample_at": [0.05, 0.1, 0.15, 0.2],
                "samples": floats(clocked([0.05, 0.1, 0.15, 0.2]))}
p3 = TSContinuous.from_clocked(np.array([1.0, 2.0, 3.0]), dt=1.0, periodic=True)
at = [0.0, 1.0, 2.0, 3.0, 4.5, -0.5, 7.0]
B["periodic_sample"] = {"at": at, "samples": floats(p3(at)[:, 0])}
pc = p3.clip(1.0, 5.0)
B["periodic_clip"] = {"times": floats(pc.times), "samples": floats(pc.samples[:, 0])}

dup = TSContinuous([0.0, 1.0, 1.0, 2.0], [0.0, 10.0, 20.0, 30.0], t_start=0.0, t_stop=3.0)
at = [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
B["previous_with_duplicates"] = {"at": at, "samples": floats(dup(at)[:, 0])}
lin = TSContinuous([0.0, 1.0, 1.0, 2.0], [0.0, 10.0, 20.0, 30.0], interp_kind="linear")
at = [0.0, 0.5, 1.0, 1.5, 2.0]
B["linear_with_duplicates"] = {"at": at, "samples": floats(lin(at)[:, 0])}
cc = dup.clip(0.5, 2.5)
B["continuous_clip"] = {"times": floats(cc.times), "samples": floats(cc.samples[:, 0]),
                        "t_start": float(cc.t_start), "t_stop": float(cc.t_stop)}
rs = dup.resample([0.5, 2.0])
B["continuous_resample"] = {"samples": floats(rs.samples[:, 0]),
                            "t_start": float(rs.t_start), "t_stop": float(rs.t_stop)}
mg = dup.merge(TSContinuous([0.5, 1.0], [5.0, 6.0]), remove_duplicates=True)
B["continuous_merge"] = {"times": floats(mg.times), "samples": floats(mg.samples[:, 0])}
gap = clocked.append_t(clocked)
B["continuous_append_t_median_gap"] = {"times": floats(gap.times), "t_stop": float(gap.t_stop)}
butt = clocked.append_t(clocked, offset=0.0)
B["continuous_append_t_no_gap"] = {"times": floats(butt.times), "t_stop": float(butt.t_stop)}
wide = clocked.append_c(clocked)
B["continuous_append_c"] = {"num_channels": int(wide.num_channels),
                            "samples": floats(wide.samples.ravel())}

with open(HERE / "rockpool_behaviours.json", "w") as f:
    json.dump(B, f, indent=1, sort_keys=True)
    f.write("\n")
