"""NIR graphs as Littoral modules: ``littoral.load("graph.nir", dt=…, semantics=…)``.

The graph is read and built by the engine (``littoral_nets::nir::read`` and
``Graph::from_nir``), exactly as ``littoral simulate GRAPH.nir --dt DT --semantics S``
builds it, so the same file, options and input give the command line's bits.
"""

from __future__ import annotations

import os
import warnings
from typing import Any, Optional

from . import _littoral
from ._modules import _CLASSES, _WHOLE_ONLY, Module

__all__ = ["NirModule"]


class NirModule(Module):
    """A NIR graph (a ``.nir`` file of the ``nir`` package) run by Littoral.

    ``NirModule(path, dt, semantics=None, seed=0)`` reads the file and builds every node
    as a child module under its NIR name, for time step ``dt`` (seconds: NIR has none)
    under ``semantics`` (``"littoral"`` by default, or ``"dirac"``, ``"rockpool"``,
    ``"snntorch"``, ``"norse"``; ``docs/nir-semantics.md``). It has the module API:
    calling, ``littoral.evolve``, ``state()``, ``parameters()`` (``"lif.tau"``, by node
    name), ``set_attributes``, ``reset_state()``, ``save_state``, ``sweep``, ``timed``.
    The input is the ``Input`` nodes' values concatenated in name order, the output the
    ``Output`` nodes'. The reader's warnings (what it inferred or repaired) are issued
    as Python warnings. It has no network-file (JSON) description: ``to_json``,
    ``save``, pickling, ``to_rockpool`` and combinators refuse it.
    """

    __slots__ = ()

    def __init__(self, path: Any, dt: float, semantics: Optional[str] = None, seed: int = 0):
        p = os.fspath(path)
        engine = _littoral.Engine.load_nir(p, _dt(dt), None if semantics is None else str(semantics), int(seed))
        object.__setattr__(self, "_engine", engine)
        object.__setattr__(self, "_prefix", "")
        for w in self.graph.warnings:
            warnings.warn(f"{p}: {w}", UserWarning, stacklevel=2)

    @property
    def graph(self) -> Any:
        """The file's description (:class:`littoral.NirGraph`: ``nodes``, ``version``,
        ``warnings``, ``text``)."""
        return self._engine.nir()[0]

    @property
    def path(self) -> str:
        """The ``.nir`` file the graph was read from."""
        return str(self.graph.path)

    @property
    def dt(self) -> float:
        """The time step the graph was built for (seconds)."""
        return self._engine.nir()[1]

    @property
    def semantics(self) -> str:
        """The semantics the graph was built under (``"littoral"``, ``"norse"``, …)."""
        return self._engine.nir()[2]


def _dt(dt: Any) -> float:
    try:
        return float(dt)
    except (TypeError, ValueError):
        raise ValueError(f"dt: expected a time step in seconds (a number), found {dt!r}") from None


# A whole module read from a NIR file wraps as a NirModule; a nested graph inside it is a
# view of the same engine (class `NIRGraph` too) and stays a plain Module.
_CLASSES["NIRGraph"] = NirModule
_WHOLE_ONLY.add("NIRGraph")
