"""The classic picture of a neural network: `draw_network(model, trace)`.

Layers are columns -- the inputs a[0] first -- and neurons are circles; an edge from neuron k of
layer l-1 to neuron j of layer l is the weight w[l]_jk. Edge width is proportional to |w| (or to
|dL/dw| with ``edges="grad"``), blue where the value is >= 0 and red where it is < 0. Given the
`Trace` of a forward pass (``model.trace(x)``), each neuron shows its activation a, and after a
backward pass its error signal delta = dL/dz, which also colours it (blue > 0, red < 0, white 0).
The notation, in the legend: z = pre-activation, a = post-activation, delta = dL/dz.

It needs only the structure the `nn` contract promises: ``model.layers[l].neurons[j]`` with ``.w``
(list of Values), ``.b`` and ``.activation``; a trace with ``.inputs``, ``.z`` and ``.a`` (per layer
l = 1..L, per neuron).
"""

from __future__ import annotations

from typing import Any

from autograd_lite.draw import Diagram
from autograd_lite.escape import dot_text
from autograd_lite.naming import NUMBER_FORMAT, number_formatter

COLUMN_GAP = 2.6  # inches between layers
POSITIVE, NEGATIVE = (33, 102, 172), (178, 24, 43)  # blue and red of a diverging palette


def _colour(value: float, scale: float, floor: float = 0.0) -> str:
    """Blue for value >= 0, red below, fading to white as |value| / scale goes to `floor`."""
    rgb = POSITIVE if value >= 0 else NEGATIVE
    t = floor + (1.0 - floor) * (min(abs(value) / scale, 1.0) if scale > 0 else 0.0)
    return "#" + "".join(f"{round(255 + (c - 255) * t):02x}" for c in rgb)


def _pos(x: float, y: float, rankdir: str) -> str:
    """A pinned neato position ("x,y!" in inches, y up) for column x, row y (rows counted downwards)."""
    return f"{x:.2f},{-y:.2f}!" if rankdir == "LR" else f"{y:.2f},{-x:.2f}!"


def _structure(model: Any) -> list[list[Any]]:
    """The neurons of each layer, checked against the contract with a clear error."""
    layers = getattr(model, "layers", None)
    if not layers:
        raise TypeError(f"draw_network() takes an nn model with .layers (an MLP), got {type(model).__name__}")
    neurons = []
    for l, layer in enumerate(layers, 1):
        ns = list(getattr(layer, "neurons", ()))
        if not ns or not all(hasattr(n, "w") and hasattr(n, "b") for n in ns):
            raise TypeError(f"draw_network(): layer {l} of the model has no neurons with .w and .b")
        neurons.append(ns)
    for l in range(1, len(neurons)):
        if any(len(n.w) != len(neurons[l - 1]) for n in neurons[l]):
            raise ValueError(f"draw_network(): the neurons of layer {l + 1} do not each have "
                             f"{len(neurons[l - 1])} weights (one per neuron of layer {l})")
    return neurons


def draw_network(model: Any, trace: Any = None, *, edges: str = "weight", number_format: str = NUMBER_FORMAT,
                 max_per_layer: int = 12, edge_labels: bool | None = None, rankdir: str = "LR") -> Diagram:
    """The network as layers of neurons joined by weights (see the module docstring).

    - ``trace``: a forward pass's `Trace`; neurons then show a, and delta = dL/dz once some
      backward pass has set any z's grad.
    - ``edges``: "weight" (width by |w|) or "grad" (width by |dL/dw|); colour is the value's sign.
    - ``max_per_layer``: a wider layer shows its first neurons and one "... N more" node.
    - ``edge_labels``: write each weight on its edge (default: when there are at most 12 edges).
    """
    import graphviz

    if edges not in ("weight", "grad"):
        raise ValueError(f"draw_network(edges=...) must be 'weight' or 'grad', got {edges!r}")
    if rankdir not in ("LR", "TB"):
        raise ValueError(f"draw_network(rankdir=...) must be 'LR' or 'TB', got {rankdir!r}")
    if not isinstance(max_per_layer, int) or max_per_layer < 2:
        raise ValueError(f"draw_network(max_per_layer=...) must be an int >= 2, got {max_per_layer!r}")
    num = number_formatter(number_format)
    neurons = _structure(model)
    nin = len(neurons[0][0].w)
    sizes = [nin] + [len(ns) for ns in neurons]
    if trace is not None:
        got = [len(trace.inputs)] + [len(a) for a in trace.a]
        if got != sizes or [len(z) for z in trace.z] != sizes[1:]:
            raise ValueError(f"draw_network(): the trace's layer sizes {got} do not match the model's {sizes}")
    show_delta = trace is not None and any(z.grad != 0.0 for layer in trace.z for z in layer)
    shown = [min(s, max_per_layer - 1) if s > max_per_layer else s for s in sizes]

    def strength(v: Any) -> float:
        return v.data if edges == "weight" else v.grad

    weights = [(l, j, k, n.w[k]) for l, ns in enumerate(neurons, 1) for j, n in enumerate(ns) if j < shown[l]
               for k in range(shown[l - 1])]
    top = max((abs(strength(w)) for *_, w in weights), default=0.0)
    deltas = [z.grad for layer in trace.z for z in layer] if show_delta else []
    top_delta = max(map(abs, deltas), default=0.0)
    if edge_labels is None:
        edge_labels = len(weights) <= 12

    what = "|w|" if edges == "weight" else "|dL/dw|"
    legend = dot_text("z = pre-activation (sum_k w[l]_jk a[l-1]_k + b[l]_j),  a = post-activation,  delta = dL/dz",
                      f"edge: weight w[l]_jk from neuron k of layer l-1 to neuron j of layer l; width ~ {what}, "
              f"blue >= 0, red < 0" + (";  neuron colour: delta" if show_delta else ""))
    three_lines = show_delta or trace is None  # name, a, delta -- or name, b
    row_gap = 1.3 if three_lines else 1.05
    # Pinned positions (neato honours them): columns left to right, neurons in index order.
    g = graphviz.Digraph(graph_attr={"layout": "neato", "splines": "line", "outputorder": "edgesfirst",
                                     "label": legend, "labelloc": "b", "fontsize": "10", "fontname": "Helvetica"},
                         # One size for every neuron, whatever its numbers, so columns line up.
                         node_attr={"shape": "circle", "fontname": "Helvetica", "fontsize": "9",
                                    "style": "filled", "fillcolor": "white", "fixedsize": "true",
                                    "width": "1.05" if three_lines else "0.8"},
                         edge_attr={"arrowsize": "0.5"})
    tallest = max(shown[l] + (sizes[l] > shown[l]) for l in range(len(sizes)))
    for l, size in enumerate(sizes):
        x = l * COLUMN_GAP
        rows = shown[l] + (size > shown[l])
        y0 = (tallest - rows) * row_gap / 2  # centre each column on the tallest
        title = "inputs a[0] = x" if l == 0 else f"layer {l}: {getattr(neurons[l - 1][0], 'activation', '')}"
        g.node(f"title{l}", label=dot_text(title), shape="plaintext", style="", width="0",
               pos=_pos(x, -0.8 * row_gap, rankdir))
        for j in range(shown[l]):
            lines = [f"a[{l}]_{j + 1}"]
            attrs = {"pos": _pos(x, y0 + j * row_gap, rankdir)}
            if trace is not None:
                a = trace.inputs[j] if l == 0 else trace.a[l - 1][j]
                lines.append(f"a {num(a.data)}")
            if show_delta and l > 0:
                delta = trace.z[l - 1][j].grad
                lines.append(f"delta {num(delta)}")
                attrs["fillcolor"] = _colour(delta, top_delta)
                attrs["fontcolor"] = "white" if top_delta and abs(delta) > 0.6 * top_delta else "black"
            if l > 0 and trace is None:
                lines.append(f"b {num(neurons[l - 1][j].b.data)}")
            g.node(f"a{l}_{j}", label=dot_text(*lines), **attrs)
        if size > shown[l]:
            g.node(f"a{l}_more", label=dot_text(f"... {size - shown[l]} more"), shape="plaintext", style="",
                   pos=_pos(x, y0 + shown[l] * row_gap, rankdir))
    for l, j, k, w in weights:
        v = strength(w)
        attrs = {"penwidth": f"{0.4 + 3.6 * abs(v) / top:.2f}" if top > 0 else "0.4",
                 "color": _colour(v, top, floor=0.35)}
        if edge_labels:
            # Near the tail, where a neuron's outgoing edges fan apart, the labels do not collide.
            attrs.update(taillabel=dot_text(num(v)), labeldistance="4", labelangle="-9", labelfontsize="8",
                         labelfontcolor="#37474f")
        g.edge(f"a{l - 1}_{k}", f"a{l}_{j}", **attrs)
    return Diagram(g, sum(shown))
