"""Type stubs of the `littoral` package (Rockpool's Module API at Rust speed)."""
from collections import OrderedDict
from os import PathLike
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

__version__: str

Family = Union[None, str, Sequence[str]]
Tree = Dict[str, Any]  # nested dicts of NumPy arrays
Path = Union[str, "PathLike[str]"]
Evolution = Tuple[NDArray[np.float64], Tree, Tree]

class Constant:
    """Rockpool's ``Constant(value)``: a SimulationParameter instead of a Parameter."""
    value: Any
    def __init__(self, value: Any) -> None: ...

class Module:
    """A Littoral module with Rockpool's ``Module`` API."""
    @property
    def class_name(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def full_name(self) -> str: ...
    @property
    def shape(self) -> Tuple[int, ...]: ...
    @property
    def size_in(self) -> int: ...
    @property
    def size_out(self) -> int: ...
    @property
    def size(self) -> int: ...
    @property
    def spiking_input(self) -> bool: ...
    @property
    def spiking_output(self) -> bool: ...
    def __call__(self, x: ArrayLike, record: bool = False, threads: Optional[int] = None) -> Evolution:
        """Evolve from the held values and keep the new state: ``(output, new_state, record)``."""
    def evolve(self, x: ArrayLike, record: bool = False, threads: Optional[int] = None) -> Evolution: ...
    def init(self, seed: int = 0) -> Tuple[Tree, Tree]:
        """Fresh ``(params, state)`` drawn from ``seed`` for :func:`evolve`."""
    def parameters(self, family: Family = None) -> Tree: ...
    def state(self, family: Family = None) -> Tree: ...
    def simulation_parameters(self, family: Family = None) -> Tree: ...
    def set_attributes(self, new_attributes: Tree) -> "Module":
        """Checked: unknown paths, wrong shapes and non-finite values raise ``ValueError``."""
    def reset_state(self) -> "Module": ...
    def reset_parameters(self, seed: Optional[int] = None) -> "Module": ...
    def modules(self) -> "OrderedDict[str, Module]": ...
    def save_state(self, path: Path) -> None:
        """Write a snapshot that :func:`restore` and ``littoral simulate --resume`` read."""
    def save(self, path: Path) -> None:
        """Write the network file (JSON) that :func:`load` and the command line read."""
    def to_json(self) -> str: ...
    def to_rockpool(self) -> Any:
        """The same network as a Rockpool numpy module (needs ``rockpool``)."""
    def __getattr__(self, name: str) -> Any: ...

class LIF(Module):
    def __init__(
        self,
        shape: Union[int, Tuple[int, ...]],
        tau_mem: Any = None,
        tau_syn: Any = None,
        bias: Any = None,
        threshold: Any = None,
        has_rec: bool = False,
        w_rec: Optional[ArrayLike] = None,
        dt: Any = None,
        noise_std: Any = None,
        max_spikes_per_dt: Any = None,
        seed: int = 0,
        precision: str = "f64",
    ) -> None: ...

class Rate(Module):
    def __init__(
        self,
        shape: Union[int, Tuple[int, ...]],
        tau: Any = None,
        bias: Any = None,
        threshold: Any = None,
        has_rec: bool = False,
        w_rec: Optional[ArrayLike] = None,
        activation_func: str = "relu",
        dt: Any = None,
        noise_std: Any = None,
        seed: int = 0,
    ) -> None: ...

class Linear(Module):
    def __init__(
        self,
        shape: Tuple[int, int],
        weight: Optional[ArrayLike] = None,
        bias: Optional[ArrayLike] = None,
        has_bias: bool = False,
        seed: int = 0,
        precision: str = "f64",
    ) -> None: ...

class ExpSyn(Module):
    def __init__(
        self,
        shape: Union[int, Tuple[int, ...]],
        tau: Any = None,
        dt: Any = None,
        noise_std: Any = None,
        max_window_length: Any = None,
        seed: int = 0,
    ) -> None: ...

class Instant(Module):
    def __init__(self, shape: Union[int, Tuple[int, ...]], function: Any = "identity", seed: int = 0) -> None: ...

class Sequential(Module):
    def __init__(self, *modules: Union[Module, Dict[str, Module]], seed: int = 0) -> None: ...

class Residual(Module):
    def __init__(self, *modules: Union[Module, Dict[str, Module]], seed: int = 0) -> None: ...

class FFwdStack(Module):
    def __init__(
        self, *modules: Union[Module, Dict[str, Module]], weights: Optional[Sequence[ArrayLike]] = None, seed: int = 0
    ) -> None: ...

def evolve(
    module: Module,
    params: Tree,
    state: Tree,
    x: ArrayLike,
    record: bool = False,
    threads: Optional[int] = None,
) -> Evolution:
    """Pure evolution from explicit values: ``(output, new_state, record)``."""

def load(path: Path, seed: int = 0) -> Module:
    """Read a network file (JSON)."""

def restore(path: Path) -> Module:
    """Read a snapshot (Python's ``save_state`` or ``littoral simulate --save-state``)."""

def sweep(
    module: Module,
    x: ArrayLike,
    vary: Dict[str, Sequence[Any]],
    zip: bool = False,
    seed: int = 0,
    threads: Optional[int] = None,
    record: bool = False,
    outputs: bool = False,
) -> List[Dict[str, Any]]:
    """Evolve at every point of a grid (or zip) over parameter paths; per-point summaries."""

def from_rockpool(m: Any, seed: int = 0) -> Module:
    """Convert a Rockpool module (numpy, Jax or Torch variants) with its current values."""
