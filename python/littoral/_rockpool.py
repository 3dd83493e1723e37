"""One-line conversion between Rockpool modules and Littoral modules.

``from_rockpool(m)`` reads a Rockpool module (numpy, Jax or Torch variants of ``LIF``,
``Rate``, ``Linear``, ``ExpSyn``, ``Instant`` and the combinators ``Sequential``,
``Residual``, ``FFwdStack``) with its current parameters, simulation parameters and
state, and builds the same network in Littoral. ``to_rockpool(m)`` goes back to Rockpool
numpy modules. Rockpool is imported only when converting back.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any, Dict, Tuple

import numpy as np

from . import _littoral
from ._modules import Module, _instant_function_name

__all__ = ["from_rockpool", "to_rockpool"]

# Rockpool class name (numpy, Jax, Torch variants) → Littoral class.
_LEAF_CLASSES = {
    "LIF": "LIF", "LIFJax": "LIF", "LIFTorch": "LIF",
    "Rate": "Rate", "RateJax": "Rate", "RateTorch": "Rate",
    "Linear": "Linear", "LinearJax": "Linear", "LinearTorch": "Linear",
    "ExpSyn": "ExpSyn", "ExpSynJax": "ExpSyn", "ExpSynTorch": "ExpSyn",
    "Instant": "Instant", "InstantJax": "Instant", "InstantTorch": "Instant",
}
_COMBINATORS = {
    "ModSequential": "Sequential", "JaxSequential": "Sequential", "TorchSequential": "Sequential",
    "ModResidual": "Residual", "JaxResidual": "Residual", "TorchResidual": "Residual",
    "ModFFwdStack": "FFwdStack", "JaxFFwdStack": "FFwdStack", "TorchFFwdStack": "FFwdStack",
}

# Per class: the Parameters Littoral knows, and the SimulationParameters it carries over.
_PARAMETERS = {
    "LIF": ("w_rec", "tau_mem", "tau_syn", "bias", "threshold"),
    "Rate": ("w_rec", "tau", "bias", "threshold"),
    "Linear": ("weight", "bias"),
    "ExpSyn": ("tau",),
    "Instant": (),
}
_SIMULATION = {
    "LIF": ("dt", "noise_std", "max_spikes_per_dt"),
    "Rate": ("dt", "noise_std"),
    "Linear": (),
    "ExpSyn": ("dt", "noise_std", "max_window_length"),
    "Instant": (),
}
# Per class: the network-file options a Rockpool numpy module can express (`to_rockpool`);
# with any other option set the module has no Rockpool counterpart.
_ROCKPOOL_OPTIONS = {
    "LIF": ("has_rec", "precision"),
    "Rate": ("has_rec", "activation_func"),
    "Linear": ("has_bias", "precision"),
    "ExpSyn": (),
    "Instant": ("function",),
}
# Rockpool's own bookkeeping entries that carry no value to convert.
_IGNORED = {"_has_rec", "act_fn", "function", "rng_key", "spiking_input", "spiking_output"}


def _np(v: Any) -> np.ndarray:
    """A Rockpool value (NumPy, Jax or Torch) as a float64 NumPy array."""
    if hasattr(v, "detach"):
        v = v.detach().cpu().numpy()
    return np.asarray(v, dtype=np.float64)


def _json(path: str, v: Any) -> Any:
    a = _np(v)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{path}: non-finite value in the Rockpool module")
    return a.tolist()


def _rockpool_class(m: Any) -> str:
    name = type(m).__name__
    if name in _LEAF_CLASSES:
        return _LEAF_CLASSES[name]
    if name in _COMBINATORS:
        return _COMBINATORS[name]
    for suffix in ("Sequential", "Residual", "FFwdStack"):
        if name.endswith(suffix):
            return suffix
    raise ValueError(
        f"from_rockpool: unsupported Rockpool class '{name}' "
        f"(supported: {', '.join(sorted(set(_LEAF_CLASSES) | set(_COMBINATORS)))})"
    )


def _activation_name(fn: Any) -> str:
    named = {"H_ReLU": "relu", "H_tanh": "tanh", "H_sigmoid": "sigmoid"}
    if getattr(fn, "__name__", "") in named:
        return named[fn.__name__]
    probe = np.linspace(-3.0, 3.0, 25)
    candidates = {
        "relu": np.maximum(probe, 0.0),
        "tanh": np.tanh(probe),
        "sigmoid": (np.tanh(probe) + 1.0) / 2.0,
    }
    try:
        y = _np(fn(probe, np.zeros_like(probe)))
    except Exception as e:  # noqa: BLE001 - any failure means "unsupported"
        raise ValueError(f"activation_func: cannot evaluate {fn!r}: {e}") from None
    for name, expect in candidates.items():
        if np.allclose(y, expect, rtol=1e-6, atol=1e-9):
            return name
    raise ValueError(f"activation_func: {fn!r} is none of relu, tanh, sigmoid")


def _describe(m: Any, where: str) -> Tuple[dict, Dict[str, Any]]:
    """The network-file entry of a Rockpool module and its state (nested dict)."""
    cls = _rockpool_class(m)
    if cls in ("Sequential", "Residual", "FFwdStack"):
        entries, states = [], {}
        for name, child in m.modules().items():
            entry, state = _describe(child, f"{where}{name}.")
            entry["name"] = name
            entries.append(entry)
            if state:
                states[name] = state
        d: dict = {"class": cls, "modules": entries}
        if cls == "FFwdStack":
            params = {k: _json(where + k, v) for k, v in m.parameters().items() if not isinstance(v, dict)}
            if params:
                d["parameters"] = params
        return d, states

    params = {k: v for k, v in m.parameters().items() if not isinstance(v, dict)}
    sims = {k: v for k, v in m.simulation_parameters().items() if not isinstance(v, dict)}
    for k in params:
        if k not in _PARAMETERS[cls]:
            raise ValueError(
                f"from_rockpool: {where}{k}: the {type(m).__name__} parameter '{k}' has no Littoral counterpart"
            )
    d = {"class": cls, "shape": [int(s) for s in (m.shape if cls not in ("ExpSyn", "Instant") else m.shape[-1:])]}
    options: dict = {}
    if cls in ("LIF", "Rate") and "w_rec" in params:
        options["has_rec"] = True
    if cls == "Rate":
        act = _activation_name(getattr(m, "act_fn"))
        if act != "relu":
            options["activation_func"] = act
    if cls == "Linear" and params.get("bias") is not None:
        options["has_bias"] = True
    if cls == "Instant":
        fn = _instant_function_name(getattr(m, "function"))
        if fn != "identity":
            options["function"] = fn
    if options:
        d["options"] = options
    p_values = {k: _json(where + k, v) for k, v in params.items() if v is not None}
    s_values = {}
    for k, v in sims.items():
        if k in _IGNORED or (k == "w_rec" and "has_rec" not in options):
            continue
        if k in _SIMULATION[cls] or k in _PARAMETERS[cls]:
            s_values[k] = _json(where + k, v)  # a Constant(...) Parameter stays constant
    if p_values:
        d["parameters"] = p_values
    if s_values:
        d["simulation_parameters"] = s_values
    state = {k: v for k, v in m.state().items() if k not in _IGNORED and not isinstance(v, dict)}
    return d, state


def _fit_state(rockpool_state: Dict[str, Any], ours: Dict[str, Any]) -> Dict[str, Any]:
    """The Rockpool state entries Littoral has, converted to float64."""
    out: Dict[str, Any] = {}
    for k, v in rockpool_state.items():
        if k not in ours:
            continue
        if isinstance(v, dict):
            sub = _fit_state(v, ours[k])
            if sub:
                out[k] = sub
        else:
            out[k] = _np(v)
    return out


def _timeseries_from_rockpool(ts: Any) -> Any:
    name = type(ts).__name__
    if name == "TSContinuous":
        return _littoral.TSContinuous(
            times=_np(ts.times).ravel().tolist(), samples=_np(ts.samples), periodic=bool(ts.periodic),
            t_start=float(ts.t_start), t_stop=float(ts.t_stop), name=str(ts.name),
            interp_kind=str(getattr(ts, "interp_kind", getattr(ts, "_interp_kind", "previous"))),
        )
    return _littoral.TSEvent(
        times=_np(ts.times).ravel().tolist(), channels=[int(c) for c in np.asarray(ts.channels).ravel()],
        periodic=bool(ts.periodic), t_start=float(ts.t_start), t_stop=float(ts.t_stop), name=str(ts.name),
        num_channels=int(ts.num_channels),
    )


def from_rockpool(m: Any, seed: int = 0) -> Any:
    """Convert a Rockpool module into a Littoral module, with its current parameters,
    simulation parameters and state, or a Rockpool ``TSContinuous`` / ``TSEvent`` into
    Littoral's. Unsupported classes raise ``ValueError`` naming the class. ``seed`` sets
    the Littoral noise keys (Rockpool's random streams are not carried over)."""
    if type(m).__name__ in ("TSContinuous", "TSEvent") and type(m).__module__.startswith("rockpool"):
        return _timeseries_from_rockpool(m)
    description, state = _describe(m, "")
    engine = _littoral.Engine.from_json(json.dumps(description), int(seed))
    fitted = _fit_state(state, engine.select("state", None, ""))
    if fitted:
        engine.set_attributes(fitted, "")
    return Module._wrap(engine)


def _per_sample(v: np.ndarray, expected_ndim: int) -> np.ndarray:
    return v[0] if v.ndim == expected_ndim + 1 else v


def _option_text(name: str, value: Any) -> str:
    if name == "w_rec":
        return "w_rec (a sparse recurrent matrix)"
    if isinstance(value, list):
        value = np.asarray(value)
        value = value.item() if value.size == 1 else value.tolist()
    return f"{name}={value!r}"


def _check_expressible(d: dict, params: dict, sims: dict, where: str) -> None:
    """Raise ``ValueError`` naming the class, and the option where one is at fault, when
    the entry ``d`` has no Rockpool numpy counterpart (a silent conversion would run a
    different model)."""
    cls = d["class"]
    at = f" (at '{where}')" if where else ""
    if cls not in _ROCKPOOL_OPTIONS:
        raise ValueError(
            f"to_rockpool: Littoral class '{cls}'{at} has no Rockpool counterpart "
            f"(convertible: {', '.join(sorted(_ROCKPOOL_OPTIONS))} and the combinators Sequential, Residual, FFwdStack)"
        )
    for k, v in d.get("options", {}).items():
        if k not in _ROCKPOOL_OPTIONS[cls]:
            raise ValueError(f"to_rockpool: {cls} option {_option_text(k, v)}{at} has no Rockpool counterpart")
    for k, v in sims.items():
        if k == "refractory" and np.any(np.asarray(v) != 0.0):
            raise ValueError(f"to_rockpool: {cls} option {_option_text(k, float(v))}{at} has no Rockpool counterpart")
    known = set(_PARAMETERS[cls]) | set(_SIMULATION[cls]) | {"refractory"}
    for k in list(params) + list(sims):
        if k not in known:
            raise ValueError(f"to_rockpool: {cls} attribute '{k}'{at} has no Rockpool counterpart")


def _build_rockpool(d: dict, params: dict, sims: dict, where: str = ""):
    from rockpool.nn import combinators as rc
    from rockpool.nn import modules as rm
    from rockpool.parameters import Constant

    cls = d["class"]
    if cls in ("Sequential", "Residual", "FFwdStack"):
        children = OrderedDict()
        for i, c in enumerate(d["modules"]):
            name = c.get("name", f"{i}_{c['class']}")
            children[name] = _build_rockpool(
                c, params.get(name, {}), sims.get(name, {}), f"{where}.{name}" if where else name
            )
        if cls == "Sequential":
            return rc.Sequential(children)
        if cls == "Residual":
            return rc.Residual(*children.values())
        stack = rc.FFwdStack(*children.values(), weight_init_func=lambda s: np.zeros(s))
        stack.set_attributes({k: v for k, v in params.items() if not isinstance(v, dict)})
        return stack

    _check_expressible(d, params, sims, where)
    opts = d.get("options", {})
    kwargs: Dict[str, Any] = {}
    for k in _PARAMETERS[cls]:
        if k in params:
            kwargs[k] = params[k]
        elif k in sims:
            kwargs[k] = Constant(sims[k])
    for k in _SIMULATION[cls]:
        if k in sims:
            kwargs[k] = float(sims[k])
    shape = tuple(d["shape"])
    if cls == "LIF":
        if "max_spikes_per_dt" in kwargs:
            kwargs["max_spikes_per_dt"] = int(kwargs["max_spikes_per_dt"])
        return rm.LIF(shape, has_rec=bool(opts.get("has_rec", False)), **kwargs)
    if cls == "Rate":
        return rm.Rate(shape, has_rec=bool(opts.get("has_rec", False)),
                       activation_func=opts.get("activation_func", "relu"), **kwargs)
    if cls == "Linear":
        return rm.Linear(shape, has_bias=bool(opts.get("has_bias", False)), **kwargs)
    if cls == "ExpSyn":
        return rm.ExpSyn(shape, **kwargs)
    from ._modules import _INSTANT_FUNCTIONS

    return rm.Instant(shape, function=_INSTANT_FUNCTIONS[opts.get("function", "identity")])


def _strip_batch(ours: Dict[str, Any], theirs: Dict[str, Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for k, v in ours.items():
        if k not in theirs:
            continue
        if isinstance(v, dict):
            out[k] = _strip_batch(v, theirs[k])
        else:
            out[k] = _per_sample(np.asarray(v), np.ndim(theirs[k]))
    return out


def to_rockpool(m: Module):
    """The Littoral module ``m`` as a Rockpool numpy module, with its current parameters
    and state (batch 0 of a batched state, as Rockpool keeps). A class without a Rockpool
    counterpart (``ALIF``, NIR's neurons, ``SparseLinear``, …) or an option Rockpool
    cannot express (a LIF's ``reset="to_value"``, a non-zero ``refractory``, a sparse
    ``w_rec``) raises ``ValueError`` naming the class and the option."""
    d = m._description()
    rp = _build_rockpool(d, m.parameters(), m.simulation_parameters())
    state = _strip_batch(m.state(), rp.state())
    if state:
        rp.set_attributes(state)
    return rp

