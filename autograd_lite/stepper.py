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
step exactly, restoring the operands' previous grads. Constants' grads are updated too (as by
``backward()``) but not printed: nothing learns them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .anomaly import check_backward
from .backward import chain_rule_step, prepare, topological_order
from .modes import modes
from .naming import grad_name, node_names, number_formatter
from .value import Value

#: Rows of the node table `repr(stepper)` shows before eliding the rest.
TABLE_ROWS = 30


@dataclass(frozen=True)
class Step:
    """One node's chain-rule update: which node, the operands' grads before it, and its text."""

    index: int  # 1-based position in the pass
    node: Value
    before: tuple[float, ...]  # each operand's grad before the step (what back() restores)
    local: tuple[float, ...]  # d node / d operand_i, from the operation table
    text: str

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__


class Steps(tuple):
    """Several Steps, printed one after the other."""

    def __repr__(self) -> str:
        return "\n\n".join(s.text for s in self) if self else "(no steps)"

    __str__ = __repr__


class BackwardStepper:
    """A backward pass from `root`, performed one node per `step()`; ``back()`` undoes one.

    Creating it starts the pass as ``backward()`` does (`autograd_lite.backward.prepare`): interior
    grads are reset to 0 and the root is seeded with `grad`; leaves keep what they hold and
    accumulate. Iterating over it performs the remaining steps.
    """

    def __init__(self, root: Value, grad: float = 1.0, *, number_format: str = ".4g") -> None:
        if not isinstance(root, Value):
            raise TypeError(f"BackwardStepper() takes a Value, got {type(root).__name__}")
        self._num = number_formatter(number_format)
        self.root = root
        self.number_format = number_format
        self.nodes = topological_order(root)
        self.names = node_names(self.nodes, root, number_format)
        # the interior nodes, root first (the full order has them in order already: no second walk)
        self._todo = prepare(root, grad, [n for n in self.nodes if not n.is_leaf])[::-1]
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
        """Each node's state: "current" (the last step's node), "done" (stepped, or a leaf whose
        every consumer has stepped: its grad is final) or "waiting"."""
        stepped = {s.node for s in self.steps}
        current = self.current
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
        local = chain_rule_step(node)
        if modes.anomaly:
            check_backward(node, local)
        step = Step(self.position + 1, node, before, tuple(local), self._describe(node, before, local))
        self.steps.append(step)
        return step

    def back(self, n: int | None = None) -> Step | Steps:
        """Undo the last step exactly (each operand gets back its previous grad) and return it;
        ``back(n)``: undo the last n (fewer at the start) as `Steps`, last undone first."""
        if n is not None:
            if not isinstance(n, int) or n < 0:
                raise ValueError(f"back(n) takes a count >= 0, got {n!r}")
            return Steps(self._back() for _ in range(min(n, self.position)))
        if not self.steps:
            raise IndexError("no step to undo: the backward pass is at its start")
        return self._back()

    def _back(self) -> Step:
        step = self.steps.pop()
        # Reversed, so an operand used twice (x * x) ends with its grad from before both updates.
        for parent, grad in reversed(tuple(zip(step.node.parents, step.before))):
            parent.grad = grad
        return step

    def run(self) -> Steps:
        """Perform all remaining steps and return them."""
        return self.step(self.total - self.position)

    def __iter__(self) -> Iterator[Step]:
        while not self.done:
            yield self._step()

    def __len__(self) -> int:
        return self.total

    # -- showing -------------------------------------------------------------------------------
    def _describe(self, node: Value, before: tuple[float, ...], local: tuple[float, ...]) -> str:
        """The step's text: the node's formula, its gradient, and one line per operand's update."""
        num = self._num
        names, name = self.names, self.names[node]
        L = self.names[self.root]
        formula, local_texts = node.operation.describe([names[p] for p in node.parents], name)
        g = node.grad
        lines = [f"step {self.position + 1} of {self.total}: {name} = {formula} = {num(node.data)}"]
        called = grad_name(node)
        lines.append(f"  {called} = d{L}/d{name} = {num(g)}" if called else f"  d{L}/d{name} = {num(g)}")
        running: dict[Value, float] = {}
        for parent, was, d, d_text in zip(node.parents, before, local, local_texts):
            contribution = d * g
            previous = running.get(parent, was)
            running[parent] = previous + contribution  # as chain_rule_step adds it: display only
            if parent.is_constant:
                continue
            if " " in d_text and not (d_text.startswith("[") and d_text.endswith("]")):
                d_text = f"({d_text})"
            p = names[parent]
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

    def __repr__(self) -> str:
        current = self.current
        head = (f"BackwardStepper: step {self.position} of {self.total}"
                + (f" (last: {self.names[current]})" if current is not None else " (not started)")
                + (", finished" if self.done else f", next: {self.names[self._todo[self.position]]}"))
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
