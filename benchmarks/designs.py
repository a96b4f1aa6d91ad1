"""How fast can a pure-Python scalar engine be? Several designs, measured side by side with micrograd.

    .venv/bin/python benchmarks/designs.py            # the 16,000-node mixed graph, 10^4 and 10^5 chains (minutes)
    .venv/bin/python benchmarks/designs.py --quick    # smaller, fewer runs

Each design below is a minimal engine with only what the graphs need (+, *, relu, backward), so
that it measures a *shape* of engine, not a feature set. Same graphs and method as
`benchmarks/engine.py` (whose functions this reuses): interleaved runs, an untimed gc.collect()
before each, the collector on, medians, micrograd's time over the design's in the same run.

- ``tuple``: the first autograd_lite design -- operands in a ``parents`` tuple (two GC-tracked
  objects per node), the op table's local derivatives called at every node, a visited set.
- ``autograd_lite``: the engine itself -- two operand slots (one object per node), node building
  and the chain-rule step generated from the op table, numbers folded into the node until
  ``parents`` is asked for, the backward order by a creation number (a breadth-first walk with a
  visited set, then a sort).
- ``stored``: local derivatives computed in the forward pass and kept on the node (two more slots),
  one uniform backward loop with no call per node, a visit stamp instead of a set.
- ``folded``: ``stored`` plus numbers folded into the operation (``y * 0.5`` keeps 0.5 in the node,
  no constant leaf): the fewest objects per node a node-per-operation engine can have.

The last two give up what autograd_lite keeps: derivatives computed by the table only when a
backward pass needs them (``stored`` does the work for every forward, backpropagated or not, and
holds two more numbers per node), PyTorch's gradient formulas to the bit (a stored local derivative
is multiplied by the upstream gradient afterwards, as in ``0 * nan``), and constants as nodes the
stepper and the diagrams can show. They bound what the design costs.
"""

from __future__ import annotations

import argparse
import statistics
import sys

from engine import ENGINES, in_big_thread, memory_per_node, time_once

from autograd_lite import floatmath, ops

_new = object.__new__


class TupleValue:
    """Operands in a tuple, local derivatives from the op table at each node, a visited set."""

    __slots__ = ("data", "grad", "parents", "op")

    def __init__(self, data, parents=(), op=None):
        self.data, self.grad, self.parents, self.op = data, 0.0, parents, op

    def _make(self, other, op):
        other = other if isinstance(other, TupleValue) else TupleValue(float(other))
        return TupleValue(op.forward(floatmath, self.data, other.data), (self, other), op)

    def __add__(self, other):
        return self._make(other, ops.Add)

    def __mul__(self, other):
        return self._make(other, ops.Mul)

    def relu(self):
        return TupleValue(floatmath.relu(self.data), (self,), ops.Relu)

    def backward(self):
        order, visited, stack = [], set(), [self]
        pop, emit, mark = stack.pop, order.append, visited.add
        while stack:
            node = pop()
            if node is None:
                emit(pop())
                continue
            if node in visited:
                continue
            mark(node)
            stack += (node, None)
            stack += [p for p in node.parents if p.parents and p not in visited]
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            g = node.grad
            local = node.op.backward(floatmath, 1.0, node.data, *[p.data for p in node.parents])
            for p, d in zip(node.parents, local):
                p.grad += d * g


class StoredValue:
    """Local derivatives computed in the forward pass and kept on the node; a visit stamp."""

    __slots__ = ("data", "grad", "a", "b", "da", "db", "stamp")

    def __init__(self, data):
        self.data, self.grad, self.a, self.b, self.stamp = data, 0.0, None, None, None

    def __add__(self, other):
        if type(other) is not StoredValue:
            other = StoredValue(float(other))
        out = _new(StoredValue)
        out.data, out.grad, out.a, out.b, out.da, out.db, out.stamp = (
            self.data + other.data, 0.0, self, other, 1.0, 1.0, None)
        return out

    def __mul__(self, other):
        if type(other) is not StoredValue:
            other = StoredValue(float(other))
        out = _new(StoredValue)
        out.data, out.grad, out.a, out.b, out.da, out.db, out.stamp = (
            self.data * other.data, 0.0, self, other, other.data, self.data, None)
        return out

    def relu(self):  # FoldedValue's too, hence type(self): about 10 ns a relu node, 1 node in 8 of `mixed`
        out = _new(type(self))
        out.data, out.grad, out.a, out.b, out.da, out.db, out.stamp = (
            floatmath.relu(self.data), 0.0, self, None, 1.0 if self.data > 0 else 0.0, 0.0, None)
        return out

    def backward(self):
        stamp, order, stack = object(), [], [self]
        while stack:
            node = stack.pop()
            if node is None:
                order.append(stack.pop())
            elif node.stamp is not stamp:
                node.stamp = stamp
                stack += (node, None)
                for p in (node.a, node.b):
                    if p is not None and p.a is not None and p.stamp is not stamp:
                        stack.append(p)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            g = node.grad
            node.a.grad += node.da * g
            if node.b is not None:
                node.b.grad += node.db * g


class FoldedValue(StoredValue):
    """`StoredValue` with a number kept in the node instead of a constant leaf (its slot b is None): only
    + and *, where a number can come in, differ."""

    __slots__ = ()

    def __add__(self, other):
        out = _new(FoldedValue)
        if type(other) is FoldedValue:
            out.data, out.grad, out.a, out.b, out.da, out.db, out.stamp = (
                self.data + other.data, 0.0, self, other, 1.0, 1.0, None)
        else:
            out.data, out.grad, out.a, out.b, out.da, out.db, out.stamp = (
                self.data + other, 0.0, self, None, 1.0, 0.0, None)
        return out

    def __mul__(self, other):
        out = _new(FoldedValue)
        if type(other) is FoldedValue:
            out.data, out.grad, out.a, out.b, out.da, out.db, out.stamp = (
                self.data * other.data, 0.0, self, other, other.data, self.data, None)
        else:
            out.data, out.grad, out.a, out.b, out.da, out.db, out.stamp = (
                self.data * other, 0.0, self, None, other, 0.0, None)
        return out


DESIGNS: dict[str, type] = {"tuple": TupleValue, "autograd_lite": ENGINES["autograd_lite"],
                            "stored": StoredValue, "folded": FoldedValue}


def study(sizes: list[tuple[str, int, int]], memory_size: int) -> str:
    """Time every design and micrograd on each (graph, nodes, runs); memory per node on chains."""
    engines = {**DESIGNS, **({"micrograd": ENGINES["micrograd"]} if "micrograd" in ENGINES else {})}
    peer = "micrograd" if "micrograd" in engines else None
    names = list(DESIGNS)
    out = [f"Forward + backward time per node (Python {sys.version.split()[0]}): speed-up = the median of "
           f"{peer or 'micrograd'}'s time over the design's, repetition by repetition:", "",
           "| graph | nodes | runs | " + " | ".join(names) + " |", "|" + " --- |" * (3 + len(names))]
    for graph, n, runs in sizes:
        times: dict[str, list[float]] = {name: [] for name in engines}
        for r in range(runs):
            for name in (list(engines) if r % 2 == 0 else list(engines)[::-1]):
                V = engines[name]
                forward, backward = in_big_thread(lambda V=V, graph=graph, n=n: time_once(V, graph, n))
                times[name].append(forward + backward)
        # As engine.py: micrograd's time over the design's in the same repetition, the median of those.
        cells = [f"{statistics.median(p / t for p, t in zip(times[peer], times[name])):.1f}x" if peer
                 else f"{1e6 * statistics.median(times[name]) / n:.2f} µs" for name in names]
        out.append(f"| {graph} | {n:,} | {runs} | " + " | ".join(cells) + " |")
    memory = {name: in_big_thread(lambda V=V: memory_per_node(V, "chain", memory_size)) for name, V in DESIGNS.items()}
    out += ["", f"Memory per node on a {memory_size:,}-node chain after backward (tracemalloc): "
            + ", ".join(f"{name} {b:.0f} B" for name, b in memory.items()) + "."]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer runs")
    args = parser.parse_args(argv)
    if args.quick:
        print(study([("mixed", 16000, 7), ("chain", 10**4, 7)], memory_size=10**4))
    else:
        print(study([("mixed", 16000, 21), ("chain", 10**4, 21), ("chain", 10**5, 5)], memory_size=10**5))


if __name__ == "__main__":
    main()
