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

COLUMN_GAP = 2.6  # inches between layers (more when edge labels need room)
CHAR_WIDTH = 9 * 0.62 / 72  # inches per character of 9-point text, generous (DejaVu Sans' digits are 0.64 em)
LABEL_HEIGHT = 0.2  # inches from one edge label's middle to the next one's
POSITIVE, NEGATIVE = (33, 102, 172), (178, 24, 43)  # blue and red of a diverging palette


def _colour(value: float, scale: float, floor: float = 0.0) -> str:
    """Blue for value >= 0, red below, fading to white as |value| / scale goes to `floor`."""
    rgb = POSITIVE if value >= 0 else NEGATIVE
    t = floor + (1.0 - floor) * (min(abs(value) / scale, 1.0) if scale > 0 else 0.0)
    return "#" + "".join(f"{round(255 + (c - 255) * t):02x}" for c in rgb)


def _xy(x: float, y: float, rankdir: str) -> tuple[float, float]:
    """Where column x, row y (inches, rows counted downwards) is in the picture (inches, y up)."""
    return (x, -y) if rankdir == "LR" else (y, -x)


def _pin(x: float, y: float) -> str:
    """A pinned neato position ("x,y!" in inches, y up)."""
    return f"{x:.2f},{y:.2f}!"


def _pos(x: float, y: float, rankdir: str) -> str:
    """The pinned position of column x, row y."""
    return _pin(*_xy(x, y, rankdir))


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
                 max_per_layer: int = 12, edge_labels: bool | None = None, rankdir: str = "LR",
                 title: str | None = None) -> Diagram:
    """The network as layers of neurons joined by weights (see the module docstring).

    - ``trace``: a forward pass's `Trace`; neurons then show a, and delta = dL/dz once some
      backward pass has set any z's grad (the neuron colour then has a legend).
    - ``edges``: "weight" (width by |w|) or "grad" (width by |dL/dw|); colour is the value's sign.
    - ``max_per_layer``: a wider layer shows its first neurons and one "... N more" node.
    - ``edge_labels``: write each weight (or dL/dw) on its edge, near its head (default: when there
      are at most 12 edges). The labels of one layer's edges stand on one line across the edges,
      where every edge is at its own height, so no two labels touch and each sits on its edge; the
      columns and rows are spaced to make room.
    - ``title``: a title over the picture (e.g. "before training"; lines split at newlines).
    """
    import graphviz

    if edges not in ("weight", "grad"):
        raise ValueError(f"draw_network(edges=...) must be 'weight' or 'grad', got {edges!r}")
    if rankdir not in ("LR", "TB"):
        raise ValueError(f"draw_network(rankdir=...) must be 'LR' or 'TB', got {rankdir!r}")
    if not isinstance(max_per_layer, int) or max_per_layer < 2:
        raise ValueError(f"draw_network(max_per_layer=...) must be an int >= 2, got {max_per_layer!r}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"draw_network(title=...) must be a str, got {type(title).__name__}")
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
    texts = {(l, j, k): num(strength(w)) for l, j, k, w in weights} if edge_labels else {}

    three_lines = show_delta or trace is None  # name, a, delta -- or name, b
    diameter = 1.05 if three_lines else 0.8
    row_gap, gaps = 1.3 if three_lines else 1.05, [0.0] + [COLUMN_GAP] * (len(sizes) - 1)
    if texts:
        # Edge k -> j of layer l is labelled at the fraction 1 - s of its way, s = 1/(shown[l-1] + 1):
        # there the heights s k + (1 - s) j (in rows) of all its layer's edges are distinct multiples
        # of s, so a label row s * row_gap apart from the next; s * gap clears the head's circle.
        width = max(map(len, texts.values())) * CHAR_WIDTH + 0.1
        across, along = (LABEL_HEIGHT, width) if rankdir == "LR" else (width, LABEL_HEIGHT)
        row_gap = max(row_gap, across * (max(shown[:-1]) + 1))
        clear = diameter / 2 + along / 2 + 0.05
        gaps = [0.0] + [max(COLUMN_GAP, clear * (shown[l - 1] + 1)) for l in range(1, len(sizes))]
    xs = [sum(gaps[:l + 1]) for l in range(len(sizes))]
    tallest = max(shown[l] + (sizes[l] > shown[l]) for l in range(len(sizes)))
    y0 = [(tallest - shown[l] - (sizes[l] > shown[l])) * row_gap / 2 for l in range(len(sizes))]  # centred

    # Pinned positions (neato honours them): columns left to right, neurons in index order.
    g = graphviz.Digraph(graph_attr={"layout": "neato", "splines": "line", "outputorder": "edgesfirst",
                                     "fontname": "Helvetica", "pad": "0.3",
                                     **({"label": dot_text(*title.split("\n")), "labelloc": "t", "fontsize": "16"}
                                        if title else {})},
                         # One size for every neuron, whatever its numbers, so columns line up.
                         node_attr={"shape": "circle", "fontname": "Helvetica", "fontsize": "9",
                                    "style": "filled", "fillcolor": "white", "fixedsize": "true",
                                    "width": f"{diameter}"},
                         edge_attr={"arrowsize": "0.5"})
    for l, size in enumerate(sizes):
        layer_title = "inputs a[0] = x" if l == 0 else f"layer {l}: {getattr(neurons[l - 1][0], 'activation', '')}"
        g.node(f"title{l}", label=dot_text(layer_title), shape="plaintext", style="", width="0", fixedsize="false",
               fontsize="10", pos=_pos(xs[l], -0.8 * row_gap, rankdir))
        for j in range(shown[l]):
            lines = [f"a[{l}]_{j + 1}"]
            attrs = {"pos": _pos(xs[l], y0[l] + j * row_gap, rankdir)}
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
                   fixedsize="false", pos=_pos(xs[l], y0[l] + shown[l] * row_gap, rankdir))
    for l, j, k, w in weights:
        v = strength(w)
        g.edge(f"a{l - 1}_{k}", f"a{l}_{j}", penwidth=f"{0.4 + 3.6 * abs(v) / top:.2f}" if top > 0 else "0.4",
               color=_colour(v, top, floor=0.35))
        if texts:
            s = 1 / (shown[l - 1] + 1)
            at = _pos(xs[l] - s * gaps[l], s * (y0[l - 1] + k * row_gap) + (1 - s) * (y0[l] + j * row_gap), rankdir)
            # A white box under the number hides its own edge there: the label reads as part of it.
            g.node(f"w{l}_{j}_{k}", label=dot_text(texts[l, j, k]), shape="box", style="filled", color="white",
                   fillcolor="white", fontcolor="#263238", fixedsize="false", width="0", height="0",
                   margin="0.02,0.01", pos=at)
    corners = [_xy(xs[l], y0[l] + r * row_gap, rankdir) for l in range(len(sizes))
               for r in (0, shown[l] - 1 + (sizes[l] > shown[l]))]
    left, right = min(x for x, _ in corners), max(x for x, _ in corners)
    _legend(g, edges, show_delta, bool(texts), (left + right) / 2, min(y for _, y in corners) - diameter / 2 - 0.2)
    return Diagram(g, sum(shown))


def _legend(g: Any, edges: str, show_delta: bool, labelled: bool, x: float, y: float) -> None:
    """Under the network, from height y down, centred on x: swatches of delta's sign when neurons are
    coloured by it, then the notation and the edges' code."""
    what = "w" if edges == "weight" else "dL/dw"
    lines = ["z = pre-activation = sum_k w[l]_jk a[l-1]_k + b[l]_j,",
             "a = post-activation, delta = dL/dz",
             "edge: weight w[l]_jk from neuron k of layer l-1 to neuron j of layer l,",
             f"width ~ |{what}|, blue >= 0, red < 0" + (f", number = {what}" if labelled else "")]
    if show_delta:
        lines.append("neuron colour: delta, deeper for larger |delta|")
        swatches = (("delta < 0", NEGATIVE), ("delta = 0", (255, 255, 255)), ("delta > 0", POSITIVE))
        for i, (text, rgb) in enumerate(swatches):
            g.node(f"legend{i}", label="", width="0.22", fillcolor="#" + "".join(f"{c:02x}" for c in rgb),
                   pos=_pin(x + (i - 1) * 1.5 - 0.45, y - 0.2))
            g.node(f"legend{i}_text", label=dot_text(text), shape="plaintext", style="", fixedsize="false",
                   fontsize="10", pos=_pin(x + (i - 1) * 1.5 + 0.15, y - 0.2))
        y -= 0.45
    g.node("legend", label=dot_text(*lines), shape="plaintext", style="", fixedsize="false", fontsize="10",
           pos=_pin(x, y - 0.09 * len(lines) - 0.1))
