"""Names for the nodes of a graph, shared by the diagrams and the stepper so their texts match.

A labelled node is called by its label; a constant by its number; an unlabelled root ``L`` (the
stepper's text reads ``dL/dx``); any other unlabelled node gets a short generated name ``v1``,
``v2``, ... from the root down, skipping names that are already labels.

A label is printed as the text it is: the engine never parses it. A model that knows more about a
node than its name (which neuron it belongs to, what its gradient is called) says so with a `Label`,
a ``str`` that carries that knowledge; `nn` labels its nodes this way, and so can any user's model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple

from .value import Value


class Group(NamedTuple):
    """A group of nodes in one grouping of a graph (a neuron, a layer, a time step, ...)."""

    key: tuple[int, ...]  # orders the groups of one grouping: (l, j) for neuron j of layer l
    title: str  # what a diagram writes on the group


class Label(str):
    """A node's label (the ``str`` it is) plus what the model that made the node knows about it.

    - ``grad_name``: the name of dL/d(node), printed instead of ``dL/d<label>``; `nn` names the
      gradient of a pre-activation ``z[l]_j`` the error signal ``delta[l]_j``.
    - ``role``: what the node is in the model (`nn`: "w", "b", "z", "a" or "input").
    - ``index``: its indices in the model's notation, e.g. (l, j, k); orders nodes within a group.
    - ``groups``: the group it belongs to in each grouping, e.g. ``{"neuron": Group((1, 2),
      "neuron [1]_2"), "layer": Group((1,), "layer 1")}``; ``draw(root, group="neuron")`` reads them.

    >>> z = Label("z[1]_2", grad_name="delta[1]_2", role="z", index=(1, 2))
    >>> z, z.grad_name
    ('z[1]_2', 'delta[1]_2')
    """

    grad_name: str | None
    role: str
    index: tuple[int, ...]
    groups: Mapping[str, Group]

    def __new__(cls, text: str, *, grad_name: str | None = None, role: str = "", index: tuple[int, ...] = (),
                groups: Mapping[str, Group] | None = None) -> Label:
        self = super().__new__(cls, text)
        self.grad_name = grad_name
        self.role = role
        self.index = tuple(index)
        self.groups = dict(groups or {})
        return self


def grad_name(node: Value) -> str | None:
    """The name its model gives dL/d`node` (`Label.grad_name`), or None."""
    return getattr(node.label, "grad_name", None)


def role(node: Value) -> str:
    """What `node` is in the model that made it (`Label.role`), or ""."""
    return getattr(node.label, "role", "")


def group_of(node: Value, grouping: str) -> Group | None:
    """The group `node` belongs to in `grouping` ("neuron", "layer", ...), or None."""
    return getattr(node.label, "groups", {}).get(grouping)


#: The one default number format of the diagrams, the network view and the stepper's text.
NUMBER_FORMAT = ".4g"


def format_number(x: float, spec: str = NUMBER_FORMAT) -> str:
    """`x` formatted with the format spec `spec` (``".4g"`` gives 0.25, -1.3, 1.235e+04).

    A negative zero, and a negative number that `spec` rounds to zero, is written as zero: ``0``, not
    ``-0`` (the number itself keeps its IEEE sign; only the text drops it).
    """
    if x == 0 or (x < 0 and format(-x, spec) == format(0.0, spec)):
        return format(0.0, spec)
    return format(x, spec)


def number_formatter(spec: str) -> Callable[[float], str]:
    """`format_number` with `spec` fixed; a bad spec raises here, naming itself, not mid-drawing."""
    format_number(0.0, spec)
    return lambda x: format_number(x, spec)


def node_names(nodes: Iterable[Value], root: Value | None = None, spec: str = NUMBER_FORMAT) -> dict[Value, str]:
    """A name for each of `nodes`, given in topological order; v1, v2, ... are numbered in that
    order, the order the forward pass made them (an evaluation trace's numbering)."""
    nodes = list(nodes)
    taken = {node.label for node in nodes if node.label}
    names: dict[Value, str] = {}
    counter = 0
    for node in nodes:
        if node.label:
            names[node] = node.label
        elif node.is_constant:
            names[node] = format_number(node.data, spec)
        elif node is root and "L" not in taken:
            names[node] = "L"
        else:
            counter += 1
            while f"v{counter}" in taken:
                counter += 1
            names[node] = f"v{counter}"
    return names
