"""Write small time-series files with Rockpool itself, for littoral-functional's tests.

Run from this directory with Rockpool 3.1.0 installed:

    python3 gen_ts.py

It writes `rockpool_*.npz` next to itself with `TSContinuous.save` / `TSEvent.save`
(numpy's `savez`: field names `times`, `samples`, `channels`, `t_start`, `t_stop`,
`periodic`, `num_channels`, and empty marker arrays `name_<name>`, `type_<class>`,
`interp_kind_<kind>`). CI only reads the outputs; the values are written out in
`functional/tests/timeseries.rs`.
"""

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
