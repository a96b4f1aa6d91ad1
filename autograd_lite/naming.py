"""Names for the nodes of a graph, shared by the diagrams and the stepper so their texts match.

A labelled node is called by its label; a constant by its number; an unlabelled root ``L`` (the
stepper's text reads ``dL/dx``); any other unlabelled node gets a short generated name ``v1``,
``v2``, ... from the root down, skipping names that are already labels.

`nn` labels its nodes in the documents' notation -- ``w[l]_jk``, ``b[l]_j``, ``z[l]_j``
(pre-activation), ``a[l]_j`` (post-activation), layers l = 1..L, inputs ``a[0]_k`` --
and `nn_label` reads them back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from .value import Value

_NN_LABEL = re.compile(r"([wbza])\[(\d+)\]_(\d+(?:,\d+)?)")  # nn writes w[2]_12,3 when j or k has 2 digits


def format_number(x: float, spec: str = ".4g") -> str:
    """`x` formatted with the format spec `spec` (``".4g"`` gives 0.25, -1.3, 1.235e+04)."""
    return format(x, spec)


def number_formatter(spec: str) -> Callable[[float], str]:
    """`format_number` with `spec` fixed; a bad spec raises here, naming itself, not mid-drawing."""
    format_number(0.0, spec)
    return lambda x: format(x, spec)


def node_names(nodes: Iterable[Value], root: Value | None = None, spec: str = ".4g") -> dict[Value, str]:
    """A name for each of `nodes`, given in topological order; v1, v2, ... are numbered from the
    root down, in the order a backward pass meets them."""
    nodes = list(nodes)
    taken = {node.label for node in nodes if node.label}
    names: dict[Value, str] = {}
    counter = 0
    for node in reversed(nodes):
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


def nn_label(label: str) -> tuple[str, int, str] | None:
    """(kind, layer, indices) of an nn label: ``"z[2]_1"`` -> ("z", 2, "1"), ``"w[2]_13"`` ->
    ("w", 2, "13"), ``"w[2]_12,3"`` -> ("w", 2, "12,3"); None for any other label. Which neuron
    a weight belongs to is read from the graph (the z node it feeds), not from its indices."""
    match = _NN_LABEL.fullmatch(label)
    if match is None:
        return None
    return match[1], int(match[2]), match[3]


def delta_name(label: str) -> str | None:
    """``"delta[l]_j"`` for a pre-activation label ``"z[l]_j"`` (delta^l_j = dL/dz^l_j), else None."""
    parsed = nn_label(label)
    if parsed is None or parsed[0] != "z":
        return None
    return f"delta[{parsed[1]}]_{parsed[2]}"
