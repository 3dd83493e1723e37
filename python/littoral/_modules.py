"""Littoral modules with Rockpool's names and object API.

Every module object holds a Rust ``Engine`` (the network, its current values and a seed)
and the dotted path of the submodule it stands for (``""`` for a whole network). The
classes here only build the network description (the JSON of ``docs/network-format.md``)
and forward calls; all numerical work happens in Rust with the GIL released.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any, Dict, Iterable, Optional, Sequence, Tuple, Union

import numpy as np

from . import _littoral

__all__ = [
    "Module",
    "LIF",
    "Rate",
    "Linear",
    "ExpSyn",
    "Instant",
    "Sequential",
    "Residual",
    "FFwdStack",
    "Constant",
]

Family = Union[None, str, Sequence[str]]


class Constant:
    """Rockpool's ``Constant(value)``: the value becomes a SimulationParameter (not
    trainable, not in ``parameters()``)."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value

    def __repr__(self) -> str:
        return f"Constant({self.value!r})"


def _families(family: Family):
    if family is None:
        return None
    if isinstance(family, str):
        return [family]
    return [str(f) for f in family]


def _record_arg(record: Any) -> Any:
    """``record=``: ``True``/``False`` (any truth value), ``"spikes"`` or
    ``"spike_counts"``; the engine refuses any other string with the values it takes."""
    return record if isinstance(record, str) else bool(record)


def _as_input(x: Any) -> np.ndarray:
    """The input as a float64 array; float64 arrays pass through without a copy."""
    if isinstance(x, np.ndarray) and x.dtype == np.float64:
        return x
    return np.asarray(x, dtype=np.float64)


def _as_leaf(name: str, v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _as_leaf(k, w) for k, w in v.items()}
    a = np.asarray(v)
    if name == "rng_key" and a.dtype.kind in "iu":
        return np.ascontiguousarray(a, dtype=np.uint64)
    if a.dtype == np.float64:
        return a
    if a.dtype.kind in "biuf":
        return a.astype(np.float64)
    raise ValueError(f"{name}: expected a numeric array, found an array of dtype {a.dtype}")


def _as_values(d: Dict[str, Any]) -> Dict[str, Any]:
    if not isinstance(d, dict):
        raise ValueError(f"values: expected a dict of arrays, found '{type(d).__name__}'")
    return {k: _as_leaf(k, v) for k, v in d.items()}


def _json_value(path: str, v: Any) -> Any:
    a = np.asarray(v, dtype=np.float64)
    if not np.all(np.isfinite(a)):
        bad = int(np.flatnonzero(~np.isfinite(a.ravel()))[0])
        raise ValueError(f"{path}: non-finite value {a.ravel()[bad]} at flat index {bad}")
    return a.tolist()


def _shape(shape: Any) -> list:
    if isinstance(shape, (int, np.integer)):
        return [int(shape)]
    try:
        return [int(s) for s in shape]
    except TypeError:
        raise ValueError(f"shape: expected an int or a tuple of ints, found {shape!r}") from None


def _leaves_named(tree: Dict[str, Any], name: str):
    for k, v in tree.items():
        if isinstance(v, dict):
            yield from _leaves_named(v, name)
        elif k == name:
            yield v


_SIMULATION_PARAMETERS = frozenset({"dt", "noise_std", "max_spikes_per_dt", "max_window_length", "refractory"})


def _leaf_description(
    class_name: str, shape: Any, options: dict, values: dict, sim_names: Any = _SIMULATION_PARAMETERS
) -> dict:
    """A network-file entry: given values go to ``parameters``, or to
    ``simulation_parameters`` for SimulationParameters (``sim_names``) and
    ``Constant(...)`` values."""
    params, sims = {}, {}
    for name, v in values.items():
        if v is None:
            continue
        if isinstance(v, Constant):
            sims[name] = _json_value(name, v.value)
        elif name in sim_names:
            sims[name] = _json_value(name, v)
        else:
            params[name] = _json_value(name, v)
    d = {"class": class_name, "shape": _shape(shape)}
    if options:
        d["options"] = options
    if params:
        d["parameters"] = params
    if sims:
        d["simulation_parameters"] = sims
    return d


class Module:
    """A Littoral module: Rockpool's ``Module`` API over a Rust engine.

    ``mod(x, record=False)`` returns ``(output, new_state, record)`` and keeps the new
    state; ``parameters()``, ``state()``, ``simulation_parameters()`` give nested dicts of
    NumPy arrays; ``set_attributes`` is checked (unknown paths raise ``ValueError``).
    """

    __slots__ = ("_engine", "_prefix")

    _engine: Any
    _prefix: str

    # -- construction ----------------------------------------------------------------

    def _init_from_description(self, description: dict, seed: int) -> None:
        object.__setattr__(self, "_engine", _littoral.Engine.from_json(json.dumps(description), int(seed)))
        object.__setattr__(self, "_prefix", "")

    @staticmethod
    def _wrap(engine: Any, prefix: str = "") -> "Module":
        name = engine.class_name(prefix)
        cls = Module if prefix and name in _WHOLE_ONLY else _CLASSES.get(name, Module)
        m = object.__new__(cls)
        object.__setattr__(m, "_engine", engine)
        object.__setattr__(m, "_prefix", prefix)
        return m

    def _description(self) -> dict:
        """This module's entry of the network file, with its current parameter values."""
        d = json.loads(self._engine.to_json())
        if not self._prefix:
            return d
        for name in self._prefix.split("."):
            children = d.get("modules", [])
            for i, c in enumerate(children):
                if c.get("name", f"{i}_{c['class']}") == name:
                    d = c
                    break
        d.pop("name", None)
        return d

    def _standalone(self) -> Any:
        """An engine for this module alone (a copy for a submodule view)."""
        if not self._prefix:
            return self._engine
        e = _littoral.Engine.from_json(json.dumps(self._description()), self._engine.seed)
        e.set_attributes(self.state(), "")
        return e

    # -- Rockpool's properties ---------------------------------------------------------

    @property
    def class_name(self) -> str:
        """Rockpool's class name (``"LIF"``, ``"Sequential"``, …)."""
        return self._engine.class_name(self._prefix)

    @property
    def name(self) -> str:
        """The name inside the parent module (``""`` for a whole network)."""
        return self._prefix.rsplit(".", 1)[-1] if self._prefix else ""

    @property
    def full_name(self) -> str:
        """``"{class_name} '{name}'"`` as Rockpool prints it."""
        return f"{self.class_name} '{self.name}'" if self.name else f"{self.class_name} "

    @property
    def shape(self) -> Tuple[int, ...]:
        """The module's shape, as Rockpool gives it."""
        return tuple(self._engine.geometry(self._prefix)[0])

    @property
    def size_in(self) -> int:
        """Number of input channels."""
        return self._engine.geometry(self._prefix)[1]

    @property
    def size_out(self) -> int:
        """Number of output channels."""
        return self._engine.geometry(self._prefix)[2]

    @property
    def size(self) -> int:
        """Rockpool's ``size``: the number of output channels."""
        return self.size_out

    @property
    def spiking_input(self) -> bool:
        """Whether the module expects spikes."""
        return self._engine.geometry(self._prefix)[3]

    @property
    def spiking_output(self) -> bool:
        """Whether the module emits spikes."""
        return self._engine.geometry(self._prefix)[4]

    # -- evolution ---------------------------------------------------------------------

    def __call__(self, x: Any, record: Union[bool, str] = False, threads: Optional[int] = None):
        """Evolve from the held values and keep the new state (Rockpool's ``__call__``).

        ``x`` is ``(T,)``, ``(T, Nin)`` or ``(B, T, Nin)`` (a last dimension of 1 is
        broadcast). Returns ``(output (B, T, Nout), new_state, record)``; ``threads`` fans
        a batch out over that many threads (the same bits). ``record=True`` records every
        internal signal (Rockpool's record); ``record="spikes"`` only the spike trains of
        the spiking populations inside the network (``"{name}_output"``): a fraction of a
        full record's memory and time; ``record="spike_counts"`` their spikes summed over
        time (``"{name}_spike_count"``, ``(B, N)``: Brian2's ``SpikeMonitor.count``).
        """
        # The engine reads float64 arrays from their buffer and converts anything else.
        return self._engine.call(x, _record_arg(record), threads, self._prefix)

    def evolve(self, x: Any, record: Union[bool, str] = False, threads: Optional[int] = None):
        """Rockpool's ``evolve``: as calling the module."""
        return self(x, record, threads)

    def init(self, seed: int = 0):
        """``(params, state)``: fresh values drawn from ``seed``, as nested dicts, for
        :func:`littoral.evolve`. ``params`` holds Parameters and SimulationParameters."""
        return self._standalone().init(int(seed))

    def timed(self, output_num: int = 0, dt: Optional[float] = None, add_events: bool = False) -> Any:
        """Rockpool's ``timed(output_num=0, dt=None, add_events=False)``: a clocked wrapper
        (``TimedModule``) that evolves on ``TSContinuous`` / ``TSEvent`` input and returns
        time series. ``dt`` defaults to the module's own ``dt``. The wrapper holds a copy
        of the current values. Littoral modules have one output (``output_num=0``)."""
        if output_num != 0:
            raise ValueError(f"output_num: Littoral modules have one output (0), not {output_num}")
        if dt is None:
            dts = sorted({float(v) for v in _leaves_named(self.simulation_parameters(), "dt")})
            if len(dts) != 1:
                raise ValueError(f"dt: the module has {'no' if not dts else 'several'} dt; pass timed(dt=...)")
            dt = dts[0]
        return self._standalone().timed(float(dt), bool(add_events), "")

    # -- inspection and setting --------------------------------------------------------

    def parameters(self, family: Family = None) -> Dict[str, Any]:
        """Rockpool's ``parameters(family=None)``: nested dict of NumPy arrays."""
        return self._engine.select("parameters", _families(family), self._prefix)

    def state(self, family: Family = None) -> Dict[str, Any]:
        """Rockpool's ``state(family=None)``."""
        return self._engine.select("state", _families(family), self._prefix)

    def simulation_parameters(self, family: Family = None) -> Dict[str, Any]:
        """Rockpool's ``simulation_parameters(family=None)``."""
        return self._engine.select("simulation_parameters", _families(family), self._prefix)

    def set_attributes(self, new_attributes: Dict[str, Any]) -> "Module":
        """Rockpool's ``set_attributes``, checked: an unknown path, a wrong shape or a
        non-finite value raises ``ValueError`` and changes nothing. Returns ``self``."""
        self._engine.set_attributes(_as_values(new_attributes), self._prefix)
        return self

    def reset_state(self) -> "Module":
        """Rockpool's ``reset_state()``. Returns ``self``."""
        self._engine.reset_state(self._prefix)
        return self

    def reset_parameters(self, seed: Optional[int] = None) -> "Module":
        """Rockpool's ``reset_parameters()``: given values restore, random initialisers
        redraw from ``seed`` (the module's seed by default). Returns ``self``."""
        self._engine.reset_parameters(self._prefix, None if seed is None else int(seed))
        return self

    def modules(self) -> "OrderedDict[str, Module]":
        """Rockpool's ``modules()``: the direct submodules by name. They are views: they
        share this module's values."""
        return OrderedDict(
            (n, Module._wrap(self._engine, f"{self._prefix}.{n}" if self._prefix else n))
            for n in self._engine.children(self._prefix)
        )

    def __getitem__(self, key: Any) -> "Module":
        """A submodule by position (``net[1]``, as Rockpool's ``Sequential``) or name."""
        names = self._engine.children(self._prefix)
        if isinstance(key, (int, np.integer)):
            try:
                key = names[int(key)]
            except IndexError:
                raise IndexError(f"{self.class_name} has {len(names)} submodules; index {key} is out of range") from None
        if key not in names:
            raise KeyError(f"{key}: no such submodule (have: {', '.join(names) or 'none'})")
        return Module._wrap(self._engine, f"{self._prefix}.{key}" if self._prefix else str(key))

    def __len__(self) -> int:
        """The number of direct submodules."""
        return len(self._engine.children(self._prefix))

    def __bool__(self) -> bool:
        return True

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        engine, prefix = object.__getattribute__(self, "_engine"), object.__getattribute__(self, "_prefix")
        if name in engine.children(prefix):
            return Module._wrap(engine, f"{prefix}.{name}" if prefix else name)
        for kind in ("parameters", "simulation_parameters", "state"):
            values = engine.select(kind, None, prefix)
            if name in values and not isinstance(values[name], dict):
                return values[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
            return
        self.set_attributes({name: value})

    def __repr__(self) -> str:
        return self._engine.repr(self._prefix)

    def __reduce__(self):
        """Pickling: the network description with current values, the state and the seed."""
        return (_unpickle, (self._description(), self.state(), self._engine.seed))

    def __copy__(self) -> "Module":
        engine = self._standalone()
        return Module._wrap(engine.copy() if engine is self._engine else engine)

    def __deepcopy__(self, memo: Any) -> "Module":
        return self.__copy__()

    # -- files and conversion ----------------------------------------------------------

    def save_state(self, path: Any) -> None:
        """Write a snapshot (network, parameters, state, step count) that
        :func:`littoral.restore` and ``littoral simulate --resume`` read."""
        import os

        self._standalone().save_state(os.fspath(path))

    def to_json(self) -> str:
        """The network file (JSON) describing this module with its current parameters."""
        return json.dumps(self._description(), indent=2)

    def save(self, path: Any) -> None:
        """Write the network file (JSON) to ``path``: :func:`littoral.load` reads it."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_json())

    def to_rockpool(self):
        """The same network as a Rockpool numpy module, with the current parameters and
        state (needs ``rockpool``)."""
        from ._rockpool import to_rockpool

        return to_rockpool(self)


def _unpickle(description: dict, state: Dict[str, Any], seed: int) -> "Module":
    engine = _littoral.Engine.from_json(json.dumps(description), int(seed))
    engine.set_attributes(_as_values(state), "")
    return Module._wrap(engine)


def _lif_options(has_rec: bool, w_rec: Any, precision: str, reset: str) -> dict:
    """The network-file options of a LIF built in Python (defaults left out, so a LIF
    without options keeps Rockpool's kernel and its bits)."""
    sparse = isinstance(w_rec, dict)
    if sparse and has_rec:
        raise ValueError("w_rec: a sparse w_rec (a dict) replaces has_rec=True; give one of them")
    if w_rec is not None and not sparse and not has_rec:
        raise ValueError("w_rec: given without has_rec=True")
    if not isinstance(reset, str):
        raise ValueError(f"reset: expected \"subtract\" or \"to_value\", found {reset!r}")
    options: dict = {"has_rec": True} if has_rec else {}
    if sparse:
        options["w_rec"] = w_rec
    if precision != "f64":
        options["precision"] = precision
    if reset != "subtract":
        options["reset"] = reset
    return options


class LIF(Module):
    """Leaky integrate-and-fire neurons (Rockpool's ``LIF``).

    ``shape`` is ``N`` or ``(Nin, N)`` with ``Nin = N·S`` synapses. Omitted values take
    Rockpool's defaults; ``Constant(v)`` makes a value a SimulationParameter.

    The network file's LIF options (``docs/models.md`` §3), whose defaults keep Rockpool's
    LIF: ``reset`` is ``"subtract"`` (Rockpool's) or ``"to_value"`` (at most one spike a
    step, then ``v = v_reset``; ``v_reset`` defaults to 0 and needs ``"to_value"``);
    ``refractory`` (seconds, ``None`` for none) adds an absolute refractory period with
    Brian2's semantics. ``w_rec`` given as a dict is a sparse recurrent matrix (explicit
    CSR ``{"indptr", "indices", "data"}`` or an initialiser, as the option ``w_rec`` of a
    network file; no ``has_rec``).
    """

    __slots__ = ()

    def __init__(
        self,
        shape: Any,
        tau_mem: Any = None,
        tau_syn: Any = None,
        bias: Any = None,
        threshold: Any = None,
        has_rec: bool = False,
        w_rec: Any = None,
        dt: Any = None,
        noise_std: Any = None,
        max_spikes_per_dt: Any = None,
        seed: int = 0,
        precision: str = "f64",
        reset: str = "subtract",
        v_reset: Any = None,
        refractory: Any = None,
    ):
        options = _lif_options(has_rec, w_rec, precision, reset)
        values = dict(
            tau_mem=tau_mem, tau_syn=tau_syn, bias=bias, threshold=threshold,
            w_rec=None if isinstance(w_rec, dict) else w_rec, v_reset=v_reset,
            dt=dt, noise_std=noise_std, max_spikes_per_dt=max_spikes_per_dt, refractory=refractory,
        )
        self._init_from_description(_leaf_description("LIF", shape, options, values), seed)


class Rate(Module):
    """Rate neurons (Rockpool's ``Rate``); ``activation_func`` is ``"relu"``, ``"tanh"``
    or ``"sigmoid"``."""

    __slots__ = ()

    def __init__(
        self,
        shape: Any,
        tau: Any = None,
        bias: Any = None,
        threshold: Any = None,
        has_rec: bool = False,
        w_rec: Any = None,
        activation_func: str = "relu",
        dt: Any = None,
        noise_std: Any = None,
        seed: int = 0,
    ):
        if w_rec is not None and not has_rec:
            raise ValueError("w_rec: given without has_rec=True")
        if not isinstance(activation_func, str):
            raise ValueError(
                "activation_func: give a name ('relu', 'tanh', 'sigmoid'); Littoral cannot run Python functions"
            )
        options = {"has_rec": True} if has_rec else {}
        if activation_func.lower() not in ("relu", "r"):
            options["activation_func"] = activation_func
        values = dict(tau=tau, bias=bias, threshold=threshold, w_rec=w_rec, dt=dt, noise_std=noise_std)
        self._init_from_description(_leaf_description("Rate", shape, options, values), seed)


class Linear(Module):
    """A weight matrix (Rockpool's ``Linear``): ``shape = (Nin, Nout)``."""

    __slots__ = ()

    def __init__(
        self,
        shape: Any,
        weight: Any = None,
        bias: Any = None,
        has_bias: bool = False,
        seed: int = 0,
        precision: str = "f64",
    ):
        options = {"has_bias": True} if (has_bias or bias is not None) else {}
        if precision != "f64":
            options["precision"] = precision
        values = dict(weight=weight, bias=bias)
        self._init_from_description(_leaf_description("Linear", shape, options, values), seed)


class ExpSyn(Module):
    """Exponential synapses (Rockpool's ``ExpSyn``)."""

    __slots__ = ()

    def __init__(
        self,
        shape: Any,
        tau: Any = None,
        dt: Any = None,
        noise_std: Any = None,
        max_window_length: Any = None,
        seed: int = 0,
    ):
        values = dict(tau=tau, dt=dt, noise_std=noise_std, max_window_length=max_window_length)
        self._init_from_description(_leaf_description("ExpSyn", shape, {}, values), seed)


_INSTANT_FUNCTIONS = {
    "identity": lambda x: x,
    "tanh": np.tanh,
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
    "relu": lambda x: np.maximum(x, 0.0),
    "exp": np.exp,
    "abs": np.abs,
}


def _instant_function_name(function: Any) -> str:
    """The name of a supported element-wise function, found by evaluating it."""
    if isinstance(function, str):
        return function
    probe = np.linspace(-3.0, 3.0, 25)
    try:
        y = np.asarray(function(probe), dtype=np.float64)
    except Exception as e:  # noqa: BLE001 - any failure means "unsupported"
        raise ValueError(f"function: cannot evaluate {function!r}: {e}") from None
    for name, f in _INSTANT_FUNCTIONS.items():
        if y.shape == probe.shape and np.allclose(y, f(probe), rtol=1e-12, atol=1e-12):
            return name
    raise ValueError(
        f"function: {function!r} is none of the supported functions ({', '.join(_INSTANT_FUNCTIONS)})"
    )


class Instant(Module):
    """An element-wise function (Rockpool's ``Instant``): ``function`` is a name
    (``"identity"``, ``"tanh"``, ``"sigmoid"``, ``"relu"``, ``"exp"``, ``"abs"``) or a
    Python function equal to one of them."""

    __slots__ = ()

    def __init__(self, shape: Any, function: Any = "identity", seed: int = 0):
        name = _instant_function_name(function)
        options = {} if name == "identity" else {"function": name}
        self._init_from_description(_leaf_description("Instant", shape, options, {}), seed)


def _child_entries(modules: Iterable[Any]) -> Tuple[list, list]:
    """Network-file entries of the children and their states (by child name)."""
    items = list(modules)
    if len(items) == 1 and isinstance(items[0], dict):
        named = list(items[0].items())
    else:
        named = [(None, m) for m in items]
    entries, states = [], []
    for i, (name, m) in enumerate(named):
        if not isinstance(m, Module):
            raise ValueError(
                f"modules[{i}]: expected a littoral module, found '{type(m).__name__}' "
                "(convert Rockpool modules with littoral.from_rockpool)"
            )
        d = m._description()
        if name is not None:
            d["name"] = str(name)
        entries.append(d)
        states.append((d.get("name", f"{i}_{d['class']}"), m.state()))
    return entries, states


class _Combinator(Module):
    __slots__ = ()
    _class = ""

    def _build(self, modules: Iterable[Any], extra: dict, seed: int) -> None:
        entries, states = _child_entries(modules)
        d = {"class": self._class, "modules": entries}
        d.update(extra)
        self._init_from_description(d, seed)
        self._engine.set_attributes({n: s for n, s in states if s}, "")


class Sequential(_Combinator):
    """Modules one after another (Rockpool's ``Sequential``). Give modules as arguments
    or one dict ``{name: module}``. The children's current values (parameters and state)
    are taken over."""

    __slots__ = ()
    _class = "Sequential"

    def __init__(self, *modules: Any, seed: int = 0):
        self._build(modules, {}, seed)


class Residual(_Combinator):
    """A ``Sequential`` whose input is added to its output (Rockpool's ``Residual``)."""

    __slots__ = ()
    _class = "Residual"

    def __init__(self, *modules: Any, seed: int = 0):
        self._build(modules, {}, seed)


class FFwdStack(_Combinator):
    """Modules joined by weight matrices ``{n}_{n+1}_weight`` (Rockpool's
    ``FFwdStack``); give them as ``weights=[W01, W12, …]`` (zeros by default)."""

    __slots__ = ()
    _class = "FFwdStack"

    def __init__(self, *modules: Any, weights: Optional[Sequence[Any]] = None, seed: int = 0):
        extra = {}
        if weights is not None:
            extra["parameters"] = {
                f"{n}_{n + 1}_weight": _json_value(f"{n}_{n + 1}_weight", w) for n, w in enumerate(weights)
            }
        self._build(modules, extra, seed)


# Classes whose Python class stands for a whole module read from a file (a NIR graph):
# a submodule view of such a class (a nested NIR graph) is a plain `Module`.
_WHOLE_ONLY = set()

_CLASSES = {
    "LIF": LIF,
    "Rate": Rate,
    "Linear": Linear,
    "ExpSyn": ExpSyn,
    "Instant": Instant,
    "Sequential": Sequential,
    "Residual": Residual,
    "FFwdStack": FFwdStack,
}


class _Registered(Module):
    """A module class generated from the Rust registry (see :func:`_registered_class`)."""

    __slots__ = ()
    _class = ""
    _options: Tuple[str, ...] = ()

    def __init__(self, shape: Any, seed: int = 0, **values: Any):
        options = {k: values.pop(k) for k in list(values) if k in self._options}
        values = {k: v for k, v in values.items() if v is not None}
        entry = {"class": self._class, "shape": _shape(shape)}
        if options:
            entry["options"] = options
        sims = set()
        if values:
            # Build once without values to learn the class's attributes and their kinds.
            bare = _littoral.Engine.from_json(json.dumps(entry), 0)
            sims = set(bare.select("simulation_parameters", None, ""))
            known = sims | set(bare.select("parameters", None, ""))
            unknown = [name for name in values if name not in known]
            if unknown:
                sims |= self._listed(entry, {n: values[n] for n in unknown}, known)
        self._init_from_description(_leaf_description(self._class, shape, options, values, sims), seed)

    def _listed(self, entry: dict, values: Dict[str, Any], known: set) -> set:
        """The names of ``values`` that the class takes when they are listed under
        ``simulation_parameters`` (attributes present only when listed, as ``LIF``'s and
        ``ALIF``'s ``refractory``); any other name raises ``ValueError``."""
        listed = {n: _json_value(n, v.value if isinstance(v, Constant) else v) for n, v in values.items()}
        try:
            _littoral.Engine.from_json(json.dumps(dict(entry, simulation_parameters=listed)), 0)
        except ValueError as e:
            if "unknown attribute" not in str(e):
                raise
            name = next((n for n in values if f"simulation_parameters.{n}: unknown" in str(e)), next(iter(values)))
            raise ValueError(
                f"{name}: {self._class} has no such option or attribute (options: "
                f"{', '.join(self._options) or 'none'}; attributes: {', '.join(sorted(known))})"
            ) from None
        return set(values)


def _registered_class(name: str, options: Sequence[str]) -> type:
    """A Python class for a module class of the Rust registry that has no hand-written
    class here: ``Cls(shape, seed=0, **values)`` where keyword arguments named as the
    class's network-file options become options and the others set its parameters or
    simulation parameters by name (``Constant(v)`` makes a parameter a
    SimulationParameter), as in a network file (``docs/network-format.md``)."""
    doc = (
        f"Littoral's ``{name}`` (from the engine's registry): ``{name}(shape, seed=0, **values)``. "
        f"Options: {', '.join(options) or 'none'}; any other keyword argument sets the parameter "
        "or simulation parameter of that name (omitted ones take the class's defaults)."
    )
    return type(name, (_Registered,), {"__slots__": (), "__doc__": doc, "_class": name, "_options": tuple(options)})


def _registered_classes() -> Dict[str, type]:
    """Generated classes for every registered class without a hand-written one (the
    hand-written ones include the combinators, built from ``modules``). A class whose
    network-file entry needs an option beyond its shape (``SparseLinear``'s ``weight``)
    takes it as a keyword argument, as in a network file."""
    return {
        name: _registered_class(name, _littoral.class_options(name))
        for name in _littoral.CLASSES
        if name not in _CLASSES
    }


REGISTERED = _registered_classes()
_CLASSES.update(REGISTERED)
