"""Type stubs of the `littoral` package (Rockpool's Module API at Rust speed)."""
from collections import OrderedDict
from os import PathLike
from typing import Any, Dict, List, Literal, Optional, Sequence, Tuple, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

__version__: str
REGISTERED: Dict[str, type]  # classes generated from the engine's registry, by name

Family = Union[None, str, Sequence[str]]
Tree = Dict[str, Any]  # nested dicts of NumPy arrays
Path = Union[str, "PathLike[str]"]
Evolution = Tuple[NDArray[np.float64], Tree, Tree]
# True: everything; "spikes": spike trains only; "spike_counts": spikes summed over time
Recording = Union[bool, Literal["spikes", "spike_counts"]]

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
    def __call__(self, x: ArrayLike, record: Recording = False, threads: Optional[int] = None) -> Evolution:
        """Evolve from the held values and keep the new state: ``(output, new_state, record)``."""
    def evolve(self, x: ArrayLike, record: Recording = False, threads: Optional[int] = None) -> Evolution: ...
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
    def timed(self, output_num: int = 0, dt: Optional[float] = None, add_events: bool = False) -> "TimedModule":
        """A clocked wrapper evolving on time series (Rockpool's ``timed()``)."""
    def __getitem__(self, key: Union[int, str]) -> "Module": ...
    def __len__(self) -> int: ...
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
        w_rec: Union[ArrayLike, Dict[str, Any], None] = None,
        dt: Any = None,
        noise_std: Any = None,
        max_spikes_per_dt: Any = None,
        seed: int = 0,
        precision: str = "f64",
        reset: str = "subtract",
        v_reset: Any = None,
        refractory: Any = None,
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

class CubaLI(Module):
    """Generated from the engine's registry: options by name, other keywords set values."""
    def __init__(self, shape: Union[int, Tuple[int, ...]], seed: int = 0, **values: Any) -> None: ...

class CubaLIF(Module):
    """Generated from the engine's registry: options by name, other keywords set values."""
    def __init__(self, shape: Union[int, Tuple[int, ...]], seed: int = 0, **values: Any) -> None: ...

class LI(Module):
    """Generated from the engine's registry: options by name, other keywords set values."""
    def __init__(self, shape: Union[int, Tuple[int, ...]], seed: int = 0, **values: Any) -> None: ...

class Integrator(Module):
    """Generated from the engine's registry: options by name, other keywords set values."""
    def __init__(self, shape: Union[int, Tuple[int, ...]], seed: int = 0, **values: Any) -> None: ...

class IF(Module):
    """Generated from the engine's registry: options by name, other keywords set values."""
    def __init__(self, shape: Union[int, Tuple[int, ...]], seed: int = 0, **values: Any) -> None: ...

class NirLIF(Module):
    """Generated from the engine's registry: options by name, other keywords set values."""
    def __init__(self, shape: Union[int, Tuple[int, ...]], seed: int = 0, **values: Any) -> None: ...

class Threshold(Module):
    """Generated from the engine's registry: options by name, other keywords set values."""
    def __init__(self, shape: Union[int, Tuple[int, ...]], seed: int = 0, **values: Any) -> None: ...

class Scale(Module):
    """Generated from the engine's registry: options by name, other keywords set values."""
    def __init__(self, shape: Union[int, Tuple[int, ...]], seed: int = 0, **values: Any) -> None: ...

class Delay(Module):
    """Generated from the engine's registry: options by name, other keywords set values."""
    def __init__(self, shape: Union[int, Tuple[int, ...]], seed: int = 0, **values: Any) -> None: ...

class ALIF(Module):
    """Generated from the engine's registry: options by name, other keywords set values."""
    def __init__(self, shape: Union[int, Tuple[int, ...]], seed: int = 0, **values: Any) -> None: ...

class SparseLinear(Module):
    """Generated from the engine's registry: options by name, other keywords set values."""
    def __init__(self, shape: Union[int, Tuple[int, ...]], seed: int = 0, **values: Any) -> None: ...

class TSContinuous:
    """A continuous time series (Rockpool's ``TSContinuous``)."""
    def __init__(
        self,
        times: Optional[Sequence[float]] = None,
        samples: Optional[ArrayLike] = None,
        num_channels: Optional[int] = None,
        periodic: bool = False,
        t_start: Optional[float] = None,
        t_stop: Optional[float] = None,
        name: Optional[str] = None,
        interp_kind: str = "previous",
    ) -> None: ...
    @staticmethod
    def from_clocked(
        samples: ArrayLike, dt: float, t_start: float = 0.0, periodic: bool = False,
        name: Optional[str] = None, interp_kind: str = "previous",
    ) -> "TSContinuous": ...
    times: NDArray[np.float64]
    samples: NDArray[np.float64]
    t_start: float
    t_stop: float
    duration: float
    num_channels: int
    periodic: bool
    name: str
    interp_kind: str
    def __call__(self, times: Sequence[float]) -> NDArray[np.float64]: ...
    def clip(self, t_start: float, t_stop: float) -> "TSContinuous": ...
    def delay(self, offset: float) -> "TSContinuous": ...
    def start_at(self, t_start: float) -> "TSContinuous": ...
    def start_at_zero(self) -> "TSContinuous": ...
    def to_rockpool(self) -> Any: ...
    def __len__(self) -> int: ...

class NirGraph:
    """A NIR graph read by :func:`load` from a ``.nir`` file without ``dt``: its
    description (a :class:`NirModule` runs it and keeps this as ``graph``)."""

    @staticmethod
    def read(path: Path) -> NirGraph: ...
    @property
    def path(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def warnings(self) -> List[str]: ...
    @property
    def nodes(self) -> List[str]: ...
    @property
    def text(self) -> str: ...

class NirModule(Module):
    """A NIR graph run by Littoral: :func:`load` with ``dt``, as ``littoral simulate
    GRAPH.nir --dt DT --semantics S``. Nodes are submodules by NIR name."""
    def __init__(self, path: Path, dt: float, semantics: Optional[str] = None, seed: int = 0) -> None: ...
    @property
    def graph(self) -> NirGraph: ...
    @property
    def path(self) -> str: ...
    @property
    def dt(self) -> float: ...
    @property
    def semantics(self) -> str: ...

class TSEvent:
    """An event time series (Rockpool's ``TSEvent``)."""
    def __init__(
        self,
        times: Optional[Sequence[float]] = None,
        channels: Optional[Sequence[int]] = None,
        periodic: bool = False,
        t_start: Optional[float] = None,
        t_stop: Optional[float] = None,
        name: Optional[str] = None,
        num_channels: Optional[int] = None,
    ) -> None: ...
    @staticmethod
    def from_raster(
        raster: ArrayLike, dt: float, t_start: float = 0.0, name: Optional[str] = None, periodic: bool = False
    ) -> "TSEvent": ...
    times: NDArray[np.float64]
    channels: NDArray[np.uint64]
    t_start: float
    t_stop: float
    duration: float
    num_channels: int
    periodic: bool
    name: str
    def raster(
        self, dt: float, t_start: Optional[float] = None, t_stop: Optional[float] = None,
        num_timesteps: Optional[int] = None, channels: Optional[Sequence[int]] = None, add_events: bool = False,
    ) -> NDArray[np.float64]: ...
    def clip(self, t_start: float, t_stop: float) -> "TSEvent": ...
    def delay(self, offset: float) -> "TSEvent": ...
    def to_rockpool(self) -> Any: ...
    def __len__(self) -> int: ...

class TimedModule:
    """A module with a clock (Rockpool's ``TimedModuleWrapper``)."""
    t: float
    dt: float
    def __call__(
        self, ts_input: Union[TSContinuous, TSEvent, None] = None, duration: Optional[float] = None,
        num_timesteps: Optional[int] = None, record: bool = False,
    ) -> Tuple[Union[TSContinuous, TSEvent], Tree, Dict[str, Any]]: ...
    def state(self) -> Tree: ...
    def reset_time(self) -> None: ...
    def reset_state(self) -> None: ...
    def reset_all(self) -> None: ...

def evolve(
    module: Module,
    params: Tree,
    state: Tree,
    x: ArrayLike,
    record: Recording = False,
    threads: Optional[int] = None,
) -> Evolution:
    """Pure evolution from explicit values: ``(output, new_state, record)``."""

def from_json(
    description: Union[str, Dict[str, Any]], seed: int = 0, max_memory: Optional[Union[int, str]] = None
) -> Module:
    """Build a module from a network description (JSON text or dict)."""

def load(
    path: Path,
    seed: int = 0,
    dt: Optional[float] = None,
    semantics: Optional[str] = None,
    max_memory: Optional[Union[int, str]] = None,
) -> Union[Module, NirModule, NirGraph]:
    """Read a network file (JSON); a ``.nir`` file with ``dt`` into a runnable
    :class:`NirModule`, without ``dt`` into its description (:class:`NirGraph`).
    ``max_memory`` (bytes or ``"8G"``) refuses a file whose sparse initialisers would
    draw more, before drawing."""

def restore(path: Path, module: Optional[Module] = None) -> Module:
    """Read a snapshot (Python's ``save_state`` or ``littoral simulate --save-state``);
    with ``module``, put its values into a copy of that module (needed for NIR graphs)."""

def sweep(
    module: Module,
    x: ArrayLike,
    vary: Dict[str, Sequence[Any]],
    zip: bool = False,
    seed: int = 0,
    threads: Optional[int] = None,
    record: Recording = False,
    outputs: bool = False,
) -> List[Dict[str, Any]]:
    """Evolve at every point of a grid (or zip) over parameter paths; per-point summaries."""

def from_rockpool(m: Any, seed: int = 0) -> Any:
    """Convert a Rockpool module (numpy, Jax or Torch variants) with its current values, or
    a Rockpool ``TSContinuous`` / ``TSEvent``."""
