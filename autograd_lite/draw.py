"""Diagrams of computation graphs: `draw(root)` and the `Diagram` it returns.

Each Value is a record node showing its name, data and grad (micrograd's look); each operation a
small node showing the operation's `symbol` from the table (`autograd_lite.ops`); edges run in the
direction data flows, operands into their operation, the operation into its result. Constants
(the 2 in ``2 * x``) are drawn as just their number.

The diagram is DOT text built with the `graphviz` package; `autograd_lite.render` turns it into
SVG or PNG with the system ``dot`` or, failing that, ``graphviz-pure`` from PyPI. `graphviz` is
imported by `draw()` itself, so ``import autograd_lite`` does not pay for it.

Nodes whose `Label` names their groups (`nn` labels every neuron's and layer's nodes so):
``group="neuron"`` or ``group="layer"`` boxes each neuron's or layer's nodes in a cluster,
and ``collapse=True`` draws each such group as a single node. A graph of more than ``max_nodes``
Values (500 by default) raises `DiagramTooLarge` instead of producing an unreadable picture; the
message suggests the grouped view.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .backward import topological_order
from .naming import Group, group_of, node_names, number_formatter, role
from .render import run_dot
from .value import Value

if TYPE_CHECKING:
    import graphviz

#: Fill colour of a node in each state of a backward pass (the stepper's highlighting).
STATE_COLOURS = {"done": "#c8e6c9", "current": "#ffca28", "waiting": "#f5f5f5"}

GROUPS = (None, "neuron", "layer")


class DiagramTooLarge(ValueError):
    """The graph has more nodes than a readable picture can show."""


class Diagram:
    """A graph diagram: DOT text (``.source``), rendered on demand to SVG or PNG.

    In Jupyter it shows itself as SVG. ``graph`` is the underlying `graphviz.Digraph`.
    """

    def __init__(self, graph: graphviz.Digraph, size: int) -> None:
        self.graph = graph
        self.size = size  # nodes drawn, operation nodes not counted

    @property
    def source(self) -> str:
        """The DOT text."""
        return self.graph.source

    def pipe(self, fmt: str = "svg", program: str | None = None) -> bytes:
        """The diagram rendered to `fmt` by `program` ("dot", "graphviz-pure"; default: the first found)."""
        return run_dot(self.source, fmt, program)

    def svg(self, program: str | None = None) -> str:
        """The diagram as SVG text."""
        return self.pipe("svg", program).decode("utf-8")

    def render(self, path: str | os.PathLike, program: str | None = None) -> Path:
        """Write the diagram to `path` in the format its extension names (.svg, .png, .dot, ...)."""
        path = Path(path)
        fmt = path.suffix[1:].lower()
        if not fmt:
            raise ValueError(f"render() needs a file name with an extension naming the format, got {str(path)!r}")
        if fmt in ("dot", "gv"):
            path.write_text(self.source, encoding="utf-8")
        else:
            path.write_bytes(self.pipe(fmt, program))
        return path

    def _repr_svg_(self) -> str:
        return self.svg()

    def __repr__(self) -> str:
        return f"<Diagram of {self.size} nodes: .source (DOT), .svg(), .render('graph.svg' or '.png')>"


def _record(*fields: str) -> str:
    # Record labels treat { } | < > as structure; a label or number containing them is escaped.
    return " | ".join(f.translate(_RECORD_ESCAPES) for f in fields)


_RECORD_ESCAPES = str.maketrans({c: "\\" + c for c in "{}|<>\\\""})


def _groups(order: list[Value], by: str) -> dict[Value, Group]:
    """The group each node belongs to in grouping `by`, as its `Label` says (nodes without one: none)."""
    found: dict[Value, Group] = {}
    for node in order:
        group = group_of(node, by)
        if group is not None:
            found[node] = group
    return found


def draw(root: Value, *, rankdir: str = "LR", number_format: str = ".4f", show_grad: bool = True,
         states: Mapping[Value, str] | None = None, names: Mapping[Value, str] | None = None,
         group: str | None = None, collapse: bool = False, small_constants: bool = True,
         max_nodes: int | None = 500) -> Diagram:
    """The diagram of the graph `root` depends on.

    - ``rankdir``: "LR" (left to right, the default) or "TB" (top to bottom).
    - ``number_format``: a format spec for data and grad (".4f" gives 2.0000, ".3g" gives 2).
    - ``show_grad``: show each node's grad beside its data.
    - ``states``: a state per node, "done", "current" or "waiting" (colours in `STATE_COLOURS`).
    - ``names``: a name per node, else its label, its number (constants), ``L`` for an unlabelled
      root, or a generated ``v1``, ``v2``, ... (as the stepper names them).
    - ``group``: "neuron" or "layer" clusters the nodes of each neuron or layer of an `nn` graph
      (any grouping its nodes' `Label`s name, e.g. "time step" for an `nn.RNN`);
      with ``collapse=True`` each is drawn as one node (for a neuron: its z, a and delta = dL/dz).
    - ``max_nodes``: refuse (`DiagramTooLarge`) graphs of more Values than this; None: no limit.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw() takes a Value, got {type(root).__name__}")
    if rankdir not in ("LR", "TB"):
        raise ValueError(f"draw(rankdir=...) must be 'LR' or 'TB', got {rankdir!r}")
    if group is not None and not isinstance(group, str):
        raise ValueError(f"draw(group=...) takes a grouping's name, e.g. {GROUPS[1:]}, got {group!r}")
    if collapse and group is None:
        raise ValueError("draw(collapse=True) needs group='neuron' or group='layer'")
    if states is not None and not set(states.values()) <= STATE_COLOURS.keys():
        raise ValueError(f"draw(states=...) values must be among {sorted(STATE_COLOURS)}, "
                         f"got {sorted(set(states.values()) - STATE_COLOURS.keys())}")
    num = number_formatter(number_format)
    import graphviz  # here, not at the top: `import autograd_lite` stays free of it

    order = topological_order(root)
    group_of = _groups(order, group) if group else {}
    if group not in GROUPS and not group_of:  # a model's own grouping ("time step"): it must exist
        raise ValueError(f"draw(group={group!r}): no node of this graph is in a group of that name "
                         f"(nn's graphs have {GROUPS[1:]}; an nn.RNN's also 'time step')")
    collapsed: dict[Group, list[Value]] = {}  # each collapsed group's nodes, in order
    if collapse:
        for n in order:
            if n in group_of:
                collapsed.setdefault(group_of[n], []).append(n)
    size = len(order) - sum(map(len, collapsed.values())) + len(collapsed)
    if max_nodes is not None and size > max_nodes:
        grouped_hint = ("draw it grouped, e.g. draw(root, group='layer', collapse=True), or "
                        if not collapse or group == "neuron" else "")
        raise DiagramTooLarge(
            f"the graph has {size} nodes, more than max_nodes={max_nodes}: its picture would be unreadable. "
            f"For a network's graph {grouped_hint}draw the network itself with "
            f"nn.draw_network(model, trace); pass max_nodes=None to draw it anyway.")

    # Names given by the caller win; every other node keeps its default name.
    names = {**node_names(order, root), **(names or {})}
    states = states or {}
    ids = {node: f"n{i}" for i, node in enumerate(order)}
    record_braces = rankdir == "LR"  # a record's fields run across the node in either direction

    g = graphviz.Digraph(graph_attr={"rankdir": rankdir, "nodesep": "0.25", "ranksep": "0.35",
                                     "fontname": "Helvetica"},
                         node_attr={"fontname": "Helvetica", "fontsize": "11"},
                         edge_attr={"arrowsize": "0.6", "color": "#555555"})
    clusters: dict[Group, list[tuple[str, dict]]] = {}
    seen: set[tuple[str, str]] = set()  # edges drawn between collapsed groups

    def add(node_id: str, key: Group | None, **attrs: str) -> None:
        if key is None or collapse:
            g.node(node_id, **attrs)
        else:
            clusters.setdefault(key, []).append((node_id, attrs))

    def rep(node: Value) -> str:
        """The diagram node standing for `node` (its group's node when collapsed)."""
        return _group_id(group_of[node]) if collapse and node in group_of else ids[node]

    for node in order:
        key = group_of.get(node)
        if not (collapse and key is not None):
            if node.is_constant and small_constants:  # just its number, as the stepper names it
                attrs = {"shape": "plaintext", "label": names[node], "fontsize": "9",
                         "fontcolor": "#555555", "height": "0.2", "width": "0.2", "margin": "0.02"}
            else:
                fields = [names[node], f"data {num(node.data)}"] + ([f"grad {num(node.grad)}"] * show_grad)
                label = _record(*fields)
                attrs = {"shape": "record", "label": "{ " + label + " }" if record_braces else label}
                state = states.get(node)
                if state is not None:
                    attrs.update(style="filled", fillcolor=STATE_COLOURS[state], **{"class": f"value {state}"})
            add(ids[node], key, **attrs)
        if node.is_leaf:
            continue
        into = rep(node)
        if not (collapse and key is not None):
            add(ids[node] + "_op", key, label=node.operation.symbol or node.op, shape="ellipse", fontsize="10",
                height="0.3", width="0.3", margin="0.02", style="filled", fillcolor="#e3f2fd")
            g.edge(ids[node] + "_op", into)
            into = ids[node] + "_op"
        for p in node.parents:
            source = rep(p)
            inside = collapse and key is not None and group_of.get(p) == key
            if inside or (collapse and (source, into) in seen):
                continue  # an edge inside a collapsed group, or a repeat between two groups
            seen.add((source, into))
            g.edge(source, into)

    for key, members in clusters.items():
        with g.subgraph(name="cluster_" + _group_id(key)) as c:
            c.attr(label=key.title, style="rounded", color="#90a4ae", fontsize="10")
            for node_id, attrs in members:
                c.node(node_id, **attrs)
    for key, members in collapsed.items():
        g.node(_group_id(key), shape="record", style="rounded,filled", fillcolor="#fff8e1",
               label=_collapsed_label(key, group, members, num, show_grad, record_braces))
    return Diagram(g, size)


def _group_id(group: Group) -> str:
    return "g" + "_".join(map(str, group.key))


def _collapsed_label(group: Group, grouping: str, members: list[Value], num, show_grad: bool,
                     record_braces: bool) -> str:
    """A collapsed group's record: a neuron's z, a and delta = dL/dz; a layer's size."""
    fields = [group.title]
    by_role = {role(node): node for node in members}
    if grouping == "neuron":
        z, a = by_role.get("z"), by_role.get("a", by_role.get("z"))  # a linear neuron's a is z
        fields += [f"z {num(z.data)}"] if z is not None else []
        fields += [f"a {num(a.data)}"] if a is not None else []
        fields += [f"delta {num(z.grad)}"] if z is not None and show_grad else []
    else:
        inputs = "input" in by_role
        count = sum(role(n) == ("input" if inputs else "z") for n in members)
        fields.append(f"{count} {'input' if inputs else 'neuron'}{'s' * (count != 1)}")
    label = _record(*fields)
    return "{ " + label + " }" if record_braces else label
