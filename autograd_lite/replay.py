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
a layer of 16 neurons over 100 examples is one (16, 100) array per operand. Among them, weighted
sums that read the same nodes in the same order with weights that are leaves (parameters or
constants: one number in every lane) are what the documents call the matrix form of a layer,
z = W a + b: such a group runs as one matrix product over the batch (numpy's BLAS), and its
backward as dL/dA = W^T Delta, dL/dW = Delta A^T, dL/db = Delta summed over the lanes -- the
weighted sum's local derivatives (dz_j/da_k = W_jk, dz_j/dW_jk = a_k, dz_j/db_j = 1, `ops.WeightedSum`)
contracted over the group and the batch. The grouping is read off the graph, whoever built it: a
hand-written layer of `weighted_sum` nodes qualifies as an nn.Layer does. Weighted sums of the
same inputs whose weights differ per example (a cross-entropy's target probabilities) run as one
product and sum in each lane. Weighted sums that read many different input lists (a convolution's
sliding patches) stay one elementwise group: one numpy call beats many small matrix products.
`Replay.explain()` lists the groups and which became matrix products.

Only two functions, `_value` and `_shares`, call the operation table; every other group runs
through them. The matrix form is the one specialised path, and is tested against the scalar engine.

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
import struct
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


# -- the two calls into the operation table: every forward value and every local derivative of the
# replay comes through these, with the numpy namespace `arraymath` (`Operation.forward(xp, *x)` and
# `Operation.backward(xp, grad, out, *x)`)

def _value(operation: type[ops.Operation], x: Sequence[Any]) -> Any:
    """The operation's output for operand arrays x (one (k, batch) array per operand)."""
    from . import arraymath

    return operation.forward(arraymath, *x)


def _shares(operation: type[ops.Operation], grad: Any, out: Any, x: Sequence[Any], live: list[int], into: Any) -> None:
    """The chain rule's products for the live operands i: ``into[c] = grad * d out/d x_i`` (c counts the
    live operands), the scalar engine's `chain_rule_step` in every lane at once."""
    import numpy as np

    from . import arraymath

    shares = operation.backward(arraymath, grad, out, *x)
    for into_c, i in zip(into, live):
        np.copyto(into_c, shares[i])  # a share may be a number (grad * 1 is written grad, -grad, ...)


def _positions(positions: Sequence[int]) -> Any:
    """A list of positions as a slice when consecutive (a view instead of a gather), else an array."""
    import numpy as np

    if len(positions) and list(positions) == list(range(positions[0], positions[0] + len(positions))):
        return slice(positions[0], positions[0] + len(positions))
    return np.array(positions, dtype=np.intp)


def _rounds(rows: Any, wanted: Any) -> list[tuple[Any, Any]]:
    """Split contributions to `rows` (where `wanted`) into rounds with no row twice in a round.

    A fancy-indexed ``G[rows] += c`` keeps one contribution per repeated row, so contributions to a
    row are added one round after another. Round r takes each row's r-th contribution. Returns
    (positions, rows) per round, each a slice where consecutive (a view: no gather, no scatter).
    """
    import numpy as np

    rows = np.asarray(rows, dtype=np.intp).ravel()
    seen: dict[int, int] = {}
    occurrence = np.full(len(rows), -1)
    for k in np.flatnonzero(wanted):
        occurrence[k] = seen.get(int(rows[k]), 0)
        seen[int(rows[k])] = occurrence[k] + 1
    rounds = []
    for r in range(max(seen.values(), default=0)):
        picked = np.flatnonzero(occurrence == r)
        rounds.append((_positions(picked.tolist()), _positions(rows[picked].tolist())))
    return rounds


def _add(target: Any, rounds: list[tuple[Any, Any]], source: Any) -> None:
    """target[rows] += source[positions], round by round (see `_rounds`)."""
    for positions, rows in rounds:
        target[rows] += source[positions]


def _view_or_buffer(base: Any, index: Any) -> tuple[Any, tuple | None]:
    """``base[index]`` (positions along base's first axis; `index` a slice or an array of any shape) as a
    view of base where the positions allow (see `_strided`), else as a buffer and the gather that fills
    it at every forward: (base, index, buffer), for `_fill`."""
    import numpy as np

    view = base[index] if type(index) is slice else _strided(base, index)
    if view is not None:
        return view, None
    buffer = np.empty(np.shape(index) + base.shape[1:])
    return buffer, (base, index, buffer)


def _fill(gathers: list[tuple]) -> None:
    """Run the gathers of `_view_or_buffer`: buffer = base[index]."""
    import numpy as np

    for base, index, buffer in gathers:
        np.take(base, index, axis=0, out=buffer, mode="clip")  # the positions are valid


class _Elementwise:
    """Nodes at one depth with one operation and arity: one call to the operation serves them all, over
    every lane (operand i of the group is a (k, batch) array).

    Its backward makes the contributions d node/d operand_i * grad for the live operands (those some
    gradient is wanted for: not constants). An operand that is the same node for every node of the
    group -- one number read by every neuron of a layer -- is summed over the group first.
    """

    __slots__ = ("operation", "start", "stop", "rows", "live", "shared", "shared_rounds", "each", "each_rounds",
                 "input_lists")

    def __init__(self, operation: type[ops.Operation], start: int, operand_rows: Any, needs_grad: Any,
                 input_lists: int = 0) -> None:
        import numpy as np

        # input_lists: for weighted sums, how many input lists they read, if many
        self.operation, self.input_lists = operation, input_lists
        arity, k = operand_rows.shape
        self.start, self.stop = start, start + k
        self.rows = [_positions(r.tolist()) for r in operand_rows]  # operand i of the group's node j: row [i][j]
        self.live = [i for i in range(arity) if needs_grad[operand_rows[i]].any()]
        shared = [c for c, i in enumerate(self.live) if k > 1 and (operand_rows[i] == operand_rows[i, 0]).all()]
        each = [c for c in range(len(self.live)) if c not in shared]
        self.shared, self.each = _positions(shared), _positions(each)
        shared_rows = np.array([operand_rows[self.live[c], 0] for c in shared], dtype=np.intp)
        each_rows = operand_rows[[self.live[c] for c in each]].ravel()
        self.shared_rounds = _rounds(shared_rows, needs_grad[shared_rows])
        self.each_rounds = _rounds(each_rows, needs_grad[each_rows])

    def describe(self) -> str:
        why = (f" ({self.input_lists} different input lists: cheaper than {self.input_lists} matrix products)"
               if self.input_lists else "")
        return f"elementwise     {self.operation.name} x {self.stop - self.start}{why}"

    def scratch(self, V: Any, leaf: Any, params: Any) -> tuple:
        """(operand arrays, their gathers, the contributions' buffer) for one batch size."""
        import numpy as np

        x, gathers = zip(*(_view_or_buffer(V, rows) for rows in self.rows))
        return x, [g for g in gathers if g], np.empty((len(self.live), self.stop - self.start, V.shape[1]))

    def forward(self, V: Any, leaf: Any, scratch: tuple) -> None:
        x, gathers, _ = scratch
        _fill(gathers)
        V[self.start:self.stop] = _value(self.operation, x)

    def backward(self, V: Any, G: Any, params: Any, scratch: tuple) -> None:
        if not self.live:
            return
        x, _, c = scratch
        _shares(self.operation, G[self.start:self.stop], V[self.start:self.stop], x, self.live, c)
        if self.shared_rounds:
            _add(G, self.shared_rounds, c[self.shared].sum(axis=1))
        if self.each_rounds:
            _add(G, self.each_rounds, c[self.each].reshape(-1, c.shape[2]))


class _Matrix:
    """Weighted sums of the same inputs: z_j = sum_k W_jk a_k + b_j for the group's nodes j, each
    reading the same nodes a_1..a_n in the same order. With weights that are leaves (one number in
    every lane) that is z = W a + b, and with the lanes as columns Z = W A + b: one matrix product
    (numpy's BLAS) for the group over the whole batch. Its backward, from the weighted sum's local
    derivatives dz_j/da_k = W_jk, dz_j/dW_jk = a_k, dz_j/db_j = 1 and Delta = dL/dZ:

        dL/dA = W^T Delta,   dL/dW = Delta A^T (summed over the lanes),   dL/db = Delta (summed over the lanes).

    The weights' and leaf biases' gradients go to the parameters' accumulator (a vector when the lanes
    are summed, one row per lane for `Replay.gradients`), the inputs' and other biases' to their rows.

    With ``lane_weights`` the weights are nodes with a value per lane (a cross-entropy's target
    probabilities, weights computed in the graph): then W is (m, n, batch), z = W a + b is taken in
    each lane (a product and a sum over k), dL/dA_k = sum_j W_jk Delta_j and dL/dW_jk = Delta_j a_k in
    each lane, added to the weights' rows.
    """

    __slots__ = ("start", "stop", "weights", "inputs", "bias", "bias_leaf", "summed", "lane_weights",
                 "input_rounds", "weight_rounds", "bias_rounds")

    def __init__(self, start: int, weights: Any, inputs: Any, bias: Any, bias_leaf: bool, needs_grad: Any,
                 n_params: int, summed: bool, lane_weights: bool) -> None:
        self.start, self.stop = start, start + weights.shape[0]
        self.weights, self.inputs = weights, _positions(inputs.tolist())  # leaf indices or rows (m, n); rows (n,)
        self.bias, self.bias_leaf, self.summed = bias, bias_leaf, summed  # leaf indices, or rows, (m,)
        self.lane_weights = lane_weights
        self.input_rounds = _rounds(inputs, needs_grad[inputs])
        wanted = needs_grad[weights] if lane_weights else weights < n_params  # rows, or parameters' leaves
        self.weight_rounds = _rounds(weights, wanted.ravel())
        self.bias_rounds = _rounds(bias, bias < n_params if bias_leaf else needs_grad[bias])

    def describe(self) -> str:
        m, n = self.weights.shape
        sums = "1 weighted sum" if m == 1 else f"{m} weighted sums"
        if self.lane_weights:
            return f"per-lane product z = W a + b, W {m} x {n} in each lane: {sums} of the same {n} inputs, " \
                   f"weights that vary per example"
        return f"matrix product  z = W a + b, W {m} x {n}: {sums} of the same {n} input{'s' * (n > 1)}"

    def scratch(self, V: Any, leaf: Any, params: Any) -> tuple:
        """For one batch size: W, A and b -- views of the leaves' values and V where their positions
        allow, else buffers, with the gathers that fill them -- dL/dW's buffer, and where the weights'
        and biases' gradients are added: views of the parameters' accumulator, or None (by rounds)."""
        import numpy as np

        m, n = self.weights.shape
        W, W_gather = _view_or_buffer(V if self.lane_weights else leaf, self.weights)
        A, A_gather = _view_or_buffer(V, self.inputs)
        b, b_gather = _view_or_buffer(leaf, self.bias[:, None]) if self.bias_leaf else _view_or_buffer(V, self.bias)
        gathers = [g for g in (W_gather, A_gather, b_gather) if g]
        dW = np.empty((m, n) if self.summed and not self.lane_weights else (m, n, V.shape[1]))
        n_params = len(params)
        dW_to = _strided(params, self.weights) if not self.lane_weights and (self.weights < n_params).all() else None
        db_to = _strided(params, self.bias) if self.bias_leaf and (self.bias < n_params).all() else None
        return W, A, b, gathers, dW, dW_to, db_to

    def forward(self, V: Any, leaf: Any, scratch: tuple) -> None:
        import numpy as np

        W, A, b, gathers, products = scratch[:5]  # products: dL/dW's buffer, free during the forward
        _fill(gathers)
        Z = V[self.start:self.stop]
        if self.lane_weights:
            np.multiply(W, A, out=products)
            products.sum(axis=1, out=Z)
        else:
            np.matmul(W, A, out=Z)
        Z += b

    def backward(self, V: Any, G: Any, params: Any, scratch: tuple) -> None:
        import numpy as np

        W, A, _, _, dW, dW_to, db_to = scratch
        delta = G[self.start:self.stop]
        if self.input_rounds:
            if self.lane_weights:
                np.multiply(W, delta[:, None, :], out=dW)
                _add(G, self.input_rounds, dW.sum(axis=0))
            else:
                _add(G, self.input_rounds, W.T @ delta)
        if self.weight_rounds:
            if self.summed and not self.lane_weights:
                np.matmul(delta, A.T, out=dW)
            else:
                np.multiply(delta[:, None, :], A[None, :, :], out=dW)
            if dW_to is not None:  # every weight a parameter, each once, stored evenly: a view
                dW_to += dW
            else:
                _add(G if self.lane_weights else params, self.weight_rounds,
                     dW.reshape(-1) if dW.ndim == 2 else dW.reshape(-1, dW.shape[2]))
        if self.bias_rounds:
            if not self.bias_leaf:
                _add(G, self.bias_rounds, delta)
                return
            db = delta.sum(axis=1) if self.summed else delta
            if db_to is not None:
                db_to += db
            else:
                _add(params, self.bias_rounds, db)


def _strided(base: Any, index: Any) -> Any:
    """``base[index]`` (positions along base's first axis, `index` of any shape) as a view of base when
    the positions are all different and step evenly along each axis of `index`, else None. A layer's
    weights stored neuron after neuron (w_j1..w_jn, b_j, w_(j+1)1, ...) are such a view: no gather."""
    import numpy as np
    from numpy.lib.stride_tricks import as_strided

    index = np.asarray(index, dtype=np.intp)
    if index.size == 0 or len(np.unique(index)) != index.size:
        return None
    first = int(index.flat[0])
    steps = [int(np.take(index, 1, axis=a).flat[0]) - first if index.shape[a] > 1 else 0 for a in range(index.ndim)]
    grid = np.indices(index.shape)
    if min(steps) < 0 or not np.array_equal(first + sum(g * s for g, s in zip(grid, steps)), index):
        return None
    return as_strided(base[first:], shape=index.shape + base.shape[1:],
                      strides=tuple(s * base.strides[0] for s in steps) + base.strides[1:])


def _sum_inputs(node: Value) -> tuple[Value, ...]:
    """The inputs a_1..a_n of a weighted sum (the nodes its weights multiply); () for any other node."""
    if node.operation is not ops.WeightedSum:
        return ()
    n = len(node.parents) // 2
    return node.parents[n:2 * n]


def _few(kinds: int, terms: int) -> bool:
    """Whether `kinds` matrix products of `terms` columns each cost less than one elementwise call for
    them all: a matrix product costs about as much Python as a few elementwise operations, and an
    elementwise weighted sum takes about three per term. (Weighted sums over sliding patches, as a
    convolution's, have one input list each: those stay elementwise.)"""
    return kinds <= max(4, terms // 4)


class _Workspace:
    """Scratch arrays for one batch size and plan: node values V and gradients G (one row per node,
    one column per lane), the leaves' values, the parameters' gradients, and each group's buffers."""

    def __init__(self, replay: Replay, plan: list, batch: int, summed: bool) -> None:
        import numpy as np

        self.V = np.empty((replay._n_rows, batch))
        self.G = np.empty_like(self.V)
        self.leaf = np.empty(replay._n_leaves)
        self.leaf[len(replay._read):] = replay._constants
        constants = slice(replay._n_inputs + replay._n_spread_read, replay._first)
        self.V[constants] = self.leaf[replay._spread[replay._n_spread_read:]][:, None]
        self.params = np.empty(len(replay.params) if summed else (len(replay.params), batch))
        self.plan = plan
        self.scratch = [g.scratch(self.V, self.leaf, self.params) for g in plan]


class Replay:
    """A traced scalar graph, compiled to run over a batch: see the module docstring.

    Made by `compile`. Parameters' (and other non-constant leaves') values are read at every run,
    never baked in: update them between runs as training does. Its only mutable state is scratch
    memory, per thread and per batch size, reused from run to run (allocating the arrays afresh
    costs more in page faults than the arithmetic); results are always copies, so one Replay may
    serve several threads. `explain()` lists its groups: which run as matrix products.
    """

    def __init__(self, order: list[Value], inputs: tuple[Value, ...], params: tuple[Value, ...],
                 fixed: tuple[Value, ...], constants: list[Value], outputs: tuple[Value, ...] = ()) -> None:
        import numpy as np

        self.inputs, self.params = inputs, params
        self._read = params + fixed  # `fixed`: leaves neither input, parameter nor constant (no gradient)
        # Packs their floats into the leaves' array in one call: a third of the time of building an array
        # from a list of floats (numpy or array.array); float64 is the C double struct writes.
        self._pack = struct.Struct(f"{len(self._read)}d")
        n_in, n_params = len(inputs), len(params)
        self._n_inputs = n_in
        self._constants = np.array([c.data for c in constants], dtype=float)
        leaf = {id(v): i for i, v in enumerate((*self._read, *constants))}  # index into the leaves' values
        self._n_leaves = len(leaf)
        position = {id(v): k for k, v in enumerate(order)}
        interior = [node for node in order if node.operation is not None]
        depth: dict[int, int] = {}
        for node in interior:
            depth[id(node)] = 1 + max((depth.get(id(p), 0) for p in node.parents), default=0)
        # Weighted sums of one depth and length split by the inputs they read (and whether their weights are
        # leaves): each part a matrix product, unless there would be many parts (`_few`).
        base = {id(n): (depth[id(n)], n.op, len(n.parents)) for n in interior}
        part = {id(n): (tuple(position[id(a)] for a in _sum_inputs(n)),
                        not all(id(w) in leaf for w in n.parents[:len(n.parents) // 2])) for n in interior}
        kinds: dict[tuple, set] = {}
        for n in interior:
            if part[id(n)][0]:
                kinds.setdefault(base[id(n)], set()).add(part[id(n)])
        self._spread_out = {k: len(v) for k, v in kinds.items() if not _few(len(v), (k[2] - 1) // 2)}
        fused = {id(n) for n in interior if part[id(n)][0] and base[id(n)] not in self._spread_out}
        matrix_inputs = {id(n): _sum_inputs(n) if id(n) in fused else () for n in interior}
        key = {id(n): base[id(n)] + (part[id(n)] if id(n) in fused else ((), False)) for n in interior}
        interior.sort(key=lambda n: key[id(n)])  # a stable sort: each group keeps its nodes' order
        groups = [list(members) for _, members in itertools.groupby(interior, key=lambda n: key[id(n)])]
        # Each group's nodes in the order their first reader reads them (a layer's activations as the next
        # layer's weighted sums take them): a group's operands are then consecutive rows, read as views.
        reader: dict[int, tuple[int, ...]] = {}
        for g in range(len(groups) - 1, -1, -1):
            groups[g].sort(key=lambda n: reader.get(id(n), (len(groups), position[id(n)])))
            for j, node in enumerate(groups[g]):
                n = len(matrix_inputs[id(node)])  # a shared input list is read in one order by the whole group
                for i, p in enumerate(node.parents):
                    reader.setdefault(id(p), (g, 0 if n <= i < 2 * n else j, i))
        # Leaves get a row (their value in every lane) only where a node reads them elementwise, as an input
        # of a weighted sum or a bias that is not a leaf's; a matrix product reads weights off the leaves' values.
        bias_leaf = [all(id(node.parents[-1]) in leaf for node in members) for members in groups]
        spread = {leaf[id(v)] for v in (order[-1], *outputs) if id(v) in leaf}
        for members, leaf_biases in zip(groups, bias_leaf):
            matrix, lane_weights = matrix_inputs[id(members[0])], key[id(members[0])][-1]
            n = len(matrix)
            reads = [p for node in members for p in node.parents] if not matrix else [
                *matrix, *([] if leaf_biases else [node.parents[-1] for node in members]),
                *([w for node in members for w in node.parents[:n]] if lane_weights else [])]
            spread |= {leaf[id(p)] for p in reads if id(p) in leaf}
        self._spread = np.array(sorted(spread), dtype=np.intp)  # parameters first, then other leaves, constants
        self._n_spread_params = int(np.searchsorted(self._spread, n_params))
        self._n_spread_read = int(np.searchsorted(self._spread, len(self._read)))
        row = {id(v): r for r, v in enumerate(inputs)}
        leaves = (*self._read, *constants)
        row |= {id(leaves[i]): n_in + r for r, i in enumerate(self._spread.tolist())}
        self._first = first = n_in + len(self._spread)
        r = first
        for members in groups:
            for node in members:
                row[id(node)] = r
                r += 1
        self._n_rows = r
        # Two plans, differing in whose gradient is wanted and how: run() sums the lanes and needs no
        # gradient for the inputs; gradients() keeps every lane.
        self._plans: dict[bool, list] = {}
        for summed in (True, False):
            needs_grad = np.zeros(self._n_rows, dtype=bool)
            needs_grad[first:] = True
            needs_grad[n_in:n_in + self._n_spread_params] = True
            needs_grad[:n_in] = not summed
            plan: list = []
            start = first
            for members, leaf_biases in zip(groups, bias_leaf):
                matrix, lane_weights = matrix_inputs[id(members[0])], key[id(members[0])][-1]
                if matrix:
                    n = len(matrix)
                    weights = np.array([[(row if lane_weights else leaf)[id(w)] for w in node.parents[:n]]
                                        for node in members], dtype=np.intp)
                    bias = np.array([(leaf if leaf_biases else row)[id(node.parents[-1])] for node in members],
                                    dtype=np.intp)
                    plan.append(_Matrix(start, weights, np.array([row[id(a)] for a in matrix], dtype=np.intp),
                                        bias, leaf_biases, needs_grad, n_params, summed, lane_weights))
                else:
                    operand_rows = np.array([[row[id(p)] for p in n.parents] for n in members], dtype=np.intp).T
                    plan.append(_Elementwise(members[0].operation, start, operand_rows.copy(), needs_grad,
                                             self._spread_out.get(base[id(members[0])], 0)))
                start += len(members)
            self._plans[summed] = plan
        self._root = row[id(order[-1])]
        self._output_rows = np.array([row[id(v)] for v in outputs], dtype=np.intp)
        self.size = len(order)
        self._scratch = threading.local()

    def __repr__(self) -> str:
        plan = self._plans[True]
        matrices = sum(isinstance(g, _Matrix) and not g.lane_weights for g in plan)
        return (f"Replay({self.size} nodes in {len(plan)} groups ({matrices} matrix product{'s' * (matrices != 1)}), "
                f"{self._n_inputs} inputs, {len(self.params)} parameters)")

    def explain(self) -> str:
        """Each group in the order it runs: which weighted sums run as matrix products (z = W a + b, W's
        size) and which nodes run elementwise (one call to their operation for the group, every lane)."""
        return "\n".join([repr(self), *(f"  {k}. {g.describe()}" for k, g in enumerate(self._plans[True], start=1))])

    def _lanes(self, X: Any) -> Any:
        import numpy as np

        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self._n_inputs or X.shape[0] == 0:
            raise ValueError(f"a batch is an array of shape (batch, {self._n_inputs}): one row per example, "
                             f"one column per input; got shape {X.shape}")
        return X

    def _workspace(self, batch: int, summed: bool) -> _Workspace:
        spaces = self._scratch.__dict__.setdefault("spaces", {})
        if (batch, summed) not in spaces:
            if len(spaces) >= 4:  # a few batch sizes (a last, shorter batch) are normal; more are not kept
                spaces.clear()
            spaces[batch, summed] = _Workspace(self, self._plans[summed], batch, summed)
        return spaces[batch, summed]

    def _forward(self, X: Any, summed: bool = True) -> _Workspace:
        w = self._workspace(X.shape[0], summed)
        V, leaf = w.V, w.leaf
        n_in = self._n_inputs
        V[:n_in] = X.T
        # The slots behind `data` (floats, checked on assignment), as the engine reads them: the fastest read.
        self._pack.pack_into(leaf, 0, *[v._data for v in self._read])
        V[n_in:n_in + self._n_spread_read] = leaf[self._spread[:self._n_spread_read]][:, None]
        for g, scratch in zip(w.plan, w.scratch):
            g.forward(V, leaf, scratch)
        return w

    def _backward(self, w: _Workspace) -> Any:
        """Gradients: G for the rows, and the parameters' (summed over the lanes, or per lane) with
        their rows' added: returned."""
        V, G, params = w.V, w.G, w.params
        G.fill(0.0)
        G[self._root] = 1.0
        params.fill(0.0)
        for g, scratch in zip(reversed(w.plan), reversed(w.scratch)):
            g.backward(V, G, params, scratch)
        n_in, spread = self._n_inputs, self._spread[:self._n_spread_params]
        rows = G[n_in:n_in + len(spread)]
        params[spread] += rows.sum(axis=1) if params.ndim == 1 else rows
        return params

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
            V = self._forward(self._lanes(X)).V  # no backward: the lighter plan
        return V[rows].copy()

    def gradients(self, X: Any) -> tuple[Any, Any, Any]:
        """Per lane: the root's values (batch,), d root/d parameter (batch, parameters) and
        d root/d input (batch, inputs) -- what one scalar backward() per example would give."""
        import numpy as np

        with np.errstate(all="ignore"):
            w = self._forward(self._lanes(X), summed=False)
            params = self._backward(w)
        return w.V[self._root].copy(), params.T.copy(), w.G[:self._n_inputs].T.copy()

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
            w = self._forward(self._lanes(X))
            grads = self._backward(w).copy()
            batch = w.V.shape[1]
            loss = w.V[self._root].sum()
            if reduction == "mean":
                loss, grads = loss / batch, grads / batch
        if accumulate:
            for p, g in zip(self.params, grads.tolist()):
                p._grad += g  # the slot behind `grad`: g is a float
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
    fixed = tuple(v for v in in_graph if v not in kind and not v.is_constant)
    constants = [v for v in in_graph if v not in kind and v.is_constant]
    kind |= dict.fromkeys(fixed, "a leaf") | dict.fromkeys(constants, "constant")
    for trace, (other_root, other_inputs) in enumerate(check, start=1):
        if not isinstance(other_root, Value) or len(other_inputs) != len(inputs):
            raise TypeError(f"check trace {trace} must be a (root Value, inputs) pair with {len(inputs)} inputs")
        _compare(order, index, inputs, kind, other_root, other_inputs, trace)
    return Replay(order, inputs, params, fixed, constants, outputs)

