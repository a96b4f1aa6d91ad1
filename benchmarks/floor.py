"""How fast can a pure-Python engine of this shape be? A stripped-down Value against micrograd.

    .venv/bin/python benchmarks/floor.py            # chain and wide, 10^4 and 10^5 nodes (about a minute)

The issue's speed target (>= 5x micrograd per node, 10^4 to 10^6 nodes) is measured by
`benchmarks/engine.py`. This script asks what any engine that keeps the issue's design could reach:
a node object per operation with its operands in a ``parents`` tuple, a leaf per number mixed in, an
iterative topological sort. `LeanValue` below is autograd_lite's own Value, topological sort and op
table with everything else taken out: only ``+`` and ``*``, their node construction written out in
the operators (no shared constructor, no constant-leaf helper, no modes, no anomaly checks) and the
chain rule inlined in the backward loop (no shared step for the stepper). It is not usable as an
engine; it is the measuring stick. Same graphs, same method (interleaved runs, untimed
gc.collect() first, medians) as `engine.py`, whose functions it reuses.
"""

from __future__ import annotations

import argparse
import sys

from engine import ENGINES, in_big_thread, timings

from autograd_lite import Value, ops, topological_order

_new = object.__new__


class LeanValue(Value):
    """autograd_lite's Value with + and * written out: no make(), lift() or chain_rule_step(), no modes."""

    __slots__ = ()

    def __mul__(self, other: LeanValue | float) -> LeanValue:
        if type(other) is not LeanValue:
            other = LeanValue(other)
        out = _new(LeanValue)
        out.data, out.grad, out.label, out.parents, out._fn = self.data * other.data, 0.0, "", (self, other), ops.Mul
        return out

    def __add__(self, other: LeanValue | float) -> LeanValue:
        if type(other) is not LeanValue:
            other = LeanValue(other)
        out = _new(LeanValue)
        out.data, out.grad, out.label, out.parents, out._fn = self.data + other.data, 0.0, "", (self, other), ops.Add
        return out

    def backward(self) -> None:
        order = topological_order(self, leaves=False)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            a, b = node.parents
            da, db = node._fn.backward(None, node.data, a.data, b.data)
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
