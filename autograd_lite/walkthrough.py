"""Watch backpropagation in the browser: `walkthrough(root)` records a graph's forward and backward
pass and `Walkthrough.save(path)` writes them as ONE self-contained interactive HTML page.

The page does no mathematics: Python records everything it shows.

- The **forward pass**: each interior node in topological order, with its formula (from the
  operation table's ``describe``), its operands' values and its value.
- The **backward pass**, recorded by running a `BackwardStepper` on the graph itself -- so by
  `autograd_lite.backward.chain_rule_step`, the code ``backward()`` runs -- one step per interior
  node from the root down. Each step: the node, its gradient dL/dnode, and for each operand
  the local derivative d node/d operand, the contribution dL/dnode * d node/d operand and the
  operand's grad before and after the ``+=``. After the last step every grad is ``backward()``'s,
  bit for bit.

Numbers are recorded as strings: ``repr`` (exact: it reads back as the same float, nan and inf
included, which JSON has no numbers for) and the display format. The graph's grads are restored
when the recording is done: making a walkthrough leaves the graph as it found it.

Nodes whose `Label` names groups (`nn` labels each neuron's and layer's nodes) can be stepped a
group at a time ("neuron", "layer"), and a graph with neurons also gets a network view. A graph of
more than ``max_steps`` steps is stepped by group only; one of more than ``max_graph_nodes`` nodes
gets no graph picture (the network view and the step texts remain).
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .backward import topological_order
from .escape import html_lines, script_json
from .naming import NUMBER_FORMAT, Label, grad_name, number_formatter, role
from .render import RenderError
from .stepper import BackwardStepper
from .value import Value

_ASSETS = Path(__file__).with_name("walkthrough_assets")

#: The groupings stepped first when a graph's labels name them (others follow, sorted by name).
PREFERRED_GROUPINGS = ("neuron", "layer")


def _exact(x: float) -> str:
    # repr reads back as the same float; nan, inf and -inf are spelled as Python spells them.
    return repr(float(x))


def walkthrough(root: Value, *, max_steps: int | None = 200, granularity: str | None = None,
                number_format: str = NUMBER_FORMAT, grad: float = 1.0, fresh: bool = True,
                max_graph_nodes: int | None = 150, title: str | None = None) -> Walkthrough:
    """Record the forward and backward pass of the graph `root` depends on, for an interactive page.

    - ``max_steps``: step per node only when the backward pass has at most this many steps
      (None: always); beyond it the page steps by neuron or layer, and says so.
    - ``granularity``: the stepping the page starts with, "node" or a grouping the nodes'
      labels name ("neuron", "layer", ...); default: "node" when allowed, else the first grouping.
    - ``number_format``: the format spec of the numbers shown (the exact value is a click away).
    - ``grad``: dL/droot, the seed (as ``root.backward(grad)``).
    - ``fresh``: leaves start from grad 0 (the pass of a freshly built graph); False: they start
      from what they hold and accumulate, as a second ``backward()`` would.
    - ``max_graph_nodes``: draw the graph picture only up to this many nodes (None: always).
    - ``title``: the page's title (default: "The backward pass of <root>").
    """
    if not isinstance(root, Value):
        raise TypeError(f"walkthrough() takes a Value, got {type(root).__name__}")
    for name, limit in (("max_steps", max_steps), ("max_graph_nodes", max_graph_nodes)):
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
            raise ValueError(f"walkthrough({name}=...) takes a count >= 0 or None, got {limit!r}")
    num = number_formatter(number_format)
    if title is not None and not isinstance(title, str):
        raise TypeError(f"walkthrough(title=...) takes a str, got {type(title).__name__}")

    order = topological_order(root)  # before the stepper: starting the pass changes grads
    saved = [(n, n.grad) for n in order]
    try:
        if fresh:
            for n in order:
                if n.is_leaf:
                    n.grad = 0.0
        stepper = BackwardStepper(root, grad, number_format=number_format)
        record = _Recorder(stepper, num).record()
        svg, svg_note = _graph_svg(root, stepper, number_format, max_graph_nodes)
    finally:
        for n, g in saved:  # the graph as we found it
            n.grad = g
    record["title"] = title if title is not None else f"The backward pass of {stepper.names[root]}"
    record["number_format"] = number_format
    _choose_granularities(record, max_steps, granularity)
    record["graph_note"] = svg_note
    record["start_sentence"] = (f"Start: the leaves are given; step forward to compute the graph, "
                                f"then backward to find every gradient of {stepper.names[root]}.")
    record["network"], network_svg = _network_view(record)
    return Walkthrough(record, svg, network_svg)


class _Recorder:
    """Runs `stepper` to the end, writing down each forward and backward step in page form."""

    def __init__(self, stepper: BackwardStepper, num: Callable[[float], str]) -> None:
        self.stepper = stepper
        self.nodes = stepper.nodes
        self.index = {node: i for i, node in enumerate(self.nodes)}
        self.names = stepper.names
        self.fmt = num

    def num(self, x: float) -> list[str]:
        """[exact, shown]: the page shows the second, and the first on asking."""
        return [_exact(x), self.fmt(x)]

    def record(self) -> dict[str, Any]:
        s, names, idx = self.stepper, self.names, self.index
        root_name = names[s.root]
        interior = [n for n in self.nodes if not n.is_leaf]
        forward_at = {n: k for k, n in enumerate(interior, start=1)}  # leaves: 0, known from the start
        forward = [self._forward(i + 1, len(interior), n) for i, n in enumerate(interior)]
        initial = [self.num(n.grad) for n in self.nodes]  # after start_backward_pass: interior 0, root seeded
        backward = []
        while not s.done:
            step = s.step()
            backward.append(self._backward(step, root_name))
        stepped_at = {step.node: step.index for step in s.steps}
        consumers: dict[Value, list[Value]] = {}
        for n in self.nodes:
            for p in n.parents:
                consumers.setdefault(p, []).append(n)
        nodes = []
        for i, n in enumerate(self.nodes):
            label = n.label if isinstance(n.label, Label) else Label(n.label or "")
            nodes.append({
                "name": names[n], "op": n.op,
                "leaf": n.is_leaf, "const": n.is_constant, "role": role(n),
                "grad_name": label.grad_name or f"d{root_name}/d{names[n]}",
                "index": list(label.index),
                "groups": {k: [list(g.key), g.title] for k, g in label.groups.items()},
                "parents": [idx[p] for p in n.parents],
                "data": self.num(n.data),
                "forward": forward_at.get(n, 0),
                "backward": stepped_at.get(n, 0),
                # the backward step after which this grad is final: its last consumer's (root: 0)
                "final_at": max((stepped_at[c] for c in consumers.get(n, ())), default=0),
                "initial_grad": initial[i],
                "grad": self.num(n.grad),
            })
        return {"root": idx[s.root], "nodes": nodes, "forward": forward, "backward": backward}

    def _forward(self, k: int, total: int, node: Value) -> dict[str, Any]:
        names = self.names
        name = names[node]
        formula, _ = node.operation.describe([names[p] for p in node.parents], name)
        value = self.fmt(node.data)
        operands = [{"node": self.index[p], "value": self.num(p.data)} for p in node.parents if not p.is_constant]
        lines = [f"forward step {k} of {total}: {name} = {formula} = {value}"]
        lines += [f"  {names[p]} = {self.fmt(p.data)}" for p in node.parents if not p.is_constant]
        return {"node": self.index[node], "formula": f"{name} = {formula}", "value": self.num(node.data),
                "operands": operands, "lines": lines, "sentence": f"{name} = {formula} = {value}"}

    def _backward(self, step: Any, root_name: str) -> dict[str, Any]:
        node, names = step.node, self.names
        g = node.grad
        _, local_texts = node.operation.describe([names[p] for p in node.parents], names[node])
        running: dict[Value, float] = {}
        operands = []
        for parent, was, d, d_text in zip(node.parents, step.before, step.local, local_texts):
            contribution = d * g
            previous = running.get(parent, was)
            running[parent] = previous + contribution  # as chain_rule_step adds it
            operands.append({"node": self.index[parent], "local_text": d_text, "local": self.num(d),
                             "contribution": self.num(contribution), "before": self.num(previous),
                             "after": self.num(running[parent]), "const": parent.is_constant})
        # the grads the graph holds after the step: what the page shows from here on
        after = [[self.index[p], self.num(p.grad)] for p in dict.fromkeys(node.parents)]
        shown = [names[p] for p in dict.fromkeys(node.parents) if not p.is_constant]
        called = grad_name(node) or f"d{root_name}/d{names[node]}"
        if len(shown) > 4:  # one sentence is read out per step: name a few
            shown = [*shown[:3], f"{len(shown) - 3} more"]
        sentence = f"{called} = {self.fmt(g)} passes to {', '.join(shown) or 'constants only'}"
        return {"node": self.index[node], "grad": self.num(g), "operands": operands, "after": after,
                "lines": step.text.splitlines(), "sentence": sentence}


def _choose_granularities(record: dict[str, Any], max_steps: int | None, granularity: str | None) -> None:
    """The ways to step the page offers (each a list of moments) and the one it starts with."""
    nodes, forward, backward = record["nodes"], record["forward"], record["backward"]
    groupings = {name for step in backward for name in nodes[step["node"]]["groups"]}
    names = [g for g in PREFERRED_GROUPINGS if g in groupings] + sorted(groupings - set(PREFERRED_GROUPINGS))
    steps = len(backward)
    per_node = max_steps is None or steps <= max_steps
    offered = (["node"] if per_node else []) + names
    if not offered:
        raise ValueError(f"the backward pass has {steps} steps, more than max_steps={max_steps}, and no node's label "
                         f"names a group (neuron, layer, ...) to step by: pass max_steps={steps} or None")
    if granularity is None:
        granularity = offered[0]
    elif granularity not in offered:
        why = (f" (the backward pass has {steps} steps, more than max_steps={max_steps})"
               if granularity == "node" else "")
        raise ValueError(f"walkthrough(granularity=...) must be one of {offered}{why}, got {granularity!r}")
    record["message"] = ("" if per_node else
                         f"This graph's backward pass has {steps} steps, more than max_steps={max_steps}: it is "
                         f"stepped by {' or '.join(names)}. walkthrough(root, max_steps={steps}) steps it node "
                         f"by node.")
    record["granularity"] = granularity
    record["moments"] = {g: _moments(nodes, forward, backward, None if g == "node" else g) for g in offered}


def _moments(nodes: list[dict], forward: list[dict], backward: list[dict], grouping: str | None) -> list[dict]:
    """The moments of the page's timeline when stepping by `grouping` (None: one per node step).

    A moment covers consecutive steps of one group (a node outside every group is a moment of its
    own); ``start``/``end`` are positions on the node-step timeline, 1..F forward then F+1..F+B.
    """
    moments: list[dict] = []
    for phase, steps, offset in (("forward", forward, 0), ("backward", backward, len(forward))):
        runs: list[tuple[Any, list[int]]] = []
        for k, step in enumerate(steps, start=offset + 1):
            group = nodes[step["node"]]["groups"].get(grouping) if grouping else None
            if group is not None and runs and runs[-1][0] == group:
                runs[-1][1].append(k)
            else:
                runs.append((group, [k]))
        for group, ks in runs:
            moments.append({"phase": phase, "start": ks[0], "end": ks[-1],
                            "title": group[1] if group else nodes[steps[ks[0] - offset - 1]["node"]]["name"],
                            "parts": [steps[k - offset - 1]["sentence"] for k in ks]})
    total = len(moments)
    for k, m in enumerate(moments, start=1):
        parts = m.pop("parts")
        shown = parts if len(parts) <= 4 else [*parts[:3], f"and {len(parts) - 3} more"]
        head = f"{m['phase'].capitalize()} pass, step {k} of {total}: "
        head += f"{m['title']}: " if len(parts) > 1 else ""
        m["sentence"] = head + "; ".join(shown) + "."
        if k == total and m["phase"] == "backward":
            m["sentence"] += " The backward pass is finished: every gradient is final."
    return moments


def _graph_svg(root: Value, stepper: BackwardStepper, number_format: str,
               max_graph_nodes: int | None) -> tuple[str | None, str]:
    """The graph picture (final values and grads, for a page without JavaScript), or why there is none."""
    from .draw import DiagramTooLarge, draw

    size = len(stepper.nodes)
    if max_graph_nodes is not None and size > max_graph_nodes:
        return None, (f"The graph has {size} nodes, more than max_graph_nodes={max_graph_nodes}: its picture "
                      f"would be unreadable, so it is left out (walkthrough(root, max_graph_nodes={size}) "
                      f"draws it).")
    try:
        svg = draw(root, names=stepper.names, number_format=number_format, max_nodes=None).svg()
    except (RenderError, DiagramTooLarge) as e:
        return None, f"The graph picture could not be drawn: {e}"
    return _clean_svg(svg), ""


def _clean_svg(svg: str) -> str:
    """The <svg> element alone (no XML prolog, doctype or comments: it goes inside HTML)."""
    svg = svg[svg.index("<svg"):]
    return re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)


def _network_view(record: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """The network view of a graph whose nodes name their neurons (layers as columns, neurons as
    circles): its layout for the page's script and its SVG; (None, None) for other graphs.

    The script fills in a and delta, finding neuron k by its ``data-neuron="k"``. A neuron's a is
    its "a" node (its "z" node when linear); an input is a neuron of layer 0 whose a is the input.
    """
    nodes = record["nodes"]
    neurons: dict[tuple, dict] = {}
    for i, n in enumerate(nodes):
        neuron = n["groups"].get("neuron")
        if n["role"] == "input" and len(n["index"]) >= 2:
            key, title = (0, n["index"][1]), n["name"]
        elif neuron is not None and n["role"] in ("z", "a"):
            key, title = tuple(neuron[0]), neuron[1]
        else:
            continue
        entry = neurons.setdefault(key, {"key": list(key), "title": title, "nodes": [], "z": None, "a": None})
        entry["nodes"].append(i)
        entry["z" if n["role"] == "z" else "a"] = i
    for entry in neurons.values():
        if entry["a"] is None:  # a linear neuron: a is z
            entry["a"] = entry["z"]
    if not any(k[0] > 0 for k in neurons):
        return None, None
    root = record["root"]
    in_neuron = {i for entry in neurons.values() for i in entry["nodes"]}
    if root not in in_neuron:  # the loss: one more column, holding the nodes after the network
        last = max(k[0] for k in neurons)
        after = [i for i, n in enumerate(nodes) if not n["leaf"] and i not in in_neuron and "neuron" not in n["groups"]]
        neurons[(last + 1, 1)] = {"key": [last + 1, 1], "title": f"the loss {nodes[root]['name']}", "nodes": after,
                                  "z": None, "a": root, "loss": True}
    keys = sorted(neurons)
    number = {k: i for i, k in enumerate(keys)}
    of_node = {}
    for k in keys:
        for i in neurons[k]["nodes"]:
            of_node[i] = number[k]
    # every node of a neuron's group (w, b, z, a) selects it; inputs are their own neuron
    for i, n in enumerate(nodes):
        neuron = n["groups"].get("neuron")
        if neuron is not None and tuple(neuron[0]) in number:
            of_node.setdefault(i, number[tuple(neuron[0])])
    edges = []
    for k in keys:
        if neurons[k].get("loss"):
            edges += [(number[q], number[k]) for q in keys if q[0] == k[0] - 1]
            continue
        z = neurons[k]["z"]
        if z is None:
            continue
        for p in nodes[z]["parents"]:
            q = of_node.get(p)
            if q is not None and p == neurons[keys[q]]["a"]:
                edges.append((q, number[k]))
    layers = sorted({k[0] for k in keys})
    column = {l: c for c, l in enumerate(layers)}
    rows: dict[int, list[tuple]] = {}
    for k in keys:
        rows.setdefault(k[0], []).append(k)
    tallest = max(len(r) for r in rows.values())
    dx, dy, r = 190, 36, 13
    width, height = 60 + dx * (len(layers) - 1) + 150, 50 + dy * tallest
    pos = {}
    for l, ks in rows.items():
        top = 50 + dy * (tallest - len(ks)) / 2
        for j, k in enumerate(ks):
            pos[number[k]] = (40 + dx * column[l], top + dy * j + dy / 2)
    e = html_lines  # the step texts keep their line breaks
    out = [f'<svg class="wt-net" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           'role="group" aria-label="network view: layers as columns, neurons as circles">']
    for l, ks in rows.items():
        first = neurons[ks[0]]
        layer = nodes[first["nodes"][0]]["groups"].get("layer") if first["nodes"] else None
        title = "loss" if first.get("loss") else layer[1] if layer else f"layer {l}"
        out.append(f'<text class="wt-net-layer" x="{40 + dx * column[l]}" y="20">{e(title)}</text>')
    for a, b in edges:
        (x1, y1), (x2, y2) = pos[a], pos[b]
        out.append(f'<line class="wt-net-edge" data-from="{a}" data-to="{b}" x1="{x1 + r}" y1="{y1}" '
                   f'x2="{x2 - r}" y2="{y2}"/>')
    for k in keys:
        i = number[k]
        x, y = pos[i]
        n = neurons[k]
        label = nodes[n["a"]]["name"] if n.get("loss") else str(k[1])
        out.append(f'<g class="wt-neuron" data-neuron="{i}" tabindex="0" role="button" '
                   f'aria-label="{e(n["title"])}"><circle cx="{x}" cy="{y}" r="{r}"/>'
                   f'<text class="wt-net-j" x="{x}" y="{y + 4}">{e(label)}</text>'
                   f'<text class="wt-net-a" x="{x + r + 4}" y="{y - 2}"></text>'
                   f'<text class="wt-net-d" x="{x + r + 4}" y="{y + 11}"></text></g>')
    out.append("</svg>")
    layout = {"neurons": [neurons[k] for k in keys], "of_node": {str(i): q for i, q in of_node.items()},
              "edges": edges}
    return layout, "".join(out)


class Walkthrough:
    """A recorded forward and backward pass: ``save(path)`` writes the interactive page; in Jupyter
    it plays inline. ``record`` is what the page shows (JSON-ready)."""

    def __init__(self, record: dict[str, Any], svg: str | None, network_svg: str | None) -> None:
        self.record = record
        self.svg = svg
        self.network_svg = network_svg

    @property
    def steps(self) -> int:
        """The number of node steps, forward and backward."""
        return len(self.record["forward"]) + len(self.record["backward"])

    def html(self, *, standalone: bool = True) -> str:
        """The page: a whole HTML document (`standalone`), or a fragment for a notebook cell. Every
        id is prefixed by a fresh random prefix, so several fragments in one page do not meet."""
        prefix = "wt" + secrets.token_hex(4)
        return _page(self, prefix, standalone)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the page to `path` (one self-contained HTML file: open it in any browser, offline)."""
        path = Path(path)
        path.write_text(self.html(), encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        return self.html(standalone=False)

    def __repr__(self) -> str:
        r = self.record
        return (f"<Walkthrough {r['title']!r}: {len(r['forward'])} forward + {len(r['backward'])} backward steps, "
                f"by {r['granularity']}; .save('walkthrough.html')>")


def _asset(name: str) -> str:
    return (_ASSETS / name).read_text(encoding="utf-8")


def _transcript(record: dict[str, Any]) -> str:
    """Every step as tables: what a page without JavaScript (or an untrusted notebook) shows."""
    e = html_lines  # the step texts keep their line breaks
    nodes = record["nodes"]
    rows = ['<table class="wt-table"><caption>Forward pass</caption><thead><tr><th scope="col">step</th>'
            '<th scope="col">node</th><th scope="col">formula</th><th scope="col">value</th></tr></thead><tbody>']
    for k, step in enumerate(record["forward"], start=1):
        rows.append(f'<tr><td>{k}</td><td>{e(nodes[step["node"]]["name"])}</td><td>{e(step["formula"])}</td>'
                    f'<td>{e(step["value"][1])}</td></tr>')
    rows.append('</tbody></table><table class="wt-table"><caption>Backward pass</caption><thead>'
                '<tr><th scope="col">step</th><th scope="col">node</th><th scope="col">the chain rule</th></tr>'
                '</thead><tbody>')
    for k, step in enumerate(record["backward"], start=1):
        rows.append(f'<tr><td>{k}</td><td>{e(nodes[step["node"]]["name"])}</td>'
                    f'<td><pre>{e(chr(10).join(step["lines"]))}</pre></td></tr>')
    rows.append('</tbody></table><table class="wt-table"><caption>Final gradients</caption><thead><tr>'
                '<th scope="col">node</th><th scope="col">data</th><th scope="col">grad</th></tr></thead><tbody>')
    for n in reversed(nodes):
        if not n["const"]:
            rows.append(f'<tr><td>{e(n["name"])}</td><td>{e(n["data"][1])}</td><td>{e(n["grad"][1])}</td></tr>')
    rows.append("</tbody></table>")
    return "".join(rows)


_LEGEND = [
    ("wt-key-current", "current node: thick solid outline, name marked ▶"),
    ("wt-key-operand", "its operands: dashed outline, their edges bold"),
    ("wt-key-final", "grad final: green, marked ✓"),
    ("wt-key-pending", "not computed yet: grey, value ?"),
    ("wt-key-selected", "selected neuron or node: purple halo"),
]


def _page(w: Walkthrough, prefix: str, standalone: bool) -> str:
    e = html_lines  # the step texts keep their line breaks
    r = w.record
    P = prefix
    granularities = {"node": "per node", "neuron": "per neuron", "layer": "per layer"}
    options = "".join(f'<option value="{e(g)}"{" selected" * (g == r["granularity"])}>'
                      f'{e(granularities.get(g, "per " + g))}</option>' for g in r["moments"])
    legend = "".join(f'<li><span class="wt-key {c}" aria-hidden="true"></span>{e(t)}</li>' for c, t in _LEGEND)
    # Graphviz numbers its ids (node1, edge1, ...) alike in every picture: make them this page's own.
    graph = re.sub(r'(<[^<>]*\sid=")', rf"\g<1>{P}-", w.svg) if w.svg is not None else ""
    graph_note = f'<p class="wt-note">{e(r["graph_note"])}</p>' if r["graph_note"] else ""
    network = ""
    if w.network_svg is not None:
        network = (f'<section class="wt-view" aria-labelledby="{P}-nh"><h3 id="{P}-nh">Network</h3>'
                   f'<p class="wt-hint">a[l]_j fills in on the forward pass, delta[l]_j = dL/dz[l]_j on the '
                   f'backward pass. Click a neuron to find it in the graph.</p>'
                   f'{w.network_svg}</section>')
    message = f'<p class="wt-message" role="note">{e(r["message"])}</p>' if r["message"] else ""
    body = f"""<div class="wt" id="{P}" tabindex="-1">
<style>{_asset("walkthrough.css").replace("#WT", "#" + P)}</style>
<h2 class="wt-title">{e(r["title"])}</h2>
{message}
<div class="wt-head"><div class="wt-status">
<span class="wt-phase" id="{P}-phase">(static transcript: JavaScript is off)</span>
<span class="wt-count" id="{P}-count"></span></div>
<div class="wt-controls" id="{P}-controls" hidden>
<button type="button" id="{P}-home" aria-label="to the start (Home)">|◀ Start</button>
<button type="button" id="{P}-back" aria-label="back one step (Left arrow)">◀ Back</button>
<button type="button" id="{P}-play" aria-label="play (Space)" aria-pressed="false">▶ Play</button>
<button type="button" id="{P}-step" aria-label="one step forward (Right arrow)">Step ▶</button>
<button type="button" id="{P}-end" aria-label="to the end (End)">End ▶|</button>
<label>speed <select id="{P}-speed"><option value="1600">slow</option><option value="800" selected>normal</option>
<option value="300">fast</option></select></label>
<label class="wt-scrub">moment <input type="range" id="{P}-scrub" min="0" max="0" value="0" step="1"></label>
<label>step <select id="{P}-gran">{options}</select></label>
<label><input type="checkbox" id="{P}-exact"> exact numbers</label>
</div>
<p class="wt-live" id="{P}-live" aria-live="polite"></p></div>
<section class="wt-view" aria-labelledby="{P}-gh"><h3 id="{P}-gh">Computation graph</h3>{graph_note}
<div class="wt-graph" id="{P}-graph">{graph}</div></section>
{network}
<p class="wt-selected" id="{P}-selected" hidden></p>
<div class="wt-main">
<section class="wt-panel" id="{P}-panel" hidden aria-labelledby="{P}-sh"><h3 id="{P}-sh">This step</h3>
<div id="{P}-steps"></div></section>
<section class="wt-values" id="{P}-values-box" hidden aria-labelledby="{P}-vh">
<h3 id="{P}-vh">Values and gradients now</h3>
<table class="wt-table" id="{P}-values"><thead><tr><th scope="col">node</th><th scope="col">data</th>
<th scope="col">grad</th><th scope="col">state</th></tr></thead><tbody></tbody></table></section>
</div>
<section class="wt-legend" aria-labelledby="{P}-lh"><h3 id="{P}-lh">Legend</h3><ul>{legend}</ul>
<p>Keys: Left/Right step back/forward, Space plays or pauses, Home/End jump to the start/end.</p></section>
<details class="wt-transcript" id="{P}-transcript" open><summary>Transcript of every step</summary>
{_transcript(r)}</details>
<script type="application/json" id="{P}-data">{script_json(r)}</script>
<script>{_asset("walkthrough.js")}({script_json(P)}, {script_json(standalone)});</script>
</div>"""
    if not standalone:
        return body
    csp = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
           "connect-src 'none'; form-action 'none'; base-uri 'none'")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(r["title"])}</title>
</head>
<body>
{body}
</body>
</html>
"""


__all__ = ["Walkthrough", "walkthrough"]
