"""`Trace`: one forward pass of an MLP with its z and a nodes kept, to read the deltas off.

After ``loss.backward()`` the gradient stored on each pre-activation node is the documents' error
signal, delta^l_j = dL/dz^l_j, so the deltas of every layer are read, not recomputed.

Two numberings meet here. ``trace.z`` and ``trace.a`` are Python lists, 0-based: ``trace.a[0]`` is
layer 1 and ``trace.a[0][1]`` the node labelled ``a[1]_2``. Called, they take the documents' 1-based
indices, as in the labels: ``trace.a(1, 2)`` is that same node, ``trace.a(0, k)`` the input a^(0)_k,
``trace.z(l, j)`` the node ``z[l]_j`` and ``trace.delta(l, j)`` its grad, delta^l_j.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from autograd_lite import Value

T = TypeVar("T")


def textbook_item(items: Sequence[T], i: Any, what: str, first: int = 1) -> T:
    """``items[i - first]``: the item of 1-based index i (``first=0`` where a numbering starts at 0,
    as the layers do for a^(0)). A TypeError if i is not an int, an IndexError naming the valid range
    if it is out of it -- never Python's negative indexing, which would name another node."""
    if isinstance(i, bool) or not isinstance(i, int):
        raise TypeError(f"{what} must be an int, got {i!r}")
    if not first <= i < first + len(items):
        raise IndexError(f"{what} must be {first}..{first + len(items) - 1} (the documents' numbering, "
                         f"as in the labels), got {i}")
    return items[i - first]


class NodesByLayer(list):
    """The nodes of every layer: a list whose item ``l - 1`` is layer l's list of nodes (Python's
    numbering), also callable in the documents' numbering: ``nodes(l, j)`` is the node labelled
    ``z[l]_j`` (or ``a[l]_j``), l and j from 1. With ``inputs``, ``nodes(0, k)`` is the input a^(0)_k.
    """

    def __init__(self, kind: str, layers: Iterable[list[Value]], inputs: list[Value] | None = None) -> None:
        super().__init__(layers)
        self.kind, self.inputs = kind, inputs

    def __call__(self, l: int, j: int) -> Value:
        return self.node(l, j, self.kind)

    def node(self, l: int, j: int, name: str) -> Value:
        """Node j of layer l (1-based; errors name the call as ``name(l, j)``)."""
        layers, first = (self, 1) if self.inputs is None else ([self.inputs, *self], 0)
        layer = textbook_item(layers, l, f"{name}(l, j): the layer l", first)
        return textbook_item(layer, j, f"{name}(l, j): the neuron j of layer {l}" if l else
                             f"{name}(l, j): the input j of layer 0")


@dataclass
class Trace:
    """``inputs`` = a^(0); ``z[l-1]`` and ``a[l-1]`` = the nodes of layer l = 1..L, one per neuron
    (``z(l, j)``, ``a(l, j)`` and ``delta(l, j)`` take l and j as the documents and labels number them).

    For a linear layer a^l is z^l: the same nodes (labelled ``z[l]_j``).
    """

    inputs: list[Value]
    z: list[list[Value]]
    a: list[list[Value]]

    def __post_init__(self) -> None:
        self.z = NodesByLayer("z", self.z)
        self.a = NodesByLayer("a", self.a, inputs=self.inputs)

    @property
    def output(self) -> Value | list[Value]:
        """a^L, as the model returns it: one Value when the last layer has one neuron."""
        last = self.a[-1]
        return last[0] if len(last) == 1 else last

    def delta(self, l: int, j: int) -> float:
        """delta^l_j = dL/dz^l_j = ``z(l, j).grad`` (after backward), l and j from 1."""
        return self.z.node(l, j, "delta").grad

    def deltas(self) -> list[list[float]]:
        """delta^l_j = dL/dz^l_j = z^l_j.grad for every layer (after backward); item l - 1 is layer l."""
        return [[z.grad for z in layer] for layer in self.z]
