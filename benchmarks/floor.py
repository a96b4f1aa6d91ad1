"""How fast can a pure-Python engine of this shape be? A stripped-down Value against micrograd.

    .venv/bin/python benchmarks/floor.py            # chain and wide, 10^4 and 10^5 nodes (about a minute)

The issue's speed target (>= 5x micrograd per node, 10^4 to 10^6 nodes) is measured by
`benchmarks/engine.py`. This script asks what any engine that keeps the issue's design could reach:
a node object per operation with its operands in a ``parents`` tuple, a leaf per number mixed in, an
iterative topological sort. `LeanValue` below is that design with everything else taken out: only
``+`` and ``*``, its operator bodies written out by hand (no shared node constructor, no modes, no
anomaly checks, no op table, no labels checked), a Python call to the operation's derivative per
node. It is not usable as an engine; it is the measuring stick. Same graphs, same method
(interleaved runs, untimed gc.collect() first, medians) as `engine.py`, whose functions it reuses.
"""

from __future__ import annotations

import argparse
import sys

from engine import ENGINES, in_big_thread, timings

_new = object.__new__


def _mul_locals(out: float, a: float, b: float) -> tuple[float, float]:
    return (b, a)


def _add_locals(out: float, a: float, b: float) -> tuple[float, float]:
    return (1.0, 1.0)


class LeanValue:
    """Just enough of a Value for the benchmark graphs: data, grad, parents and a derivative."""

    __slots__ = ("data", "grad", "parents", "_locals")

    def __init__(self, data: float) -> None:
        self.data, self.grad, self.parents, self._locals = float(data), 0.0, (), None

    def __mul__(self, other: LeanValue | float) -> LeanValue:
        if type(other) is not LeanValue:
            other = LeanValue(other)
        out = _new(LeanValue)
        out.data, out.grad, out.parents, out._locals = self.data * other.data, 0.0, (self, other), _mul_locals
        return out

    def __add__(self, other: LeanValue | float) -> LeanValue:
        if type(other) is not LeanValue:
            other = LeanValue(other)
        out = _new(LeanValue)
        out.data, out.grad, out.parents, out._locals = self.data + other.data, 0.0, (self, other), _add_locals
        return out

    def backward(self) -> None:
        visited: set[LeanValue] = set()
        order: list[LeanValue] = []
        stack: list[LeanValue | None] = [self]
        push, pop, emit, mark = stack.append, stack.pop, order.append, visited.add
        while stack:
            node = pop()
            if node is None:
                emit(pop())
            elif node not in visited:
                mark(node)
                push(node)
                push(None)
                for p in node.parents:
                    if p._locals is not None and p not in visited:
                        push(p)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            a, b = node.parents
            da, db = node._locals(node.data, a.data, b.data)
            a.grad += da * node.grad
            b.grad += db * node.grad


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^4 nodes only")
    args = parser.parse_args(argv)
    if "micrograd" not in ENGINES:
        sys.exit("needs micrograd 0.1.0: pip install -e .[bench]")
    engines = {"lean": LeanValue, **ENGINES}
    sizes = {10**4: 21} if args.quick else {10**4: 21, 10**5: 5}
    rows = in_big_thread(lambda: timings(sizes, engines))
    print(f"Total (forward + backward) µs per node, medians (Python {sys.version.split()[0]}):\n")
    print("| graph | nodes | lean | autograd_lite | micrograd | lean vs micrograd | autograd_lite vs micrograd |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        lean, ours, peer = (row[name][2] for name in ("lean", "autograd_lite", "micrograd"))
        print(f"| {row['graph']} | {row['nodes']:,} | {1e6 * lean:.2f} | {1e6 * ours:.2f} | {1e6 * peer:.2f} "
              f"| {peer / lean:.1f}x | {peer / ours:.1f}x |")


if __name__ == "__main__":
    main()
