"""Build a small expression, backpropagate, and print every node's value and gradient.

    python demos/expression.py
"""

from __future__ import annotations

import argparse

from autograd_lite import Value, topological_order


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    print(f"o = tanh(x1*w1 + x2*w2 + b) = {o.data:.6f}\n")
    print(f"{'node':<8}{'op':<6}{'data':>12}{'grad':>12}")
    for node in topological_order(o):
        name = node.label or ("const" if node.is_constant else "-")
        print(f"{name:<8}{node.op:<6}{node.data:>12.6f}{node.grad:>12.6f}")


if __name__ == "__main__":
    main()
