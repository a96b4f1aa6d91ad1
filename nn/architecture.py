"""Architectures as data: the ``"type"`` of each module, for saving any nn network as JSON.

A module's architecture is a JSON object with its ``"type"`` and what its constructor needs;
containers hold their modules' architectures::

    {"type": "Sequential", "modules": [
        {"type": "Layer", "nin": 2, "nout": 8, "activation": "sigmoid", "l": 1},
        {"type": "Residual", "l": 2, "module": {"type": "Layer", "nin": 8, "nout": 8, ...}},
        {"type": "RNN", "nin": 1, "nhidden": 8}]}

A saved file is ``{"format": FORMAT, "version": 1, "architecture": {...}, "state": {...}}``, the
state being `Module.state_dict` (dotted names -> floats). Loading builds the architecture from
`TYPES` (each class's ``from_config``) and hands the state to `Module.load_state_dict`, which checks
every name and number before it sets anything. `nn.serialization.save` and `load` use this for every
model but a plain MLP (which keeps its own format).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .layers import MLP, Layer
from .module import Module

FORMAT = "autograd_lite.nn.Module"
VERSION = 1

#: "type" -> the function building a module of that type from its architecture (the rest of the object).
TYPES: dict[str, Callable[..., Module]] = {}


def register(cls: type) -> type:
    """Class decorator: a module class with ``config()`` and a classmethod ``from_config(**config)``
    becomes loadable under its class name."""
    TYPES[cls.__name__] = cls.from_config
    return cls


def layer_number(module: Module) -> int | None:
    """The layer number l that `module`'s last parameter is labelled with (nn labels carry their
    indices, ``w[l]_jk`` has index (l, j, k)); None when it has none."""
    params = module.parameters()
    index = getattr(params[-1].label, "index", ()) if params else ()
    return index[0] if index else None


def config(module: Module) -> dict[str, Any]:
    """`module`'s architecture, ``"type"`` first; a TypeError for a module of no registered type."""
    if isinstance(module, MLP):
        return {"type": "MLP", **module.config()}
    if isinstance(module, Layer):
        return {"type": "Layer", "nin": module.nin, "nout": len(module.neurons), "activation": module.activation,
                "l": layer_number(module)}
    name = type(module).__name__
    if TYPES.get(name) == getattr(type(module), "from_config", None) and hasattr(module, "config"):
        return {"type": name, **module.config()}
    raise TypeError(f"cannot save a {name}: the architectures nn knows are {', '.join(sorted(TYPES))}")


def build(architecture: Any) -> Module:
    """A new module of the given architecture (fresh weights), or a ValueError naming what is wrong."""
    if not isinstance(architecture, dict) or architecture.get("type") not in TYPES:
        kind = architecture.get("type") if isinstance(architecture, dict) else architecture
        raise ValueError(f"unknown architecture {kind!r}; the types nn knows are {', '.join(sorted(TYPES))}")
    rest = {k: v for k, v in architecture.items() if k != "type"}
    try:
        return TYPES[architecture["type"]](**rest)
    except TypeError as e:  # a missing or unexpected key
        raise ValueError(f"architecture {architecture['type']!r}: {e}") from None


TYPES["MLP"] = MLP
TYPES["Layer"] = lambda l=1, **rest: Layer(**rest, l=l if l is not None else 1)


def document(model: Module) -> dict[str, Any]:
    """The JSON document of `model`: format, version, architecture and state."""
    return {"format": FORMAT, "version": VERSION, "architecture": config(model), "state": model.state_dict()}


#: The configuration keys that size a module's parameters: none can exceed the parameters it makes.
SIZES = ("nin", "nout", "sizes", "nhidden", "in_channels", "out_channels", "kernel_size")


def _check_sizes(architecture: Any, stored: int) -> None:
    """Refuse, before anything is built, a declared size larger than the number of parameter values
    the file holds: a layer of width n has at least n weights, so such a file contradicts itself
    (and building what it declares could take any amount of memory). `load_state_dict` then checks
    every parameter exactly, once the model is built."""
    stack = [architecture]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                sizes = value if isinstance(value, list) and key in SIZES else [value] if key in SIZES else []
                for size in sizes:
                    if isinstance(size, int) and size > stored:
                        raise ValueError(f"the architecture declares {key} = {size:.3g}, more than the "
                                         f"{stored} parameter values the file holds")
                stack.extend(v for k, v in item.items() if k not in SIZES)
        elif isinstance(item, list):
            stack.extend(item)


def from_document(doc: dict[str, Any], into: Module | None = None) -> Module:
    """The model a document describes, or -- with ``into`` -- its weights loaded into that model,
    which must have the same architecture (else a ValueError, ``into`` unchanged)."""
    if doc.get("version") != VERSION:
        raise ValueError(f"unsupported version {doc.get('version')!r} (this library reads {VERSION})")
    if not isinstance(doc.get("state"), dict):
        raise ValueError("no 'state' object of parameter values")
    architecture = doc.get("architecture")
    _check_sizes(architecture, len(doc["state"]))
    if into is not None:
        if config(into) != architecture:
            raise ValueError(f"it holds the architecture {architecture}, the model is {config(into)}")
        model = into
    else:
        model = build(architecture)
    model.load_state_dict(doc["state"])
    return model


class Block(Module):
    """What nn's composable blocks share beyond `Module`: save as JSON, hand to PyTorch."""

    def save(self, path: str) -> None:
        """Write architecture and weights to `path` as JSON, atomically (`nn.serialization.save`)."""
        from .serialization import save

        save(self, path)

    def to_torch(self, dtype: Any = None) -> Any:
        """The equivalent PyTorch module, float64 by default, with copies of the weights (`nn.torch_blocks`)."""
        from .torch_blocks import to_torch

        return to_torch(self, dtype)

    @classmethod
    def from_torch(cls, module: Any) -> Module:
        """The block `module` (a PyTorch module as `to_torch` makes them) stands for (`nn.torch_blocks`)."""
        from .torch_blocks import from_torch

        model = from_torch(module)
        if not isinstance(model, cls):
            raise TypeError(f"{cls.__name__}.from_torch() got a torch {type(module).__name__}, "
                            f"which is an nn.{type(model).__name__}")
        return model
