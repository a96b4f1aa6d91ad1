"""`Module`: what every part of a network shares -- its parameters by name, and their state.

A module names its parameters with dotted paths that mirror attribute access, 0-based like Python
indexing: ``layers.1.neurons.3.w.2`` is ``model.layers[1].neurons[3].w[2]`` (its graph label, in the
documents' 1-based notation, is ``w[2]_43``, and ``model.w(2, 4, 3)`` returns it).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from autograd_lite import Value


def finite_float(value: Any, what: str) -> float:
    """`value` as a parameter's float, or a TypeError (not a real number; a bool is refused) or a
    ValueError (NaN or infinite) naming it as `what`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what} must be a real number, got {value!r} of type {type(value).__name__}")
    try:
        value = float(value)
    except OverflowError:  # an int (or Fraction) beyond 1.8e308: it would be infinite
        raise ValueError(f"{what} is a number too large for a float (above 1.8e308); "
                         "parameters must be finite") from None
    if not math.isfinite(value):
        raise ValueError(f"{what} is {value!r}; parameters must be finite")
    return value


def is_list_like(x: Any) -> bool:
    """Whether nn reads x as a list (of a sample's numbers, of targets, of samples): a sequence that is
    not text, or a numpy array of one dimension or more, so that numpy users' arrays just work."""
    return (isinstance(x, Sequence) and not isinstance(x, (str, bytes))) or getattr(x, "ndim", 0) >= 1


class Module:
    """Base class: subclasses define `named_members` and `forward`; the parameters are read off
    the members, as PyTorch reads them off a module's registered parameters and submodules."""

    def named_members(self) -> Iterable[tuple[str, Any]]:
        """(name, member) pairs in a fixed order; a member is a parameter (a leaf Value), a Module,
        or a list of parameters or of Modules."""
        raise NotImplementedError

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Value]]:
        """(dotted name, parameter) pairs in a fixed order, each name after `prefix`: a member's name,
        then its position if it is a list (``w.2``), then the submodule's own names (``neurons.3.b``)."""
        for name, member in self.named_members():
            listed = isinstance(member, (list, tuple))
            for k, item in enumerate(member if listed else (member,)):
                path = f"{prefix}{name}.{k}" if listed else prefix + name
                if isinstance(item, Module):
                    yield from item.named_parameters(path + ".")
                else:
                    yield path, item

    def forward(self, *args: Any) -> Any:
        raise NotImplementedError

    def __call__(self, *args: Any) -> Any:
        return self.forward(*args)

    def parameters(self) -> list[Value]:
        """Every parameter (a leaf Value), in the order of `named_parameters`. The names are not built:
        a training step may ask for the parameters every time (a batched step does)."""
        params: list[Value] = []
        for _, member in self.named_members():
            for item in member if isinstance(member, (list, tuple)) else (member,):
                if isinstance(item, Module):
                    params += item.parameters()
                else:
                    params.append(item)
        return params

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0 (leaves accumulate across backward calls)."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """{dotted name: value} for every parameter: plain floats, ready for JSON."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Set every parameter from `state` (as made by `state_dict`).

        Everything is checked first -- the same names exactly, each value a finite real number -- so
        on any error (a ValueError or TypeError naming the problem) the module is left unchanged.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict() takes a mapping of name -> number, got {type(state).__name__}")
        params = dict(self.named_parameters())
        missing = [n for n in params if n not in state]
        unexpected = [n for n in state if n not in params]
        if missing or unexpected:
            parts = []
            if missing:
                parts.append(f"missing {len(missing)} parameter(s), e.g. {', '.join(missing[:3])}")
            if unexpected:
                parts.append(f"unexpected {len(unexpected)} name(s), e.g. {', '.join(map(str, unexpected[:3]))}")
            raise ValueError(f"state does not fit this {type(self).__name__} "
                             f"({len(params)} parameters): {'; '.join(parts)}")
        values = {name: finite_float(state[name], f"state[{name!r}]") for name in params}
        for name, p in params.items():
            p.data = values[name]
