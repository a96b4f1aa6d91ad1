"""Diagrams of computation graphs: `draw(root)` and the `Diagram` it returns.

Each Value is a box of cells showing its name, data and grad (micrograd's look); each operation a
small node showing its formula in its operands' names (``v1 - x``, ``x^2``, a neuron's
``w[1]_21*a[0]_1 + w[1]_22*a[0]_2 + b[1]_2``, from the table's `describe`, `autograd_lite.ops`),
so operand order and which weight multiplies which input can be read off; a one-operand operation
shows just its `symbol` (``tanh``). Edges run in the direction data flows, operands into their
operation, the operation into its result. Constants (the 2 in ``2 * x``) are drawn as just their
number.

The diagram is DOT text built with the `graphviz` package; `autograd_lite.render` turns it into
SVG or PNG with the system ``dot`` or, failing that, ``graphviz-pure`` from PyPI. `graphviz` is
imported by `draw()` itself, so ``import autograd_lite`` does not pay for it.

Nodes whose `Label` names their groups (`nn` labels every neuron's and layer's nodes so):
``group="neuron"`` or ``group="layer"`` boxes each neuron's or layer's nodes in a cluster,
and ``collapse=True`` draws each such group as a single node. Groups are drawn in the order of
their `Group.key` (neuron 1 of a layer on top), and every node's out-edges in the order of their
heads' keys and `Label.index` (the engine never reads label text). Leaves that feed one operation
and nothing else (a neuron's weights and bias) stack in the order the operation names them: w_j1,
..., w_jn, then b, top to bottom (left to right when ``rankdir="TB"``).

Dot orders the nodes of a rank only to cross fewer edges, and a layer's neurons, each fed by every
input, cross as many in any order; so the order is built in. The stacks of a layer's neurons join
end to end (w_11, ..., b_1, w_21, ..., b_2, ...) and a network's inputs stack too, in index order
(`_stacks`); sibling clusters (the neurons of a layer) are drawn inside an invisible cluster of
their own, held in index order by invisible edges (`_families`). Both renderers keep that order
for MLPs of 1 to 11 inputs and 1 to 3 hidden layers of 1 to 16 neurons, in every grouping.

When collapsed, each dense block of edges (m sources each feeding the same n groups, as a layer
feeds the next) is drawn through one small "m × n, all pairs" node. A graph of more than
``max_nodes`` Values (500 by default) raises `DiagramTooLarge` instead of producing an unreadable
picture; the message suggests the grouped view.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .backward import topological_order
from .escape import dot_html_text, dot_record, dot_text
from .naming import NUMBER_FORMAT, Group, Label, group_of, node_names, number_formatter, role
from .render import TIMEOUT, run_dot
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

    In Jupyter it shows itself as SVG. ``graph`` is the underlying `graphviz.Digraph`. Rendering is
    stopped after ``timeout`` seconds (default `autograd_lite.render.TIMEOUT`; None: never).
    """

    def __init__(self, graph: graphviz.Digraph, size: int) -> None:
        self.graph = graph
        self.size = size  # nodes drawn, operation nodes not counted

    @property
    def source(self) -> str:
        """The DOT text."""
        return self.graph.source

    def pipe(self, fmt: str = "svg", program: str | None = None, *, dpi: float | None = None,
             timeout: float | None = TIMEOUT) -> bytes:
        """The diagram rendered to `fmt` by `program` ("dot", "graphviz-pure"; default: the first found);
        ``dpi``: resolution of a raster format (default `autograd_lite.render.RASTER_DPI`)."""
        return run_dot(self.source, fmt, program, dpi=dpi, timeout=timeout)

    def svg(self, program: str | None = None, *, timeout: float | None = TIMEOUT) -> str:
        """The diagram as SVG text."""
        return self.pipe("svg", program, timeout=timeout).decode("utf-8")

    def render(self, path: str | os.PathLike, program: str | None = None, *, dpi: float | None = None,
               timeout: float | None = TIMEOUT) -> Path:
        """Write the diagram to `path` in the format its extension names (.svg, .png, .dot, ...);
        ``dpi`` sets a PNG's resolution (default `autograd_lite.render.RASTER_DPI`)."""
        path = Path(path)
        fmt = path.suffix[1:].lower()
        if not fmt:
            raise ValueError(f"render() needs a file name with an extension naming the format, got {str(path)!r}")
        if fmt in ("dot", "gv"):
            path.write_text(self.source, encoding="utf-8")
        else:
            path.write_bytes(self.pipe(fmt, program, dpi=dpi, timeout=timeout))
        return path

    def _repr_svg_(self) -> str:
        return self.svg()

    def __repr__(self) -> str:
        return f"<Diagram of {self.size} nodes: .source (DOT), .svg(), .render('graph.svg' or '.png')>"


def _groups(order: list[Value], by: str) -> dict[Value, Group]:
    """The group each node belongs to in grouping `by`, as its `Label` says (nodes without one: none)."""
    found: dict[Value, Group] = {}
    for node in order:
        group = group_of(node, by)
        if group is not None:
            found[node] = group
    return found


def draw(root: Value, *, rankdir: str = "LR", number_format: str = NUMBER_FORMAT, show_grad: bool = True,
         states: Mapping[Value, str] | None = None, names: Mapping[Value, str] | None = None,
         group: str | None = None, collapse: bool = False, small_constants: bool = True,
         formulas: bool = True, title: str | None = None, max_nodes: int | None = 500) -> Diagram:
    """The diagram of the graph `root` depends on (rendered with `Diagram.svg`, ``.render(path,
    dpi=..., timeout=...)``; every label and name shown as its text, see `autograd_lite.escape`).

    - ``rankdir``: "LR" (left to right, the default) or "TB" (top to bottom).
    - ``number_format``: a format spec for data, grad and constants (the default ".4g" gives 2, 0.25,
      -1.3, 1.235e+04, as the stepper prints them; ".4f" gives 2.0000); -0 is written 0.
    - ``show_grad``: show each node's grad beside its data.
    - ``states``: a state per node, "done", "current" or "waiting" (colours in `STATE_COLOURS`).
    - ``names``: a name per node, else its label, its number (constants), ``L`` for an unlabelled
      root, or a generated ``v1``, ``v2``, ... (as the stepper names them).
    - ``group``: "neuron" or "layer" clusters the nodes of each neuron or layer of an `nn` graph
      (any grouping its nodes' `Label`s name, e.g. "time step" for an `nn.RNN`);
      with ``collapse=True`` each is drawn as one node (for a neuron: its z, a and delta = dL/dz).
    - ``formulas``: write each operation of two or more operands as its formula in its operands'
      names (wrapped to lines of about 40 characters); False: just its symbol (``Σ``, ``-``).
    - ``title``: a title over the picture (lines split at newlines).
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
    if title is not None and not isinstance(title, str):
        raise TypeError(f"draw(title=...) must be a str, got {type(title).__name__}")
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
    names = {**node_names(order, root, number_format), **(names or {})}
    states = states or {}
    ids = {node: f"n{i}" for i, node in enumerate(order)}
    record_braces = rankdir == "LR"  # a record's fields run across the node in either direction
    clustered = bool(group_of) and not collapse

    # remincross=false: dot's second crossing minimisation, run over the whole graph once clusters
    # are laid out, ignores the same-rank edges inside a cluster that keep a stack in order, and
    # rotates boxes it sees as tied (w2, ..., wn, w1); the first one, cluster by cluster, keeps them.
    g = graphviz.Digraph(graph_attr={"rankdir": rankdir, "nodesep": "0.25", "ranksep": "0.35",
                                     "fontname": "Helvetica", "ordering": "out",
                                     **({"remincross": "false"} if clustered else {}),
                                     **({"label": dot_text(*title.split("\n")), "labelloc": "t", "fontsize": "12"}
                                        if title else {})},
                         node_attr={"fontname": "Helvetica", "fontsize": "11"},
                         edge_attr={"arrowsize": "0.6", "color": "#555555"})
    clusters: dict[Group, list[tuple[str, dict]]] = {}
    edges: dict[tuple[str, str], None] = {}  # (from, to) in drawing order, each once

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
                attrs = {"shape": "plaintext", "label": dot_text(names[node]), "fontsize": "9",
                         "fontcolor": "#555555", "height": "0.2", "width": "0.2", "margin": "0.02"}
            else:
                fields = [names[node], f"data {num(node.data)}"] + ([f"grad {num(node.grad)}"] * show_grad)
                attrs = {"shape": "plain", "label": _cells(fields)}
                state = states.get(node)
                if state is not None:
                    attrs.update(style="filled", fillcolor=STATE_COLOURS[state], **{"class": f"value {state}"})
            add(ids[node], key, **attrs)
        if node.is_leaf:
            continue
        into = rep(node)
        if not (collapse and key is not None):
            formula = _formula(node, names) if formulas and len(node.parents) > 1 else None
            shape = ({"shape": "box", "style": "rounded,filled", "margin": "0.04,0.02"} if formula else
                     {"shape": "ellipse", "style": "filled", "margin": "0.02", "width": "0.3"})
            label = dot_text(*formula) if formula else dot_text(node.operation.symbol or node.op)
            add(ids[node] + "_op", key, label=label, fontsize="10", height="0.3", fillcolor="#e3f2fd", **shape)
            edges[ids[node] + "_op", into] = None
            into = ids[node] + "_op"
        for p in node.parents:
            if not (collapse and key is not None and group_of.get(p) == key):  # not inside a collapsed group
                edges[rep(p), into] = None

    stacks = _stacks(order, group_of, collapse, ids)
    # Groups and their nodes in the order of their indices (Group.key, Label.index); each node's
    # out-edges too, in the order of their heads, which graph attribute ordering=out makes dot keep.
    place = {ids[n] + suffix: (group_of[n].key if n in group_of else (), _index(n), i)
             for i, n in enumerate(order) for suffix in ("", "_op")}
    place.update({_group_id(k): (k.key, (), 0) for k in collapsed})

    def cluster(parent: graphviz.Digraph, key: Group) -> None:
        with parent.subgraph(name="cluster_" + _group_id(key)) as c:
            c.attr(label=dot_text(key.title), style="rounded", color="#90a4ae", fontsize="10")
            for node_id, attrs in sorted(clusters[key], key=lambda member: place[member[0]]):
                c.node(node_id, **attrs)
            _stack_in_order(c, stacks.pop(key, []), backwards=rankdir == "LR")

    # Sibling clusters (the neurons of a layer) inside an invisible cluster, with a rail of invisible
    # points after them and invisible "stair" edges between them that make the order of their keys
    # the one crossing fewest edges: see `_families`.
    families = {family.keys[0]: family for family in _families(order, group_of, ids)} if clustered else {}
    in_family = {key for family in families.values() for key in family.keys}
    for key in sorted(clusters, key=lambda k: k.key):
        if key in families:
            family = families[key]
            with g.subgraph(name="cluster_f" + "_".join(map(str, key.key[:-1]))) as f:
                f.attr(label="", style="invis", margin="0")
                for member in family.keys:
                    cluster(f, member)
                rail = [_group_id(member) + "_rail" for member in family.keys]
                for node_id in rail:
                    f.node(node_id, label="", shape="point", style="invis", width="0", height="0")
                for last, node_id in zip(family.lasts, rail):
                    f.edge(last, node_id, style="invis")
                _stack_in_order(f, [rail], backwards=rankdir == "LR")
        elif key not in in_family:
            cluster(g, key)
    _stack_in_order(g, stacks.pop(None, []), backwards=False)
    for key in sorted(collapsed, key=lambda k: k.key):
        g.node(_group_id(key), shape="record", style="rounded,filled", fillcolor="#fff8e1",
               label=_collapsed_label(key, group, collapsed[key], num, show_grad, record_braces))
    edges = sorted(edges, key=lambda edge: place[edge[1]])  # stable: an operation's operands stay in order
    if collapse:
        edges = _bundled(g, edges, {_group_id(k) for k in collapsed})
    for tail, head in edges:
        g.edge(tail, head)
    for family in families.values():
        for tail, head in zip(family.firsts, family.firsts[1:]):
            g.edge(tail + "_op", head, style="invis", weight="0")
    return Diagram(g, size)


def _cells(fields: list[str]) -> str:
    """A value's box: `fields` side by side in cells, each shown as its text, as large as the record
    node it replaces (cell padding 7 points; 37 points high, Graphviz's minimum node height of half
    an inch and the border). An HTML-like label, not a record: dot cannot route the same-rank edges
    that order a stack (`_stack_in_order`) between record nodes ("lost edge")."""
    first, *rest = map(dot_html_text, fields)
    cells = f'<TD HEIGHT="37">{first}</TD>' + "".join(f"<TD>{text}</TD>" for text in rest)
    return f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="7"><TR>{cells}</TR></TABLE>>'


def _stacks(order: list[Value], group_of: Mapping[Value, Group], collapse: bool,
            ids: Mapping[Value, str]) -> dict[Group | None, list[list[str]]]:
    """Per cluster (None: outside any), the stacks to keep in order: for each drawn operation, its
    leaf operands (two or more) in its own cluster that feed nothing else, in operand order (for a
    neuron's weighted sum: w_j1, ..., w_jn, b). Each such leaf sits in the rank just before its
    operation anyway; a leaf that feeds other operations too (an RNN's shared weight) is left
    where dot puts it, as is one in another cluster (an edge in one rank stays in one cluster).

    Siblings in one cluster (`_sibling_key`: the z[l]_j of layer l) share one stack, in index
    order: their operations' stacks end to end (w_11, ..., b_1, w_21, ..., b_2, ...), which puts the
    neurons of a layer cluster, or of a graph drawn without clusters, in index order; sibling leaves
    that no operation stacks (a network's inputs a[0]_k) make one stack too. Without it dot places
    them as it likes: every input feeds every neuron, so no order crosses fewer edges than another."""
    consumers: dict[Value, int] = {}
    for node in order:
        for p in dict.fromkeys(node.parents):
            consumers[p] = consumers.get(p, 0) + 1
    joined: dict[tuple[Group | None, object], list[tuple[tuple[int, ...], list[str]]]] = {}
    stacked: set[Value] = set()
    for node in order:
        key = group_of.get(node)
        if node.is_leaf or (collapse and key is not None):
            continue
        stack = [p for p in dict.fromkeys(node.parents)
                 if p.is_leaf and consumers[p] == 1 and group_of.get(p) == key]
        if len(stack) > 1:
            stacked.update(stack)
            joined.setdefault((key, _sibling_key(node) or node), []).append((_index(node), [ids[p] for p in stack]))
    for node in order:
        key = group_of.get(node)
        if (node.is_leaf and not node.is_constant and node not in stacked and _sibling_key(node) is not None
                and not (collapse and key is not None)):
            joined.setdefault((key, _sibling_key(node)), []).append((_index(node), [ids[node]]))
    stacks: dict[Group | None, list[list[str]]] = {}
    for (key, _), parts in joined.items():
        stack = [node_id for _, part in sorted(parts, key=lambda part: part[0]) for node_id in part]
        if len(stack) > 1:
            stacks.setdefault(key, []).append(stack)
    return stacks


def _sibling_key(node: Value) -> tuple[str, tuple[int, ...]] | None:
    """What `node` shares with its siblings: its role and its indices but the last (z[1]_1, z[1]_2,
    ... share ("z", (1,)); a[0]_1, a[0]_2, ... share ("input", (0,))); None without two indices."""
    index = _index(node)
    return (role(node), index[:-1]) if len(index) > 1 else None


class _Family(NamedTuple):
    """Sibling clusters, in the order of their keys, with the ids of each one's first and last
    computed nodes (a neuron's z and a)."""

    keys: list[Group]
    firsts: list[str]
    lasts: list[str]


def _families(order: list[Value], group_of: Mapping[Value, Group], ids: Mapping[Value, str]) -> list[_Family]:
    """The sibling clusters to keep in the order of their keys: groups whose keys differ in the last
    place only (the neurons (l, 1), (l, 2), ... of layer l), two or more, each with a computed node.

    Dot orders clusters only to cross fewer edges, and siblings fed alike (every input into every
    neuron) cross as many in any order: it keeps the last of the equally good orders it tried
    (neurons 2, 3, 1 of layer 1; inputs or the next layer's neurons drawn between them). `draw`
    makes the index order the one that crosses fewest edges. Each family is drawn inside an
    invisible cluster of its own, so nothing else comes between its clusters. An invisible edge
    from the operation of each one's first computed node to the first computed node of the next (a
    "stair", one rank on) crosses every cluster drawn between the two, which leaves the index
    order and its reverse the only ones free of crossings. An invisible "rail" of points in the
    rank after the family, one fed by each cluster's last computed node and kept in order by
    same-rank edges as a stack is (dot never swaps those), picks the index order of the two: dot
    2.43 and Graphviz 16 (graphviz-pure) start a cluster's contents from opposite ends. Of 240 MLP
    shapes, graphviz-pure drew 216 with a family reversed without the rail, and 60 with one out of
    order without the stairs; with both, neither renderer draws any out of order."""
    first: dict[Group, str] = {}
    last: dict[Group, str] = {}
    for node in order:
        key = group_of.get(node)
        if key is not None and len(key.key) > 1 and not node.is_leaf:
            first.setdefault(key, ids[node])
            last[key] = ids[node]
    siblings: dict[tuple[int, ...], list[Group]] = {}
    for key in sorted(first, key=lambda k: k.key):
        siblings.setdefault(key.key[:-1], []).append(key)
    return [_Family(keys, [first[k] for k in keys], [last[k] for k in keys])
            for keys in siblings.values() if len(keys) > 1]


def _stack_in_order(g: graphviz.Digraph, stacks: list[list[str]], backwards: bool) -> None:
    """Keep each stack's boxes in one rank, in order, by invisible same-rank edges: dot puts such an
    edge's tail before its head (left of it; above it once ``rankdir=LR`` turns the picture).
    Inside a cluster under ``rankdir=LR`` it puts the tail below the head instead (dot and
    graphviz-pure turn the top level's rank order over, not a cluster's): there ``backwards``
    draws the edges from the last box to the first."""
    for stack in stacks:
        with g.subgraph() as s:
            s.attr(rank="same")
            for tail, head in zip(stack[1:], stack) if backwards else zip(stack, stack[1:]):
                s.edge(tail, head, style="invis")


def _index(node: Value) -> tuple[int, ...]:
    return node.label.index if isinstance(node.label, Label) else ()  # (a plain str has .index too)


def _bundled(g: graphviz.Digraph, edges: list[tuple[str, str]], groups: set[str]) -> list[tuple[str, str]]:
    """`edges`, with each dense block -- each of m sources feeding each of n collapsed groups, as layer
    feeds layer -- drawn through one small node: m + n edges instead of m n, when that is under half."""
    sources: dict[str, list[str]] = {}
    for tail, head in edges:
        if head in groups:
            sources.setdefault(head, []).append(tail)
    blocks: dict[tuple[str, ...], list[str]] = {}
    for head, tails in sources.items():
        blocks.setdefault(tuple(tails), []).append(head)
    bundled = set()
    for i, (tails, heads) in enumerate(blocks.items()):
        if len(tails) * len(heads) > 2 * (len(tails) + len(heads)):
            hub = f"bundle{i}"
            g.node(hub, label=dot_text(f"{len(tails)} × {len(heads)}", "all pairs"), shape="box",
                   style="rounded,filled", fillcolor="#eceff1", color="#90a4ae", fontsize="8",
                   height="0.2", width="0.2", margin="0.03,0.01")
            bundled.update((tail, head) for tail in tails for head in heads)
            edges = edges + [(tail, hub) for tail in tails] + [(hub, head) for head in heads]
    return [edge for edge in edges if edge not in bundled]


def _formula(node: Value, names: Mapping[Value, str]) -> list[str]:
    """`node`'s formula in its operands' names (the table's `describe`), as lines of about 40 characters."""
    formula, _ = node.operation.describe([names[p] for p in node.parents], names[node])
    return textwrap.wrap(formula, 40, break_long_words=False, break_on_hyphens=False) or [formula]


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
    return dot_record(*fields, braces=record_braces)
