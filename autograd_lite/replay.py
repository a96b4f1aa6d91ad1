"""Batched replay: trace one example's scalar graph once, then run it over a whole batch with numpy.

The scalar engine builds a fresh graph for every example. When the graph's *structure* does not
depend on the data -- an MLP and its loss, for one sample -- every example builds the same graph
with other numbers in its leaves. `compile` records that graph once; `Replay` runs it again with
every node holding a vector over the batch (one *lane* per example) instead of a float:

- forward, in topological order: ``value = op.forward(arraymath, *operand values)``;
- backward, in reverse: ``grad(operand_i) += op.backward(arraymath, grad(node), value, *operands)[i]``,

which is the scalar engine's chain rule (`autograd_lite.backward.chain_rule_step`) in every lane at
once. Both passes take each operation's mathematics from the operation table with the numpy
namespace `autograd_lite.arraymath`: nothing is computed by a second copy of the math. Parameters
hold the same value in every lane, so dL/dparameter is the sum of its lanes' gradients (or the mean,
for a loss that averages over the batch).

Speed: nodes at the same depth (longest path from a leaf) with the same operation and number of
operands never depend on each other, so one numpy call serves the whole group over all lanes --
a layer of 16 neurons over 100 examples is one (16, 100) array per operand.

What a replay cannot follow, and what `compile(..., check=...)` detects: a graph whose structure
depends on the data (a Python ``if`` on a value, ``max()`` of Values, a loop over a data-dependent
count) or that carries numbers computed from the data as constants (``float(v)`` mixed back in).
Given further traces of the same computation at other data, `compile` compares them node by node
(operation, operands, which input or parameter each leaf is, each constant's value) and raises
`ReplayError` at the first difference. It cannot see a branch that every traced example takes the
same way but another example would not: only the traced examples are compared.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from . import ops
from .backward import topological_order
from .value import Value

__all__ = ["Replay", "ReplayError", "compile"]


class ReplayError(ValueError):
    """The traced graph cannot be replayed over a batch: its structure or constants depend on the data."""


def _same_number(a: float, b: float) -> bool:
    """Bit-for-bit equality (nan equals nan, -0.0 differs from 0.0): a constant must not change at all."""
    return float.hex(a) == float.hex(b)


def _name(node: Value) -> str:
    what = f"'{node.op}' node" if node.op else ("constant" if node.is_constant else "leaf")
    return f"{what} {node.label!r}" if node.label else what


def _rounds(rows: Any, wanted: Any) -> list[tuple[Any, Any]]:
    """Split contributions to `rows` (where `wanted`) into rounds with no row twice in a round.

    A fancy-indexed ``G[rows] += c`` keeps one contribution per repeated row, so contributions to a
    row are added one round after another. Round r takes each row's r-th contribution; a position
    index covering everything becomes a slice (no gather). Returns (positions, rows) per round.
    """
    import numpy as np

    seen: dict[int, int] = {}
    occurrence = np.full(len(rows), -1)
    for k in np.flatnonzero(wanted):
        occurrence[k] = seen.get(int(rows[k]), 0)
        seen[int(rows[k])] = occurrence[k] + 1
    rounds = []
    for r in range(max(seen.values(), default=0)):
        picked = np.flatnonzero(occurrence == r)
        rounds.append((slice(None) if len(picked) == len(rows) else picked, rows[picked]))
    return rounds


class _Group:
    """Nodes at one depth with one operation and arity: computed by one call to the operation.

    Its backward makes the contributions local_i * grad for the live operands (those some
    gradient is wanted for: not constants). An operand that is the same node for every node of the
    group -- input a_k, read by every neuron of a layer -- is summed over the group first.
    """

    __slots__ = ("fn", "start", "stop", "operands", "live", "shared", "shared_rounds", "each", "each_rounds")

    def __init__(self, fn: type[ops.Op], start: int, operand_rows: Any, needs_grad: Any) -> None:
        import numpy as np

        self.fn = fn
        self.start, self.stop = start, start + operand_rows.shape[1]
        self.operands = operand_rows  # (arity, k): the row of operand i of the group's node j
        self.live = [i for i in range(operand_rows.shape[0]) if needs_grad[operand_rows[i]].any()]
        k = operand_rows.shape[1]
        shared = [c for c, i in enumerate(self.live) if k > 1 and (operand_rows[i] == operand_rows[i, 0]).all()]
        each = [c for c in range(len(self.live)) if c not in shared]
        self.shared, self.each = _positions(shared), _positions(each)
        shared_rows = np.array([operand_rows[self.live[c], 0] for c in shared], dtype=np.intp)
        each_rows = operand_rows[[self.live[c] for c in each]].ravel()
        self.shared_rounds = _rounds(shared_rows, needs_grad[shared_rows])
        self.each_rounds = _rounds(each_rows, needs_grad[each_rows])


def _positions(positions: list[int]) -> Any:
    """A list of positions as a slice when contiguous (a view instead of a copy), else an array."""
    import numpy as np

    if positions and positions == list(range(positions[0], positions[-1] + 1)):
        return slice(positions[0], positions[-1] + 1)
    return np.array(positions, dtype=np.intp)


class _Workspace:
    """Scratch arrays for one batch size: node values V and gradients G (one row per node, one
    column per lane), each group's gathered operands, and its gradient contributions."""

    def __init__(self, replay: Replay, groups: list[_Group], batch: int) -> None:
        import numpy as np

        self.V = np.empty((replay._n_rows, batch))
        self.V[replay._const_start:replay._const_start + len(replay._constants)] = replay._constants[:, None]
        self.G = np.empty_like(self.V)
        self.groups = groups
        self.operands = [np.empty(g.operands.shape + (batch,)) for g in groups]
        self.contributions = [np.empty((len(g.live), g.stop - g.start, batch)) for g in groups]


class Replay:
    """A traced scalar graph, compiled to run over a batch: see the module docstring.

    Made by `compile`. Parameters' (and other non-constant leaves') values are read at every run,
    never baked in: update them between runs as training does. Its only mutable state is scratch
    memory, per thread and per batch size, reused from run to run (allocating the arrays afresh
    costs more in page faults than the arithmetic); results are always copies, so one Replay may
    serve several threads.
    """

    def __init__(self, order: list[Value], inputs: tuple[Value, ...], params: tuple[Value, ...],
                 live: tuple[Value, ...], constants: list[Value], outputs: tuple[Value, ...] = ()) -> None:
        import numpy as np

        self.inputs, self.params = inputs, params
        self._read = params + live  # `live`: leaves neither input, parameter nor constant (no gradient)
        n_in, n_read = len(inputs), len(self._read)
        self._n_inputs = n_in
        self._const_start = n_in + n_read
        self._constants = np.array([c.data for c in constants], dtype=float)
        row = {id(v): r for r, v in enumerate((*inputs, *self._read, *constants))}
        interior = [node for node in order if node.operation is not None]
        depth: dict[int, int] = {}
        for node in interior:
            depth[id(node)] = 1 + max((depth.get(id(p), 0) for p in node.parents), default=0)
        group = {id(n): (depth[id(n)], n.op, len(n.parents)) for n in interior}
        interior.sort(key=lambda n: group[id(n)])  # a stable sort: each group keeps its nodes' order
        first = len(row)
        for r, node in enumerate(interior, start=first):
            row[id(node)] = r
        self._n_rows = first + len(interior)
        blocks = []  # (first row, operand rows) of each group
        r = first
        for _, members in itertools.groupby(interior, key=lambda n: group[id(n)]):
            members = list(members)
            blocks.append((r, np.array([[row[id(p)] for p in n.parents] for n in members], dtype=np.intp).T.copy()))
            r += len(members)
        # Two plans, differing in whose gradient is wanted: run() needs no gradient for the inputs.
        self._plans: dict[bool, list[_Group]] = {}
        for input_grads in (True, False):
            needs_grad = np.ones(self._n_rows, dtype=bool)
            needs_grad[n_in + len(params):first] = False  # constants, and leaves read but not trained
            needs_grad[:n_in] = input_grads
            self._plans[input_grads] = [_Group(interior[start - first].operation, start, operand_rows, needs_grad)
                                        for start, operand_rows in blocks]
        self._root = row[id(order[-1])]
        self._output_rows = np.array([row[id(v)] for v in outputs], dtype=np.intp)
        self.size = len(order)
        self._scratch = threading.local()

    def __repr__(self) -> str:
        return (f"Replay({self.size} nodes in {len(self._plans[True])} groups, {self._n_inputs} inputs, "
                f"{len(self.params)} parameters)")

    def _lanes(self, X: Any) -> Any:
        import numpy as np

        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self._n_inputs or X.shape[0] == 0:
            raise ValueError(f"a batch is an array of shape (batch, {self._n_inputs}): one row per example, "
                             f"one column per input; got shape {X.shape}")
        return X

    def _workspace(self, batch: int, input_grads: bool) -> _Workspace:
        spaces = self._scratch.__dict__.setdefault("spaces", {})
        if (batch, input_grads) not in spaces:
            if len(spaces) >= 4:  # a few batch sizes (a last, shorter batch) are normal; more are not kept
                spaces.clear()
            spaces[batch, input_grads] = _Workspace(self, self._plans[input_grads], batch)
        return spaces[batch, input_grads]

    def _forward(self, X: Any, input_grads: bool = True) -> _Workspace:
        import numpy as np

        from . import arraymath as am

        w = self._workspace(X.shape[0], input_grads)
        V = w.V
        V[:self._n_inputs] = X.T
        V[self._n_inputs:self._const_start] = np.array([v.data for v in self._read])[:, None]
        for g, x in zip(w.groups, w.operands):
            np.take(V, g.operands, axis=0, out=x, mode="clip")  # (arity, k, batch); the rows are valid
            V[g.start:g.stop] = g.fn.forward(am, *x)
        return w

    def _backward(self, w: _Workspace) -> Any:
        import numpy as np

        from . import arraymath as am

        V, G = w.V, w.G
        G.fill(0.0)
        G[self._root] = 1.0
        for g, x, c in zip(reversed(w.groups), reversed(w.operands), reversed(w.contributions)):
            if not g.live:
                continue
            grad = G[g.start:g.stop]
            shares = g.fn.backward(am, grad, V[g.start:g.stop], *x)
            for ci, i in zip(c, g.live):
                np.copyto(ci, shares[i])
            for rounds, source in ((g.shared_rounds, c[g.shared].sum(axis=1) if g.shared_rounds else None),
                                   (g.each_rounds, c[g.each].reshape(-1, c.shape[2]))):
                for positions, rows in rounds:
                    G[rows] += source[positions]
        return G

    def forward(self, X: Any) -> Any:
        """The root's value in every lane: an array of shape (batch,) for X of shape (batch, inputs)."""
        return self._values(X, self._root)

    def outputs(self, X: Any) -> Any:
        """The values of the nodes given to `compile` as ``outputs``, in every lane: an array of shape
        (batch, number of outputs) -- a model's predictions, say, when the root is its loss."""
        return self._values(X, self._output_rows).T.copy()

    def _values(self, X: Any, rows: Any) -> Any:
        import numpy as np

        with np.errstate(all="ignore"):  # inf and nan are IEEE results here, as in the scalar engine
            V = self._forward(self._lanes(X), input_grads=False).V  # no backward: the lighter plan
        return V[rows].copy()

    def gradients(self, X: Any) -> tuple[Any, Any, Any]:
        """Per lane: the root's values (batch,), d root/d parameter (batch, parameters) and
        d root/d input (batch, inputs) -- what one scalar backward() per example would give."""
        import numpy as np

        with np.errstate(all="ignore"):
            w = self._forward(self._lanes(X))
            V, G = w.V, self._backward(w)
        n_in = self._n_inputs
        return V[self._root].copy(), G[n_in:n_in + len(self.params)].T.copy(), G[:n_in].T.copy()

    def run(self, X: Any, reduction: str = "sum", accumulate: bool = False) -> tuple[float, Any]:
        """The root reduced over the batch and its gradient for each parameter.

        ``reduction="sum"``: L = sum_i root_i and dL/dp = sum_i d root_i/dp (one backward per example,
        summed); ``"mean"`` divides both by the batch size (a loss that averages over the batch).
        With ``accumulate=True`` each parameter's ``.grad`` is also increased by its gradient, as
        `Value.backward` accumulates into leaves. Returns (L, gradients as an array in `params` order).
        """
        import numpy as np

        if reduction not in ("sum", "mean"):
            raise ValueError(f"reduction must be 'sum' or 'mean', got {reduction!r}")
        with np.errstate(all="ignore"):
            w = self._forward(self._lanes(X), input_grads=False)
            V, G = w.V, self._backward(w)
            n_in, batch = self._n_inputs, V.shape[1]
            loss = V[self._root].sum()
            grads = G[n_in:n_in + len(self.params)].sum(axis=1)
            if reduction == "mean":
                loss, grads = loss / batch, grads / batch
        if accumulate:
            for p, g in zip(self.params, grads.tolist()):
                p.grad += g
        return float(loss), grads


def _leaves(values: Iterable[Value], what: str) -> tuple[Value, ...]:
    out = tuple(values)
    for k, v in enumerate(out):
        if not isinstance(v, Value):
            raise TypeError(f"compile() {what} must be Values, got {type(v).__name__} at position {k}")
        if not v.is_leaf:
            raise ValueError(f"compile() {what} must be leaves: {what[:-1]} {k} ({_name(v)}) was made by an operation")
    if len(set(out)) != len(out):
        raise ValueError(f"compile() {what} contain the same Value twice")
    return out


def _first_user(order: list[Value], node: Value) -> str:
    for k, n in enumerate(order):
        if any(p is node for p in n.parents):
            return f", operand {[p is node for p in n.parents].index(True) + 1} of node {k} ({_name(n)})"
    return ""


def _compare(order: list[Value], index: dict[Value, int], inputs: tuple[Value, ...], kind: dict[Value, str],
             root: Value, other_inputs: Sequence[Value], trace: int) -> None:
    """Raise ReplayError at the first node (in topological order) where another trace differs."""
    other = topological_order(root)
    other_index = {v: k for k, v in enumerate(other)}
    other_input = {v: k for k, v in enumerate(other_inputs)}
    input_position = {v: k for k, v in enumerate(inputs)}

    def show(node: Value, positions: dict[Value, int], role: str = "") -> str:
        if node.parents:
            return f"{_name(node)} of nodes {[positions[p] for p in node.parents]}"
        if role in ("input", "parameter"):
            return f"{role} {_name(node)}" if role == "parameter" else f"input {input_position[node]}"
        return f"input {other_input[node]}" if node in other_input else f"{_name(node)} = {node.data!r}"

    for k, (a, b) in enumerate(zip(order, other)):
        if a.op != b.op or [index[p] for p in a.parents] != [other_index[p] for p in b.parents]:
            cause = "the graph's structure depends on the data (a Python `if`, max() or a loop count on values)"
        elif a.parents:
            continue
        elif kind[a] == "input":
            cause = "" if other_input.get(b) == input_position[a] else "inputs are used differently"
        elif kind[a] == "parameter":
            cause = "" if b is a else "the parameter is another Value (one made during the trace?)"
        elif b not in other_input and (b is a or _same_number(a.data, b.data)):
            cause = ""
        else:  # a constant, or a leaf made during the trace, that changed with the data
            cause = "a number computed from the data was built into the graph"
        if cause:
            raise ReplayError(f"trace {trace} differs from the compiled trace 0 at node {k}{_first_user(order, a)}: "
                              f"{show(b, other_index)} instead of {show(a, index, kind.get(a, ''))}; {cause}, "
                              f"so one fixed graph cannot replay every example")
    if len(order) != len(other):
        raise ReplayError(f"trace {trace} has {len(other)} nodes where the compiled trace 0 has {len(order)}: the "
                          f"graph's structure depends on the data (a Python `if`, max() or a loop count on values), "
                          f"so one fixed graph cannot replay every example")


def compile(root: Value, inputs: Sequence[Value], params: Sequence[Value] | None = None, *,  # noqa: A001
            check: Iterable[tuple[Value, Sequence[Value]]] = (), outputs: Sequence[Value] = ()) -> Replay:
    """Compile the graph of `root` to replay it over batches (requires numpy).

    `inputs` are the leaves that change from example to example (a batch gives one column per input);
    `params` the leaves to differentiate (default: every other non-constant leaf of the graph).
    Constants (numbers mixed into operations) are fixed at their traced value; every other leaf is
    read at each run. `check` holds further traces of the same computation at other examples, as
    (root, inputs) pairs; each is compared with this one node by node and any difference raises
    `ReplayError` -- the only way to notice a graph that depends on the data. `outputs`: nodes of the
    graph whose values `Replay.outputs` returns (a model's outputs, when `root` is its loss).

    >>> from autograd_lite import Value
    >>> x, w = Value(0.0, "x"), Value(3.0, "w")
    >>> program = compile((w * x).tanh(), inputs=[x], params=[w])
    >>> loss, grads = program.run([[0.0], [1.0]])   # tanh(0) + tanh(3); d/dw = 0 + 1 * (1 - tanh(3)^2)
    >>> round(loss, 6), round(float(grads[0]), 6)
    (0.995055, 0.009866)
    """
    if not isinstance(root, Value):
        raise TypeError(f"compile() takes a Value root, got {type(root).__name__}")
    inputs = _leaves(inputs, "inputs")
    order = topological_order(root)
    index = {v: k for k, v in enumerate(order)}
    given = set(inputs)
    in_graph = [v for v in order if v.is_leaf and v not in given]
    outputs = tuple(outputs)
    for k, v in enumerate(outputs):
        if not isinstance(v, Value) or v not in index:
            raise ValueError(f"compile() outputs must be nodes of root's graph: output {k} "
                             f"({_name(v) if isinstance(v, Value) else type(v).__name__}) is not")
    params = _leaves([v for v in in_graph if not v.is_constant] if params is None else params, "params")
    if set(params) & set(inputs):
        raise ValueError("compile() params and inputs must be different Values")
    kind = dict.fromkeys(inputs, "input") | dict.fromkeys(params, "parameter")
    live = tuple(v for v in in_graph if v not in kind and not v.is_constant)
    constants = [v for v in in_graph if v not in kind and v.is_constant]
    kind |= dict.fromkeys(live, "a leaf") | dict.fromkeys(constants, "constant")
    for trace, (other_root, other_inputs) in enumerate(check, start=1):
        if not isinstance(other_root, Value) or len(other_inputs) != len(inputs):
            raise TypeError(f"check trace {trace} must be a (root Value, inputs) pair with {len(inputs)} inputs")
        _compare(order, index, inputs, kind, other_root, other_inputs, trace)
    return Replay(order, inputs, params, live, constants, outputs)

