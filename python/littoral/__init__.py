"""Littoral: Rockpool's Module API at Rust speed.

Object style, as in Rockpool::

    import numpy as np, littoral
    net = littoral.Sequential(littoral.Linear((2, 8)), littoral.LIF(8))
    out, state, rec = net(np.random.rand(100, 2), record=True)

Functional style: ``params, state = net.init(seed)`` and
``littoral.evolve(net, params, state, x)`` (pure). Rockpool modules convert in one line
with :func:`from_rockpool`; :func:`load`, :func:`restore` and :func:`sweep` reach the
engine's network files, snapshots and parameter sweeps.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np

from . import _littoral
from ._modules import (
    LIF,
    Constant,
    ExpSyn,
    FFwdStack,
    Instant,
    Linear,
    Module,
    Rate,
    Residual,
    Sequential,
)
from ._modules import REGISTERED, _as_input, _record_arg
from ._modules import __all__ as _module_names
from ._nir import NirModule
from ._rockpool import from_rockpool

TSContinuous = _littoral.TSContinuous
TSEvent = _littoral.TSEvent
TimedModule = _littoral.TimedModule
NirGraph = _littoral.NirGraph

__version__ = _littoral.__version__

__all__ = [
    *_module_names,
    "evolve",
    "load",
    "from_json",
    "restore",
    "sweep",
    "from_rockpool",
    "TSContinuous",
    "TSEvent",
    "TimedModule",
    "NirGraph",
    "NirModule",
]

# Every other module class of the engine's registry (NIR's neurons and any class added in
# Rust later), generated from the registry: `littoral.CubaLIF(4, tau_mem=0.02)`.
globals().update(REGISTERED)
__all__ += sorted(REGISTERED)


def evolve(
    module: Module,
    params: Dict[str, Any],
    state: Dict[str, Any],
    x: Any,
    record: Union[bool, str] = False,
    threads: Optional[int] = None,
):
    """Pure evolution: ``(output, new_state, record)`` from explicit values.

    ``params`` (Parameters and SimulationParameters) and ``state`` are nested dicts as
    ``module.init(seed)`` returns them; nothing is kept and the module is unchanged. The
    same arguments give the same bits, whatever ``threads``.
    """
    if not isinstance(module, Module):
        _check_module(module)
    # The engine converts and checks the values (and reads float64 arrays in place).
    return module._standalone().evolve(params, state, x, _record_arg(record), threads)


def from_json(description: Any, seed: int = 0, max_memory: Any = None) -> Module:
    """Build a module from a network description: the JSON text of a network file or the
    same as a dict (``docs/network-format.md``). Any class the engine knows can be built
    this way, including ones without a Python class here. ``max_memory`` bounds what
    reading it may draw (see :func:`load`)."""
    import json

    text = description if isinstance(description, str) else json.dumps(description)
    return Module._wrap(_littoral.Engine.from_json(text, int(seed), _memory_arg(max_memory)))


def load(
    path: Any,
    seed: int = 0,
    dt: Optional[float] = None,
    semantics: Optional[str] = None,
    max_memory: Any = None,
) -> Union[Module, "NirModule", "NirGraph"]:
    """Read a network file (JSON, ``docs/network-format.md``); random initialisers draw
    from ``seed``. Errors name the file and the JSON path.

    A sparse initialiser (``"init": "fixed_in_degree"``, ...) is drawn when the file is
    read. ``max_memory`` (bytes, or a count such as ``"512M"`` or ``"8G"``; ``None``: no
    budget beyond the fixed limit of 2**30 synapses) refuses a file whose drawing would
    take more, before anything is drawn, as ``littoral --max-memory`` does.

    A file ending ``.nir`` (the ``nir`` package's HDF5) is a NIR graph. With ``dt`` (its
    time step in seconds: NIR has none) it is built as a runnable :class:`NirModule`
    under ``semantics`` (``"littoral"`` by default, ``"dirac"``, ``"rockpool"``,
    ``"snntorch"``, ``"norse"``), as ``littoral simulate GRAPH.nir --dt DT --semantics
    S`` builds it. Without ``dt`` it is read and checked into a :class:`NirGraph`, its
    description only (``print(g)`` shows what ``littoral inspect`` shows). Errors name
    the file and the node. ``dt`` and ``semantics`` apply to NIR graphs only."""
    p = os.fspath(path)
    if p.lower().endswith(".nir"):
        if dt is not None:
            return NirModule(p, dt, semantics, seed)
        if semantics is not None:
            raise ValueError("a NIR graph has no time step: give dt (seconds, e.g. dt=1e-4) with semantics")
        return _littoral.NirGraph.read(p)
    if dt is not None or semantics is not None:
        raise ValueError("dt and semantics apply to NIR graphs (.nir); a network file holds its own dt")
    return Module._wrap(_littoral.Engine.load(p, int(seed), _memory_arg(max_memory)))


def _memory_arg(max_memory: Any) -> Optional[int]:
    """``max_memory=`` in bytes: ``None`` (no budget), a whole number of bytes, or a count
    such as ``"512M"`` or ``"8G"`` (powers of 1024, as ``littoral --max-memory``)."""
    if max_memory is None:
        return None
    if isinstance(max_memory, str):
        try:
            return int(_littoral.parse_bytes(max_memory))
        except ValueError as e:
            raise ValueError(f"max_memory: {e}") from None
    if isinstance(max_memory, bool) or not isinstance(max_memory, int) or not 1 <= max_memory < 2**63:
        raise ValueError(
            "max_memory: expected None, a number of bytes from 1 to 2**63 - 1 or a count "
            f"such as '8G', found {max_memory!r}"
        )
    return max_memory


def restore(path: Any, module: Optional[Module] = None) -> Module:
    """Read a snapshot written by :meth:`Module.save_state` or ``littoral simulate
    --save-state``: the network, its parameters, its state (noise positions included).

    With ``module``, the snapshot's values go into a copy of that module instead, after
    checking that they match it (paths, shapes, classes, options and simulation
    parameters), as ``littoral simulate NET --resume SNAP`` does. A snapshot of a NIR
    graph needs it (a snapshot keeps the values, not the ``.nir`` file):
    ``littoral.restore("run.snap", module=littoral.load("graph.nir", dt=1e-4))``."""
    if module is None:
        return Module._wrap(_littoral.Engine.restore(os.fspath(path)))
    _check_module(module)
    return Module._wrap(_littoral.Engine.restore(os.fspath(path), module._standalone()))


def sweep(
    module: Module,
    x: Any,
    vary: Dict[str, Sequence[Any]],
    zip: bool = False,
    seed: int = 0,
    threads: Optional[int] = None,
    record: Union[bool, str] = False,
    outputs: bool = False,
) -> List[Dict[str, Any]]:
    """Evolve ``x`` at every point of a sweep, in parallel, from the module's current
    values.

    ``vary`` maps dotted paths of Parameters or SimulationParameters (``"1_LIF.tau_mem"``)
    to lists of values (numbers are broadcast to the leaf's shape; arrays replace it).
    The points are the grid of all combinations (last path fastest) or, with ``zip=True``,
    the i-th values together. Each point's noise derives from ``seed`` and its index, so a
    point gives the same bits alone or in any sweep, on any thread count.

    Returns one dict per point: ``index``, ``overrides`` (path → value), ``seconds`` and
    ``signals`` (``"output"`` and, with ``record=True``, every submodule's output, with
    ``record="spikes"`` every spiking population's → ``spiking``, ``elements``, ``sum``,
    ``mean``, ``max``, ``rate_hz``); with ``outputs=True`` also ``output`` and ``record``.
    With ``record="spike_counts"`` a spiking population's summary is the same but for
    its ``max`` (NaN: counts do not give it).
    """
    _check_module(module)
    if not isinstance(vary, dict):
        raise ValueError(f"vary: expected a dict {{path: values}}, found '{type(vary).__name__}'")
    axes = []
    for path, values in vary.items():
        if isinstance(values, np.ndarray) and values.ndim == 1:
            values = [float(v) for v in values]
        axes.append((str(path), [v if isinstance(v, (int, float)) else np.asarray(v, dtype=np.float64) for v in values]))
    return module._standalone().sweep(_as_input(x), axes, bool(zip), int(seed), threads, _record_arg(record), bool(outputs))


def _check_module(module: Any) -> None:
    if not isinstance(module, Module):
        raise ValueError(
            f"module: expected a littoral module, found '{type(module).__name__}' "
            "(convert Rockpool modules with littoral.from_rockpool)"
        )
