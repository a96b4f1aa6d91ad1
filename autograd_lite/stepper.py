"""Step through a backward pass one node at a time: `BackwardStepper` (``root.backward_steps()``).

A backward pass visits the interior nodes from the root down (reverse topological order) and at
each node applies the chain rule to every operand:

    dL/dparent += dL/dnode * dnode/dparent

Each `step()` performs exactly one node's update -- with `autograd_lite.backward.chain_rule_step`,
the same code `backward()` runs, so after `run()` every grad equals ``backward()``'s bit for bit --
and returns a `Step` that prints the update with its formulas (from the operation table's
``describe``) and its numbers::

    step 2 of 2: v1 = x * y = 6
      dL/dv1 = 1
      dL/dx += dL/dv1 * y = 1 * 3 = 3
      dL/dy += dL/dv1 * x = 1 * 2 = 2

A node whose `Label` names its gradient is printed with that name: at a neuron's pre-activation
z[l]_j (an `nn` graph) the documents' error signal, delta[l]_j = dL/dz[l]_j. `back()` undoes a
step exactly, restoring the operands' previous grads, and says so ("undid step k"). Constants'
grads are updated too (as by ``backward()``) but not printed: nothing learns them.

Two ways the numbers could mislead are said in the text instead: leaves that already hold a
gradient when the pass starts (they accumulate, as in PyTorch: ``fresh=True`` or `zero_grad`
starts from 0), and a node whose operands' data changed after the forward pass (its stored value
no longer follows from them; its step then shows no numbers).

In a notebook a stepper and each step show themselves as the graph, current node highlighted,
beside the step's text; in a script, ``print(s.step())``.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from . import floatmath
from .anomaly import check_backward
from .backward import chain_rule_step, local_gradients, start_backward_pass, topological_order
from .escape import html_lines, html_text
from .modes import anomaly
from .naming import NUMBER_FORMAT, grad_name, node_names, number_formatter
from .value import Value, real

#: Rows of the node table `repr(stepper)` shows before eliding the rest.
TABLE_ROWS = 30
#: Leaves named in the note that leaves already hold gradients, before "and n more".
NAMED_LEAVES = 5


def zero_grad(root: Value) -> None:
    """Set the grad of every node of `root`'s graph to 0, leaves included (as ``model.zero_grad()``
    does for a model's parameters): the next ``backward()`` then gives exactly d root/d leaf."""
    if not isinstance(root, Value):
        raise TypeError(f"zero_grad() takes a Value, got {type(root).__name__}")
    _zero(topological_order(root))


def _zero(nodes: list[Value]) -> None:
    for node in nodes:
        node.grad = 0.0


def recomputed(node: Value) -> float:
    """The value `node`'s operation gives for its operands' data now (the table's ``forward``):
    equal to ``node.data`` unless some data changed since the forward pass."""
    return node.operation.forward(floatmath, *(p.data for p in node.parents))


@dataclass(frozen=True)
class Step:
    """One node's chain-rule update: which node, the operands' grads before it, and its text."""

    index: int  # 1-based position in the pass
    node: Value
    before: tuple[float, ...]  # each operand's grad before the step (what back() restores)
    local: tuple[float, ...]  # d node / d operand_i, from the operation table
    text: str
    undone: bool = False  # what back() returns: the text reads "undid step k"
    # The stepper that made it (weakly: a stepper holds its steps), for the notebook display.
    stepper: weakref.ref | None = field(default=None, repr=False, compare=False)

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__

    def _repr_html_(self) -> str:
        stepper = self.stepper() if self.stepper is not None else None
        return stepper._html(self.text) if stepper is not None else f"<pre>{html_lines(self.text)}</pre>"


class Steps(tuple):
    """Several Steps, printed one after the other."""

    def __repr__(self) -> str:
        return "\n\n".join(s.text for s in self) if self else "(no steps)"

    __str__ = __repr__


class BackwardStepper:
    """A backward pass from `root`, performed one node per `step()`; ``back()`` undoes one.

    Creating it starts the pass as ``backward()`` does (`autograd_lite.backward.start_backward_pass`):
    interior grads are reset to 0 and the root is seeded with `grad`; leaves keep what they hold and
    accumulate (the first step says so when one holds a gradient), unless ``fresh=True``, which
    sets every grad of the graph to 0 first (`zero_grad`). Iterating over it performs the remaining
    steps.
    """

    def __init__(self, root: Value, grad: float = 1.0, *, fresh: bool = False,
                 number_format: str = NUMBER_FORMAT) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"BackwardStepper() takes a Value, got {type(root).__name__}")
        self._num = number_formatter(number_format)
        self.root = root
        self.number_format = number_format
        self.nodes = topological_order(root)
        self.names = node_names(self.nodes, root, number_format)
        grad = grad if type(grad) is float else real(grad, "backward(grad=...)")
        if fresh:
            _zero(self.nodes)
        # leaves that will add this pass to what an earlier one left: the first step says so
        self._held = [n for n in self.nodes if n.is_leaf and not n.is_constant and n.grad != 0.0]
        # the interior nodes, root first (the full order has them in order already: no second walk)
        self._todo = start_backward_pass(root, grad, [n for n in reversed(self.nodes) if not n.is_leaf])
        self._children: dict[Value, list[Value]] = {}
        for node in self.nodes:
            for p in node.parents:
                self._children.setdefault(p, []).append(node)
        self.steps: list[Step] = []

    # -- progress ------------------------------------------------------------------------------
    @property
    def total(self) -> int:
        """The number of steps in the pass (one per interior node)."""
        return len(self._todo)

    @property
    def position(self) -> int:
        """The number of steps performed."""
        return len(self.steps)

    @property
    def done(self) -> bool:
        return self.position == self.total

    @property
    def current(self) -> Value | None:
        """The node of the last step performed (None before the first)."""
        return self.steps[-1].node if self.steps else None

    def states(self) -> dict[Value, str]:
        """Each node's state: "current" (the last step's node, while the pass is unfinished), "done"
        (stepped, or a leaf whose every consumer has stepped: its grad is final) or "waiting".
        After the last step every node is "done"."""
        stepped = {s.node for s in self.steps}
        current = None if self.done else self.current
        states = {}
        for node in self.nodes:
            if node is current:
                states[node] = "current"
            elif node in stepped or (node.is_leaf and all(c in stepped for c in self._children.get(node, ()))):
                states[node] = "done"
            else:
                states[node] = "waiting"
        return states

    # -- moving --------------------------------------------------------------------------------
    def step(self, n: int | None = None) -> Step | Steps:
        """Perform the next step and return it; ``step(n)``: the next n (fewer at the end) as `Steps`."""
        if n is not None:
            if not isinstance(n, int) or n < 0:
                raise ValueError(f"step(n) takes a count >= 0, got {n!r}")
            return Steps(self._step() for _ in range(min(n, self.total - self.position)))
        if self.done:
            raise IndexError(f"the backward pass is finished ({self.total} steps); back() undoes a step")
        return self._step()

    def _step(self) -> Step:
        node = self._todo[self.position]
        before = tuple(p.grad for p in node.parents)
        now = recomputed(node)
        shares = chain_rule_step(node)
        if anomaly():
            check_backward(node, shares)
        local = local_gradients(node)
        stale = None if now == node.data or (now != now and node.data != node.data) else now
        step = Step(self.position + 1, node, before, tuple(local), self._describe(node, before, local, shares, stale),
                    stepper=weakref.ref(self))
        self.steps.append(step)
        return step

    def back(self, n: int | None = None) -> Step | Steps:
        """Undo the last step exactly (each operand gets back its previous grad) and return it, marked
        ``undone`` and saying "undid step k"; ``back(n)``: undo the last n (fewer at the start) as
        `Steps`, last undone first."""
        if n is not None:
            if not isinstance(n, int) or n < 0:
                raise ValueError(f"back(n) takes a count >= 0, got {n!r}")
            return Steps(self._back() for _ in range(min(n, self.position)))
        if not self.steps:
            raise IndexError("no step to undo: the backward pass is at its start")
        return self._back()

    def _back(self) -> Step:
        step = self.steps.pop()
        had = {p: p.grad for p in step.node.parents}
        # Reversed, so an operand used twice (x * x) ends with its grad from before both updates.
        for parent, grad in reversed(tuple(zip(step.node.parents, step.before))):
            parent.grad = grad
        num, names, L = self._num, self.names, self.names[self.root]
        node, name = step.node, self.names[step.node]
        formula = node.operation.describe([names[p] for p in node.parents], name)[0]
        lines = [f"undid step {step.index} of {self.total}: {name} = {formula}"]
        lines += [f"  d{L}/d{names[p]} back to {num(p.grad)} (was {num(g)})" for p, g in had.items()
                  if not p.is_constant]
        return replace(step, text="\n".join(lines), undone=True)

    def run(self) -> Steps:
        """Perform all remaining steps and return them."""
        return self.step(self.total - self.position)

    def __iter__(self) -> Iterator[Step]:
        while not self.done:
            yield self._step()

    def __len__(self) -> int:
        return self.total

    # -- showing -------------------------------------------------------------------------------
    def _describe(self, node: Value, before: tuple[float, ...], local: tuple[float, ...],
                  shares: tuple[float, ...], stale: float | None) -> str:
        """The step's text: the node's formula, its gradient, and one line per operand's update
        (``shares``: what the chain rule added to each operand).

        `stale`: what the formula gives now, when that is not the node's data (an operand changed
        after the forward pass): the updates are then shown without numbers, which would mix the
        old value with the new operands."""
        num = self._num
        names, name = self.names, self.names[node]
        L = self.names[self.root]
        formula, local_texts = node.operation.describe([names[p] for p in node.parents], name)
        g = node.grad
        lines = [f"step {self.position + 1} of {self.total}: {name} = {formula} = {num(node.data)}"]
        if stale is not None:
            lines[0] += f", stale: {formula} is {num(stale)} now"
            lines.append("  data changed after the forward pass: the numbers would not add up, so they are left out;\n"
                         "  build the graph again (run the forward pass) to step it with numbers")
        if self.position == 0 and self._held:
            held = ", ".join(names[n] for n in self._held[:NAMED_LEAVES])
            if len(self._held) > NAMED_LEAVES:
                held += f" and {len(self._held) - NAMED_LEAVES} more"
            lines.append(f"  note: {held} already hold a gradient (an earlier backward?): leaves accumulate, as"
                         f" in\n  PyTorch, so this pass adds to it; backward_steps(fresh=True) or zero_grad({L})"
                         " starts from 0")
        called = grad_name(node)
        lines.append(f"  {called} = d{L}/d{name} = {num(g)}" if called else f"  d{L}/d{name} = {num(g)}")
        running: dict[Value, float] = {}
        for parent, was, d, d_text, contribution in zip(node.parents, before, local, local_texts, shares):
            previous = running.get(parent, was)
            running[parent] = previous + contribution  # as chain_rule_step adds it: display only
            if parent.is_constant:
                continue
            if " " in d_text and not (d_text.startswith("[") and d_text.endswith("]")):
                d_text = f"({d_text})"
            p = names[parent]
            if stale is not None:
                lines.append(f"  d{L}/d{p} += d{L}/d{name} * {d_text}")
                continue
            line = f"  d{L}/d{p} += d{L}/d{name} * {d_text} = {num(g)} * {num(d)} = {num(contribution)}"
            if previous != 0.0:
                line += f"   (d{L}/d{p} = {num(previous)} + {num(contribution)} = {num(running[parent])})"
            lines.append(line)
        return "\n".join(lines)

    def draw(self, **options):
        """The graph diagram (`autograd_lite.draw`) with the current node highlighted, done nodes
        green and waiting ones grey; ``options`` go to ``draw``."""
        from .draw import draw

        options.setdefault("number_format", self.number_format)
        return draw(self.root, states=self.states(), names=self.names, **options)

    def _html(self, text: str) -> str:
        """The graph as it is now (`draw`) beside the progress line and `text`, for Jupyter; the
        text alone when the graph cannot be drawn (too large, no renderer), with the reason."""
        from .draw import DiagramTooLarge
        from .render import RenderError

        try:
            svg = self.draw().svg()
            picture = svg[svg.find("<svg"):]  # inline: without the XML prolog and DOCTYPE
        except (DiagramTooLarge, RenderError) as e:
            picture = f"<p>(no graph: {html_text(str(e))})</p>"
        return ('<div style="display:flex; flex-wrap:wrap; align-items:flex-start; gap:1em">'
                f'<div style="max-width:100%; overflow:auto">{picture}</div>'
                f'<pre style="margin:0">{html_lines(self._progress())}\n\n{html_lines(text)}</pre></div>')

    def _repr_html_(self) -> str:
        return self._html(self.steps[-1].text if self.steps else "")

    def _progress(self) -> str:
        current = self.current
        return (f"BackwardStepper: step {self.position} of {self.total}"
                + (f" (last: {self.names[current]})" if current is not None else " (not started)")
                + (", finished" if self.done else f", next: {self.names[self._todo[self.position]]}"))

    def __repr__(self) -> str:
        head = self._progress()
        num = self._num
        rows = [("node", "op", "data", "grad", "state")]
        states = self.states()
        shown = [n for n in reversed(self.nodes) if not n.is_constant]
        for node in shown[:TABLE_ROWS]:
            rows.append((self.names[node], node.op, num(node.data), num(node.grad), states[node]))
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        table = ["  " + "  ".join(c.ljust(w) if i in (0, 1, 4) else c.rjust(w) for i, (c, w) in
                                  enumerate(zip(r, widths))).rstrip() for r in rows]
        if len(shown) > TABLE_ROWS:
            table.append(f"  ... {len(shown) - TABLE_ROWS} more nodes")
        return "\n".join([head, *table])

    def walkthrough(self, **options):
        """This pass as an interactive page (`autograd_lite.walkthrough`: ``.save(path)``, or show it in
        Jupyter); ``options`` go to ``walkthrough`` (e.g. ``grad=`` when this pass was seeded with
        another dL/droot than 1). It records its own pass: this stepper is left as it is."""
        from .walkthrough import walkthrough

        options.setdefault("number_format", self.number_format)
        return walkthrough(self.root, **options)
